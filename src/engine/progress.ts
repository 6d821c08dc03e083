/** Progress of a conversion (and of a verification, src/verify/verify.ts), reported through a callback as units of work complete. */

export type Stage = "open" | "planes" | "tiles" | "finish";

export interface Progress {
  readonly stage: Stage;
  /** Fraction of the whole conversion done, 0..1. */
  readonly fraction: number;
  /** Bytes of input data processed so far. */
  readonly bytesProcessed: number;
  /** Bytes of input data in all. */
  readonly bytesTotal: number;
  /** Seconds since the conversion started. */
  readonly elapsed: number;
}

export type ProgressCallback = (progress: Progress) => void;

/**
 * Weights of the two passes in the overall fraction: the plane pass reads, computes and writes
 * everything; the tile pass (cubes only) computes and writes the rotated copy.
 */
export class ProgressTracker {
  readonly #start = performance.now();
  readonly #callback: ProgressCallback | undefined;
  readonly #bytesTotal: number;
  readonly #tileWeight: number;
  #bytes = 0;

  constructor(callback: ProgressCallback | undefined, bytesTotal: number, hasTilePass: boolean) {
    this.#callback = callback;
    this.#bytesTotal = bytesTotal;
    this.#tileWeight = hasTilePass ? 0.4 : 0;
  }

  get elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  report(stage: Stage, stageFraction: number, bytesProcessed = this.#bytes): void {
    this.#bytes = bytesProcessed;
    if (this.#callback === undefined) return;
    const planeWeight = 1 - this.#tileWeight;
    const fraction =
      stage === "open" ? 0 :
      stage === "planes" ? planeWeight * stageFraction :
      stage === "tiles" ? planeWeight + this.#tileWeight * stageFraction :
      1;
    this.#callback({
      stage,
      fraction: Math.min(1, Math.max(0, fraction)),
      bytesProcessed: this.#bytes,
      bytesTotal: this.#bytesTotal,
      elapsed: this.elapsed,
    });
  }
}

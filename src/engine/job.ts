/**
 * What the passes of a conversion share: the open image, the schema layout, the writer, the
 * clock of each kind of work, progress, cancellation and reusable conversion buffers.
 */
import type { FitsImage } from "../fits/image.js";
import type { Hdf5Writer } from "../hdf5/writer.js";
import type { Layout } from "../schema/layout.js";
import type { ConvertOptions } from "./convert.js";
import type { ProgressTracker } from "./progress.js";
import type { UnitPool } from "./pool.js";
import type { ConversionScratch } from "./stats-store.js";

export interface Job {
  readonly image: FitsImage;
  readonly layout: Layout;
  readonly writer: Hdf5Writer;
  readonly timer: Timer;
  readonly progress: ProgressTracker;
  readonly signal: AbortSignal | undefined;
  readonly options: ConvertOptions;
  readonly scratch: ConversionScratch;
  /** Runs the units of work (worker threads, or inline for one thread). */
  readonly pool: UnitPool;
}


/** Seconds spent reading input, computing and writing output. */
export class Timer {
  read = 0;
  compute = 0;
  write = 0;
  async time<T>(kind: "read" | "compute" | "write", work: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this[kind] += (performance.now() - start) / 1000;
    }
  }
  timeSync<T>(kind: "read" | "compute" | "write", work: () => T): T {
    const start = performance.now();
    try {
      return work();
    } finally {
      this[kind] += (performance.now() - start) / 1000;
    }
  }
}


/** Keep the last `keep` entries of a [stokes, depth, height, width]-style list. */
export const trim = <T>(full: readonly T[], keep: number): T[] => full.slice(full.length - keep);


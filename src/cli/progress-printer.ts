/**
 * Progress for `-p`: a live bar (stage, percent, throughput, ETA) redrawn in place on a
 * terminal; plain timestamped lines, one every few percent, when stderr is a file (srun, sbatch).
 */
import type { Progress } from "../engine/progress.js";

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

const MB = 1e6;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(rest).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressPrinter {
  readonly #sink: ProgressSink;
  readonly #step: number;
  readonly #now: () => Date;
  #lastPercent = -Infinity;
  #lastDraw = 0;
  #drawn = false;

  constructor(sink: ProgressSink, options: { stepPercent?: number; now?: () => Date } = {}) {
    this.#sink = sink;
    this.#step = options.stepPercent ?? 5;
    this.#now = options.now ?? (() => new Date());
  }

  update(p: Progress): void {
    const percent = p.fraction * 100;
    const rate = p.elapsed > 0 ? p.bytesProcessed / MB / p.elapsed : 0;
    const eta = p.fraction > 0 ? (p.elapsed * (1 - p.fraction)) / p.fraction : Infinity;
    if (this.#sink.isTTY) {
      const now = performance.now();
      if (now - this.#lastDraw < 100 && p.fraction < 1) return;
      this.#lastDraw = now;
      const width = 30;
      const filled = Math.round((width * percent) / 100);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      this.#sink.write(`\r${p.stage.padEnd(6)} [${bar}] ${percent.toFixed(1).padStart(5)}%  ${rate.toFixed(0)} MB/s  ETA ${formatDuration(eta)} `);
      this.#drawn = true;
      return;
    }
    if (percent < this.#lastPercent + this.#step && p.fraction < 1) return;
    if (percent === this.#lastPercent) return;
    this.#lastPercent = percent;
    this.#sink.write(`${this.#now().toISOString()} ${p.stage} ${percent.toFixed(0)}% ${rate.toFixed(0)} MB/s ETA ${formatDuration(eta)}\n`);
  }

  /** End the live line (if any) so that later output starts on a new line. */
  finish(): void {
    if (this.#drawn) this.#sink.write("\n");
    this.#drawn = false;
  }

  /** A plain line of its own (the bar, if drawn, is ended first). */
  line(text: string): void {
    this.finish();
    this.#sink.write(this.#sink.isTTY ? `${text}\n` : `${this.#now().toISOString()} ${text}\n`);
  }
}

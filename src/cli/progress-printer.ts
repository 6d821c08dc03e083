/**
 * Progress for `-p`, on stderr: a live bar (stage, percent, throughput, ETA) redrawn in place on
 * a terminal; plain timestamped lines when stderr is a file (srun, sbatch), one when a stage
 * starts and one every few percent, so that a log stays short however long the run. Lines of
 * their own (the mode chosen, warnings, the final summary) are timestamped in a file too.
 */
import type { ConvertReport } from "../engine/convert.js";
import type { KernelsChoice } from "../engine/kernel-set.js";
import type { ConversionPlan } from "../engine/plan.js";
import type { Progress, Stage } from "../engine/progress.js";
import { formatGB } from "../config/size.js";

export interface ProgressSink {
  write(text: string): void;
  /** A terminal: the bar is redrawn in place. Otherwise: timestamped lines. */
  readonly isTTY?: boolean;
}

export interface ProgressPrinterOptions {
  /** Percent of the whole between two lines in a file (default 5). */
  stepPercent?: number;
  /** Least milliseconds between two redraws of the bar (default 100). */
  redrawMs?: number;
  /** The clock (for tests). */
  now?: () => Date;
}

const MB = 1e6;
const BAR_WIDTH = 30;

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

/** Input MB per second so far, and the seconds left at that pace (Infinity when unknown). */
function rates(p: Progress): { rate: number; eta: number } {
  const rate = p.elapsed > 0 ? p.bytesProcessed / MB / p.elapsed : 0;
  const eta = p.fraction >= 1 ? 0 : p.fraction > 0 ? (p.elapsed * (1 - p.fraction)) / p.fraction : Infinity;
  return { rate, eta };
}

export class ProgressPrinter {
  readonly #sink: ProgressSink;
  readonly #step: number;
  readonly #redrawMs: number;
  readonly #now: () => Date;
  #lastPercent = -Infinity;
  #lastStage: Stage | undefined;
  #lastDraw = -Infinity;
  #drawn = false;

  constructor(sink: ProgressSink, options: ProgressPrinterOptions = {}) {
    this.#sink = sink;
    this.#step = options.stepPercent ?? 5;
    this.#redrawMs = options.redrawMs ?? 100;
    this.#now = options.now ?? (() => new Date());
  }

  update(p: Progress): void {
    const percent = p.fraction * 100;
    const { rate, eta } = rates(p);
    const stageChanged = p.stage !== this.#lastStage;
    this.#lastStage = p.stage;
    if (this.#sink.isTTY) {
      const now = this.#now().getTime();
      if (!stageChanged && p.fraction < 1 && now - this.#lastDraw < this.#redrawMs) return;
      this.#lastDraw = now;
      const filled = Math.min(BAR_WIDTH, Math.round((BAR_WIDTH * percent) / 100));
      const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
      // \r back to the start of the line; ESC[K clears what a longer previous draw left.
      this.#sink.write(
        `\r${p.stage.padEnd(6)} [${bar}] ${percent.toFixed(1).padStart(5)}%  ${rate.toFixed(0)} MB/s  ETA ${formatDuration(eta)}\x1b[K`,
      );
      this.#drawn = true;
      return;
    }
    // In a file: a line when a stage starts (the opening one is implied by the mode line),
    // then every `step` percent, and at 100% once.
    const due = percent >= this.#lastPercent + this.#step || (p.fraction >= 1 && this.#lastPercent < 100);
    if (p.stage === "open" || (!stageChanged && !due)) return;
    this.#lastPercent = percent;
    this.#sink.write(
      `${this.#now().toISOString()} ${p.stage} ${percent.toFixed(0)}% (elapsed ${formatDuration(p.elapsed)}, ${rate.toFixed(0)} MB/s, ETA ${formatDuration(eta)})\n`,
    );
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

/** `Mode: slow — fast mode would need …. Threads: 10 (SLURM_CPUS_PER_TASK=10)`. */
export function modeLine(plan: Pick<ConversionPlan, "mode" | "reason" | "threads" | "threadsDetail">): string {
  return `Mode: ${plan.mode} — ${plan.reason}. Threads: ${plan.threads} (${plan.threadsDetail})`;
}

/** `Kernels: native (C++ addon)`, or `Kernels: TypeScript (native addon not available: …)`. */
export function kernelsLine(kernels: KernelsChoice): string {
  return `Kernels: ${kernels.detail}`;
}

/** `Done: fast mode, 12.3 s, 456 MB/s, peak memory 1.234 GB (predicted 1.100 GB), wrote out.hdf5`. */
export function summaryLine(report: ConvertReport): string {
  const seconds = report.seconds.total;
  const rate = seconds > 0 ? report.bytesIn / MB / seconds : 0;
  return (
    `Done: ${report.mode} mode, ${seconds.toFixed(seconds < 10 ? 2 : 1)} s, ${rate.toFixed(0)} MB/s, ` +
    `peak memory ${formatGB(report.peakRssBytes)} (predicted ${formatGB(report.predictedBytes)}), wrote ${report.output}`
  );
}

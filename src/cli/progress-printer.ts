/**
 * Progress for `-p`, on stderr: a live bar (stage, percent, throughput, ETA) redrawn in place on
 * a terminal, fitted to its width (read again when it is resized) so that it never wraps;
 * plain timestamped lines when stderr is a file (srun, sbatch), one when a stage starts and one
 * every few percent, so that a log stays short however long the run. Lines of their own (the
 * mode chosen, warnings, the final summary) are timestamped in a file; on a terminal they clear
 * the bar and it is drawn again below them, so that no stale bar is left above a line.
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
  /** The terminal's width (a TTY stream's `columns`, which Node updates when the terminal is resized). */
  readonly columns?: number;
  /** A TTY stream's "resize" event: the bar is redrawn at the new width. */
  on?(event: "resize", listener: () => void): unknown;
  off?(event: "resize", listener: () => void): unknown;
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
/** The bar's width when the terminal is wide, at most; below MIN_BAR it is left out. */
const MAX_BAR = 50;
const MIN_BAR = 10;
/** The width assumed when a terminal does not say. */
const DEFAULT_COLUMNS = 80;
/** Back to the start of the line, and clear it. */
const CLEAR_LINE = "\r\x1b[K";

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

/**
 * The bar's line for a terminal `columns` wide: `planes [#####-----]  25.0%  25 MB/s  ETA 00:30`,
 * the bar as wide as the terminal allows (MIN_BAR to MAX_BAR); in a narrow terminal the
 * throughput, the ETA and the bar are left out in that order, then the text is cut. Never longer
 * than columns - 1: a line that reaches the last column makes some terminals wrap, and then
 * `\r` no longer returns to the start of the bar.
 */
export function barLine(p: Progress, columns: number): string {
  const width = Math.max(1, Math.floor(columns) - 1);
  const percent = p.fraction * 100;
  const { rate, eta } = rates(p);
  const stage = p.stage.padEnd(6);
  const tail = [`${percent.toFixed(1).padStart(5)}%`, `${rate.toFixed(0)} MB/s`, `ETA ${formatDuration(eta)}`];
  for (const parts of [tail, [tail[0]!, tail[2]!], [tail[0]!]]) {
    const text = parts.join("  ");
    const room = width - (stage.length + 4 + text.length);
    if (room < MIN_BAR) continue;
    const size = Math.min(MAX_BAR, room);
    const filled = Math.min(size, Math.round((size * percent) / 100));
    return `${stage} [${"#".repeat(filled)}${"-".repeat(size - filled)}] ${text}`;
  }
  const whole = `${percent.toFixed(0)}%`;
  for (const text of [`${stage} ${tail.join("  ")}`, `${stage} ${tail[0]}  ${tail[2]}`, `${stage} ${tail[0]}`, `${p.stage} ${whole}`, whole]) {
    if (text.length <= width) return text;
  }
  return whole.slice(0, width);
}

export class ProgressPrinter {
  readonly #sink: ProgressSink;
  readonly #step: number;
  readonly #redrawMs: number;
  readonly #now: () => Date;
  #lastPercent = -Infinity;
  #lastStage: Stage | undefined;
  #lastDraw = -Infinity;
  /** The latest progress on a terminal, redrawn after a line of text or a resize. */
  #latest: Progress | undefined;
  /** The bar is on the screen, the cursor at the end of its line. */
  #drawn = false;
  /** Something else was written over the bar: draw it at the next update, however soon. */
  #redrawDue = false;
  #listening = false;
  readonly #onResize = (): void => {
    if (this.#drawn) this.#draw();
  };

  constructor(sink: ProgressSink, options: ProgressPrinterOptions = {}) {
    this.#sink = sink;
    this.#step = options.stepPercent ?? 5;
    this.#redrawMs = options.redrawMs ?? 100;
    this.#now = options.now ?? (() => new Date());
  }

  update(p: Progress): void {
    const percent = p.fraction * 100;
    const stageChanged = p.stage !== this.#lastStage;
    this.#lastStage = p.stage;
    if (this.#sink.isTTY) {
      this.#latest = p;
      const now = this.#now().getTime();
      if (!stageChanged && !this.#redrawDue && p.fraction < 1 && now - this.#lastDraw < this.#redrawMs) return;
      this.#lastDraw = now;
      this.#draw();
      return;
    }
    // In a file: a line when a stage starts (the opening one is implied by the mode line),
    // then every `step` percent, and at 100% once.
    const due = percent >= this.#lastPercent + this.#step || (p.fraction >= 1 && this.#lastPercent < 100);
    if (p.stage === "open" || (!stageChanged && !due)) return;
    this.#lastPercent = percent;
    const { rate, eta } = rates(p);
    this.#sink.write(
      `${this.#now().toISOString()} ${p.stage} ${percent.toFixed(0)}% (elapsed ${formatDuration(p.elapsed)}, ${rate.toFixed(0)} MB/s, ETA ${formatDuration(eta)})\n`,
    );
  }

  /** The bar at the terminal's width now, over whatever the line held. */
  #draw(): void {
    if (this.#latest === undefined) return;
    if (!this.#listening && this.#sink.on !== undefined) {
      this.#sink.on("resize", this.#onResize);
      this.#listening = true;
    }
    this.#sink.write(`${CLEAR_LINE}${barLine(this.#latest, this.#sink.columns || DEFAULT_COLUMNS)}`);
    this.#drawn = true;
    this.#redrawDue = false;
  }

  /** End the live line (if any), keeping the bar as it last was, so that later output starts on a new line. */
  finish(): void {
    if (this.#drawn) this.#sink.write("\n");
    this.#drawn = false;
    this.#latest = undefined;
    if (this.#listening) this.#sink.off?.("resize", this.#onResize);
    this.#listening = false;
  }

  /** A line of its own (the mode, a warning, the summary): above the bar, which is redrawn below it. */
  line(text: string): void {
    if (!this.#sink.isTTY) {
      this.#sink.write(`${this.#now().toISOString()} ${text}\n`);
      return;
    }
    const drawn = this.#drawn;
    this.#sink.write(`${drawn ? CLEAR_LINE : ""}${text}\n`);
    this.#drawn = false;
    if (drawn) this.#draw();
  }

  /**
   * Text from elsewhere (another part of the command writing to the same stream): the bar is
   * cleared first and drawn again at the next update, so that no stale bar stays above the text.
   */
  write(text: string): void {
    if (this.#drawn) {
      this.#sink.write(CLEAR_LINE);
      this.#drawn = false;
      this.#redrawDue = true;
    }
    this.#sink.write(text);
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

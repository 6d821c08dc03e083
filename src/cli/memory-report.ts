/**
 * What `-m` prints: the predicted memory of the mode the run would use, component by
 * component, and the total, in GB (1e9 bytes), with the mode and why; or with `--json`, both
 * modes in bytes with the choice, the memory available and the limit, for scripts.
 */
import type { ImageShape } from "../fits/image.js";
import type { MemoryBreakdown, MemoryPrediction } from "../engine/memory.js";
import { MemoryLimitError, ulimitValue, type ModeChoice } from "../engine/mode-choice.js";
import type { Resources } from "../engine/plan.js";
import type { Mode } from "../engine/defaults.js";
import { modeLine } from "./progress-printer.js";

export interface MemoryReport {
  readonly input: string;
  readonly prediction: MemoryPrediction;
  readonly resources: Resources;
  /** The mode chosen, or the refusal (MemoryLimitError) of the conversion. */
  readonly choice: ModeChoice | MemoryLimitError;
}

export interface MemoryReportJson {
  input: string;
  shape: ImageShape;
  /** null when the conversion would be refused (see `refused`). */
  chosen: Mode | null;
  reason: string;
  refused?: string;
  available: { bytes: number; source: string; detail: string };
  limit: { bytes: number; source: string } | null;
  threads: { threads: number; source: string; detail: string };
  /** The address-space limit (`ulimit -v`) in bytes; null: none. */
  addressSpaceLimit: number | null;
  fast: BreakdownJson;
  slow: BreakdownJson;
}

interface BreakdownJson {
  components: { name: string; bytes: number }[];
  total: number;
  /** The address space the mode needs: what `ulimit -v` must allow (in bytes). */
  addressSpace?: { components: { name: string; bytes: number }[]; total: number };
}

const componentsJson = (components: MemoryBreakdown["components"]): BreakdownJson["components"] => components.map((c) => ({ name: c.name, bytes: c.bytes }));

const breakdownJson = (b: MemoryBreakdown): BreakdownJson => ({
  components: componentsJson(b.components),
  total: b.total,
  ...(b.addressSpace ? { addressSpace: { components: componentsJson(b.addressSpace.components), total: b.addressSpace.total } } : {}),
});

export function memoryReportJson(report: MemoryReport): MemoryReportJson {
  const { prediction, resources, choice } = report;
  const refused = choice instanceof MemoryLimitError;
  return {
    input: report.input,
    shape: { ...prediction.shape },
    chosen: refused ? null : choice.mode,
    reason: refused ? choice.message : choice.reason,
    ...(refused ? { refused: choice.message } : {}),
    available: { ...resources.available },
    limit: resources.limit ? { ...resources.limit } : null,
    threads: { ...resources.threads },
    addressSpaceLimit: resources.addressSpaceLimit ?? null,
    fast: breakdownJson(prediction.fast),
    slow: breakdownJson(prediction.slow),
  };
}

/** `Address space needed (ulimit -v): 3.412 GB, ulimit -v 3332032 or more; the limit is 4.096 GB.` */
function addressSpaceLine(needed: number, limit: number | undefined): string {
  const now = limit === undefined ? "no limit is set" : `the limit is ${gb(limit)}${limit < needed ? ", too small" : ""}`;
  return `Address space needed (ulimit -v): ${gb(needed)}, ulimit -v ${ulimitValue(needed)} or more; ${now}`;
}

/** Bytes as `x.xxx GB`, the reference's format. */
const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(3)} GB`;

/**
 * ```
 * Predicted memory of fast mode:
 *   runtime: 0.095 GB
 *   …
 *   total: 0.151 GB
 * Mode: fast — fast mode's predicted 0.151 GB fits in …. Threads: 16 (available parallelism)
 * ```
 * A refused conversion shows slow mode (or the mode requested) and why it would be refused.
 */
export function memoryReportText(report: MemoryReport): string {
  const { prediction, choice, resources } = report;
  const breakdown = prediction[choice.mode];
  const lines = [
    `Predicted memory of ${choice.mode} mode:`,
    ...breakdown.components.map((c) => `  ${c.name}: ${gb(c.bytes)}`),
    `  total: ${gb(breakdown.total)}`,
    ...(breakdown.addressSpace ? [addressSpaceLine(breakdown.addressSpace.total, resources.addressSpaceLimit)] : []),
    choice instanceof MemoryLimitError
      ? `Refused: ${choice.message}`
      : modeLine({ mode: choice.mode, reason: choice.reason, threads: resources.threads.threads, threadsDetail: resources.threads.detail }),
  ];
  return lines.join("\n") + "\n";
}

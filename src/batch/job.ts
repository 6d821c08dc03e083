/**
 * One conversion of a batch as the runner hands it to its process (src/batch/child.ts), and
 * what comes back. Plain data: it travels over the child process's IPC channel.
 */
import type { Mode } from "../engine/defaults.js";
import type { ConversionSettings } from "../engine/settings.js";

export interface BatchJob {
  readonly input: string;
  readonly output: string;
  /** Check an existing output with `verify` first, and keep it when it passes. */
  readonly skipVerified: boolean;
  /**
   * The conversion's settings, whole (src/engine/settings.ts): the batch's shared settings (HDU,
   * checksum policy, kernels, …) with the mode chosen when the batch was planned, the threads
   * and the memory limit of this conversion.
   */
  readonly settings: ConversionSettings & { readonly mode: Mode; readonly threads: number };
}

export type JobStatus = "converted" | "skipped" | "failed";

export interface JobResult {
  readonly status: JobStatus;
  readonly input: string;
  readonly output: string;
  /** The mode converted in (for a skipped output: the one it records, when it does). */
  readonly mode?: Mode;
  readonly threads?: number;
  /** Seconds of the conversion, or of the check of a skipped output. */
  readonly seconds: number;
  /** Size of the output file. */
  readonly bytesOut?: number;
  readonly bytesIn?: number;
  readonly peakRssBytes?: number;
  readonly predictedBytes?: number;
  /** The conversion's warnings (header values shortened, kept as text, …). */
  readonly warnings?: readonly string[];
  /** For people, one line: why it failed, why an output was converted again, how many warnings. */
  readonly detail?: string;
}

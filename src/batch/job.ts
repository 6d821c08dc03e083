/**
 * One conversion of a batch as the runner hands it to its process (src/batch/child.ts), and
 * what comes back. Plain data: it travels over the child process's IPC channel.
 */
import type { Mode } from "../engine/defaults.js";
import type { HduSelector } from "../fits/hdu.js";

export interface BatchJob {
  readonly input: string;
  readonly output: string;
  /** The mode chosen when the batch was planned (by the automatic rules, or requested). */
  readonly mode: Mode;
  readonly threads: number;
  /** Check an existing output with `verify` first, and keep it when it passes. */
  readonly skipVerified: boolean;
  /** As the converter's options of the same names. */
  readonly checksum?: boolean;
  readonly ignoreChecksum?: boolean;
  readonly memoryLimit?: number;
  /** The HDU to convert (absent: the first image), and to verify an existing output against. */
  readonly hdu?: HduSelector;
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

/**
 * A batch's conversions planned before any runs: each input's header is read, its memory
 * predicted for the threads it will get, and its mode chosen by the automatic mode's rules
 * (src/engine/mode-choice.ts) against the memory of the whole batch. An input that cannot be
 * read, or that even slow mode cannot fit, is planned as failed with the reason; the others go on.
 */
import { describeError } from "../common/describe-error.js";
import type { Mode } from "../engine/defaults.js";
import { predictMemory, type MemoryPrediction } from "../engine/memory.js";
import { chooseMode, type MemoryLimit } from "../engine/mode-choice.js";
import type { AvailableMemory } from "../engine/resources.js";
import type { HduSelector } from "../fits/hdu.js";
import type { BatchInput } from "./inputs.js";

export interface PlannedConversion extends BatchInput {
  /** Threads it is given. */
  readonly threads: number;
  /** The mode to convert in, its predicted peak memory and why; absent when `error` is set. */
  readonly mode?: Mode;
  readonly predictedBytes?: number;
  readonly reason?: string;
  readonly prediction?: MemoryPrediction;
  /** Why this input cannot be converted (one line). */
  readonly error?: string;
}

export interface BatchPlanOptions {
  /** Threads each conversion gets. */
  readonly threadsOf: (input: BatchInput) => number;
  /** The memory the conversions share (the batch's available memory, less its own). */
  readonly available: AvailableMemory;
  /** The administrator's or the run's limit, per conversion. */
  readonly limit?: MemoryLimit;
  /** An explicit mode for every input; absent: chosen per input. */
  readonly requested?: Mode;
  readonly hdu?: HduSelector;
}

export async function planBatch(inputs: readonly BatchInput[], options: BatchPlanOptions): Promise<PlannedConversion[]> {
  const planned: PlannedConversion[] = [];
  for (const input of inputs) {
    const threads = options.threadsOf(input);
    try {
      const prediction = await predictMemory(input.input, { threads, hdu: options.hdu });
      const choice = chooseMode(prediction, { requested: input.mode ?? options.requested, available: options.available, limit: options.limit });
      planned.push({ ...input, threads, mode: choice.mode, predictedBytes: prediction[choice.mode].total, reason: choice.reason, prediction });
    } catch (error) {
      planned.push({ ...input, threads, error: describeError(error, false) });
    }
  }
  return planned;
}

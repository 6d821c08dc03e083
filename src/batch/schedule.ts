/**
 * Which conversions of a batch run side by side on one node. Each has a predicted peak memory
 * (the memory model of src/engine/memory.ts, for the mode the automatic rules choose with its
 * share of threads); conversions start in the batch's order while the sum of the predictions of
 * those running, plus the next, fits in the memory available, and at most `maxJobs` run at
 * once. When the next does not fit, a later one that does may start first (small images fill
 * the gaps beside a large cube); a conversion that fits only alone starts when nothing else
 * runs. Pure: the runner (run-batch.ts) asks after every start and every end.
 */

export interface Schedulable {
  /** Predicted peak memory, bytes. */
  readonly predictedBytes: number;
}

export interface ScheduleLimits {
  /** Bytes the conversions together may use. */
  readonly memory: number;
  /** Conversions side by side, at most. */
  readonly maxJobs: number;
}

/**
 * The position in `pending` of the conversion to start now, or undefined to wait for one to
 * end. `pending` is in the batch's order.
 */
export function nextToStart(pending: readonly Schedulable[], running: readonly Schedulable[], limits: ScheduleLimits): number | undefined {
  if (pending.length === 0 || running.length >= limits.maxJobs) return undefined;
  if (running.length === 0) return 0;
  const used = running.reduce((sum, job) => sum + job.predictedBytes, 0);
  const index = pending.findIndex((job) => used + job.predictedBytes <= limits.memory);
  return index < 0 ? undefined : index;
}

/**
 * Conversions side by side by default: each gets at least 4 threads (a conversion's pipeline
 * scales well up to a few threads; beyond that, whole conversions side by side use the cores
 * better), and never more conversions than inputs.
 */
export function defaultJobs(threads: number, inputs: number): number {
  return Math.max(1, Math.min(inputs, Math.floor(threads / 4)));
}

/** Each conversion's share of the threads. */
export function threadsPerJob(threads: number, jobs: number): number {
  return Math.max(1, Math.floor(threads / jobs));
}

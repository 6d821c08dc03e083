/**
 * Which conversions of a batch run side by side on one node. Each has a predicted peak memory
 * (the memory model of src/engine/memory.ts, for the mode the automatic rules choose with its
 * threads) and a number of threads; conversions start in the batch's order while the sums of
 * the predictions and of the threads of those running, plus the next, fit in the memory and the
 * threads available, and at most `maxJobs` run at once. When the next does not fit, a later one
 * that does may start first (small images fill the gaps beside a large cube); a conversion that
 * fits only alone starts when nothing else runs. Pure: the runner (run-batch.ts) asks after
 * every start and every end.
 */

export interface Schedulable {
  /** Predicted peak memory, bytes. */
  readonly predictedBytes: number;
  /** Threads it is given. */
  readonly threads: number;
}

export interface ScheduleLimits {
  /** Bytes the conversions together may use. */
  readonly memory: number;
  /** Threads of the whole batch. */
  readonly threads: number;
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
  const memory = running.reduce((sum, job) => sum + job.predictedBytes, 0);
  const threads = running.reduce((sum, job) => sum + job.threads, 0);
  const index = pending.findIndex((job) => memory + job.predictedBytes <= limits.memory && threads + job.threads <= limits.threads);
  return index < 0 ? undefined : index;
}

/**
 * Inputs smaller than this get one thread: a conversion's worker threads take longer to start
 * than they save on it (measured: a 16 MiB cube converts in 0.77 s with 1 thread, 0.92 s with 2),
 * and small inputs side by side use the cores better.
 */
export const SMALL_INPUT_BYTES = 128 * 2 ** 20;

/**
 * Threads of each conversion: with `jobs` given, an equal share for each; by default 1 for a
 * small input and up to 4 for others (a conversion's pipeline scales well up to a few threads;
 * beyond that, whole conversions side by side use the cores better), all of them on a small
 * machine.
 */
export function threadsFor(inputBytes: number, threads: number, jobs?: number): number {
  if (jobs !== undefined) return Math.max(1, Math.floor(threads / jobs));
  if (inputBytes < SMALL_INPUT_BYTES) return 1;
  return Math.max(1, Math.floor(threads / Math.max(1, Math.floor(threads / 4))));
}

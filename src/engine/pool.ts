/**
 * The pool that runs unit tasks: piscina worker threads when more than one thread is asked for
 * (and the compiled worker exists), else inline on the main thread. Results never depend on
 * which: every task is computed whole by one thread, and results are placed by position.
 *
 * Shutdown is safe at any moment: no worker is terminated while it loads its module (that aborts
 * the process: src/engine/worker-readiness.ts). close() waits until every worker has loaded,
 * then destroys the pool; an aborted task is not cancelled in its worker (piscina would terminate
 * that worker and start a new one, which a close right after would terminate while it loads): its
 * promise rejects at once, and close() stops the worker.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { WORKER_CODE_RANGE_MB } from "./address-space.js";
import type { PlaneStats } from "../kernels/plane-stats.js";
import type { KernelsName } from "./kernel-set.js";
import { runTask, type PlaneTask, type UnitTask, type WindowTask } from "./unit-tasks.js";
import { WorkerReadiness } from "./worker-readiness.js";

export interface UnitPool {
  /** Number of threads computing (1 when inline). */
  readonly threads: number;
  runPlane(task: PlaneTask, signal?: AbortSignal): Promise<PlaneStats>;
  runWindow(task: WindowTask, signal?: AbortSignal): Promise<Float64Array>;
  /** Resolves once every worker has loaded its module; rejects when one failed to start. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The compiled worker beside this module; absent when running from TypeScript sources. */
function workerFile(): string | undefined {
  const url = new URL("./worker.js", import.meta.url);
  const path = fileURLToPath(url);
  return existsSync(path) ? path : undefined;
}

/**
 * `kernels` goes with every task, so the workers compute with the kernels the main thread
 * chose (absent: each thread resolves them as resolveKernels does). `worker`: the worker module
 * (default: the compiled worker beside this module; tests pass others).
 */
export function createPool(threads: number, kernels?: KernelsName, worker: string | undefined = workerFile()): UnitPool {
  const file = threads > 1 ? worker : undefined;
  const stamp = (task: PlaneTask | WindowTask): UnitTask => (kernels === undefined ? task : { ...task, kernels });
  if (file === undefined) return inlinePool(stamp);
  checkWorkingFolder();
  const piscina = new Piscina({
    filename: file,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // One task per worker at a time; the pipelines bound how many are queued.
    concurrentTasksPerWorker: 1,
    // V8 reserves 512 MiB of address space per isolate for code; the kernels need a few MB
    // (address space counts under `ulimit -v`: src/engine/address-space.ts).
    resourceLimits: { codeRangeSizeMb: WORKER_CODE_RANGE_MB },
  });
  const readiness = new WorkerReadiness(piscina);
  // A worker that fails on its own (no task of ours to reject) fails the tasks still to come,
  // rather than the process ('error' without a listener) or a wait for a worker that never comes.
  let failure: Error | undefined;
  const pending = new Set<(error: Error) => void>();
  piscina.on("error", (error: Error) => {
    failure ??= error;
    for (const reject of pending) reject(error);
    pending.clear();
  });
  const run = <T>(task: PlaneTask | WindowTask, signal?: AbortSignal): Promise<T> => {
    if (failure !== undefined) return Promise.reject(failure);
    const work = new Promise<T>((resolve, reject) => {
      pending.add(reject);
      (piscina.run(stamp(task)) as Promise<T>).then(resolve, reject).finally(() => pending.delete(reject));
    });
    return abortable(work, signal);
  };
  return {
    threads,
    runPlane: (task, signal) => run<PlaneStats>(task, signal),
    runWindow: (task, signal) => run<Float64Array>(task, signal),
    ready: async () => {
      await readiness.settled();
      if (failure !== undefined) throw failure;
    },
    close: async () => {
      await readiness.settled();
      readiness.dispose();
      await piscina.destroy();
    },
  };
}

/**
 * `work`, rejecting with the signal's reason as soon as it aborts (the work itself goes on; its
 * outcome is then ignored).
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Worker threads ask for the working directory as they start (Node.js's worker bootstrap), and
 * fail when it has been deleted: said in one line instead. The command changes to `/` first when
 * every path it was given is absolute (src/cli/working-folder.ts).
 */
function checkWorkingFolder(): void {
  try {
    process.cwd();
  } catch {
    throw new Error("the working directory has been deleted: worker threads cannot start there (change to an existing folder, or use one thread)");
  }
}

function inlinePool(stamp: (task: PlaneTask | WindowTask) => UnitTask): UnitPool {
  // Inline tasks still return promises, so both kinds of pool drive the same pipelines. Each
  // task first lets the event loop run: signal handlers and abort callbacks must get their turn
  // between units, as they do while a worker computes.
  const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    threads: 1,
    runPlane: async (task) => {
      await yieldToEventLoop();
      return runTask(stamp(task)) as PlaneStats;
    },
    runWindow: async (task) => {
      await yieldToEventLoop();
      return runTask(stamp(task)) as Float64Array;
    },
    ready: async () => undefined,
    close: async () => undefined,
  };
}

/**
 * The pool that runs unit tasks: piscina worker threads when more than one thread is asked for
 * (and the compiled worker exists), else inline on the main thread. Results never depend on
 * which: every task is computed whole by one thread, and results are placed by position.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { WORKER_CODE_RANGE_MB } from "./address-space.js";
import type { PlaneStats } from "../kernels/plane-stats.js";
import type { KernelsName } from "./kernel-set.js";
import { runTask, type PlaneTask, type UnitTask, type WindowTask } from "./unit-tasks.js";

export interface UnitPool {
  /** Number of threads computing (1 when inline). */
  readonly threads: number;
  runPlane(task: PlaneTask, signal?: AbortSignal): Promise<PlaneStats>;
  runWindow(task: WindowTask, signal?: AbortSignal): Promise<Float64Array>;
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
 * chose (absent: each thread resolves them as resolveKernels does).
 */
export function createPool(threads: number, kernels?: KernelsName): UnitPool {
  const file = threads > 1 ? workerFile() : undefined;
  const stamp = (task: PlaneTask | WindowTask): UnitTask => (kernels === undefined ? task : { ...task, kernels });
  if (file === undefined) return inlinePool(stamp);
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
  const run = <T>(task: PlaneTask | WindowTask, signal?: AbortSignal): Promise<T> => piscina.run(stamp(task), { signal }) as Promise<T>;
  return {
    threads,
    runPlane: (task, signal) => run<PlaneStats>(task, signal),
    runWindow: (task, signal) => run<Float64Array>(task, signal),
    close: () => piscina.destroy(),
  };
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
    close: async () => undefined,
  };
}

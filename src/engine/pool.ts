/**
 * The pool that runs unit tasks: piscina worker threads when more than one thread is asked for
 * (and the compiled worker exists), else inline on the main thread. Results never depend on
 * which: every task is computed whole by one thread, and results are placed by position.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { PlaneStats } from "../kernels/plane-stats.js";
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

export function createPool(threads: number): UnitPool {
  const file = threads > 1 ? workerFile() : undefined;
  if (file === undefined) return inlinePool();
  const piscina = new Piscina({
    filename: file,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // One task per worker at a time; the pipelines bound how many are queued.
    concurrentTasksPerWorker: 1,
  });
  const run = <T>(task: UnitTask, signal?: AbortSignal): Promise<T> => piscina.run(task, { signal }) as Promise<T>;
  return {
    threads,
    runPlane: (task, signal) => run<PlaneStats>(task, signal),
    runWindow: (task, signal) => run<Float64Array>(task, signal),
    close: () => piscina.destroy(),
  };
}

function inlinePool(): UnitPool {
  // Inline tasks still return promises, so both kinds of pool drive the same pipelines. Each
  // task first lets the event loop run: signal handlers and abort callbacks must get their turn
  // between units, as they do while a worker computes.
  const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    threads: 1,
    runPlane: async (task) => {
      await yieldToEventLoop();
      return runTask(task) as PlaneStats;
    },
    runWindow: async (task) => {
      await yieldToEventLoop();
      return runTask(task) as Float64Array;
    },
    close: async () => undefined,
  };
}

/**
 * Which worker threads of a piscina pool have loaded their module, so that none is terminated
 * while it loads. Node.js 20 aborts the whole process when a worker thread is terminated while
 * require(esm) (how piscina loads the worker's module) is instantiating the module graph:
 * `FATAL ERROR: v8::Module::IsGraphAsync … must be used on an instantiated module`, or
 * `Assertion failed: facade->InstantiateModule(…)`, exit 134. A worker is terminated by
 * piscina's destroy() (the pool's close), and by process.exit(). Measured on 2 cores: 2 aborts in
 * 90 closes of a 64-thread pool at random moments of its start-up, 1 in 30 process.exit()s; a
 * small image converts before 64 workers have loaded.
 *
 * piscina marks the workers it starts with the pool ready from the start, so its own state does
 * not tell; each worker's ready message (posted once the task handler has loaded) does.
 */
import type { Worker } from "node:worker_threads";
import type { Piscina } from "piscina";

/** The key of the message piscina's worker posts once its handler has loaded (piscina's READY). */
const READY = "_WORKER_READY";

/** How long a shutdown waits for workers still loading before it terminates them anyway. */
export const LOAD_WAIT_MS = 10_000;

/** How often a wait looks again (a timer that also keeps the process alive while it waits). */
const POLL_MS = 5;

/** Every pool of this process not yet closed. */
const trackers = new Set<WorkerReadiness>();

export class WorkerReadiness {
  readonly #piscina: Piscina;
  readonly #ready = new Set<number>();
  readonly #initial = new Set<number>();

  /** Call right after `new Piscina(…)`, before the event loop turns (no message can have come yet). */
  constructor(piscina: Piscina) {
    this.#piscina = piscina;
    for (const worker of piscina.threads) {
      const id = worker.threadId;
      this.#initial.add(id);
      worker.on("message", (message: unknown) => {
        if (typeof message === "object" && message !== null && READY in message) this.#ready.add(id);
      });
    }
    // A worker started later (replacing one that failed) is announced by piscina once it is ready.
    piscina.on("workerCreate", (worker: { id: number }) => {
      if (!this.#initial.has(worker.id)) this.#ready.add(worker.id);
    });
    trackers.add(this);
  }

  /** The pool's workers still loading their module. */
  loading(): Worker[] {
    return this.#piscina.threads.filter((w) => w.threadId >= 0 && !this.#ready.has(w.threadId));
  }

  /** Resolves once no worker is loading (true), or after timeoutMs (false). */
  async settled(timeoutMs = LOAD_WAIT_MS): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (this.loading().length > 0) {
      if (performance.now() >= end) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return true;
  }

  /** The pool is being destroyed: no longer counted by anyWorkerLoading. */
  dispose(): void {
    trackers.delete(this);
  }
}

/** Whether a worker of any pool of this process is still loading its module. */
export function anyWorkerLoading(): boolean {
  for (const tracker of trackers) if (tracker.loading().length > 0) return true;
  return false;
}

/** Resolves once no worker of any pool is loading (true), or after timeoutMs (false). */
export async function allWorkersSettled(timeoutMs = LOAD_WAIT_MS): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (anyWorkerLoading()) {
    if (performance.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

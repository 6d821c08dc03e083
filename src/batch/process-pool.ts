/**
 * The batch's conversion processes (src/batch/child.ts), each converting one input at a time:
 * started, sent a conversion, reused for the next while they have not grown too big, retired,
 * and all stopped when the batch ends or is interrupted. What to run when is the batch's
 * (src/batch/run-batch.ts, src/batch/schedule.ts); this module only runs it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { addressSpaceLimit, NO_GUARD_REGIONS_FLAG, wasmGuardRegions } from "../engine/address-space.js";
import type { BatchJob, JobResult } from "./job.js";

/** The end of a conversion process's standard error kept, characters (the last line explains a crash). */
const STDERR_TAIL = 2000;

/**
 * A conversion process that has ended a conversion converts the next, rather than a new one
 * being started (loading Node.js and the HDF5 runtime costs about 0.4 s, a third of a small
 * image's conversion), unless it has held more than this: a process keeps its WebAssembly heap,
 * so it is counted at the largest prediction of the conversions it ran.
 */
export const REUSE_BYTES = 2e9;

/** A conversion process, and the largest prediction of the conversions it ran. */
export interface ConversionProcess {
  readonly child: ChildProcess;
  /** The largest predicted memory of the conversions it ran (its heap stays that big), bytes. */
  highWater: number;
  /** The end of its standard error during the current conversion. */
  stderr: string;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A conversion's end: its result, and the process (`worker`) when it can be asked for another (undefined: it has ended). */
export interface ConversionOutcome {
  readonly result: JobResult;
  readonly worker: ConversionProcess | undefined;
}

export class ProcessPool {
  readonly #childScript: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #idle: ConversionProcess[] = [];
  readonly #busy = new Set<ConversionProcess>();

  /** Processes of `childScript`, in the environment `env`. */
  constructor(childScript: string, env: NodeJS.ProcessEnv) {
    this.#childScript = childScript;
    this.#env = env;
  }

  /** A new conversion process. */
  start(): ConversionProcess {
    // In a process group of its own: a terminal's Ctrl-C reaches the batch alone, which passes it
    // on once (a second signal makes a conversion exit at once).
    const child = fork(this.#childScript, [], { env: this.#env, stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true, execArgv: childExecArgv() });
    const worker: ConversionProcess = {
      child,
      highWater: 0,
      stderr: "",
      closed: new Promise((resolve) => child.once("close", (code, killedBy) => resolve({ code, signal: killedBy }))),
    };
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      worker.stderr = (worker.stderr + text).slice(-STDERR_TAIL);
    });
    // A failure to start shows as the process closing without a result.
    child.on("error", (error) => {
      worker.stderr = `${worker.stderr}could not start the conversion process: ${error.message}\n`.slice(-STDERR_TAIL);
    });
    return worker;
  }

  /** The process put back last, if any. */
  takeIdle(): ConversionProcess | undefined {
    return this.#idle.pop();
  }

  /** Keep a process that has ended its conversion for the next. */
  putBack(worker: ConversionProcess): void {
    this.#idle.push(worker);
  }

  /** Retire every process kept for a next conversion. */
  retireIdle(): void {
    while (this.#idle.length > 0) retire(this.#idle.pop()!);
  }

  /** Whether a process can take another conversion: alive, and not grown past REUSE_BYTES. */
  reusable(worker: ConversionProcess): boolean {
    const { child } = worker;
    return child.connected && child.exitCode === null && child.signalCode === null && worker.highWater <= REUSE_BYTES;
  }

  /** Let a process end (it exits once it has nothing more to do). */
  retire(worker: ConversionProcess): void {
    retire(worker);
  }

  /**
   * Send `job` to `process`: its result when the process sends one, else (the process closed
   * first: a crash, a kill) a failure saying how it ended, with its last line of standard error.
   */
  convert(worker: ConversionProcess, job: BatchJob): Promise<ConversionOutcome> {
    worker.stderr = "";
    this.#busy.add(worker);
    const outcome = new Promise<ConversionOutcome>((resolve) => {
      let settled = false;
      const onMessage = (message: unknown): void => {
        worker.child.off("message", onMessage);
        settled = true;
        this.#busy.delete(worker);
        resolve({ result: message as JobResult, worker });
      };
      worker.child.on("message", onMessage);
      void worker.closed.then(({ code, signal: killedBy }) => {
        // The process ends later, when it is retired, after its last conversion's result.
        if (settled) return;
        settled = true;
        this.#busy.delete(worker);
        worker.child.off("message", onMessage);
        const how = killedBy !== null ? `killed by ${killedBy}${killedBy === "SIGKILL" ? " (out of memory?)" : ""}` : `exited with status ${code}`;
        const last = worker.stderr.trim().split("\n").pop();
        resolve({
          result: { status: "failed", input: job.input, output: job.output, seconds: 0, detail: `the conversion process ${how}${last ? `: ${last}` : ""}` },
          worker: undefined,
        });
      });
    });
    worker.child.send(job);
    return outcome;
  }

  /** Interrupt every conversion running, with the signal `name`. */
  interrupt(name: NodeJS.Signals): void {
    for (const worker of this.#busy) worker.child.kill(name);
  }

  /** No conversion process left behind: the idle ones retired, the busy ones terminated (SIGTERM). */
  close(): void {
    for (const worker of this.#idle) retire(worker);
    for (const worker of this.#busy) {
      worker.child.kill("SIGTERM");
      retire(worker);
    }
  }
}

function retire(worker: ConversionProcess): void {
  if (worker.child.connected) worker.child.disconnect();
}

/**
 * The conversion processes' Node flags: this process's, and under an address-space limit
 * (`ulimit -v`) no WebAssembly guard regions, which would reserve 10 GiB per process
 * (src/engine/address-space.ts).
 */
function childExecArgv(): string[] {
  const own = [...process.execArgv];
  return addressSpaceLimit() !== undefined && wasmGuardRegions(own) ? [...own, NO_GUARD_REGIONS_FLAG] : own;
}

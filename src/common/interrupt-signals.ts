/**
 * SIGINT, SIGTERM and SIGHUP (Ctrl-C; what Slurm sends at the time limit; an ssh session or
 * terminal closing) during a conversion.
 *
 * The first signal aborts the conversion through its AbortSignal: the engine stops at the next
 * unit of work (planes, windows; and the worker pool stops its workers), removes the temporary
 * file and the lock, and the command exits with 128 + the signal's number (130, 143, 129) after
 * `Error: <output>: interrupted by SIGTERM. Aborting.`. A second signal, or the abort not having
 * ended the process within GRACE_MS, exits at once, after removing the temporary file and the
 * lock synchronously (waiting, at most LOAD_WAIT_MS, for worker threads still loading their
 * module: terminating one then aborts the process, src/engine/worker-readiness.ts).
 *
 * After SIGHUP the terminal may be gone: a failed write of the error line (EIO, EPIPE) is
 * ignored rather than ending the process before it has cleaned up.
 *
 * Signal handlers run between pieces of JavaScript: a synchronous stretch of work (one unit on
 * the main thread) delays them until it ends.
 *
 * SIGXFSZ (a write beyond the file-size limit, `ulimit -f`) would kill the process by default,
 * leaving the temporary file; Node.js ignores it, and a listener makes sure of it, so that the
 * write fails with EFBIG and the conversion ends with its error and cleans up.
 */
import { closeSync } from "node:fs";
import { discardAllOutputsSync } from "../engine/output-file.js";
import { allWorkersSettled, anyWorkerLoading } from "../engine/worker-readiness.js";

export type InterruptSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

const SIGNAL_NUMBERS: Record<InterruptSignal, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** The signals watched, each ending the conversion as SIGTERM does. */
export const INTERRUPT_SIGNALS = Object.keys(SIGNAL_NUMBERS) as InterruptSignal[];

/** Milliseconds the conversion has after the first signal to stop before the process exits anyway. */
export const GRACE_MS = 3000;

/** The abort reason for a conversion stopped by a signal (an AbortError, as abort reasons are). */
export class Interrupted extends Error {
  override readonly name = "AbortError";
  /** The exit status: 128 + the signal's number. */
  readonly exitCode: number;
  constructor(
    readonly signal: InterruptSignal,
    /** The output being written. */
    readonly file: string,
  ) {
    super(`interrupted by ${signal}`);
    this.exitCode = 128 + SIGNAL_NUMBERS[signal];
  }
}

export interface SignalWatch {
  /** Aborted (with an Interrupted reason) at the first SIGINT, SIGTERM or SIGHUP. */
  readonly signal: AbortSignal;
  /**
   * The conversion has ended: stop the grace timer, and stop watching (the default actions
   * again), except after an interruption, when a second signal still exits at once.
   */
  dispose(): void;
}

export interface SignalWatchOptions {
  /** Where the one-line error goes when the process must exit at once. */
  stderr?: { write(text: string): unknown };
  /** Exits the process (tests replace it). */
  exit?: (code: number) => void;
  graceMs?: number;
  /** Where the signals come from (tests pass an EventEmitter); default: the process. */
  source?: Pick<NodeJS.EventEmitter, "on" | "off">;
}

/** Watch SIGINT, SIGTERM and SIGHUP for the conversion writing `output`. */
export function watchSignals(output: string, options: SignalWatchOptions = {}): SignalWatch {
  const controller = new AbortController();
  const stderr = options.stderr ?? process.stderr;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? GRACE_MS;
  const source = options.source ?? process;
  let first: Interrupted | undefined;
  let exited = false;
  let grace: NodeJS.Timeout | undefined;

  const exitNow = (reason: Interrupted): void => {
    if (exited) return;
    exited = true;
    discardAllOutputsSync();
    try {
      stderr.write(`Error: ${reason.file}: ${reason.message}. Aborting.\n`);
    } catch {
      // The terminal is gone (SIGHUP): the files are removed all the same.
    }
    if (source === process && anyWorkerLoading()) void allWorkersSettled().then(() => exit(reason.exitCode));
    else exit(reason.exitCode);
  };
  const onSignal = (name: InterruptSignal): void => {
    if (name === "SIGHUP" && source === process) ignoreClosedTerminal();
    if (first !== undefined) {
      exitNow(new Interrupted(name, output));
      return;
    }
    first = new Interrupted(name, output);
    controller.abort(first);
    // Not holding the process open: it ends by itself once the conversion has stopped.
    grace = setTimeout(() => exitNow(first!), graceMs);
    grace.unref();
  };
  const handlers = INTERRUPT_SIGNALS.map((name) => [name, (): void => onSignal(name)] as const);
  for (const [name, handler] of handlers) source.on(name, handler);
  // Kept for the life of the process: removing the last listener would restore the default
  // action (death), not Node's ignoring of it.
  if (source === process && process.platform !== "win32" && process.listenerCount("SIGXFSZ") === 0) process.on("SIGXFSZ", () => undefined);

  return {
    signal: controller.signal,
    dispose(): void {
      // The conversion has stopped: the caller exits now (src/cli/main.ts).
      clearTimeout(grace);
      if (first !== undefined) return;
      for (const [name, handler] of handlers) source.off(name, handler);
    },
  };
}

let terminalGuarded = false;

/**
 * After SIGHUP, writes to a terminal that has closed fail (EIO; EPIPE for a pipe whose reader
 * is gone), as errors of process.stdout / process.stderr, which would end the process at once,
 * before the conversion has removed its files: they are ignored from then on.
 */
export function ignoreClosedTerminal(): void {
  if (terminalGuarded) return;
  terminalGuarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  // At exit Node.js restores the terminal's settings of stdio that was a terminal at start-up,
  // and aborts (SIGABRT: `Assertion failed` in node::ResetStdio) when the terminal has hung up
  // (tcsetattr fails with EIO). It skips descriptors that are closed: closed on 'exit' (the last
  // JavaScript to run; writes to stdio are synchronous on Linux, nothing is lost), so that the
  // exit status stays 129.
  process.once("exit", () => {
    for (const fd of [0, 1, 2]) {
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
    }
  });
}

/**
 * Under an address-space limit (`ulimit -v`, as clusters set per job), the command runs itself
 * again in a Node without WebAssembly guard regions (--disable-wasm-trap-handler), which a
 * running process cannot turn off: with them h5wasm alone reserves 10 GiB of address space,
 * without them 2 GiB (src/engine/address-space.ts). The new process also gets fewer malloc
 * arenas (MALLOC_ARENA_MAX=2 unless set), whose 64 MiB reservations would otherwise take the
 * room V8 needs. Without a limit nothing of this happens.
 *
 * The first process only waits: it passes SIGINT, SIGTERM and SIGHUP (and SIGWINCH) on to the second, which
 * is in a process group of its own (a terminal's Ctrl-C reaches the first alone, which passes
 * it on once), and exits with its status.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { addressSpaceLimit, NO_GUARD_REGIONS_FLAG, wasmGuardRegions } from "../engine/address-space.js";

/** Set in the second process's environment: it never runs itself again. */
export const RELAUNCHED_VARIABLE = "FITS2IDIA_RELAUNCHED";

/** Passed on to the second process (SIGWINCH: a terminal's new width, for the progress bar). */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGWINCH"] as const;

/** Whether this process should run the command again without guard regions. */
export function relaunchNeeded(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv, limit = addressSpaceLimit()): boolean {
  return limit !== undefined && env[RELAUNCHED_VARIABLE] === undefined && wasmGuardRegions(execArgv, env);
}

/**
 * Runs `node --disable-wasm-trap-handler <script> <args>` (process.argv after node) and
 * resolves to its exit status (128 + the signal's number when a signal ended it).
 */
export function relaunch(argv: readonly string[] = process.argv.slice(1)): Promise<number> {
  const env = { ...process.env, [RELAUNCHED_VARIABLE]: "1", MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
  const child = spawn(process.execPath, [...process.execArgv, NO_GUARD_REGIONS_FLAG, ...argv], { stdio: "inherit", env, detached: true });
  const forward = (signal: NodeJS.Signals): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolve) => {
    child.once("error", (error) => {
      process.stderr.write(`Error: could not start node ${NO_GUARD_REGIONS_FLAG} (needed under the virtual-memory limit, ulimit -v): ${error.message}. Aborting.\n`);
      resolve(1);
    });
    child.once("exit", (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

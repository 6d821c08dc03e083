/**
 * The address space (virtual memory) a conversion reserves, and the limit on it that clusters
 * set per job (`ulimit -v`, RLIMIT_AS). Resident memory (src/engine/memory.ts) is what a cgroup
 * limits; the address space is a different ceiling, and far larger for this converter than its
 * resident memory, because of reservations that are never touched:
 *
 * - h5wasm's WebAssembly memory. With V8's trap handler (Node's default on x64) every 32-bit
 *   wasm memory reserves 10 GiB (its 4 GiB of addresses and guard regions, so that bounds
 *   checks are done by the MMU); that alone is above a 4–8 GB `ulimit -v`. Without the trap
 *   handler (`node --disable-wasm-trap-handler`) V8 reserves the module's declared maximum,
 *   2 GiB for h5wasm, and checks bounds in the code (measured: no difference in speed here).
 *   The trap handler is chosen when Node starts: a running process cannot turn it off, so the
 *   command runs itself again with the flag under a limit (src/cli/relaunch.ts).
 * - V8's code range: 512 MiB per isolate, the main one and each worker thread's. Workers are
 *   given a smaller one (WORKER_CODE_RANGE_MB), which their few kernels fill to a few MB.
 * - glibc's malloc arenas: 64 MiB per arena, up to 8 per core, one for each thread that
 *   allocates. They are given up quietly when a reservation fails, but take the room V8 needs
 *   first; the command limits them (MALLOC_ARENA_MAX) when it runs itself again.
 *
 * Measured with /proc/self/status (VmSize, VmPeak) and /proc/self/maps on Node 20.20, h5wasm
 * 0.10.3, x64 Linux; bench/memory.mjs compares the model with VmPeak.
 */
import { readFileSync } from "node:fs";
import type { MemoryComponent } from "./memory.js";

/** The Node flag that turns off WebAssembly's guard regions (Node ≥ 20.15). */
export const NO_GUARD_REGIONS_FLAG = "--disable-wasm-trap-handler";

/** h5wasm's WebAssembly memory maximum (2 GiB), reserved whole when it has no guard regions. */
export const WASM_HEAP_RESERVATION = 2 ** 31;

/** What V8 reserves for a 32-bit wasm memory with the trap handler on: 10 GiB. */
export const WASM_GUARDED_RESERVATION = 10 * 2 ** 30;

/**
 * Address space of the command before h5wasm: the node binary, the main isolate's 512 MiB
 * code range, its heap, the loaded modules and thread stacks (VmSize measured at the start of
 * a conversion, under MALLOC_ARENA_MAX=2: 0.70–0.72 GB).
 */
export const RUNTIME_ADDRESS_SPACE = 0.76e9;

/** What instantiating h5wasm adds besides its memory: compiled code and the compiler threads' arenas (0.13–0.27 GB with the default malloc arenas, less under MALLOC_ARENA_MAX=2). */
export const H5WASM_ADDRESS_SPACE = 0.2e9;

/** The code range of a worker thread's isolate, MB (V8's default: 512). */
export const WORKER_CODE_RANGE_MB = 32;

/** Address space of one worker thread: its code range, stack, heap and arena (measured with a 32 MB code range: 0.054 GB, VmPeak of 1024x1024x96 in slow mode with 4 and 8 threads against 1). */
export const WORKER_ADDRESS_SPACE = 0.06e9;

/** The slack on the buffers' address space: allocator and garbage collector, as for resident memory. */
const SLACK = 0.05;

/** What the process already holds and what h5wasm will add, for a conversion's prediction. */
export interface ProcessAddressSpace {
  /** The process's own address space before the conversion's buffers. */
  readonly runtime: number;
  /** What loading h5wasm adds (0 when it is already loaded). */
  readonly h5wasm: number;
  /** Whether wasm memories get guard regions in this process (the trap handler is on). */
  readonly guardRegions: boolean;
}

/** The command's own figures: a fresh process run without guard regions. */
export const COMMAND_ADDRESS_SPACE: ProcessAddressSpace = {
  runtime: RUNTIME_ADDRESS_SPACE,
  h5wasm: WASM_HEAP_RESERVATION + H5WASM_ADDRESS_SPACE,
  guardRegions: false,
};

/**
 * The address-space components of a conversion: the process, h5wasm, the workers, and the
 * buffers (`buffers`: the resident-memory prediction's buffers, which are address space too).
 */
export function addressSpaceComponents(buffers: number, workers: number, process: ProcessAddressSpace = COMMAND_ADDRESS_SPACE): MemoryComponent[] {
  return [
    { name: "runtime", bytes: process.runtime },
    ...(process.h5wasm > 0 ? [{ name: process.guardRegions ? "h5wasm (WebAssembly memory with guard regions)" : "h5wasm (WebAssembly memory)", bytes: process.h5wasm }] : []),
    ...(workers > 0 ? [{ name: `worker threads (${workers})`, bytes: workers * WORKER_ADDRESS_SPACE }] : []),
    { name: "buffers", bytes: buffers },
    { name: "allocator and GC slack", bytes: Math.round(buffers * SLACK) },
  ];
}

/** The limit on the address space (RLIMIT_AS, `ulimit -v`) in bytes, from /proc/self/limits; undefined: none (or not Linux). */
export function addressSpaceLimit(limitsFile = "/proc/self/limits"): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, "utf8");
  } catch {
    return undefined;
  }
  const match = /^Max address space\s+(\S+)/m.exec(text);
  if (match === null || match[1] === "unlimited") return undefined;
  const bytes = Number(match[1]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/**
 * Whether this process gives wasm memories guard regions: V8's trap handler is on unless Node
 * was started with --disable-wasm-trap-handler (on its command line or in NODE_OPTIONS), on
 * the 64-bit platforms that have it.
 */
export function wasmGuardRegions(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.arch !== "x64" && process.arch !== "arm64") return false;
  if (execArgv.includes(NO_GUARD_REGIONS_FLAG)) return false;
  return !(env.NODE_OPTIONS ?? "").split(/\s+/).includes(NO_GUARD_REGIONS_FLAG);
}

/** This process's address space now (VmSize), bytes; undefined where /proc is not there. */
export function currentAddressSpace(statusFile = "/proc/self/status"): number | undefined {
  try {
    const match = /^VmSize:\s+(\d+) kB/m.exec(readFileSync(statusFile, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the machine gives this process: the memory available to it, and the number of threads.
 * Memory is taken, in order, from the run's own limit, the Slurm allocation, the cgroup limit
 * and the free memory of the machine: the first that is set wins. Threads come from the
 * option, SLURM_CPUS_PER_TASK, OMP_NUM_THREADS or the available parallelism. Environment
 * values that are not positive integers are ignored (the next source is used); a bad option
 * is an error.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, freemem } from "node:os";
import { formatGB } from "../config/size.js";

export type MemorySource = "option" | "slurm" | "cgroup" | "system";

export interface AvailableMemory {
  /** Bytes the process may use. */
  readonly bytes: number;
  readonly source: MemorySource;
  /** Where the figure comes from, for people: `Slurm allocation (SLURM_MEM_PER_NODE=51200 MB)`. */
  readonly detail: string;
}

export interface AvailableMemoryOptions {
  /** The run's own limit in bytes (`--memory-limit`); 0 or absent: not set. */
  memoryLimit?: number;
  env?: NodeJS.ProcessEnv;
  /** cgroup limit files to read (default: those of this process, v2 and v1). */
  cgroupPaths?: readonly string[];
  /** Free memory of the machine in bytes (default: os.freemem(), MemAvailable on Linux). */
  freeMemory?: number | (() => number);
}

/** Slurm's MB are 2^20 bytes. */
const SLURM_MB = 2 ** 20;
/** cgroup v1 writes "no limit" as a huge number (2^63 rounded down to a page): anything above 2^60 is none. */
const UNLIMITED = 2 ** 60;

/** A positive integer written in decimal digits only, else undefined. */
function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function slurmMemory(env: NodeJS.ProcessEnv): AvailableMemory | undefined {
  const perNode = positiveInteger(env.SLURM_MEM_PER_NODE);
  if (perNode !== undefined) {
    return { bytes: perNode * SLURM_MB, source: "slurm", detail: `Slurm allocation, SLURM_MEM_PER_NODE=${perNode} MB` };
  }
  const perCpu = positiveInteger(env.SLURM_MEM_PER_CPU);
  const cpus = positiveInteger(env.SLURM_CPUS_ON_NODE);
  if (perCpu !== undefined && cpus !== undefined) {
    return {
      bytes: perCpu * cpus * SLURM_MB,
      source: "slurm",
      detail: `Slurm allocation, SLURM_MEM_PER_CPU=${perCpu} MB × SLURM_CPUS_ON_NODE=${cpus}`,
    };
  }
  return undefined;
}

/**
 * The limit files of this process's cgroups and their ancestors (the tightest applies), from
 * /proc/self/cgroup: v2 `memory.max`, v1 `memory.limit_in_bytes`. In a container the cgroup
 * file system shows the container's own cgroup at its root, which is included too.
 */
export function defaultCgroupPaths(procSelfCgroup = "/proc/self/cgroup", root = "/sys/fs/cgroup"): string[] {
  const paths = new Set<string>();
  const withAncestors = (base: string, path: string, file: string): void => {
    const parts = path.split("/").filter((p) => p !== "");
    for (let n = parts.length; n >= 0; n--) paths.add([base, ...parts.slice(0, n), file].join("/"));
  };
  let text = "";
  try {
    text = readFileSync(procSelfCgroup, "utf8");
  } catch {
    // Not Linux, or no /proc: only the fixed paths below.
  }
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, id, controllers, path] = match as unknown as [string, string, string, string];
    if (id === "0" && controllers === "") withAncestors(root, path, "memory.max");
    else if (controllers.split(",").includes("memory")) withAncestors(`${root}/memory`, path, "memory.limit_in_bytes");
  }
  paths.add(`${root}/memory.max`);
  paths.add(`${root}/memory/memory.limit_in_bytes`);
  return [...paths];
}

/** The tightest cgroup limit among `paths` (missing files, "max" and v1's "unlimited" are no limit). */
export function cgroupMemory(paths: readonly string[]): AvailableMemory | undefined {
  let best: AvailableMemory | undefined;
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, "utf8").trim();
    } catch {
      continue;
    }
    if (text === "max" || !/^\d+$/.test(text)) continue;
    const bytes = Number(text);
    if (bytes <= 0 || bytes >= UNLIMITED) continue;
    if (best === undefined || bytes < best.bytes) best = { bytes, source: "cgroup", detail: `cgroup memory limit, ${path}` };
  }
  return best;
}

export function availableMemory(options: AvailableMemoryOptions = {}): AvailableMemory {
  const env = options.env ?? process.env;
  if (options.memoryLimit !== undefined && options.memoryLimit > 0) {
    return { bytes: options.memoryLimit, source: "option", detail: `the run's memory limit, ${formatGB(options.memoryLimit)}` };
  }
  const slurm = slurmMemory(env);
  if (slurm !== undefined) return slurm;
  const cgroup = cgroupMemory(options.cgroupPaths ?? defaultCgroupPaths());
  if (cgroup !== undefined) return cgroup;
  const free = options.freeMemory === undefined ? freemem() : typeof options.freeMemory === "function" ? options.freeMemory() : options.freeMemory;
  return { bytes: free, source: "system", detail: "free memory of the machine" };
}

export type ThreadSource = "option" | "slurm" | "omp" | "system";

export interface ThreadCount {
  readonly threads: number;
  readonly source: ThreadSource;
  /** For people: `SLURM_CPUS_PER_TASK=10`. */
  readonly detail: string;
}

export class ThreadsError extends Error {
  override readonly name = "ThreadsError";
  readonly code = "BAD_THREADS";
}

export function threadCount(options: { threads?: number; env?: NodeJS.ProcessEnv; parallelism?: number } = {}): ThreadCount {
  const env = options.env ?? process.env;
  if (options.threads !== undefined) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) {
      throw new ThreadsError(`the number of threads must be a positive integer, not ${options.threads}`);
    }
    return { threads: options.threads, source: "option", detail: "requested" };
  }
  const slurm = positiveInteger(env.SLURM_CPUS_PER_TASK);
  if (slurm !== undefined) return { threads: slurm, source: "slurm", detail: `SLURM_CPUS_PER_TASK=${slurm}` };
  // OMP_NUM_THREADS may list one number per nesting level: the first is the outer one.
  const omp = positiveInteger(env.OMP_NUM_THREADS?.split(",")[0]);
  if (omp !== undefined) return { threads: omp, source: "omp", detail: `OMP_NUM_THREADS=${omp}` };
  const threads = options.parallelism ?? availableParallelism();
  return { threads, source: "system", detail: "available parallelism" };
}

/**
 * The settings of one conversion that do not depend on its pixels: the memory available, the
 * limits (the administrator's rc file and the run's own), the number of threads, and from
 * those and the predicted memory of each mode, the mode. Resolved from the image's shape
 * before any output is created, so a refused run leaves nothing behind.
 */
import { OptionError } from "../config/option-error.js";
import { readRc } from "../config/rc.js";
import type { ImageShape } from "../fits/image.js";
import type { Mode } from "./defaults.js";
import type { KernelsChoice } from "./kernel-set.js";
import { predictMemoryForShape, type MemoryModelOptions, type MemoryPrediction } from "./memory.js";
import { chooseMode, tightestLimit, type MemoryLimit } from "./mode-choice.js";
import { addressSpaceLimit } from "./address-space.js";
import { availableMemory, threadCount, type AvailableMemory, type AvailableMemoryOptions, type ThreadCount } from "./resources.js";

export interface ResourceOptions {
  /** The run's memory limit in bytes (0 = none): also the memory taken as available. */
  memoryLimit?: number;
  /** Threads (default: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, the available parallelism). */
  threads?: number;
  /** Environment consulted for Slurm, OpenMP and FITS2IDIA_RC (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The administrator's rc file (default: FITS2IDIA_RC, else /etc/fits2idiarc); false: none. */
  rcFile?: string | false;
  /** For tests: cgroup limit files and free memory, as availableMemory takes them. */
  cgroupPaths?: AvailableMemoryOptions["cgroupPaths"];
  freeMemory?: AvailableMemoryOptions["freeMemory"];
  /** The address-space limit in bytes (default: this process's `ulimit -v`, RLIMIT_AS); 0: none. */
  addressSpaceLimit?: number;
}

export interface Resources {
  readonly available: AvailableMemory;
  /** The tighter of the rc file's limit and the run's; absent: none. */
  readonly limit?: MemoryLimit;
  readonly threads: ThreadCount;
  /** The address-space limit (`ulimit -v`), bytes; absent: none. */
  readonly addressSpaceLimit?: number;
  /** Warnings from the rc file (unknown keys). */
  readonly warnings: readonly string[];
}

export function resolveResources(options: ResourceOptions = {}): Resources {
  const env = options.env ?? process.env;
  const threads = threadCount({ threads: options.threads, env });
  if (options.memoryLimit !== undefined && !(Number.isSafeInteger(options.memoryLimit) && options.memoryLimit >= 0)) {
    throw new OptionError("memoryLimit", `the memory limit must be a whole number of bytes, at least 0, not ${options.memoryLimit}`);
  }
  const rc = options.rcFile === false ? undefined : readRc(env, options.rcFile);
  const limit = tightestLimit(
    rc?.memoryLimit !== undefined ? { bytes: rc.memoryLimit, source: `memory_limit in ${rc.path}` } : undefined,
    options.memoryLimit !== undefined ? { bytes: options.memoryLimit, source: "the run's memory limit" } : undefined,
  );
  const available = availableMemory({
    memoryLimit: options.memoryLimit,
    env,
    cgroupPaths: options.cgroupPaths,
    freeMemory: options.freeMemory,
  });
  const addressSpace = options.addressSpaceLimit !== undefined ? options.addressSpaceLimit || undefined : addressSpaceLimit();
  return { available, ...(limit ? { limit } : {}), threads, ...(addressSpace !== undefined ? { addressSpaceLimit: addressSpace } : {}), warnings: rc?.warnings ?? [] };
}

/** `mode` wins; else the older `slow` flag (true: slow, false: fast); else automatic. */
export function requestedMode(options: { mode?: Mode | "auto"; slow?: boolean }): Mode | undefined {
  const { mode, slow } = options;
  if (mode !== undefined && mode !== "auto" && mode !== "fast" && mode !== "slow") {
    throw new OptionError("mode", `mode must be "fast", "slow" or "auto", not ${JSON.stringify(mode)}`);
  }
  const fromSlow = slow === undefined ? undefined : slow ? "slow" : "fast";
  if (mode !== undefined && mode !== "auto" && fromSlow !== undefined && fromSlow !== mode) {
    throw new OptionError("slow", `mode "${mode}" contradicts slow: ${slow}`);
  }
  return mode !== undefined && mode !== "auto" ? mode : fromSlow;
}

export interface PlanOptions extends ResourceOptions, MemoryModelOptions {
  mode?: Mode | "auto";
  slow?: boolean;
}

export interface ConversionPlan {
  readonly mode: Mode;
  /** Why this mode, in one line. */
  readonly reason: string;
  /** Whether the mode was requested (true) or chosen automatically. */
  readonly requested: boolean;
  /** Predicted memory of the chosen mode, bytes. */
  readonly predictedBytes: number;
  readonly prediction: MemoryPrediction;
  readonly available: AvailableMemory;
  readonly limit?: MemoryLimit;
  /** The address-space limit (`ulimit -v`), bytes; absent: none. */
  readonly addressSpaceLimit?: number;
  readonly threads: number;
  /** Where the number of threads comes from. */
  readonly threadsDetail: string;
  readonly warnings: readonly string[];
  /** The kernels that will compute (set by convert(), which resolves them). */
  readonly kernels?: KernelsChoice;
}

/** Resources, prediction and mode for an image of this shape; throws MemoryLimitError if refused. */
export function planConversion(shape: ImageShape, options: PlanOptions = {}): ConversionPlan {
  const requested = requestedMode(options);
  const resources = resolveResources(options);
  const prediction = predictMemoryForShape(shape, {
    batchBytes: options.batchBytes,
    tileSize: options.tileSize,
    threads: resources.threads.threads,
    readerBufferBytes: options.readerBufferBytes,
    addressSpace: options.addressSpace,
  });
  const choice = chooseMode(prediction, { requested, available: resources.available, limit: resources.limit, addressSpaceLimit: resources.addressSpaceLimit });
  return {
    mode: choice.mode,
    reason: choice.reason,
    requested: requested !== undefined,
    predictedBytes: prediction[choice.mode].total,
    prediction,
    available: resources.available,
    ...(resources.limit ? { limit: resources.limit } : {}),
    ...(resources.addressSpaceLimit !== undefined ? { addressSpaceLimit: resources.addressSpaceLimit } : {}),
    threads: resources.threads.threads,
    threadsDetail: resources.threads.detail,
    warnings: resources.warnings,
  };
}

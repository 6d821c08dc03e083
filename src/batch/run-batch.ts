/**
 * `fits2idia-ts batch` on one node: many conversions, side by side while their predicted memory
 * fits (src/batch/schedule.ts), each in a process of its own (src/batch/child.ts) with its share
 * of the threads. A failure fails only its input; the report lists every input in the batch's
 * order. Outputs that exist and pass verify are kept (unless told otherwise).
 */
import { OptionError } from "../config/option-error.js";
import { conversionSettings, sharedSettings, type SharedSettingsInput } from "../engine/settings.js";
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { formatGB } from "../config/size.js";
import type { Mode } from "../engine/defaults.js";
import { resolveResources, type ResourceOptions } from "../engine/plan.js";
import type { AvailableMemory } from "../engine/resources.js";
import type { HduSelector } from "../fits/hdu.js";
import { describeError } from "../common/describe-error.js";
import { collectInputs, refuseOutputsOnInputs, type BatchInput } from "./inputs.js";
import type { BatchJob, JobResult } from "./job.js";
import { planBatch, type PlannedConversion } from "./plan-batch.js";
import { ProcessPool, type ConversionOutcome, type ConversionProcess } from "./process-pool.js";
import { nextToStart, SMALL_INPUT_BYTES, threadsFor } from "./schedule.js";

/**
 * A batch's options: its own (output folder, mode rule, threads and memory of the whole batch,
 * side by side), the settings it gives every conversion (SharedSettingsInput: HDU, checksum
 * policy, kernels, tile and batch sizes; src/engine/settings.ts), and the hooks.
 */
export interface BatchOptions extends Pick<ResourceOptions, "env" | "rcFile" | "cgroupPaths" | "freeMemory">, SharedSettingsInput {
  /** Folder of the outputs (created if missing); runBatch needs it. */
  outDir?: string;
  /** "fast" or "slow" for every input; "auto" (the default): chosen per input. */
  mode?: Mode | "auto";
  /** Threads of the whole batch (default as for a conversion: Slurm, OpenMP, the machine). */
  threads?: number;
  /**
   * Conversions side by side, at most, each with an equal share of the threads. Default: as many
   * as the threads and the memory allow, small inputs with 1 thread, others with up to 4.
   */
  jobs?: number;
  /** Memory the whole batch may use, bytes (default: the memory available, as for a conversion). */
  memoryLimit?: number;
  /** Keep an output that exists and passes verify (default true); false converts every input again. */
  skipVerified?: boolean;
  /** Called when a conversion starts and when it ends. */
  onEvent?: (event: BatchEvent) => void;
  /** Stops the batch: running conversions are interrupted (SIGTERM; SIGINT or SIGHUP when that is the abort's reason), none other starts. */
  signal?: AbortSignal;
  /** The conversion process's script (default: child.js beside this file, in the built package). */
  childScript?: string;
}

export type BatchEvent =
  | { readonly kind: "start"; readonly index: number; readonly total: number; readonly conversion: PlannedConversion; readonly threads: number }
  | { readonly kind: "end"; readonly index: number; readonly total: number; readonly result: JobResult };

export interface BatchReport {
  /** One result per input, in the batch's order. */
  readonly results: readonly JobResult[];
  /** True when no input failed. */
  readonly ok: boolean;
  readonly seconds: number;
  /** The memory the conversions shared, and where that figure comes from. */
  readonly memory: AvailableMemory;
  readonly threads: number;
  /** Conversions side by side, at most. */
  readonly jobs: number;
  /** Threads of a conversion (of an input of SMALL_INPUT_BYTES or more, when `jobs` was not given). */
  readonly threadsPerJob: number;
  /** Set when the batch was stopped by its signal. */
  readonly interrupted?: boolean;
}

export class BatchError extends Error {
  override readonly name = "BatchError";
  readonly code = "BATCH";
}

/**
 * Converts the FITS files given, and those in the folders given (at any depth), into
 * `options.outDir` (the folder structure kept), side by side while their predicted memory and
 * threads fit, each in a process of its own: a bad file, a crash or an out-of-memory kill fails
 * only its input. Outputs that exist and pass `verify` against their input are kept.
 *
 * @returns one result per input (converted, skipped, failed with the reason, or not started),
 *   with the times and sizes; the batch resolves even when inputs failed (see `results`).
 * @throws (rejects with) `BatchError` without an output folder; `BatchInputError` for a path
 *   that does not exist or two inputs that would write the same output; `OptionError`,
 *   `ThreadsError`, `RcError` for bad settings. Nothing is converted then.
 * Cancelling: abort `options.signal`; running conversions are interrupted (they remove their
 *   temporary files), none other starts, and the report says `interrupted: true` (it resolves).
 */
export async function runBatch(paths: readonly string[], options: BatchOptions): Promise<BatchReport> {
  if (options.outDir === undefined) throw new BatchError("an output folder is needed");
  return runConversions(collectInputs(paths, options.outDir), options);
}

/** Convert inputs whose outputs are already named (a Slurm task's share of a batch). */
export async function runConversions(inputs: readonly BatchInput[], options: BatchOptions): Promise<BatchReport> {
  const started = performance.now();
  // Before anything is written: no conversion may write or remove one of the inputs.
  refuseOutputsOnInputs(inputs);
  // The settings every conversion gets, whole; each adds its mode, threads and memory limit.
  const shared = sharedSettings(options);
  const childScript = options.childScript ?? fileURLToPath(new URL("./child.js", import.meta.url));
  if (!existsSync(childScript)) throw new BatchError(`${childScript}: the conversion process's script is missing (batch runs from the built package)`);
  const resources = resolveResources({ ...options, threads: options.threads });
  const threads = resources.threads.threads;
  if (options.jobs !== undefined && !(Number.isSafeInteger(options.jobs) && options.jobs >= 1)) throw new RangeError(`jobs must be a positive integer, not ${options.jobs}`);
  // Every conversion has at least one thread: no more side by side than threads.
  const jobs = Math.min(options.jobs ?? threads, threads);
  // The conversions share what is available, less what this process holds.
  const own = process.memoryUsage().rss;
  const memory: AvailableMemory = {
    ...resources.available,
    bytes: Math.max(0, resources.available.bytes - own),
    detail: `${resources.available.detail}, less this process's ${formatGB(own)}`,
  };
  const requested = options.mode === undefined || options.mode === "auto" ? undefined : options.mode;
  const planned = await planBatch(inputs, {
    threadsOf: (input) => threadsFor(input.bytes, threads, options.jobs),
    available: memory,
    limit: resources.limit,
    requested,
    hdu: options.hdu,
  });
  if (options.outDir !== undefined) mkdirSync(options.outDir, { recursive: true });

  const total = planned.length;
  const results: (JobResult | undefined)[] = planned.map((p) =>
    p.error === undefined ? undefined : { status: "failed", input: p.input, output: p.output, seconds: 0, bytesIn: p.bytes, detail: p.error },
  );
  planned.forEach((p, index) => {
    const result = results[index];
    if (result !== undefined) options.onEvent?.({ kind: "end", index, total, result });
  });

  type Pending = { index: number; conversion: PlannedConversion; predictedBytes: number; threads: number };
  type Running = { job: Pending; predictedBytes: number; threads: number; done: Promise<ConversionProcess | undefined> };
  const pending: Pending[] = planned.flatMap((conversion, index) =>
    conversion.error === undefined ? [{ index, conversion, predictedBytes: conversion.predictedBytes!, threads: conversion.threads }] : [],
  );
  const running = new Map<number, Running>();

  // The child's environment: the batch's (its share of threads and its mode are given
  // explicitly), and the batch's rc file.
  const env = { ...(options.env ?? process.env) };
  if (options.rcFile !== undefined) env.FITS2IDIA_RC = options.rcFile === false ? "/dev/null" : options.rcFile;
  const pool = new ProcessPool(childScript, env);
  const signal = options.signal;
  // The signal that stopped the batch (its abort reason), else SIGTERM.
  const stopAll = (): void => pool.interrupt(signal?.reason === "SIGINT" || signal?.reason === "SIGHUP" ? signal.reason : "SIGTERM");
  signal?.addEventListener("abort", stopAll, { once: true });

  /** The output's folder, or why it cannot be made (that input fails; the others go on). */
  const outputFolder = (job: Pending): string | undefined => {
    try {
      mkdirSync(dirname(job.conversion.output), { recursive: true });
      return undefined;
    } catch (error) {
      return `${job.conversion.output}: cannot create its folder ${dirname(job.conversion.output)}: ${describeError(error, false)}`;
    }
  };

  const start = (job: Pending, worker: ConversionProcess): void => {
    const { conversion } = job;
    const batchJob: BatchJob = {
      input: conversion.input,
      output: conversion.output,
      skipVerified: options.skipVerified !== false,
      settings: { ...shared, ...conversionSettings({ memoryLimit: resources.limit?.bytes }), mode: conversion.mode!, threads: job.threads },
    };
    options.onEvent?.({ kind: "start", index: job.index, total, conversion, threads: job.threads });
    const predictedBytes = Math.max(job.predictedBytes, worker.highWater);
    worker.highWater = predictedBytes;
    const finished = ({ result, worker: reusable }: ConversionOutcome): ConversionProcess | undefined => {
      results[job.index] = { ...result, bytesIn: conversion.bytes, ...(result.status !== "failed" ? { predictedBytes: job.predictedBytes } : {}) };
      running.delete(job.index);
      options.onEvent?.({ kind: "end", index: job.index, total, result: results[job.index]! });
      // After a failure the process is not reused (an interrupted one is on its way out).
      if (result.status === "failed" && reusable !== undefined) {
        pool.retire(reusable);
        return undefined;
      }
      return reusable;
    };
    const done = pool.convert(worker, batchJob).then(finished);
    running.set(job.index, { job, predictedBytes, threads: job.threads, done });
  };

  const limits = { memory: memory.bytes, maxJobs: jobs, threads };
  try {
    while (pending.length > 0 || running.size > 0) {
      while (!signal?.aborted) {
        const reuse = pool.takeIdle();
        const candidates = reuse === undefined ? pending : pending.map((p) => ({ ...p, predictedBytes: Math.max(p.predictedBytes, reuse.highWater) }));
        const next = nextToStart(candidates, [...running.values()], limits);
        if (next === undefined) {
          if (reuse === undefined) break;
          // Too big with what this process holds: retire it, and try with a fresh one.
          pool.retire(reuse);
          continue;
        }
        const job = pending.splice(next, 1)[0]!;
        const problem = outputFolder(job);
        if (problem !== undefined) {
          if (reuse !== undefined) pool.putBack(reuse);
          results[job.index] = { status: "failed", input: job.conversion.input, output: job.conversion.output, seconds: 0, bytesIn: job.conversion.bytes, detail: problem };
          options.onEvent?.({ kind: "end", index: job.index, total, result: results[job.index]! });
          continue;
        }
        start(job, reuse ?? pool.start());
      }
      pool.retireIdle();
      if (running.size === 0) break;
      const worker = await Promise.race([...running.values()].map((r) => r.done));
      if (worker !== undefined) {
        if (pool.reusable(worker) && pending.length > 0 && !signal?.aborted) pool.putBack(worker);
        else pool.retire(worker);
      }
    }
  } finally {
    // Also when something above throws: no conversion process is left behind.
    pool.close();
  }
  signal?.removeEventListener("abort", stopAll);
  for (const job of pending) {
    results[job.index] = { status: "failed", input: job.conversion.input, output: job.conversion.output, seconds: 0, bytesIn: job.conversion.bytes, detail: "not started: the batch was interrupted" };
  }
  const all = results.map((r, i) => r ?? { status: "failed" as const, input: planned[i]!.input, output: planned[i]!.output, seconds: 0, detail: "not run" });
  return {
    results: all,
    ok: all.every((r) => r.status !== "failed"),
    seconds: (performance.now() - started) / 1000,
    memory,
    threads,
    jobs,
    threadsPerJob: threadsFor(SMALL_INPUT_BYTES, threads, options.jobs),
    ...(signal?.aborted ? { interrupted: true } : {}),
  };
}


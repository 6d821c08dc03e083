/**
 * `fits2idia-ts batch --slurm`: write a batch's job array (manifest and sbatch script, in the
 * output folder) and, with `--submit`, submit it with sbatch; and `batch --array-task`: what
 * one array task runs, picking its inputs from the manifest by SLURM_ARRAY_TASK_ID.
 */
import { CHECKSUM_POLICIES, sharedSettings, type ChecksumPolicy, type SharedSettingsInput } from "../engine/settings.js";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeError } from "../common/describe-error.js";
import type { Mode } from "../engine/defaults.js";
import { predictMemory } from "../engine/memory.js";
import type { HduSelector } from "../fits/hdu.js";
import { collectInputs, type BatchInput } from "./inputs.js";
import { runConversions, type BatchOptions, type BatchReport } from "./run-batch.js";
import { planSlurm, sbatchScript, submissions, type Manifest, type PredictedInput, type SlurmOptions, type SlurmPlan, type Submission } from "./slurm-plan.js";

export class SlurmError extends Error {
  override readonly name = "SlurmError";
  readonly code = "SLURM";
}

/** The job's own options, and the settings its tasks give every conversion (HDU, checksum policy, kernels, …). */
export interface SlurmJobOptions extends Omit<SlurmOptions, "logDir" | "jobName">, SharedSettingsInput {
  readonly outDir: string;
  /** Default: <outDir>/logs. */
  readonly logDir?: string;
  /** Default: fits2idia. */
  readonly jobName?: string;
  readonly skipVerified?: boolean;
}

export interface SlurmJob {
  readonly script: string;
  readonly manifest: string;
  readonly plan: SlurmPlan;
  /** One sbatch submission per memory class. */
  readonly submissions: readonly Submission[];
}

/** Write a temporary file, then rename it: a reader never sees half a file. */
function writeWhole(path: string, text: string, mode = 0o644): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text, { mode });
  renameSync(temporary, path);
}

export async function writeSlurmJob(paths: readonly string[], options: SlurmJobOptions): Promise<SlurmJob> {
  const outDir = resolve(options.outDir);
  const jobName = options.jobName ?? "fits2idia";
  if (!/^[\w.-]+$/.test(jobName)) throw new SlurmError(`the job name "${jobName}" may hold only letters, digits, '_', '.' and '-'`);
  const logDir = resolve(options.logDir ?? join(outDir, "logs"));
  const inputs = collectInputs(paths, outDir).map((input) => ({ ...input, input: resolve(input.input), output: resolve(input.output) }));
  const predicted: PredictedInput[] = [];
  for (const input of inputs) {
    try {
      predicted.push({ ...input, prediction: await predictMemory(input.input, { threads: options.cpusPerTask, hdu: options.hdu }) });
    } catch (error) {
      predicted.push({ ...input, error: describeError(error, false) });
    }
  }
  const slurmOptions: SlurmOptions = { ...options, jobName, logDir };
  const plan = planSlurm(predicted, slurmOptions);
  if (plan.tasks.length === 0) {
    throw new SlurmError(`no input can be converted: ${plan.refused.map((r) => `${r.input}: ${r.reason}`).join("; ")}`);
  }
  mkdirSync(outDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const created = new Date();
  // A manifest of its own for every job written: the pending tasks of an array submitted earlier
  // still read theirs (Slurm keeps its own copy of the script, not of the manifest).
  const stamp = created.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  let manifestPath = join(outDir, `${jobName}-${stamp}.json`);
  for (let n = 2; existsSync(manifestPath); n++) manifestPath = join(outDir, `${jobName}-${stamp}-${n}.json`);
  const scriptPath = join(outDir, `${jobName}.sbatch`);
  const manifest: Manifest = {
    tool: "fits2idia-ts",
    manifestVersion: 1,
    created: created.toISOString(),
    skipVerified: options.skipVerified !== false,
    // The settings every conversion of the job gets, whole (src/engine/settings.ts).
    ...sharedSettings(options),
    tasks: plan.tasks,
  };
  writeWhole(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const command = fileURLToPath(new URL("../cli/main.js", import.meta.url));
  writeWhole(scriptPath, sbatchScript(plan, slurmOptions, { node: process.execPath, command, manifest: manifestPath, script: scriptPath, created }), 0o755);
  return { script: scriptPath, manifest: manifestPath, plan, submissions: submissions(plan, options) };
}

/** The job ids sbatch gave, one per submission. */
export async function submitSlurmJob(job: SlurmJob, options: { sbatch?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string[]> {
  const sbatch = options.sbatch ?? "sbatch";
  const ids: string[] = [];
  for (const submission of job.submissions) {
    const args = ["--parsable", ...(job.submissions.length > 1 ? submission.args : []), job.script];
    const stdout = await new Promise<string>((resolvePromise, reject) => {
      execFile(sbatch, args, { env: options.env ?? process.env, encoding: "utf8" }, (error, out, err) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const why = code === "ENOENT" ? `${sbatch} was not found (is Slurm installed here?)` : `${sbatch} failed: ${(err || error.message).trim().split("\n").pop()}`;
          reject(new SlurmError(ids.length > 0 ? `${why} (job arrays ${ids.join(", ")} were submitted)` : why));
        } else resolvePromise(out);
      });
    });
    // --parsable prints "<id>" or "<id>;<cluster>".
    const id = stdout.trim().split(";")[0] ?? "";
    if (!/^\d+$/.test(id)) throw new SlurmError(`${sbatch} printed "${stdout.trim()}", not a job id`);
    ids.push(id);
  }
  return ids;
}

/** An HDU selector as JSON holds it: an index, or an EXTNAME with an optional EXTVER. */
function isHduSelector(value: unknown): value is HduSelector {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0;
  if (typeof value !== "object" || value === null) return false;
  const { extname, extver } = value as { extname?: unknown; extver?: unknown };
  return typeof extname === "string" && extname !== "" && (extver === undefined || (Number.isSafeInteger(extver) && (extver as number) >= 0));
}

/** The manifest, checked. */
export function readManifest(path: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch (error) {
    throw new SlurmError(`${path}: cannot read the batch manifest (${describeError(error, false)})`);
  }
  if (manifest?.tool !== "fits2idia-ts" || manifest.manifestVersion !== 1 || !Array.isArray(manifest.tasks)) {
    throw new SlurmError(`${path}: not a fits2idia-ts batch manifest (version 1)`);
  }
  if (manifest.hdu !== undefined && !isHduSelector(manifest.hdu)) {
    throw new SlurmError(`${path}: the manifest's hdu is malformed (an index, or an EXTNAME with an optional EXTVER)`);
  }
  // A manifest written before the checksum policy has the two booleans: both are read.
  const checksum = manifest.checksum as unknown;
  if (checksum !== undefined && typeof checksum !== "boolean" && !CHECKSUM_POLICIES.includes(checksum as ChecksumPolicy)) {
    throw new SlurmError(`${path}: the manifest's checksum is malformed ("fail", "warn" or "skip")`);
  }
  manifest.tasks.forEach((task, i) => {
    const ok =
      Array.isArray(task?.inputs) &&
      task.inputs.every((entry: Partial<BatchInput>) => typeof entry?.input === "string" && typeof entry.output === "string" && Number.isFinite(entry.bytes) && (entry.mode === "fast" || entry.mode === "slow"));
    if (!ok) throw new SlurmError(`${path}: task ${i} of the manifest is malformed (each input needs input, output, bytes and mode fast or slow)`);
  });
  return manifest;
}

/** One array task: its inputs, converted one after the other with the task's CPUs and memory. */
export async function runArrayTask(manifestPath: string, options: Pick<BatchOptions, "env" | "onEvent" | "signal" | "childScript" | "threads"> = {}): Promise<BatchReport> {
  const env = options.env ?? process.env;
  const manifest = readManifest(manifestPath);
  const text = env.SLURM_ARRAY_TASK_ID;
  if (text === undefined) throw new SlurmError(`${manifestPath}: SLURM_ARRAY_TASK_ID is not set (--array-task runs inside a Slurm job array)`);
  const index = /^\d+$/.test(text) ? Number(text) : NaN;
  const task = manifest.tasks[index];
  if (task === undefined) throw new SlurmError(`${manifestPath}: SLURM_ARRAY_TASK_ID=${text} is not a task of this batch (0 to ${manifest.tasks.length - 1})`);
  return runConversions(
    task.inputs.map((input) => ({ ...input, mode: input.mode as Mode })),
    {
      ...options,
      env,
      jobs: 1,
      skipVerified: manifest.skipVerified,
      // The job's settings, whole, as the manifest carries them.
      ...sharedSettings(manifest),
    },
  );
}

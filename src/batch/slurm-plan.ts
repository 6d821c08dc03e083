/**
 * A batch as a Slurm job array (`fits2idia-ts batch --slurm`): inputs grouped into array tasks,
 * each task's memory request from the memory model, and the files that make the job: the
 * manifest (which inputs each task converts, in which mode) and the sbatch script. Pure: the
 * predictions come in, text comes out (src/batch/slurm-files.ts writes and submits).
 *
 * A job array has one --mem for all its tasks; a command-line --mem overrides the script's. So
 * the tasks are put in classes of equal memory, and the job is submitted once per class with
 * `--array=<that class's tasks> --mem=<its memory>`: every task asks for what it needs.
 */
import type { SharedSettingsInput } from "../engine/settings.js";
import type { Mode } from "../engine/defaults.js";
import type { MemoryPrediction } from "../engine/memory.js";
import type { HduSelector } from "../fits/hdu.js";
import type { BatchInput } from "./inputs.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * Resident memory of the task's own batch process, beside its conversion processes (measured on
 * Node 20: 61–62 MB, as `batch -p` and every array task's log report it: "less this process's
 * 0.062 GB"), with room to spare.
 */
export const TASK_PROCESS_BYTES = 80e6;

export interface SlurmOptions {
  /** CPUs of each task: the conversion's threads. */
  readonly cpusPerTask: number;
  /** The most memory a task may ask for, bytes: fast mode when it fits, else slow. */
  readonly maxMem: number;
  /** Added to each prediction, as a fraction (0.2 = 20 %). */
  readonly memMargin: number;
  /** Inputs smaller than this are grouped into tasks of at most this many input bytes. */
  readonly groupBytes: number;
  /** An explicit mode for every input; absent: fast where it fits in maxMem. */
  readonly mode?: Mode;
  readonly time?: string;
  readonly partition?: string;
  readonly jobName: string;
  /** Folder of the tasks' logs. */
  readonly logDir: string;
  /** Array tasks running at once, at most (`%N`); absent: as the cluster allows. */
  readonly maxRunning?: number;
  /** More sbatch options, one per line of the script (e.g. `--account=proj`). */
  readonly extra?: readonly string[];
}

export interface PredictedInput extends BatchInput {
  /** Both modes' predictions for cpusPerTask threads; absent with `error`. */
  readonly prediction?: MemoryPrediction;
  readonly error?: string;
}

export interface SlurmTask {
  readonly inputs: readonly (BatchInput & { readonly mode: Mode })[];
  /** The task's --mem, bytes (a whole number of MiB). */
  readonly memBytes: number;
}

export interface SlurmPlan {
  readonly tasks: readonly SlurmTask[];
  /** Inputs left out, and why. */
  readonly refused: readonly { readonly input: string; readonly reason: string }[];
}

/** Memory requests rounded up: to 64 MiB below 4 GiB, to 1 GiB above (fewer classes, a little more room). */
export function roundRequest(bytes: number): number {
  const step = bytes <= 4 * GiB ? 64 * MiB : GiB;
  return Math.ceil(bytes / step) * step;
}

/** What a task converting an input in `mode` asks for. */
export function requestFor(predicted: number, memMargin: number): number {
  return roundRequest(TASK_PROCESS_BYTES + predicted * (1 + memMargin));
}

export function planSlurm(inputs: readonly PredictedInput[], options: SlurmOptions): SlurmPlan {
  const refused: { input: string; reason: string }[] = [];
  const placed: { input: BatchInput & { mode: Mode }; request: number }[] = [];
  for (const input of inputs) {
    if (input.prediction === undefined) {
      refused.push({ input: input.input, reason: input.error ?? "no prediction" });
      continue;
    }
    const modes: Mode[] = options.mode !== undefined ? [options.mode] : ["fast", "slow"];
    const mode = modes.find((m) => requestFor(input.prediction![m].total, options.memMargin) <= options.maxMem);
    if (mode === undefined) {
      const need = requestFor(input.prediction[modes[modes.length - 1]!].total, options.memMargin);
      refused.push({
        input: input.input,
        reason: `${options.mode ?? "even slow"} mode would ask for ${(need / GiB).toFixed(1)} GiB, above the most a task may ask for (${(options.maxMem / GiB).toFixed(1)} GiB, --max-mem)`,
      });
      continue;
    }
    const { prediction: _, error: __, ...rest } = input;
    placed.push({ input: { ...rest, mode }, request: requestFor(input.prediction[mode].total, options.memMargin) });
  }
  // Groups of consecutive small inputs, in the batch's order.
  const tasks: SlurmTask[] = [];
  let group: typeof placed = [];
  let groupBytes = 0;
  const close = (): void => {
    if (group.length === 0) return;
    tasks.push({ inputs: group.map((p) => p.input), memBytes: Math.max(...group.map((p) => p.request)) });
    group = [];
    groupBytes = 0;
  };
  for (const item of placed) {
    if (item.input.bytes >= options.groupBytes || groupBytes + item.input.bytes > options.groupBytes) close();
    group.push(item);
    groupBytes += item.input.bytes;
    if (item.input.bytes >= options.groupBytes) close();
  }
  close();
  return { tasks, refused };
}

/** Slurm's default MaxArraySize: array indices must be below it. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/** A warning when the array has more tasks than a cluster with the default MaxArraySize accepts. */
export function arraySizeWarning(plan: SlurmPlan): string | undefined {
  if (plan.tasks.length <= DEFAULT_MAX_ARRAY_SIZE) return undefined;
  return `${plan.tasks.length} array tasks: clusters with Slurm's default MaxArraySize (${DEFAULT_MAX_ARRAY_SIZE}) refuse indices above ${DEFAULT_MAX_ARRAY_SIZE - 1}; a larger --group-size puts more inputs in each task`;
}

/** Array indices as Slurm writes them: `0-3,5,7-9`. */
export function indexRanges(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** A --mem value in whole MiB (Slurm's M). */
export function memArgument(bytes: number): string {
  return `${Math.ceil(bytes / MiB)}M`;
}

/** The tasks of one memory request: one sbatch submission. */
export interface Submission {
  readonly memBytes: number;
  readonly tasks: readonly number[];
  /** sbatch's arguments before the script. */
  readonly args: readonly string[];
}

export function submissions(plan: SlurmPlan, options: Pick<SlurmOptions, "maxRunning">): Submission[] {
  const byMem = new Map<number, number[]>();
  plan.tasks.forEach((task, index) => byMem.set(task.memBytes, [...(byMem.get(task.memBytes) ?? []), index]));
  const throttle = options.maxRunning !== undefined ? `%${options.maxRunning}` : "";
  return [...byMem.entries()]
    .sort(([a], [b]) => a - b)
    .map(([memBytes, tasks]) => ({ memBytes, tasks, args: [`--array=${indexRanges(tasks)}${throttle}`, `--mem=${memArgument(memBytes)}`] }));
}

/** Single quotes for the shell. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A value that cannot go into an `#SBATCH` line (writeSlurmJob rejects with it). */
export class DirectiveError extends Error {
  override readonly name = "DirectiveError";
  readonly code = "SLURM_DIRECTIVE";
}

/**
 * One `#SBATCH` option: sbatch splits these lines at white space outside double quotes, so a
 * value with spaces is quoted; a value with a double quote or a line break cannot be written.
 */
export function directive(option: string, value: string): string {
  if (/["\n\r\\]/.test(value)) throw new DirectiveError(`${option}=${value}: a value with a double quote, a backslash or a line break cannot go into an #SBATCH line`);
  return /\s/.test(value) ? `${option}="${value}"` : `${option}=${value}`;
}

export interface ScriptContext {
  /** The Node.js executable and the command's script, absolute (the job may not have PATH set up). */
  readonly node: string;
  readonly command: string;
  /** The manifest and the script itself (absolute). */
  readonly manifest: string;
  readonly script: string;
  /** When the files were written, for the script's comment. */
  readonly created: Date;
}

/** The sbatch script: directives for the whole array (the largest --mem), and one command. */
export function sbatchScript(plan: SlurmPlan, options: SlurmOptions, context: ScriptContext): string {
  const largest = Math.max(...plan.tasks.map((t) => t.memBytes));
  const classes = submissions(plan, options);
  const inputs = plan.tasks.reduce((n, t) => n + t.inputs.length, 0);
  // Slurm expands % in file names: the folder's own % are written %%.
  const logs = options.logDir.replace(/%/g, "%%");
  const directives = [
    `--job-name=${options.jobName}`,
    `--array=0-${plan.tasks.length - 1}${options.maxRunning !== undefined ? `%${options.maxRunning}` : ""}`,
    `--cpus-per-task=${options.cpusPerTask}`,
    `--mem=${memArgument(largest)}`,
    ...(options.time !== undefined ? [`--time=${options.time}`] : []),
    ...(options.partition !== undefined ? [directive("--partition", options.partition)] : []),
    directive("--output", `${logs}/%x-%A_%a.out`),
    directive("--error", `${logs}/%x-%A_%a.err`),
    ...(options.extra ?? []).map((option) => {
      const at = option.indexOf("=");
      return at < 0 ? option : directive(option.slice(0, at), option.slice(at + 1));
    }),
  ];
  const lines = [
    "#!/bin/bash",
    ...directives.map((d) => `#SBATCH ${d}`),
    "#",
    `# Written by fits2idia-ts batch --slurm on ${context.created.toISOString()}: ${inputs} input${inputs === 1 ? "" : "s"} in ${plan.tasks.length} array task${plan.tasks.length === 1 ? "" : "s"}.`,
    "# Each task converts its inputs (listed in the manifest) one after the other with",
    "# --cpus-per-task threads; its memory is the predicted peak of its largest conversion plus the margin.",
    ...(classes.length > 1
      ? [
          "# The tasks do not all need the same memory: submit once per memory class, so that each asks for its own",
          "# (--array and --mem given to sbatch override the directives above):",
          ...classes.map((c) => `#   sbatch ${c.args.join(" ")} ${shellQuote(context.script)}`),
        ]
      : []),
    "set -euo pipefail",
    `exec ${shellQuote(context.node)} ${shellQuote(context.command)} batch --array-task ${shellQuote(context.manifest)}`,
    "",
  ];
  return lines.join("\n");
}

/** The manifest a task reads: its inputs, outputs and modes, by SLURM_ARRAY_TASK_ID. */
export interface Manifest extends SharedSettingsInput {
  readonly tool: "fits2idia-ts";
  readonly manifestVersion: 1;
  readonly created: string;
  /** Keep outputs that exist and pass verify. */
  readonly skipVerified: boolean;
  readonly tasks: readonly SlurmTask[];
  // Beside these, the settings every conversion gets (src/engine/settings.ts SharedSettings:
  // hdu, checksum policy, kernels, tileSize, batchBytes), written whole; a manifest of an
  // earlier version may hold `checksum: true | false` and `ignoreChecksum` instead of the policy.
}

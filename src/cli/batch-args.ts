/**
 * The `batch` subcommand's flags: `fits2idia-ts batch <files or folders…> --out-dir DIR`, with
 * `--slurm [--submit]` for a Slurm job array instead of converting here, and the hidden
 * `--array-task MANIFEST` that each array task runs.
 */
import type { Mode } from "../engine/defaults.js";
import type { HduSelector } from "../fits/hdu.js";
import { commandParser, hduOption, parseWords, positiveOption, single, sizeOption } from "./option-values.js";
import { CONVERTER_NAME } from "../version.js";
import { UsageError } from "./usage-error.js";

export interface SlurmArgs {
  readonly submit: boolean;
  readonly cpusPerTask: number;
  readonly maxMem: number;
  readonly memMargin: number;
  readonly groupBytes: number;
  readonly time?: string;
  readonly partition?: string;
  readonly logDir?: string;
  readonly jobName?: string;
  readonly maxRunning?: number;
  readonly extra: readonly string[];
}

export interface BatchArgs {
  readonly inputs: readonly string[];
  readonly outDir?: string;
  readonly mode?: Mode;
  readonly progress: boolean;
  readonly json: boolean;
  readonly threads?: number;
  readonly jobs?: number;
  readonly memoryLimit?: number;
  /** `--force`: convert again even outputs that exist and pass verify. */
  readonly force: boolean;
  readonly hdu?: HduSelector;
  readonly checksum?: false;
  readonly ignoreChecksum?: true;
  readonly debug: boolean;
  /** `--slurm`: write (and with --submit, submit) a job array instead of converting here. */
  readonly slurm?: SlurmArgs;
  /** `--array-task`: run this array task of a manifest (inside Slurm). */
  readonly arrayTask?: string;
}

export type ParsedBatchArgs = { readonly kind: "batch"; readonly args: BatchArgs } | { readonly kind: "print"; readonly text: string };

/** Defaults of the Slurm options, as the help shows them. */
export const SLURM_DEFAULTS = { cpusPerTask: 4, maxMem: "64GiB", memMargin: "20%", groupSize: "1GB" } as const;

// The defaults as bytes (not through parseSize: units load mathjs, which costs a second).
const DEFAULT_MAX_MEM = 64 * 2 ** 30;
const DEFAULT_GROUP_BYTES = 1e9;

const USAGE = `$0 batch <files or folders…> --out-dir DIR [options]

Convert many FITS files: those named, and those found in the folders named (*.fits, *.fit, *.fts,
optionally .gz, at any depth), into DIR, keeping a folder's structure below it.

On this node (default): conversions run side by side while their predicted peak memory fits in
the memory available (--memory-limit, the Slurm allocation, the cgroup limit or the free memory),
each with its share of the threads; a failure does not stop the others; a table of every input
ends the run; the exit status is 0 only when all succeeded. Outputs that exist and pass verify
are kept (--force converts them again).

With --slurm: writes DIR/<job-name>.sbatch (a job array: one task per input, or per group of
small inputs) and DIR/<job-name>-<time>.json (which inputs each task converts), each task's --mem from
the memory predictor plus --mem-margin; prints how to submit it, or submits it (--submit). An
input that cannot be read or fit in --max-mem is left out, said, and makes the exit status 1.`;

const SLURM_ONLY = ["submit", "cpus-per-task", "max-mem", "mem-margin", "group-size", "time", "partition", "log-dir", "job-name", "max-running", "sbatch-option"] as const;

function parser() {
  return commandParser(USAGE)
    .option("out-dir", { alias: "d", type: "string", describe: "folder of the outputs (created if missing)" })
    .option("slow", { alias: "s", type: "boolean", describe: "slow mode for every input" })
    .option("fast", { type: "boolean", describe: "fast mode for every input" })
    .option("progress", { alias: "p", type: "boolean", default: false, describe: "a line on stderr as each conversion starts and ends" })
    .option("json", { type: "boolean", default: false, describe: "print the results as JSON instead of the table" })
    .option("threads", { type: "string", describe: "threads of the whole batch (default: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, or all available)" })
    .option("jobs", { alias: "j", type: "string", describe: "conversions side by side, at most, each with an equal share of the threads (default: as the threads and memory allow; 1 thread for inputs under 128 MiB, up to 4 for others)" })
    .option("memory-limit", { type: "string", describe: "most memory the whole batch may use, e.g. 50GB (also taken as available)" })
    .option("force", { type: "boolean", default: false, describe: "convert again outputs that exist and pass verify" })
    .option("hdu", { type: "string", describe: "HDU to convert in every input" })
    .option("checksum", { type: "boolean", default: true, describe: "verify the inputs' CHECKSUM and DATASUM keywords (--no-checksum: skip)" })
    .option("ignore-checksum", { type: "boolean", default: false, describe: "a CHECKSUM or DATASUM mismatch is a warning, not an error" })
    .option("slurm", { type: "boolean", default: false, describe: "write a Slurm job array script instead of converting here" })
    .option("submit", { type: "boolean", default: false, describe: "with --slurm: submit it with sbatch and print the job ids" })
    .option("cpus-per-task", { type: "string", describe: `with --slurm: CPUs (threads) of each task (default ${SLURM_DEFAULTS.cpusPerTask})` })
    .option("max-mem", { type: "string", describe: `with --slurm: the most memory a task may ask for; fast mode where it fits, else slow (default ${SLURM_DEFAULTS.maxMem})` })
    .option("mem-margin", { type: "string", describe: `with --slurm: added to each predicted peak, a percentage (default ${SLURM_DEFAULTS.memMargin})` })
    .option("group-size", { type: "string", describe: `with --slurm: inputs smaller than this share tasks of at most this many input bytes (default ${SLURM_DEFAULTS.groupSize}; 0: one task per input)` })
    .option("time", { type: "string", describe: "with --slurm: each task's time limit (sbatch --time)" })
    .option("partition", { type: "string", describe: "with --slurm: the partition (sbatch --partition)" })
    .option("log-dir", { type: "string", describe: "with --slurm: folder of the tasks' logs (default DIR/logs)" })
    .option("job-name", { type: "string", describe: "with --slurm: the job's name and the files' names (default fits2idia)" })
    .option("max-running", { type: "string", describe: "with --slurm: array tasks running at once, at most, in each submission (sbatch --array=…%N; one submission per memory class)" })
    .option("sbatch-option", { type: "string", array: true, describe: "with --slurm: another sbatch option for the script, e.g. --sbatch-option=--account=proj (repeatable)" })
    .option("array-task", { type: "string", hidden: true, describe: "run one task of a job array's manifest (SLURM_ARRAY_TASK_ID)" })
    .option("debug", { type: "boolean", default: false, describe: "print stack traces of errors" })
    .version(false);
}

/** `20%` or `0.2` as a fraction. */
export function parseMargin(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (match === null) throw new UsageError(`--mem-margin needs a percentage such as 20%, not "${text}"`);
  const value = Number(match[1]) / (match[2] === "%" ? 100 : 1);
  if (value > 10) throw new UsageError(`--mem-margin of ${text} is more than 1000 %`);
  return value;
}

/** The arguments after `batch`. */
export async function parseBatchArgs(argv: readonly string[]): Promise<ParsedBatchArgs> {
  const { raw, printed } = await parseWords(parser(), argv, `${CONVERTER_NAME} batch`);
  if (raw.help) return { kind: "print", text: printed };
  const debug = raw.debug;
  const arrayTask = single("--array-task", raw["array-task"]);
  const inputs = raw._.map(String);
  if (arrayTask !== undefined) {
    if (inputs.length > 0 || raw.slurm) throw new UsageError("--array-task takes a manifest and no inputs (it runs inside a Slurm job array)");
    return { kind: "batch", args: { inputs: [], progress: raw.progress, json: raw.json, force: false, debug, arrayTask } };
  }
  if (inputs.length === 0) throw new UsageError(`batch needs FITS files or folders to convert (see ${CONVERTER_NAME} batch --help)`);
  if (inputs.some((i) => i === "")) throw new UsageError("an input name is empty");
  const outDir = single("--out-dir", raw["out-dir"]);
  if (outDir === undefined || outDir === "") throw new UsageError("batch needs --out-dir, the folder of the outputs");
  if (raw.slow && raw.fast) throw new UsageError("-s (slow mode) and --fast cannot be used together");
  if (!raw.slurm) {
    const misplaced = SLURM_ONLY.find((name) => raw[name] !== undefined && raw[name] !== false);
    if (misplaced !== undefined) throw new UsageError(`--${misplaced} goes with --slurm`);
  }
  const hdu = hduOption(single("--hdu", raw.hdu));
  const threads = positiveOption("--threads", single("--threads", raw.threads));
  const jobs = positiveOption("--jobs", single("--jobs", raw.jobs));
  const memoryLimit = sizeOption("--memory-limit", single("--memory-limit", raw["memory-limit"]));
  const mode: Mode | undefined = raw.slow ? "slow" : raw.fast ? "fast" : undefined;
  let slurm: SlurmArgs | undefined;
  if (raw.slurm) {
    for (const [flag, set] of [["--jobs", jobs], ["--threads", threads], ["--memory-limit", memoryLimit]] as const) {
      if (set !== undefined) throw new UsageError(`${flag} is for a batch on this node; with --slurm use --cpus-per-task and --max-mem`);
    }
    const text = (name: string): string | undefined => {
      const value = single(`--${name}`, raw[name]);
      if (value === "") throw new UsageError(`--${name} needs a value`);
      return value;
    };
    const time = text("time");
    if (time !== undefined && !/^[\d:-]+$/.test(time)) throw new UsageError(`--time needs a Slurm time such as 2:00:00 or 1-00:00:00, not "${time}"`);
    const partition = text("partition");
    const logDir = text("log-dir");
    const jobName = text("job-name");
    const maxRunning = positiveOption("--max-running", text("max-running"));
    const extra = ((raw["sbatch-option"] as string[] | undefined) ?? []).map(String);
    const bad = extra.find((o) => !/^--[\w-]+(=\S.*)?$/.test(o) || /[\n\r]/.test(o));
    if (bad !== undefined) throw new UsageError(`--sbatch-option needs a long sbatch option such as --account=proj, not "${bad}"`);
    slurm = {
      submit: raw.submit,
      cpusPerTask: positiveOption("--cpus-per-task", text("cpus-per-task")) ?? SLURM_DEFAULTS.cpusPerTask,
      maxMem: sizeOption("--max-mem", text("max-mem")) ?? DEFAULT_MAX_MEM,
      memMargin: parseMargin(text("mem-margin") ?? SLURM_DEFAULTS.memMargin),
      groupBytes: sizeOption("--group-size", text("group-size")) ?? DEFAULT_GROUP_BYTES,
      ...(time !== undefined ? { time } : {}),
      ...(partition !== undefined ? { partition } : {}),
      ...(logDir !== undefined ? { logDir } : {}),
      ...(jobName !== undefined ? { jobName } : {}),
      ...(maxRunning !== undefined ? { maxRunning } : {}),
      extra,
    };
  }
  return {
    kind: "batch",
    args: {
      inputs,
      outDir,
      ...(mode !== undefined ? { mode } : {}),
      progress: raw.progress,
      json: raw.json,
      ...(threads !== undefined ? { threads } : {}),
      ...(jobs !== undefined ? { jobs } : {}),
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      force: raw.force,
      ...(hdu !== undefined ? { hdu } : {}),
      ...(raw.checksum === false ? { checksum: false as const } : {}),
      ...(raw["ignore-checksum"] ? { ignoreChecksum: true as const } : {}),
      debug,
      ...(slurm !== undefined ? { slurm } : {}),
    },
  };
}

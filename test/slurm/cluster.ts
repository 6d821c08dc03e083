/**
 * A throwaway single-node Slurm cluster for integration tests (`npm run test:slurm`).
 *
 *   const cluster = useSlurmCluster();          // at the top of a test file: beforeAll/afterAll
 *   const id = await cluster().sbatchParsable(scriptPath, { MY_VAR: "x" });
 *   const job = await cluster().waitForJob(id, 60_000);
 *   expect(job.tasks.map((t) => t.state)).toEqual(["COMPLETED", "COMPLETED"]);
 *
 * The cluster itself is scripts/slurm/cluster.sh (slurmctld + slurmd + munged on loopback, all
 * state in one temporary folder); this module starts and stops it and wraps sbatch / scontrol.
 * There is no accounting database, so job states come from `scontrol show job`, which keeps
 * finished jobs for MinJobAge (an hour in the generated slurm.conf).
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";

const run = promisify(execFile);

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const clusterScript = join(root, "scripts", "slurm", "cluster.sh");

/** Job states after which a job (array task) will not change any more. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
]);

/** One job, or one task of a job array, as `scontrol show job` reports it. */
export interface TaskResult {
  /** The task's own job id (for arrays, not the array's id). */
  jobId: number;
  /** SLURM_ARRAY_TASK_ID, or null for a job that is not an array. */
  arrayTaskId: number | null;
  /** e.g. COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY; "GONE" if Slurm forgot it. */
  state: string;
  /** The batch script's exit status (ExitCode=N:S -> N). */
  exitCode: number;
  /** The signal that ended it, 0 if none (ExitCode=N:S -> S). */
  signal: number;
  /** Slurm's Reason field, e.g. None, NonZeroExitCode. */
  reason: string;
  /** Paths of the task's stdout / stderr files, as Slurm expanded them. */
  stdOut: string;
  stdErr: string;
  /** The whole `scontrol -o show job` line, for diagnostics. */
  raw: string;
}

export interface JobResult {
  /** The id sbatch printed (the array's id for arrays). */
  jobId: number;
  /** One per job / array task, sorted by array task id. */
  tasks: TaskResult[];
  /** True when every task is COMPLETED with exit code 0. */
  ok: boolean;
}

export interface SbatchOptions {
  /** Extra sbatch options, before the script (override the script's #SBATCH lines). */
  args?: string[];
  /** Working directory of the submission (the job's default working directory). */
  cwd?: string;
  /** Arguments for the batch script itself. */
  scriptArgs?: string[];
}

export interface SlurmCluster {
  /** The cluster's state folder (slurm.conf, logs, spool); removed by stop(). */
  readonly stateDir: string;
  /** Path of the generated slurm.conf. */
  readonly slurmConf: string;
  /** The node's name (short hostname) and CPU count. */
  readonly nodeName: string;
  readonly cpus: number;
  /**
   * Environment for running Slurm commands against this cluster: process.env without any
   * SLURM_* / SBATCH_* variables inherited from an outer Slurm job, plus SLURM_CONF.
   */
  env(extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  /**
   * `sbatch --parsable script` with env merged into the submission environment (which
   * sbatch exports to the job: --export=ALL). Resolves to the job id (the array's id).
   */
  sbatchParsable(script: string, env?: Record<string, string | undefined>, options?: SbatchOptions): Promise<number>;
  /**
   * Poll `scontrol show job` until every task of the job is in a terminal state (or Slurm no
   * longer knows it). Rejects after timeoutMs with the job's state and the daemons' log tails.
   */
  waitForJob(jobId: number, timeoutMs?: number): Promise<JobResult>;
  /** The job's tasks as they are now (pending array ranges collapsed into one entry). */
  jobTasks(jobId: number): Promise<TaskResult[]>;
  /** Run a Slurm command (sinfo, squeue, scontrol, scancel, ...) against the cluster; stdout. */
  command(program: string, ...args: string[]): Promise<string>;
  /** Tails of the daemon logs, for failure messages. */
  logs(lines?: number): string;
  /** Stop the daemons and remove the state folder (idempotent). */
  stop(): void;
}

function bash(args: string[], env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync("bash", [clusterScript, ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/slurm/cluster.sh ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/** process.env minus anything an enclosing Slurm job would leak into ours. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(SLURM|SBATCH|SALLOC|SRUN)_/.test(key)) env[key] = value;
  }
  return env;
}

function field(line: string, key: string): string {
  // -o prints one job per line as space-separated Key=Value pairs.
  return new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line)?.[1] ?? "";
}

export function parseJobLine(line: string): TaskResult {
  const [exit = "0", signal = "0"] = field(line, "ExitCode").split(":");
  const task = field(line, "ArrayTaskId");
  return {
    jobId: Number(field(line, "JobId")),
    // A pending range ("1-2", "3,5%2") is not a single task: NaN would be misleading, so -1.
    arrayTaskId: task === "" ? null : /^\d+$/.test(task) ? Number(task) : -1,
    state: field(line, "JobState"),
    exitCode: Number(exit),
    signal: Number(signal),
    reason: field(line, "Reason"),
    stdOut: field(line, "StdOut"),
    stdErr: field(line, "StdErr"),
    raw: line,
  };
}

/** Start a cluster in a fresh temporary folder (stopping any left behind by a killed run). */
export function startCluster(): SlurmCluster {
  // Under /tmp, not os.tmpdir(): munged needs every folder above its socket to be searchable
  // by all users (TMPDIR may be private), and the socket path must stay under 108 bytes.
  const stateDir = mkdtempSync(join("/tmp", "f2i-slurm-"));
  const base = cleanEnv();
  const slurmConf = join(stateDir, "slurm.conf");
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    bash(["stop", stateDir], base);
  };

  const logs = (lines = 40): string => {
    const files = [join(stateDir, "munge", "munged.log")];
    const logDir = join(stateDir, "log");
    if (existsSync(logDir)) files.push(...readdirSync(logDir).map((f) => join(logDir, f)));
    return files
      .filter((f) => existsSync(f))
      .map((f) => `----- ${f} -----\n${readFileSync(f, "utf8").split("\n").slice(-lines).join("\n")}`)
      .join("\n");
  };

  try {
    bash(["start", stateDir], base);
  } catch (error) {
    // cluster.sh start already printed the logs' tails into the error; clean up what it left.
    try {
      stop();
    } catch {
      /* keep the start error */
    }
    throw error;
  }
  // If the test process exits without afterAll (a crash), still take the daemons down.
  process.on("exit", stop);

  const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({ ...base, SLURM_CONF: slurmConf, ...extra });

  const command = async (program: string, ...args: string[]): Promise<string> => {
    const { stdout } = await run(program, args, { env: env(), encoding: "utf8", timeout: 30_000 });
    return stdout;
  };

  const nodeName = execFileSync("hostname", ["-s"], { encoding: "utf8" }).trim();
  const cpus = Number(/CPUs=(\d+)/.exec(readFileSync(slurmConf, "utf8"))?.[1] ?? 1);

  const jobTasks = async (jobId: number): Promise<TaskResult[]> => {
    let stdout: string;
    try {
      stdout = await command("scontrol", "-o", "show", "job", String(jobId));
    } catch (error) {
      // Purged (older than MinJobAge) or never existed.
      if (/Invalid job id/i.test(String((error as { stderr?: string }).stderr ?? error))) return [];
      throw error;
    }
    return stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(parseJobLine)
      .sort((a, b) => (a.arrayTaskId ?? 0) - (b.arrayTaskId ?? 0) || a.jobId - b.jobId);
  };

  const sbatchParsable = async (script: string, extraEnv: Record<string, string | undefined> = {}, options: SbatchOptions = {}): Promise<number> => {
    const args = ["--parsable", ...(options.args ?? []), script, ...(options.scriptArgs ?? [])];
    let stdout: string;
    try {
      ({ stdout } = await run("sbatch", args, { env: env(extraEnv), cwd: options.cwd, encoding: "utf8", timeout: 30_000 }));
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`sbatch ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`);
    }
    // --parsable prints "<id>" or "<id>;<cluster>".
    const id = Number(stdout.trim().split(";")[0]);
    if (!Number.isInteger(id) || id <= 0) throw new Error(`sbatch printed no job id: ${JSON.stringify(stdout)}`);
    return id;
  };

  const waitForJob = async (jobId: number, timeoutMs = 120_000): Promise<JobResult> => {
    const deadline = Date.now() + timeoutMs;
    let last: TaskResult[] = [];
    for (;;) {
      const tasks = await jobTasks(jobId);
      if (tasks.length === 0) {
        // Slurm has forgotten the job: report what was seen last, marking unfinished tasks.
        const gone = last.map((t) => (TERMINAL_STATES.has(t.state) ? t : { ...t, state: "GONE" }));
        if (gone.length === 0) throw new Error(`job ${jobId} is unknown to Slurm`);
        return { jobId, tasks: gone, ok: false };
      }
      last = tasks;
      // A pending array range is one entry with a non-terminal state, so this also waits for it.
      if (tasks.every((t) => TERMINAL_STATES.has(t.state))) {
        return { jobId, tasks, ok: tasks.every((t) => t.state === "COMPLETED" && t.exitCode === 0) };
      }
      if (Date.now() >= deadline) {
        const queue = await command("squeue", "-a").catch((e: unknown) => String(e));
        throw new Error(
          `job ${jobId} not finished after ${timeoutMs} ms:\n${tasks.map((t) => t.raw).join("\n")}\n` + `squeue:\n${queue}\n${logs()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  return { stateDir, slurmConf, nodeName, cpus, env, sbatchParsable, waitForJob, jobTasks, command, logs, stop };
}

/**
 * Start a cluster before the file's tests (beforeAll) and stop it after them (afterAll, which
 * vitest runs even when tests or beforeAll fail). Returns an accessor, valid inside tests.
 */
export function useSlurmCluster(): () => SlurmCluster {
  let cluster: SlurmCluster | undefined;
  beforeAll(() => {
    cluster = startCluster();
  });
  afterAll(() => {
    cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error("the Slurm cluster is not running (useSlurmCluster() must be called at the top of the file)");
    return cluster;
  };
}

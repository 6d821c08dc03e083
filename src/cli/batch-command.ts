/**
 * `fits2idia-ts batch …`: the library's runBatch, writeSlurmJob / submitSlurmJob and
 * runArrayTask, printed. Exit 0 when every input was converted or kept, 1 otherwise (or after
 * `Error: <message>. Aborting.` when the batch cannot start), 130 / 143 when interrupted.
 */
import { sharedSettings } from "../engine/settings.js";
import { formatGB } from "../config/size.js";
import { parseBatchArgs, type BatchArgs } from "./batch-args.js";
import { onBrokenPipe } from "./broken-pipe.js";
import { failure, parseStep } from "./parse-step.js";
import type { CliIo } from "./run.js";
import type { BatchEvent, BatchReport } from "../batch/run-batch.js";
import type { SlurmJob } from "../batch/slurm-job.js";
import { arraySizeWarning, shellQuote } from "../batch/slurm-plan.js";
import { SMALL_INPUT_BYTES } from "../batch/schedule.js";
import { ignoreClosedTerminal, INTERRUPT_SIGNALS } from "../common/interrupt-signals.js";
import { leaveDeletedWorkingFolder } from "./working-folder.js";

function formatMB(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

const INTERRUPT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** `argv`: the arguments after `batch`. Resolves to the exit status. */
export async function runBatchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const step = await parseStep(argv, parseBatchArgs, io);
  if ("status" in step) return step.status;
  const args: BatchArgs = step.args;
  try {
    leaveDeletedWorkingFolder([...args.inputs, args.outDir, args.arrayTask, args.slurm?.logDir], io.env);
    if (args.slurm !== undefined) return await slurm(args, io);
    return await onThisNode(args, io);
  } catch (error) {
    return failure(io.stderr, error, args.debug);
  }
}

function eventLine(event: BatchEvent): string {
  const n = `[${event.index + 1}/${event.total}]`;
  if (event.kind === "start") {
    const c = event.conversion;
    return `${n} ${c.input}: converting in ${c.mode} mode, ${event.threads} thread${event.threads === 1 ? "" : "s"}, predicted ${formatGB(c.predictedBytes!)}`;
  }
  const r = event.result;
  if (r.status === "failed") return `${n} ${r.input}: FAILED: ${r.detail ?? "unknown error"}`;
  if (r.status === "skipped") return `${n} ${r.input}: skipped, ${r.output} exists and passes verify (${r.seconds.toFixed(1)} s)`;
  const warnings = (r.warnings ?? []).map((w) => `\n${n} ${r.input}: Warning: ${w}`).join("");
  return `${n} ${r.input}: converted to ${r.output} in ${r.seconds.toFixed(1)} s${warnings}`;
}

async function onThisNode(args: BatchArgs, io: CliIo): Promise<number> {
  const { runBatch } = await import("../batch/run-batch.js");
  const { runArrayTask } = await import("../batch/slurm-job.js");
  const { summaryTable } = await import("../batch/summary.js");
  // SIGINT / SIGTERM / SIGHUP (Ctrl-C, scancel, a Slurm time limit, the ssh session closing): the
  // running conversions are interrupted (they remove their temporary files), no other starts, and
  // the table is printed.
  const controller = new AbortController();
  let interruptedBy: keyof typeof INTERRUPT_CODES | undefined;
  const onSignal = (name: keyof typeof INTERRUPT_CODES) => (): void => {
    if (interruptedBy !== undefined) return;
    interruptedBy = name;
    if (name === "SIGHUP") ignoreClosedTerminal();
    io.stderr.write(`Interrupted by ${name}: stopping the running conversions.\n`);
    // The reason names the signal: the running conversions get the same one.
    controller.abort(name);
  };
  const handlers = { SIGINT: onSignal("SIGINT"), SIGTERM: onSignal("SIGTERM"), SIGHUP: onSignal("SIGHUP") };
  for (const name of INTERRUPT_SIGNALS) process.on(name, handlers[name]);
  // The reader of our output gone (src/cli/broken-pipe.ts): the conversions stop too.
  const stopOnBrokenPipe = onBrokenPipe(() => controller.abort("SIGTERM"));
  let report: BatchReport;
  try {
    const onEvent = args.progress ? (event: BatchEvent) => io.stderr.write(`${eventLine(event)}\n`) : undefined;
    const common = { env: io.env, signal: controller.signal, ...(onEvent ? { onEvent } : {}) };
    report =
      args.arrayTask !== undefined
        ? await runArrayTask(args.arrayTask, common)
        : await runBatch(args.inputs, {
            ...common,
            outDir: args.outDir!,
            ...(args.mode !== undefined ? { mode: args.mode } : {}),
            ...(args.threads !== undefined ? { threads: args.threads } : {}),
            ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
            ...(args.memoryLimit !== undefined ? { memoryLimit: args.memoryLimit } : {}),
            skipVerified: !args.force,
            // The settings every conversion gets, whole (src/engine/settings.ts).
            ...sharedSettings(args),
          });
  } finally {
    for (const name of INTERRUPT_SIGNALS) process.off(name, handlers[name]);
    stopOnBrokenPipe();
  }
  if (args.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    if (args.progress || args.arrayTask !== undefined) {
      const each = `${report.threadsPerJob} thread${report.threadsPerJob === 1 ? "" : "s"} each`;
      const share = args.jobs !== undefined || args.arrayTask !== undefined ? each : `${each}, 1 for inputs under ${formatMB(SMALL_INPUT_BYTES)}`;
      io.stderr.write(`at most ${report.jobs} side by side, ${share}, in ${formatGB(report.memory.bytes)} (${report.memory.detail})\n`);
    }
    io.stdout.write(summaryTable(report.results, report.seconds));
  }
  if (interruptedBy !== undefined) return INTERRUPT_CODES[interruptedBy];
  return report.ok ? 0 : 1;
}

function submitHint(job: SlurmJob): string[] {
  if (job.submissions.length === 1) return [`  sbatch ${shellQuote(job.script)}`];
  return job.submissions.map((s) => `  sbatch ${s.args.join(" ")} ${shellQuote(job.script)}`);
}

async function slurm(args: BatchArgs, io: CliIo): Promise<number> {
  const { writeSlurmJob, submitSlurmJob } = await import("../batch/slurm-job.js");
  const options = args.slurm!;
  const job = await writeSlurmJob(args.inputs, {
    outDir: args.outDir!,
    cpusPerTask: options.cpusPerTask,
    maxMem: options.maxMem,
    memMargin: options.memMargin,
    groupBytes: options.groupBytes,
    extra: options.extra,
    skipVerified: !args.force,
    ...(args.mode !== undefined ? { mode: args.mode } : {}),
    ...(options.time !== undefined ? { time: options.time } : {}),
    ...(options.partition !== undefined ? { partition: options.partition } : {}),
    ...(options.logDir !== undefined ? { logDir: options.logDir } : {}),
    ...(options.jobName !== undefined ? { jobName: options.jobName } : {}),
    ...(options.maxRunning !== undefined ? { maxRunning: options.maxRunning } : {}),
    // The settings every conversion of the job gets, whole (src/engine/settings.ts).
    ...sharedSettings(args),
  });
  const inputs = job.plan.tasks.reduce((n, t) => n + t.inputs.length, 0);
  const lines = [`Wrote ${job.script} (a job array of ${job.plan.tasks.length} task${job.plan.tasks.length === 1 ? "" : "s"} for ${inputs} input${inputs === 1 ? "" : "s"}) and ${job.manifest}.`];
  for (const refused of job.plan.refused) lines.push(`Left out ${refused.input}: ${refused.reason}`);
  const warning = arraySizeWarning(job.plan);
  if (warning !== undefined) lines.push(`Warning: ${warning}`);
  if (!options.submit) {
    lines.push(job.submissions.length === 1 ? "Submit it with:" : `Its tasks need ${job.submissions.length} different memory requests; submit it with:`, ...submitHint(job));
    io.stdout.write(`${lines.join("\n")}\n`);
    return job.plan.refused.length > 0 ? 1 : 0;
  }
  io.stdout.write(`${lines.join("\n")}\n`);
  const ids = await submitSlurmJob(job, { env: io.env });
  ids.forEach((id, i) => {
    const s = job.submissions[i]!;
    io.stdout.write(`Submitted job array ${id} (tasks ${s.args[0]!.replace("--array=", "")}, ${s.args[1]}).\n`);
  });
  return job.plan.refused.length > 0 ? 1 : 0;
}

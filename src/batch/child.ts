/**
 * A conversion process of a batch (forked by src/batch/run-batch.ts): it receives BatchJobs over
 * IPC, one at a time, converts each (or keeps an existing output that passes verify) and sends
 * back a JobResult. Conversions run in processes apart from the batch's: one that fails, even by
 * running out of memory, fails alone, and each process has its own memory, as the memory model
 * predicts.
 *
 * SIGINT, SIGTERM and SIGHUP abort the conversion as they do for the command (its temporary file and
 * lock are removed), and the process exits 128 + the signal's number.
 */
import { existsSync, statSync } from "node:fs";
import { describeError } from "../common/describe-error.js";
import { Interrupted, watchSignals } from "../common/interrupt-signals.js";
import type { BatchJob, JobResult } from "./job.js";
import type { Mode } from "../engine/defaults.js";

async function run(job: BatchJob, signal: AbortSignal): Promise<JobResult> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  let detail: string | undefined;
  if (job.skipVerified && existsSync(job.output)) {
    const { verifyFile } = await import("../verify/index.js");
    try {
      const report = await verifyFile(job.output, job.input, { threads: job.settings.threads, signal, ...(job.settings.hdu !== undefined ? { hdu: job.settings.hdu } : {}) });
      if (report.ok) {
        const options = report.provenance?.options as { mode?: unknown } | undefined;
        const mode = options?.mode === "fast" || options?.mode === "slow" ? (options.mode as Mode) : undefined;
        return { status: "skipped", input: job.input, output: job.output, ...(mode ? { mode } : {}), seconds: seconds(), bytesOut: statSync(job.output).size, detail: "output exists and passes verify" };
      }
      detail = `converted again: the existing output failed verify (${report.problems[0] ?? "problems found"})`;
    } catch (error) {
      if (signal.aborted) throw error;
      detail = `converted again: the existing output could not be verified (${describeError(error, false)})`;
    }
  }
  const { convert } = await import("../engine/convert.js");
  // The settings as the batch planned them, whole; the signal beside them.
  const report = await convert(job.input, job.output, { ...job.settings, signal });
  const warnings = report.warnings.length > 0 ? `${report.warnings.length} warning${report.warnings.length > 1 ? "s" : ""}` : undefined;
  return {
    status: "converted",
    input: job.input,
    output: job.output,
    mode: report.mode,
    threads: report.threads,
    seconds: report.seconds.total,
    bytesIn: report.bytesIn,
    bytesOut: report.bytesOut,
    peakRssBytes: report.peakRssBytes,
    predictedBytes: report.predictedBytes,
    ...(report.warnings.length > 0 ? { warnings: report.warnings } : {}),
    ...(detail ?? warnings ? { detail: [detail, warnings].filter(Boolean).join("; ") } : {}),
  };
}

function send(result: JobResult): Promise<void> {
  return new Promise((resolve) => process.send!(result, undefined, {}, () => resolve()));
}

// Conversions one after another, as the runner sends them; the process ends when the runner
// disconnects (or at once after an interruption).
let queue = Promise.resolve();
process.on("message", (job: BatchJob) => {
  queue = queue.then(async () => {
    const signals = watchSignals(job.output, { stderr: process.stderr });
    let result: JobResult;
    let interrupted: number | undefined;
    try {
      result = await run(job, signals.signal);
    } catch (error) {
      const reason = signals.signal.reason;
      if (reason instanceof Interrupted) interrupted = reason.exitCode;
      result = { status: "failed", input: job.input, output: job.output, seconds: 0, detail: describeError(error, false) };
    } finally {
      signals.dispose();
    }
    await send(result);
    if (interrupted !== undefined) process.exit(interrupted);
  });
});
process.on("disconnect", () => {
  void queue.then(() => process.exit(0));
});

/**
 * `fits2idia-ts verify [-p] [--provenance] out.hdf5 [in.fits]`: the library's verifyFile,
 * printed. Exit 0 with one `OK: …` line on stdout; 1 with `Error: …` lines on stderr saying what
 * differs, or `Error: <message>. Aborting.` when a file cannot be read. `-p` shows progress on
 * stderr as a conversion does (a live bar on a terminal, timestamped lines in a log file);
 * `--provenance` prints the recorded provenance on stdout before the verdict; `Warning: …` lines
 * (what CARTA shows differently without the conversion being at fault) go to stderr.
 */
import { parseVerifyArgs } from "./args.js";
import { failure, parseStep } from "./parse-step.js";
import { ProgressPrinter } from "./progress-printer.js";
import type { CliIo } from "./run.js";
import { fitsArgument } from "./standard-streams.js";
import { leaveDeletedWorkingFolder } from "./working-folder.js";

/** `argv`: the arguments after `verify`. Resolves to the exit status. */
export async function runVerify(argv: readonly string[], io: CliIo): Promise<number> {
  const step = await parseStep(argv, parseVerifyArgs, io);
  if ("status" in step) return step.status;
  const args = step.args;
  const printer = args.progress ? new ProgressPrinter(io.stderr) : undefined;
  try {
    leaveDeletedWorkingFolder([args.file, args.fits], io.env);
    // Loaded here: the HDF5 runtime takes a while to load, and --help does not need it.
    const { verifyFile, okLine, problemLines, provenanceText, warningLines } = await import("../verify/index.js");
    const fits = args.fits === undefined ? undefined : fitsArgument(args.fits, io.stdin ?? (() => process.stdin));
    const report = await verifyFile(args.file, fits, {
      hdu: args.hdu,
      structureOnly: args.structureOnly,
      maxDifferences: args.maxDifferences,
      threads: args.threads,
      env: io.env,
      onProgress: printer ? (p) => printer.update(p) : undefined,
    });
    printer?.finish();
    if (args.provenance) io.stdout.write(provenanceText(report).map((line) => `${line}\n`).join(""));
    io.stderr.write(warningLines(report).map((line) => `${line}\n`).join(""));
    if (report.ok) {
      io.stdout.write(`${okLine(report, args.file)}\n`);
      return 0;
    }
    io.stderr.write(problemLines(report, args.file).map((line) => `${line}\n`).join(""));
    return 1;
  } catch (error) {
    printer?.finish();
    return failure(io.stderr, error, args.debug);
  }
}

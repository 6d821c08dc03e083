/**
 * The `fits2idia-ts` command, as a function of its arguments and streams: a thin layer over
 * the library API (convert, predictMemory, resolveResources, chooseMode).
 */
import { conversionSettings } from "../engine/settings.js";
import { predictMemory } from "../engine/memory.js";
import { chooseMode, MemoryLimitError, type ModeChoice } from "../engine/mode-choice.js";
import { resolveResources } from "../engine/plan.js";
import { parseArgs, UsageError, type CliArgs } from "./args.js";
import { runVerify } from "./verify-command.js";
import { runBatchCommand } from "./batch-command.js";
import { failure, parseStep } from "./parse-step.js";
import { memoryReportJson, memoryReportText } from "./memory-report.js";
import { defaultOutputName } from "../common/output-name.js";
import { kernelsLine, modeLine, ProgressPrinter, summaryLine, type ProgressSink } from "./progress-printer.js";
import { watchSignals } from "../common/interrupt-signals.js";
import { commandInput, type StandardInput } from "./standard-streams.js";
import type { FitsInput } from "../fits/source.js";
import { checkAddressSpaceFirst } from "./address-space-check.js";
import { leaveDeletedWorkingFolder } from "./working-folder.js";

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressSink;
  readonly env: NodeJS.ProcessEnv;
  /** Read for the input `-` (default: process.stdin, only then created). */
  readonly stdin?: () => StandardInput;
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: () => process.stdin };

/**
 * Run the command; resolves to its exit status: 0, or 1 after `Error: …. Aborting.` on stderr
 * (130, 143 or 129 when SIGINT, SIGTERM or SIGHUP interrupted the conversion: src/common/interrupt-signals.ts).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  // The first word names a subcommand (a FITS file of that name is converted as ./verify, ./help).
  if (argv[0] === "verify") return runVerify(argv.slice(1), io);
  if (argv[0] === "batch") return runBatchCommand(argv.slice(1), io);
  if (argv[0] === "help") return help(argv.slice(1), io);
  const step = await parseStep(argv, parseArgs, io);
  if ("status" in step) return step.status;
  const args: CliArgs = step.args;

  try {
    leaveDeletedWorkingFolder([args.input === "-" ? undefined : args.input, args.output], io.env);
    const input = commandInput(args, io.stdin ?? processIo.stdin!);
    if (args.memory) await reportMemory(args, input, io);
    else await runConversion(args, input, io);
    return 0;
  } catch (error) {
    return failure(io.stderr, error, args.debug);
  }
}

/** `help [verify|batch]`: that subcommand's --help (the conversion's without one). */
function help(argv: readonly string[], io: CliIo): Promise<number> {
  const [topic, ...rest] = argv;
  if (rest.length === 0) {
    if (topic === undefined || topic === "convert" || topic === "--help" || topic === "-h") return main(["--help"], io);
    if (topic === "verify" || topic === "batch") return main([topic, "--help"], io);
  }
  const what = rest.length > 0 ? `help takes at most one subcommand, not ${argv.length}` : `help: no subcommand "${topic}" (there are verify and batch; a file named help is converted as ./help)`;
  return Promise.resolve(failure(io.stderr, new UsageError(what), false));
}

/** `-m`: the prediction for the mode that would be used, and why; nothing is written. */
async function reportMemory(args: CliArgs, input: FitsInput, io: CliIo): Promise<void> {
  const resources = resolveResources({ memoryLimit: args.memoryLimit, threads: args.threads, env: io.env });
  const prediction = await predictMemory(input, { hdu: args.hdu, threads: resources.threads.threads });
  let choice: ModeChoice | MemoryLimitError;
  try {
    choice = chooseMode(prediction, { requested: args.mode, available: resources.available, limit: resources.limit, addressSpaceLimit: resources.addressSpaceLimit });
  } catch (error) {
    if (!(error instanceof MemoryLimitError)) throw error;
    choice = error;
  }
  const report = { input: args.input, prediction, resources, choice };
  io.stdout.write(args.json ? `${JSON.stringify(memoryReportJson(report), null, 2)}\n` : memoryReportText(report));
}

async function runConversion(args: CliArgs, input: FitsInput, io: CliIo): Promise<void> {
  const output = args.output ?? defaultOutputName(args.input);
  const printer = args.progress ? new ProgressPrinter(io.stderr) : undefined;
  // SIGINT / SIGTERM / SIGHUP abort the conversion (which removes its temporary file) from here on.
  // What they print goes through the printer, which clears the bar first.
  const signals = watchSignals(output, { stderr: printer ?? io.stderr });
  // Loaded here, not at start-up: the HDF5 runtime takes a while to load, and --help,
  // --version, -m and usage errors do not need it.
  try {
    await checkAddressSpaceFirst(args, io.env);
    const { convert } = await import("../engine/convert.js");
    const report = await convert(input, output, {
      // The settings the command line gave, whole (src/engine/settings.ts); the hooks beside them.
      ...conversionSettings({ ...args, mode: args.mode ?? "auto" }),
      env: io.env,
      onPlan: printer
        ? (plan) => {
            printer.line(modeLine(plan));
            if (plan.kernels) printer.line(kernelsLine(plan.kernels));
          }
        : undefined,
      onProgress: printer ? (p) => printer.update(p) : undefined,
      // Every warning, one line each, unless -q.
      onWarning: args.quiet ? undefined : (message) => (printer ? printer.line(`Warning: ${message}`) : io.stderr.write(`Warning: ${message}\n`)),
      signal: signals.signal,
    });
    printer?.finish();
    printer?.line(summaryLine(report));
  } finally {
    signals.dispose();
    printer?.finish();
  }
}

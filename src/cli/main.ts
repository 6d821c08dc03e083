#!/usr/bin/env node
/**
 * The `fits2idia-ts` command: a thin layer over the library API, with the reference
 * converter's flags (`[-o output] [-s] [-p] [-m] [-q] input`).
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { convert } from "../engine/convert.js";
import { parseHduSelector } from "../fits/hdu.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";
import { describeError } from "./errors.js";
import { defaultOutputName } from "./output-name.js";
import { ProgressPrinter } from "./progress-printer.js";

export async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName(CONVERTER_NAME)
    .usage("$0 [-o output] [-s] [-p] [-m] [-q] input.fits\n\nConvert a FITS image or cube into the IDIA HDF5 schema read by CARTA.")
    .option("output", { alias: "o", type: "string", describe: "output file (default: the input's name with .hdf5)" })
    .option("slow", { alias: "s", type: "boolean", default: false, describe: "slow mode: one channel in memory at a time" })
    .option("progress", { alias: "p", type: "boolean", default: false, describe: "report progress on stderr" })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "deprecated: quiet is the default" })
    .option("hdu", { type: "string", describe: "HDU to convert: an index (0 = primary), EXTNAME or EXTNAME,EXTVER" })
    .option("debug", { type: "boolean", default: false, describe: "print stack traces of errors" })
    .version(CONVERTER_VERSION)
    .help()
    .alias("help", "h")
    .strictOptions()
    .demandCommand(1, 1, "an input FITS file is required", "only one input file can be converted at a time")
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });

  let args;
  try {
    args = await parser.parseAsync();
  } catch (error) {
    process.stderr.write(`Error: ${describeError(error, false)}. Aborting.\n`);
    return 1;
  }
  if (args.help || args.version) return 0;

  const input = String(args._[0]);
  const output = args.output ?? defaultOutputName(input);
  if (args.quiet) process.stderr.write("Warning: -q is deprecated: quiet is the default.\n");
  const printer = args.progress ? new ProgressPrinter(process.stderr) : undefined;
  try {
    const report = await convert(input, output, {
      slow: args.slow,
      hdu: args.hdu === undefined ? undefined : parseHduSelector(args.hdu),
      onProgress: printer ? (p) => printer.update(p) : undefined,
      onWarning: (message) => {
        if (args.progress) printer!.line(`Warning: ${message}`);
      },
    });
    if (printer) {
      const mb = report.bytesIn / 1e6;
      printer.finish();
      printer.line(
        `Done: ${report.mode} mode, ${report.seconds.total.toFixed(2)} s, ${(mb / report.seconds.total).toFixed(0)} MB/s, ` +
          `peak memory ${(report.peakRssBytes / 1e9).toFixed(2)} GB, wrote ${output}`,
      );
    }
    return 0;
  } catch (error) {
    printer?.finish();
    process.stderr.write(`Error: ${describeError(error, args.debug)}. Aborting.\n`);
    return 1;
  }
}

class UsageError extends Error {}

const exitCode = await main(hideBin(process.argv));
process.exitCode = exitCode;

/**
 * The command's flags, parsed with yargs into plain settings. Every mistake is a UsageError
 * (yargs' own messages included), which the command prints as `Error: <message>. Aborting.`.
 */
import type { Mode } from "../engine/defaults.js";
import type { KernelsRequest } from "../engine/kernel-set.js";
import type { HduSelector } from "../fits/hdu.js";
import { commandParser, hduOption, parseWords, positiveOption, single, sizeOption } from "./option-values.js";
import { UsageError } from "./usage-error.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";

export { UsageError };

export interface CliArgs {
  readonly input: string;
  /** `-o`; absent: the default name beside the input. */
  readonly output?: string;
  /** `-s` or `--fast`; absent: chosen automatically. */
  readonly mode?: Mode;
  readonly progress: boolean;
  /** `-m`: report the predicted memory and exit. */
  readonly memory: boolean;
  /** `--json` (with `-m`). */
  readonly json: boolean;
  /** `-q`: no warnings on stderr. */
  readonly quiet: boolean;
  /** `--memory-limit`, bytes. */
  readonly memoryLimit?: number;
  readonly threads?: number;
  readonly hdu?: HduSelector;
  readonly debug: boolean;
  /** `--no-checksum`: false (skip CHECKSUM/DATASUM verification); absent: verify. */
  readonly checksum?: false;
  /** `--ignore-checksum`: a checksum mismatch is a warning, not an error. */
  readonly ignoreChecksum?: true;
  /** `--kernels auto|js|native`; absent: FITS2IDIA_KERNELS, else auto. */
  readonly kernels?: KernelsRequest;
}

/** Either settings to run with, or text that yargs produced (`--help`, `--version`) to print. */
export type ParsedArgs = { readonly kind: "run"; readonly args: CliArgs } | { readonly kind: "print"; readonly text: string };

/** The `verify` subcommand's settings, or its `--help` text. */
export type ParsedVerifyArgs = { readonly kind: "verify"; readonly args: VerifyArgs } | { readonly kind: "print"; readonly text: string };

/** `fits2idia-ts verify [-p] [--provenance] out.hdf5 [in.fits]`. */
export interface VerifyArgs {
  /** The HDF5 file to check. */
  readonly file: string;
  /** The FITS file it was converted from. */
  readonly fits?: string;
  /** `--provenance`: print the provenance recorded in the file. */
  readonly provenance: boolean;
  /** `-p`, `--progress`: report progress on stderr, as a conversion does. */
  readonly progress: boolean;
  /** `--hdu`: the FITS file's HDU (default: the one recorded as converted). */
  readonly hdu?: HduSelector;
  /** `--structure`: check the structure only. */
  readonly structureOnly: boolean;
  /** `--max-differences`: differences listed per dataset. */
  readonly maxDifferences?: number;
  /** `--threads`: threads recomputing (default as for a conversion). */
  readonly threads?: number;
  readonly debug: boolean;
}

const USAGE = `$0 [-o output] [-s] [-p] [-m] [-q] input.fits

Convert a FITS image or cube into the IDIA HDF5 schema read by CARTA.
Without -s or --fast, fast mode is used when its predicted memory fits in the memory available
(--memory-limit, the Slurm allocation, the cgroup limit or the free memory), else slow mode.

$0 verify [-p] [--provenance] out.hdf5 [in.fits]: check a converted file (see $0 verify --help).
$0 batch <files or folders…> --out-dir DIR [--slurm]: convert many files (see $0 batch --help).
$0 help [verify|batch]: this help, or a subcommand's. An input named like an option follows --.`;

function parser() {
  return commandParser(USAGE)
    .option("output", { alias: "o", type: "string", describe: "output file (default: the input's name with .hdf5, beside it)" })
    .option("slow", { alias: "s", type: "boolean", describe: "slow mode: one channel in memory at a time" })
    .option("fast", { type: "boolean", describe: "fast mode: one stokes of the cube in memory" })
    .option("progress", { alias: "p", type: "boolean", default: false, describe: "report progress on stderr" })
    .option("memory", { alias: "m", type: "boolean", default: false, describe: "print the predicted memory and exit" })
    .option("json", { type: "boolean", default: false, describe: "with -m: print both modes' predictions as JSON (bytes)" })
    .option("memory-limit", { type: "string", describe: "most memory this run may use, e.g. 50GB, 48GiB (also taken as available)" })
    .option("threads", { type: "string", describe: "threads (default: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, or all available)" })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "print no warnings (errors are still printed)" })
    .option("hdu", { type: "string", describe: "HDU to convert: an index (0 = primary), EXTNAME or EXTNAME,EXTVER" })
    .option("debug", { type: "boolean", default: false, describe: "print stack traces of errors" })
    .option("checksum", { type: "boolean", default: true, describe: "verify the input's CHECKSUM and DATASUM keywords when present (--no-checksum: skip)" })
    .option("ignore-checksum", { type: "boolean", default: false, describe: "a CHECKSUM or DATASUM mismatch is a warning, not an error" })
    .option("kernels", { type: "string", describe: "numerical kernels: native (C++ addon), js (TypeScript) or auto (default: FITS2IDIA_KERNELS, else auto)" })
    .version(CONVERTER_VERSION)
    .alias("version", "V")
    .demandCommand(1, 1, `an input FITS file is required (see ${CONVERTER_NAME} --help)`, "only one input file can be converted at a time");
}

export async function parseArgs(argv: readonly string[]): Promise<ParsedArgs> {
  const { raw, printed } = await parseWords(parser(), argv, CONVERTER_NAME);
  if (raw.help || raw.version) return { kind: "print", text: printed };

  if (raw.slow && raw.fast) throw new UsageError("-s (slow mode) and --fast cannot be used together");
  if (raw.json && !raw.memory) throw new UsageError("--json goes with -m");

  const output = single("-o", raw.output);
  if (output === "") throw new UsageError("-o needs a file name");

  const memoryLimit = sizeOption("--memory-limit", single("--memory-limit", raw["memory-limit"]));
  const threads = positiveOption("--threads", single("--threads", raw.threads));

  const hdu = hduOption(single("--hdu", raw.hdu));

  const kernelsText = single("--kernels", raw.kernels);
  if (kernelsText !== undefined && kernelsText !== "auto" && kernelsText !== "js" && kernelsText !== "native") {
    throw new UsageError(`--kernels must be auto, js or native, not "${kernelsText}"`);
  }
  const kernels = kernelsText as KernelsRequest | undefined;

  const mode: Mode | undefined = raw.slow ? "slow" : raw.fast ? "fast" : undefined;
  const input = String(raw._[0]);
  if (input === "") throw new UsageError("the input file name is empty");
  return {
    kind: "run",
    args: {
      input,
      ...(output !== undefined ? { output } : {}),
      ...(mode !== undefined ? { mode } : {}),
      progress: raw.progress,
      memory: raw.memory,
      json: raw.json,
      quiet: raw.quiet,
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(hdu !== undefined ? { hdu } : {}),
      debug: raw.debug,
      ...(raw.checksum === false ? { checksum: false as const } : {}),
      ...(raw["ignore-checksum"] ? { ignoreChecksum: true as const } : {}),
      ...(kernels !== undefined ? { kernels } : {}),
    },
  };
}

const VERIFY_USAGE = `$0 verify [-p] [--provenance] [--hdu N] [--structure] out.hdf5 [in.fits]

Check an IDIA HDF5 file: its structure against the schema (every dataset, shape, type and
storage) and, with the FITS file it was converted from, that file's size and SHA-256 against
those recorded, DATA against its data bit for bit, and every statistic, histogram, mipmap and
the swizzled data recomputed, and group 0's header against the FITS header. Without the FITS
file the values are checked against DATA. Always: the header as CARTA rebuilds it (80-column
cards, spectral and Stokes axes as axes 3 and 4, a beam where BUNIT is per beam).
Exit 0 with one line "OK: …", or 1 with "Error: …" lines saying what differs.`;

function verifyParser() {
  return commandParser(VERIFY_USAGE)
    .option("progress", { alias: "p", type: "boolean", default: false, describe: "report progress on stderr, as a conversion does" })
    .option("provenance", { type: "boolean", default: false, describe: "print the provenance recorded in the file (before the verdict)" })
    .option("hdu", { type: "string", describe: "HDU of the FITS file: an index (0 = primary), EXTNAME or EXTNAME,EXTVER (default: the one recorded as converted)" })
    .option("structure", { type: "boolean", default: false, describe: "check the structure only: read no values" })
    .option("max-differences", { type: "string", describe: "differences listed per dataset before it is no longer compared (default 10)" })
    .option("threads", { type: "string", describe: "threads recomputing (default: SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, or all available)" })
    .option("debug", { type: "boolean", default: false, describe: "print stack traces of errors" })
    .version(false)
    .demandCommand(1, 2, `verify needs the HDF5 file to check (see ${CONVERTER_NAME} verify --help)`, "verify takes one HDF5 file and at most one FITS file");
}

/** The arguments after `verify` (the command dispatches on that first word: a FITS file named "verify" is converted as ./verify). */
export async function parseVerifyArgs(argv: readonly string[]): Promise<ParsedVerifyArgs> {
  const { raw, printed } = await parseWords(verifyParser(), argv, `${CONVERTER_NAME} verify`);
  if (raw.help) return { kind: "print", text: printed };
  const hdu = hduOption(single("--hdu", raw.hdu));
  const maxDifferences = positiveOption("--max-differences", single("--max-differences", raw["max-differences"]));
  const threads = positiveOption("--threads", single("--threads", raw.threads));
  const [file, fits] = raw._.map(String);
  if (file === undefined || file === "") throw new UsageError("the HDF5 file name is empty");
  if (fits === "") throw new UsageError("the FITS file name is empty");
  return {
    kind: "verify",
    args: {
      file,
      ...(fits !== undefined ? { fits } : {}),
      provenance: raw.provenance,
      progress: raw.progress,
      ...(hdu !== undefined ? { hdu } : {}),
      structureOnly: raw.structure,
      ...(maxDifferences !== undefined ? { maxDifferences } : {}),
      ...(threads !== undefined ? { threads } : {}),
      debug: raw.debug,
    },
  };
}

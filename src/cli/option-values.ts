/**
 * Values of the command's options as yargs gives them (strings), checked and converted, shared
 * by every subcommand's parser: each mistake is a UsageError naming the option.
 */
import yargs, { type Argv } from "yargs";
import { parseSize, SizeError } from "../config/size.js";
import { CONVERTER_NAME } from "../version.js";
import { FitsError } from "../fits/errors.js";
import { parseHduSelector, type HduSelector } from "../fits/hdu.js";
import { normalizeWords, optionTable } from "./getopt.js";
import { UsageError } from "./usage-error.js";

/** One value for a string option given at most once. */
export function single(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`${name} is given more than once`);
  return String(value);
}

/** A positive whole number, written in digits. */
export function positiveOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} needs a positive whole number, not "${text}"`);
  return n;
}

/** A size in bytes, with or without a unit (src/config/size.ts). */
export function sizeOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseSize(text);
  } catch (error) {
    if (error instanceof SizeError) throw new UsageError(`${name}: ${error.message}`);
    throw error;
  }
}

/** `--hdu`: an index, EXTNAME or EXTNAME,EXTVER. */
export function hduOption(text: string | undefined): HduSelector | undefined {
  if (text === undefined) return undefined;
  try {
    return parseHduSelector(text);
  } catch (error) {
    if (error instanceof FitsError) throw new UsageError(`--hdu: ${error.message}`);
    throw error;
  }
}

/** The working directory, or `/` when it has been deleted (process.cwd() throws then). */
function workingFolder(): string {
  try {
    return process.cwd();
  } catch {
    return "/";
  }
}

/**
 * A yargs parser as every subcommand uses it: its usage text and --help, strict about unknown
 * options, inputs kept as written (no numbers, no camel-case copies), and every mistake thrown
 * as a UsageError instead of printed and exited.
 */
export function commandParser(usage: string) {
  // The folder yargs looks for package.json and `extends` files in (neither is used): given, so
  // that yargs does not ask for the working directory, which fails (uv_cwd, ENOENT) when that
  // folder has been deleted; a run with absolute paths works there.
  return yargs([], workingFolder())
    .scriptName(CONVERTER_NAME)
    .usage(usage)
    .help()
    .alias("help", "h")
    .wrap(null)
    .strictOptions()
    .parserConfiguration({ "parse-positional-numbers": false, "camel-case-expansion": false })
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
}

/**
 * Parse the words with a parser made by commandParser, read as getopt reads them
 * (src/cli/getopt.ts). `command`: the command whose --help a usage error points at. `printed`:
 * the text yargs produced (--help, --version), if any.
 */
export async function parseWords<T>(parser: Argv<T>, argv: readonly string[], command: string) {
  const words = normalizeWords(argv, optionTable(parser), command);
  let printed = "";
  const raw = await parser.parseAsync(words, {}, (_error, _argv, output) => {
    printed = output;
  });
  return { raw, printed };
}

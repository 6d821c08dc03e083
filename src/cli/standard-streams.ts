/**
 * `-` on the command line: as the input, the FITS file's bytes on standard input (plain or
 * gzip, told apart by the gzip magic bytes), read once, as it arrives; as the output (`-o -`),
 * refused, since HDF5 is written by seeking in a file and standard output cannot seek.
 */
import type { FitsInput } from "../fits/source.js";
import { UsageError } from "./usage-error.js";

/** Standard input as the command sees it (process.stdin, or a test's stream). */
export type StandardInput = AsyncIterable<Uint8Array> & { readonly isTTY?: boolean };

/** The input to read: the path as given, or standard input for `-`; usage errors for what `-` cannot do. */
export function commandInput(args: { readonly input: string; readonly output?: string; readonly memory: boolean }, stdin: () => StandardInput): FitsInput {
  if (args.output === "-") {
    throw new UsageError("-o -: the output cannot be standard output, HDF5 needs a file it can seek in: give a file name");
  }
  if (args.input !== "-") return args.input;
  if (args.output === undefined && !args.memory) {
    throw new UsageError("reading standard input (-) needs -o: there is no input file name to name the output after");
  }
  return fitsArgument(args.input, stdin);
}

/** A FITS file named on the command line: `-` is standard input, which must not be a terminal. */
export function fitsArgument(path: string, stdin: () => StandardInput): FitsInput {
  if (path !== "-") return path;
  const stream = stdin();
  if (stream.isTTY === true) {
    throw new UsageError("standard input (-) is a terminal: pipe a FITS file into it, e.g. cat cube.fits | fits2idia-ts - -o cube.hdf5");
  }
  return stream;
}

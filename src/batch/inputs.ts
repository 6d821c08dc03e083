/**
 * The inputs of a batch: files given by name, and the FITS files found in folders given (at any
 * depth, in name order, so that a batch's order does not depend on the file system). Each gets
 * its output in the output folder: a file's stem with `.hdf5`; a file found in a folder keeps
 * its path below that folder, so that two `cube.fits` in different folders do not collide.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { defaultOutputName } from "../common/output-name.js";
import type { Mode } from "../engine/defaults.js";
import { inputClash } from "../engine/output-file.js";
import { identityKey, identityOf } from "../engine/same-file.js";

/** The names of FITS files a folder is searched for (optionally tile- or gzip-compressed). */
export const FITS_FILE = /(\.(fits|fit|fts)(\.fz)?|\.fz)(\.gz)?$/i;

export interface BatchInput {
  /** The input, as given or as found (absolute when found in a folder given absolute). */
  readonly input: string;
  /** Its output in the output folder. */
  readonly output: string;
  /** Size of the input file in bytes. */
  readonly bytes: number;
  /** The mode to convert it in, when decided beforehand (a Slurm task's inputs); absent: as the batch says. */
  readonly mode?: Mode;
}

export class BatchInputError extends Error {
  override readonly name = "BatchInputError";
  readonly code = "BATCH_INPUT";
}

/** FITS files in `folder` and below, in name order (a folder's files before its subfolders'). */
function fitsFilesIn(folder: string): string[] {
  const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) folders.push(path);
    else if (FITS_FILE.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile()))) files.push(path);
  }
  return [...files, ...folders.flatMap(fitsFilesIn)];
}

/**
 * The batch's inputs, in the order given (folders expanded in place), each once. Throws
 * BatchInputError naming the path for a path that does not exist, a folder without FITS files,
 * two inputs that would write the same output, or an output (or its temporary or lock file) that
 * would be one of the inputs, however spelled (same file after following links, hard links too).
 */
export function collectInputs(paths: readonly string[], outDir: string): BatchInput[] {
  if (paths.length === 0) throw new BatchInputError("no input files or folders given");
  const inputs: BatchInput[] = [];
  const seen = new Set<string>();
  const outputs = new Map<string, string>();
  const add = (input: string, outputName: string): void => {
    const key = resolve(input);
    if (seen.has(key)) return;
    seen.add(key);
    const output = join(outDir, outputName);
    const other = outputs.get(resolve(output));
    if (other !== undefined) throw new BatchInputError(`${other} and ${input} would both be converted to ${output}`);
    outputs.set(resolve(output), input);
    inputs.push({ input, output, bytes: statSync(input).size });
  };
  for (const path of paths) {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) throw new BatchInputError(`${path}: no such file or folder`);
    if (stats.isDirectory()) {
      const found = fitsFilesIn(path);
      if (found.length === 0) throw new BatchInputError(`${path}: no FITS files (*.fits, *.fit, *.fts, *.fz, optionally .gz) in this folder`);
      for (const file of found) add(file, relative(path, file).replace(FITS_FILE, ".hdf5"));
    } else {
      add(path, basename(defaultOutputName(path)));
    }
  }
  refuseOutputsOnInputs(inputs);
  return inputs;
}

/** Throws when a conversion of the batch would write or remove one of its inputs. */
export function refuseOutputsOnInputs(inputs: readonly Pick<BatchInput, "input" | "output">[]): void {
  const byIdentity = new Map<string, string>();
  for (const { input } of inputs) {
    const identity = identityOf(input);
    if (identity !== undefined && !byIdentity.has(identityKey(identity))) byIdentity.set(identityKey(identity), input);
  }
  for (const { input, output } of inputs) {
    const clash = inputClash(output, byIdentity);
    if (clash === undefined) continue;
    const what = clash.role === "the output" ? "which" : `whose ${clash.role.replace(/^its /, "")} ${clash.path}`;
    throw new BatchInputError(`${input} would be converted to ${output}, ${what} is the input file ${clash.input}: refusing to overwrite it`);
  }
}

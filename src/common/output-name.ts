/**
 * The default output name: the input's name with a trailing `.fits`, `.fit` or `.fts` (any
 * case, optionally followed by `.fz` and `.gz`), or `.fz`, replaced by `.hdf5`, in the input's folder. Other names
 * get `.hdf5` appended. (The reference computes this wrongly for some names: a deliberate fix.)
 */
import { parseHduSuffix } from "../fits/hdu.js";
import { existsSync } from "node:fs";

const FITS_EXTENSION = /(\.(fits|fit|fts)(\.fz)?|\.fz)(\.gz)?$/i;

export function defaultOutputName(input: string): string {
  // An HDU suffix (`cube.fits[1]`) is not part of the file name, unless the file really has it.
  const path = existsSync(input) ? input : parseHduSuffix(input).path;
  const stem = FITS_EXTENSION.test(path) ? path.replace(FITS_EXTENSION, "") : path.replace(/\.gz$/i, "");
  return `${stem}.hdf5`;
}

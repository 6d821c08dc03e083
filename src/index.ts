/**
 * fits2idia-ts: convert FITS images and cubes into the IDIA HDF5 schema read by CARTA.
 * The public API; the command line is a thin layer over it.
 */
export { convert, type ConvertOptions, type ConvertReport, type Mode } from "./engine/convert.js";
export type { Progress, ProgressCallback, Stage } from "./engine/progress.js";
export { FitsError, type FitsErrorCode } from "./fits/errors.js";
export { FitsImage, type ImageShape } from "./fits/image.js";
export { FitsHeader } from "./fits/header.js";
export type { Card, CardValue } from "./fits/card.js";
export type { HduSelector } from "./fits/hdu.js";
export { readHeader } from "./read-header.js";
export { defaultOutputName } from "./cli/output-name.js";
export { CONVERTER_NAME, CONVERTER_VERSION } from "./version.js";

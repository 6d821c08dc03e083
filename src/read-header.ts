/** Read the header of a FITS image without reading its data. */
import type { HduSelector } from "./fits/hdu.js";
import type { FitsHeader } from "./fits/header.js";
import { FitsImage, type ImageShape } from "./fits/image.js";
import type { FitsInput } from "./fits/source.js";

export interface HeaderSummary {
  readonly header: FitsHeader;
  readonly shape: ImageShape;
  readonly bitpix: number;
  /** Index of the HDU read (0 = primary). */
  readonly hdu: number;
}

/**
/**
 * Reads the header of a FITS image (the HDU a `[..]` suffix or `options.hdu` selects, else the
 * first image) without reading its data: plain, gzip-compressed, tile-compressed, any BITPIX;
 * `input` is a path, or a stream read once, only as far as the header.
 *
 * @returns the header (ordered cards, as in the file), the image's shape, its BITPIX and the
 *   index of the HDU read.
 * @throws (rejects with) `FitsError` (with its `code`) when the file is not a FITS image it can
 *   read. It reads no data, so a gzip file's CRC-32 is checked only by what reads it to its end
 *   (a conversion, `verifyFile`), though damage in the part read is found. It cannot be
 *   cancelled and needs not be.
 */
export async function readHeader(input: FitsInput, options: { hdu?: HduSelector } = {}): Promise<HeaderSummary> {
  const image = await FitsImage.open(input, options);
  try {
    return { header: image.header, shape: image.shape, bitpix: image.info.bitpix, hdu: image.hdu.index };
  } finally {
    await image.close();
  }
}

/** Read the header of a FITS image without reading its data. */
import type { HduSelector } from "./fits/hdu.js";
import type { FitsHeader } from "./fits/header.js";
import { FitsImage, type ImageShape } from "./fits/image.js";

export interface HeaderSummary {
  readonly header: FitsHeader;
  readonly shape: ImageShape;
  readonly bitpix: number;
  /** Index of the HDU read (0 = primary). */
  readonly hdu: number;
}

/**
 * Reads the header of a FITS image (the HDU a `[..]` suffix or `options.hdu` selects, else the
 * first image) without reading its data: plain, gzip-compressed, any BITPIX.
 *
 * @returns the header (ordered cards, as in the file), the image's shape, its BITPIX and the
 *   index of the HDU read.
 * @throws (rejects with) `FitsError` (with its `code`) when the file is not a FITS image it can
 *   read. It reads only the header blocks, so it cannot be cancelled and needs not be.
 */
export async function readHeader(input: string, options: { hdu?: HduSelector } = {}): Promise<HeaderSummary> {
  const image = await FitsImage.open(input, options);
  try {
    return { header: image.header, shape: image.shape, bitpix: image.info.bitpix, hdu: image.hdu.index };
  } finally {
    await image.close();
  }
}

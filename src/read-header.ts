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

export async function readHeader(input: string, options: { hdu?: HduSelector } = {}): Promise<HeaderSummary> {
  const image = await FitsImage.open(input, options);
  try {
    return { header: image.header, shape: image.shape, bitpix: image.info.bitpix, hdu: image.hdu.index };
  } finally {
    await image.close();
  }
}

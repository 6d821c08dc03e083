/**
 * HDU navigation: read headers one block at a time, step over data units, and find the image
 * HDU the user asked for (by index, by EXTNAME[,EXTVER], or the first one holding an image).
 */
import { Checksum } from "./checksum.js";
import { FitsError, truncatedHeader } from "./errors.js";
import { FitsHeader, HeaderParser } from "./header.js";
import { describeHdu, type HduInfo } from "./hdu-info.js";
import { compressedAxes, isCompressedImageHeader } from "./compressed/parameters.js";
import type { ByteSource } from "./source.js";
import { BLOCK } from "./writer.js";

export interface Hdu {
  /** 0 for the primary HDU, 1 for the first extension, … */
  readonly index: number;
  readonly header: FitsHeader;
  readonly info: HduInfo;
  /** Byte offset of the header in the (decompressed) file. */
  readonly headerStart: number;
  /** Byte offset of the data unit. */
  readonly dataStart: number;
  /** The 32-bit ones' complement sum of the header's blocks as read (FITS checksum convention). */
  readonly headerSum: number;
  /** A tile-compressed image (a BINTABLE with ZIMAGE = T): its image's axes (ZNAXISn), as far as they read. */
  readonly compressedImage?: { readonly axes: readonly number[] };
}

/** Which HDU to use: an index (0 = primary), or an EXTNAME with an optional EXTVER. */
export type HduSelector = number | { extname: string; extver?: number };

const SIGNATURES = ["SIMPLE  =", "XTENSION="];

/** Read the HDU whose header starts at `offset`; undefined at a clean end of file. */
export async function readHdu(source: ByteSource, offset: number, index: number): Promise<Hdu | undefined> {
  const parser = new HeaderParser({ file: source.path });
  const sum = new Checksum();
  const block = new Uint8Array(BLOCK);
  let position = offset;
  for (;;) {
    const got = await source.read(position, BLOCK, block);
    if (got.length === 0 && position === offset && index > 0) return undefined;
    if (position === offset) {
      checkSignature(got, index, source.path);
      // After the primary HDU, bytes that do not start an extension header are trailing junk
      // (zero padding, a partial copy, ...): the file ends here, whatever their length.
      if (index > 0 && !startsWith(got, "XTENSION=")) return undefined;
    }
    if (got.length < BLOCK) {
      throw truncatedHeader(
        `HDU ${index} header at byte ${offset} ends after ${position - offset + got.length} bytes, before its END card ` +
          `(headers are whole ${BLOCK}-byte blocks)`,
        source.path,
      );
    }
    if (position > offset && !isText(got.subarray(0, 80))) {
      // A later block that does not even start with a card is not header: the END card is
      // missing and the header runs on into the data unit (or the header is corrupt).
      throw new FitsError(
        "MISSING_END",
        `no END card: HDU ${index} header at byte ${offset} runs into non-text bytes at byte ${position} ` +
          `(header block ${(position - offset) / BLOCK + 1}), so its END card is missing or the header is corrupt`,
        source.path,
      );
    }
    position += BLOCK;
    sum.add(got);
    if (parser.push(got)) break;
  }
  const header = parser.finish();
  const info = describeHdu(header, { primary: index === 0, file: source.path });
  const hdu: Hdu = { index, header, info, headerStart: offset, dataStart: position, headerSum: sum.value };
  if (index > 0 && isCompressedImageHeader(header)) return { ...hdu, compressedImage: { axes: compressedAxes(header) ?? [] } };
  return hdu;
}

/**
 * Whether 80 bytes look like a header card: a printable keyword field and text after it. A few
 * bytes outside printable ASCII are allowed (a tab, a Latin-1 letter in a string: the card
 * parser reads those leniently); binary data is rarely that close to text.
 */
function isText(bytes: Uint8Array): boolean {
  const printable = (b: number): boolean => b >= 32 && b <= 126;
  if (!bytes.subarray(0, 8).every(printable)) return false;
  let other = 0;
  for (const b of bytes) if (!printable(b)) other++;
  return other <= 8;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function checkSignature(bytes: Uint8Array, index: number, path: string): void {
  const expected = SIGNATURES[index === 0 ? 0 : 1]!;
  if (startsWith(bytes, expected)) return;
  if (index === 0) {
    const why = bytes.length === 0 ? "the file is empty" : `it does not start with '${expected}'`;
    throw new FitsError("NOT_FITS", `not a FITS file: ${why}`, path);
  }
  // After the primary HDU, anything that is not an extension header is trailing junk: ignore.
}

/** Offset just past an HDU's (padded) data unit: where the next header starts. */
export function nextHduOffset(hdu: Hdu): number {
  return hdu.dataStart + hdu.info.paddedDataBytes;
}

/**
 * Walk the HDUs in order until `accept` returns true or the file ends: from the primary HDU, or
 * from the one after `after` (already read: a stream cannot read it again).
 */
export async function findHdu(source: ByteSource, accept: (hdu: Hdu) => boolean, after?: Hdu): Promise<Hdu | undefined> {
  let offset = after === undefined ? 0 : nextHduOffset(after);
  if (after !== undefined && source.size !== undefined && offset >= source.size) return undefined;
  for (let index = after === undefined ? 0 : after.index + 1; ; index++) {
    const hdu = await readHdu(source, offset, index);
    if (hdu === undefined) return undefined;
    if (accept(hdu)) return hdu;
    offset = nextHduOffset(hdu);
    if (source.size !== undefined && offset >= source.size) return undefined;
  }
}

/** The image's axes: NAXISn, or ZNAXISn of a tile-compressed image; undefined for other HDUs. */
const imageAxes = (hdu: Hdu): readonly number[] | undefined =>
  hdu.compressedImage !== undefined ? hdu.compressedImage.axes : hdu.info.kind !== "other" ? hdu.info.axes : undefined;
const hasImage = (hdu: Hdu): boolean => (imageAxes(hdu)?.length ?? 0) > 0;
/** An image HDU with at least one pixel (cfitsio's "significant data": NAXIS > 0, every NAXISn > 0). */
const hasPixels = (hdu: Hdu): boolean => hasImage(hdu) && imageAxes(hdu)!.every((n) => n > 0);
/** An IMAGE extension or a tile-compressed image. */
const isImageExtension = (hdu: Hdu): boolean => hdu.info.kind === "image" || hdu.compressedImage !== undefined;

/**
 * Find the image HDU to convert. Without a selector: the primary HDU if it holds data, else the
 * first IMAGE extension or tile-compressed image that holds data (an HDU with an axis of
 * length 0 holds none).
 */
export async function selectImageHdu(source: ByteSource, selector?: HduSelector): Promise<Hdu> {
  const path = source.path;
  if (selector === undefined) {
    const primary = await readHdu(source, 0, 0);
    if (primary !== undefined && hasPixels(primary)) return primary;
    const found = primary === undefined ? undefined : await findHdu(source, (hdu) => isImageExtension(hdu) && hasPixels(hdu), primary);
    if (found !== undefined) return found;
    // A primary with axes but no pixels: return it so that imageShape names the empty axis.
    if (primary !== undefined && hasImage(primary)) return primary;
    throw new FitsError("NO_IMAGE", "no image data: the primary HDU is empty and no IMAGE extension holds data", path);
  }
  if (typeof selector === "number") {
    if (!Number.isInteger(selector) || selector < 0) throw new FitsError("HDU_NOT_FOUND", `invalid HDU index ${selector}`, path);
    let count = 0;
    const found = await findHdu(source, (hdu) => {
      count = hdu.index + 1;
      return hdu.index === selector;
    });
    if (found === undefined) throw new FitsError("HDU_NOT_FOUND", `HDU ${selector} not found (the file has ${count} HDU${count === 1 ? "" : "s"})`, path);
    return requireImage(found, path);
  }
  const name = selector.extname.trim().toUpperCase();
  const found = await findHdu(
    source,
    (hdu) =>
      hdu.info.extname !== undefined &&
      hdu.info.extname.trim().toUpperCase() === name &&
      (selector.extver === undefined || hdu.info.extver === selector.extver),
  );
  const label = selector.extver === undefined ? name : `${name},${selector.extver}`;
  if (found === undefined) throw new FitsError("HDU_NOT_FOUND", `no HDU with EXTNAME ${label}`, path);
  return requireImage(found, path);
}

function requireImage(hdu: Hdu, path: string): Hdu {
  if (hdu.info.kind === "other" && hdu.compressedImage === undefined) {
    throw new FitsError("NO_IMAGE", `HDU ${hdu.index} is a ${hdu.info.xtension ?? "non-image"} extension, not an image`, path);
  }
  if (!hasImage(hdu)) throw new FitsError("NO_IMAGE", `HDU ${hdu.index} holds no data (${hdu.compressedImage ? "ZNAXIS" : "NAXIS"} = 0)`, path);
  return hdu;
}

/**
 * Split a cfitsio-style extension suffix off a path: `f.fits[1]`, `f.fits[SCI]`, `f.fits[SCI,2]`.
 * Returns the path unchanged when it has no suffix.
 */
export function parseHduSuffix(spec: string): { path: string; selector?: HduSelector } {
  const match = /^(.*)\[([^\[\]]+)\]$/.exec(spec);
  if (match === null) return { path: spec };
  const [, path, inner] = match as unknown as [string, string, string];
  return { path, selector: parseHduSelector(inner) };
}

/** An HDU selector from text: a number, `NAME` or `NAME,VER`. */
export function parseHduSelector(text: string): HduSelector {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const [name, ver, ...rest] = trimmed.split(",").map((s) => s.trim());
  if (rest.length > 0 || name === undefined || name === "" || (ver !== undefined && !/^\d+$/.test(ver))) {
    throw new FitsError("HDU_NOT_FOUND", `invalid HDU selector '[${text}]' (use [N], [EXTNAME] or [EXTNAME,EXTVER])`);
  }
  return ver === undefined ? { extname: name } : { extname: name, extver: Number(ver) };
}

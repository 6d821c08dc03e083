/**
 * The FITS checksum convention (FITS standard 4.0, Appendix J): the 32-bit ones' complement
 * sum of a unit's big-endian 32-bit words, padding included. DATASUM holds the data unit's sum
 * as an unsigned decimal string; CHECKSUM holds 16 ASCII characters chosen so that the whole
 * HDU (header and data) sums to negative zero (all 32 bits set).
 *
 * A ones' complement sum with end-around carry is the ordinary sum of the words folded back
 * into 32 bits (the bits above bit 31 added to the low 32 bits until none are left), so the
 * sums here are kept as plain numbers and folded whenever they could grow past 2^53.
 */
import { FitsError } from "./errors.js";
import type { FitsHeader } from "./header.js";

const TWO32 = 2 ** 32;
/** Negative zero in 32-bit ones' complement: the sum of a unit whose CHECKSUM is right. */
export const NEGATIVE_ZERO = 0xffffffff;

/** Fold a non-negative integer sum into 32-bit ones' complement (end-around carry). */
function fold(sum: number): number {
  while (sum >= TWO32) sum = (sum % TWO32) + Math.floor(sum / TWO32);
  return sum;
}

/** The ones' complement sum of two 32-bit sums (as unsigned numbers). */
export function addSums(a: number, b: number): number {
  return fold(a + b);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The plain sum of `words` big-endian 32-bit words starting at `start`: at most 2^53 for any
 * count below 2^21 words per call, so callers pass at most WORDS_PER_CALL words.
 */
function sumWords(bytes: Uint8Array, start: number, words: number): number {
  let sum = 0;
  if (LITTLE_ENDIAN && (bytes.byteOffset + start) % 4 === 0) {
    // Native words hold the bytes b0 b1 b2 b3 as b0 + b1·2^8 + b2·2^16 + b3·2^24. Two masked
    // lanes collect b0 and b2 (resp. b1 and b3) side by side; 256 words cannot carry from one
    // 16-bit lane into the next (256 × 255 < 2^16).
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + start, words);
    for (let first = 0; first < words; first += 256) {
      const end = Math.min(words, first + 256);
      let even = 0;
      let odd = 0;
      for (let i = first; i < end; i++) {
        const w = u32[i]!;
        even += w & 0x00ff00ff;
        odd += (w >>> 8) & 0x00ff00ff;
      }
      sum += (even & 0xffff) * 0x1000000 + (odd & 0xffff) * 0x10000 + (even >>> 16) * 0x100 + (odd >>> 16);
    }
    return sum;
  }
  // Unaligned: the high and low 16-bit halves of each word, summed separately.
  let hi = 0;
  let lo = 0;
  const end = start + words * 4;
  for (let i = start; i < end; i += 4) {
    hi += (bytes[i]! << 8) | bytes[i + 1]!;
    lo += (bytes[i + 2]! << 8) | bytes[i + 3]!;
  }
  return sum + hi * 0x10000 + lo;
}

/** Words summed per sumWords call: keeps the plain sum below 2^53. */
const WORDS_PER_CALL = 1 << 20;

/**
 * An incremental checksum: `add` byte runs in order, of any length (a word may be split
 * between calls); `value` is the ones' complement sum of everything added so far, as though
 * the bytes were padded with zeros to a whole word.
 */
export class Checksum {
  #sum = 0;
  #length = 0;

  /** Add the next bytes of the unit. */
  add(bytes: Uint8Array): this {
    const n = bytes.length;
    let i = 0;
    // Bytes that complete a word begun by an earlier call.
    while (i < n && this.#length % 4 !== 0) {
      this.#sum += bytes[i]! * 2 ** (8 * (3 - (this.#length % 4)));
      i++;
      this.#length++;
    }
    // Whole words.
    while (n - i >= 4) {
      const words = Math.min(WORDS_PER_CALL, (n - i) >> 2);
      this.#sum = fold(this.#sum + sumWords(bytes, i, words));
      i += words * 4;
      this.#length += words * 4;
    }
    // The start of a word that the next call completes.
    while (i < n) {
      this.#sum += bytes[i]! * 2 ** (8 * (3 - (this.#length % 4)));
      i++;
      this.#length++;
    }
    this.#sum = fold(this.#sum);
    return this;
  }

  /** Add `count` zero bytes (padding that the file lacks): they change nothing but the length. */
  skipZeros(count: number): this {
    this.#length += count;
    return this;
  }

  /** The ones' complement sum so far: 0 to 2^32 − 1. */
  get value(): number {
    return this.#sum;
  }

  /** Bytes added so far. */
  get length(): number {
    return this.#length;
  }
}

/** The 32-bit ones' complement sum of `bytes` (a whole unit, or one of several to combine with addSums). */
export function checksumOf(bytes: Uint8Array): number {
  return new Checksum().add(bytes).value;
}

/** The DATASUM value for a data unit's sum: the unsigned decimal number. */
export function encodeDatasum(sum: number): string {
  return String(fold(sum));
}

/** ASCII codes that the 16-character encoding avoids (':' to '@' and '[' to '`'). */
const isPunctuation = (code: number): boolean => (code >= 0x3a && code <= 0x40) || (code >= 0x5b && code <= 0x60);

/**
 * The 16-character ASCII encoding of a 32-bit sum (Appendix J): with `complement` (the
 * default, as CHECKSUM uses it) the sum's bitwise complement is encoded, so that a header
 * holding this string where it held '0000000000000000' makes the HDU sum to −0.
 *
 * Each byte of the value, most significant first, becomes four characters '0' + byte/4, the
 * first one plus byte%4; pairs are moved apart (one up, one down, so their total stays) until
 * none is punctuation. The characters of byte k go to positions k, k+4, k+8, k+12, and the
 * string is rotated one place to the right, since it starts one byte before a word boundary
 * in the card (column 12).
 */
export function encodeChecksum(sum: number, complement = true): string {
  const value = complement ? (~sum >>> 0) : sum >>> 0;
  const chars = new Array<number>(16);
  for (let k = 0; k < 4; k++) {
    const byte = (value >>> (24 - 8 * k)) & 0xff;
    const quotient = 0x30 + (byte >> 2);
    const ch = [quotient + (byte & 3), quotient, quotient, quotient];
    for (let changed = true; changed; ) {
      changed = false;
      for (let j = 0; j < 4; j += 2) {
        if (isPunctuation(ch[j]!) || isPunctuation(ch[j + 1]!)) {
          ch[j]!++;
          ch[j + 1]!--;
          changed = true;
        }
      }
    }
    for (let j = 0; j < 4; j++) chars[4 * j + k] = ch[j]!;
  }
  const rotated = chars.map((_, i) => chars[(i + 15) % 16]!);
  return String.fromCharCode(...rotated);
}

/**
 * The 32-bit value a 16-character CHECKSUM string encodes (the inverse of encodeChecksum):
 * undone rotation, '0' subtracted from each character, the four big-endian words added.
 */
export function decodeChecksum(text: string, complement = true): number {
  if (text.length !== 16) throw new RangeError(`a checksum string has 16 characters, not ${text.length}`);
  let sum = 0;
  for (let i = 0; i < 16; i++) {
    const code = text.charCodeAt((i + 1) % 16) - 0x30;
    sum += code * 2 ** (8 * (3 - (i % 4)));
  }
  const value = fold(sum);
  return complement ? (~value >>> 0) : value;
}

export interface ChecksumResult {
  /** DATASUM as written, when present with a value. */
  readonly datasum?: string;
  /** The data unit's sum (padding included). */
  readonly dataSum: number;
  /** Whether DATASUM matches: undefined when there is no DATASUM. */
  readonly datasumOk?: boolean;
  /** CHECKSUM as written, when present with a value. */
  readonly checksum?: string;
  /** The ones' complement sum of the whole HDU (header and data). */
  readonly hduSum: number;
  /** Whether the HDU sums to −0: undefined when there is no CHECKSUM. */
  readonly checksumOk?: boolean;
  /** One line per mismatch, for errors and warnings; empty when all is well or nothing was checked. */
  readonly problems: readonly string[];
}

/** The text of a DATASUM or CHECKSUM keyword's value: a string, or (leniently) an integer. */
function keywordText(header: FitsHeader, keyword: string): string | undefined {
  const value = header.get(keyword)?.value;
  if (value === undefined || value.type === "undefined") return undefined;
  if (value.type === "string") return value.value.trim();
  if (value.type === "integer") return value.value.toString();
  return header.get(keyword)!.valueText;
}

/**
 * Compare a header's DATASUM and CHECKSUM (when present) with the sums of its header blocks
 * and of its data unit (padding included).
 */
export function compareChecksums(header: FitsHeader, headerSum: number, dataSum: number): ChecksumResult {
  const problems: string[] = [];
  const hduSum = addSums(headerSum, dataSum);
  const datasum = keywordText(header, "DATASUM");
  let datasumOk: boolean | undefined;
  if (datasum !== undefined) {
    datasumOk = /^\d{1,10}$/.test(datasum) && Number(datasum) === dataSum;
    if (!datasumOk) problems.push(`DATASUM mismatch: header says ${datasum}, data sums to ${encodeDatasum(dataSum)}`);
  }
  const checksum = keywordText(header, "CHECKSUM");
  let checksumOk: boolean | undefined;
  if (checksum !== undefined) {
    checksumOk = hduSum === NEGATIVE_ZERO;
    if (!checksumOk) {
      const where = datasumOk === true ? "the header was altered" : "the header or the data was altered";
      problems.push(
        `CHECKSUM mismatch: header says '${checksum}', but the HDU sums to ${hduSum} instead of ${NEGATIVE_ZERO} (-0): ${where}`,
      );
    }
  }
  return {
    ...(datasum !== undefined && { datasum, datasumOk }),
    dataSum,
    ...(checksum !== undefined && { checksum, checksumOk }),
    hduSum,
    problems,
  };
}

/** The error for a result with problems (the first one named; all of them when several). */
export function checksumError(result: ChecksumResult, file?: string): FitsError {
  return new FitsError("CHECKSUM", result.problems.join("; "), file);
}

import { KERNEL_CHUNK } from "./plane-stats.js";

/**
 * FITS data (big-endian) to float32.
 *
 * All paths read through a DataView: V8 compiles DataView reads to a load plus a byte swap,
 * which measured faster than a Uint32Array byte swap and works at any byte offset
 * (bench/kernels.mjs compares them).
 */

export type Bitpix = 8 | 16 | 32 | 64 | -32 | -64;

/** BSCALE, BZERO and BLANK of an image HDU (blank is the raw integer value, integer BITPIX only). */
export interface Scaling {
  bscale: number;
  bzero: number;
  blank?: bigint;
}

/** Bytes per value of a BITPIX. */
export function bytesPerValue(bitpix: Bitpix): number {
  return Math.abs(bitpix) / 8;
}

const TWO32 = 4294967296;

/**
 * Decodes `count` big-endian values of type `bitpix` from `src` (any byte offset) into
 * `dst[dstOffset .. dstOffset + count)`.
 *
 * - Integer BITPIX (8 unsigned; 16, 32, 64 signed two's complement): a raw value equal to
 *   `blank` (when given) becomes NaN, any other becomes `Math.fround(raw * bscale + bzero)`
 *   computed in float64. 64-bit raw values are converted as `hi * 2^32 + lo`, which rounds once
 *   and so equals `Number(bigint)`.
 * - Float BITPIX (-32, -64): BLANK is ignored. With bscale 1 and bzero 0 the value itself
 *   (-32: the bits are copied unchanged, NaN payloads included; -64: Math.fround), otherwise
 *   `Math.fround(v * bscale + bzero)`.
 *
 * In-place decoding is allowed: `src` may be a view of dst's own memory provided it starts at
 * the first output byte (`src.buffer === dst.buffer`, `src.byteOffset === dst.byteOffset +
 * 4 * dstOffset`); other overlaps are not supported.
 */
/**
 * The checks of decodeToFloat32's arguments (shared with the native twin); returns the bytes per
 * value. Throws RangeError for a bad BITPIX, count or range.
 */
export function checkDecodeArguments(src: Uint8Array, bitpix: Bitpix, count: number, dst: Float32Array, dstOffset: number): number {
  const bpv = bytesPerValueChecked(bitpix);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`bad count ${count}`);
  if (count * bpv > src.length) {
    throw new RangeError(`source holds ${src.length} bytes, ${count} values of BITPIX ${bitpix} need ${count * bpv}`);
  }
  if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + count > dst.length) {
    throw new RangeError(`destination range [${dstOffset}, ${dstOffset} + ${count}) is outside ${dst.length} values`);
  }
  return bpv;
}

export function decodeToFloat32(
  src: Uint8Array,
  bitpix: Bitpix,
  count: number,
  dst: Float32Array,
  dstOffset: number,
  scaling: Scaling,
): void {
  const bpv = checkDecodeArguments(src, bitpix, count, dst, dstOffset);
  if (count === 0) return;
  const { bscale, bzero } = scaling;
  const identity = bscale === 1 && bzero === 0;
  const view = new DataView(src.buffer, src.byteOffset, count * bpv);
  const C = KERNEL_CHUNK;
  // The loops run chunk by chunk (see KERNEL_CHUNK); 8- and 16-bit values from the last chunk
  // to the first so that in-place (widening) decoding is safe.
  switch (bitpix) {
    case -32:
      if (identity) {
        const bits = new Int32Array(dst.buffer, dst.byteOffset + dstOffset * 4, count);
        for (let a = 0; a < count; a += C) f32Bits(view, a, a + C < count ? a + C : count, bits);
      } else {
        for (let a = 0; a < count; a += C) f32Scaled(view, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero);
      }
      return;
    case -64:
      for (let a = 0; a < count; a += C) f64(view, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero, identity);
      return;
    case 8: {
      const blank = blankNumber(scaling.blank, 0, 255);
      for (let a = Math.floor((count - 1) / C) * C; a >= 0; a -= C) {
        u8(src, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero, blank);
      }
      return;
    }
    case 16: {
      const blank = blankNumber(scaling.blank, -32768, 32767);
      for (let a = Math.floor((count - 1) / C) * C; a >= 0; a -= C) {
        i16(view, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero, blank);
      }
      return;
    }
    case 32: {
      const blank = blankNumber(scaling.blank, -2147483648, 2147483647);
      for (let a = 0; a < count; a += C) i32(view, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero, blank);
      return;
    }
    case 64: {
      // BLANK split into its high (signed) and low (unsigned) 32-bit words; NaN never matches.
      let bHi = NaN;
      let bLo = NaN;
      const blank = scaling.blank;
      if (blank !== undefined && blank >= -(1n << 63n) && blank < 1n << 63n) {
        bHi = Number(BigInt.asIntN(32, blank >> 32n));
        bLo = Number(BigInt.asUintN(32, blank));
      }
      for (let a = 0; a < count; a += C) i64(view, a, a + C < count ? a + C : count, dst, dstOffset, bscale, bzero, bHi, bLo);
      return;
    }
  }
}

function bytesPerValueChecked(bitpix: number): number {
  switch (bitpix) {
    case 8:
    case 16:
    case 32:
    case 64:
    case -32:
    case -64:
      return Math.abs(bitpix) / 8;
    default:
      throw new RangeError(`unsupported BITPIX ${bitpix}`);
  }
}

/** BLANK as a number when it can occur in [lo, hi], else NaN (which never equals a raw value). */
function blankNumber(blank: bigint | undefined, lo: number, hi: number): number {
  if (blank === undefined) return NaN;
  return blank >= BigInt(lo) && blank <= BigInt(hi) ? Number(blank) : NaN;
}

// Decoders of values [start, end). Storing a float64 into a Float32Array rounds it exactly like
// Math.fround. Each loop reads value i before writing output i, and the output bytes of value i
// never lie past the input bytes of a value still to be read (forward order for 32 and 64 bits,
// backward for 8 and 16), so in-place decoding is safe.

function f32Bits(view: DataView, start: number, end: number, bits: Int32Array): void {
  // Bits through an integer view: no float conversion, so NaN payloads and -0 are kept.
  for (let i = start; i < end; i++) bits[i] = view.getInt32(4 * i, false);
}

function f32Scaled(
  view: DataView,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
): void {
  for (let i = start; i < end; i++) dst[dstOffset + i] = view.getFloat32(4 * i, false) * bscale + bzero;
}

function f64(
  view: DataView,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
  identity: boolean,
): void {
  if (identity) {
    for (let i = start; i < end; i++) dst[dstOffset + i] = view.getFloat64(8 * i, false);
  } else {
    for (let i = start; i < end; i++) dst[dstOffset + i] = view.getFloat64(8 * i, false) * bscale + bzero;
  }
}

function u8(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
  blank: number,
): void {
  for (let i = end - 1; i >= start; i--) {
    const raw = src[i];
    dst[dstOffset + i] = raw === blank ? NaN : raw * bscale + bzero;
  }
}

function i16(
  view: DataView,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
  blank: number,
): void {
  for (let i = end - 1; i >= start; i--) {
    const raw = view.getInt16(2 * i, false);
    dst[dstOffset + i] = raw === blank ? NaN : raw * bscale + bzero;
  }
}

function i32(
  view: DataView,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
  blank: number,
): void {
  for (let i = start; i < end; i++) {
    const raw = view.getInt32(4 * i, false);
    dst[dstOffset + i] = raw === blank ? NaN : raw * bscale + bzero;
  }
}

function i64(
  view: DataView,
  start: number,
  end: number,
  dst: Float32Array,
  dstOffset: number,
  bscale: number,
  bzero: number,
  blankHi: number,
  blankLo: number,
): void {
  for (let i = start; i < end; i++) {
    const hi = view.getInt32(8 * i, false);
    const lo = view.getUint32(8 * i + 4, false);
    dst[dstOffset + i] = hi === blankHi && lo === blankLo ? NaN : (hi * TWO32 + lo) * bscale + bzero;
  }
}

// Warm-up (see KERNEL_CHUNK): every BITPIX with and without scaling and BLANK.
{
  const src = new Uint8Array(64);
  for (let i = 0; i < src.length; i++) src[i] = (i * 37) & 0xff;
  const dst = new Float32Array(8);
  for (const bitpix of [8, 16, 32, 64, -32, -64] as const) {
    decodeToFloat32(src, bitpix, 8, dst, 0, { bscale: 1, bzero: 0 });
    decodeToFloat32(src, bitpix, 8, dst, 0, { bscale: 2, bzero: 1, blank: 37n });
  }
}

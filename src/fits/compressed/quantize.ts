/**
 * Restoring quantised floating-point tiles (FITS 4.0 §10.2): value = (q − r + 0.5) × ZSCALE +
 * ZZERO with subtractive dithering, q × ZSCALE + ZZERO without. The dither values r come from
 * the standard's sequence of 10000 uniform numbers (Park & Miller's generator, a = 16807,
 * m = 2^31 − 1, seed 1), held in single precision as cfitsio holds them. A tile's first value
 * uses r[⌊r[i₀] × 500⌋] with i₀ = (tile number + ZDITHER0 − 2) mod 10000 (tiles numbered from
 * 1); each pixel takes the next value, and at the end of the sequence i₀ advances. Pure.
 */

export const RANDOM_COUNT = 10000;

/** The dither sequence, as float32 values. */
export const DITHER_SEQUENCE: Float32Array = (() => {
  const values = new Float32Array(RANDOM_COUNT);
  const a = 16807;
  const m = 2147483647;
  let seed = 1;
  for (let i = 0; i < RANDOM_COUNT; i++) {
    const temp = a * seed;
    seed = temp - m * Math.trunc(temp / m);
    values[i] = seed / m;
  }
  return values;
})();

/** SUBTRACTIVE_DITHER_2's code for a pixel that was exactly 0.0. */
export const ZERO_VALUE = -2147483646;

export interface Dequantization {
  readonly zscale: number;
  readonly zzero: number;
  /** undefined: no null value; pixels equal to it become NaN. */
  readonly blank?: number;
  readonly dither: "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";
  /** The tile's row number in the table (1 for the first tile). */
  readonly tileNumber: number;
  /** ZDITHER0. */
  readonly ditherSeed: number;
}

/** Restore `count` quantised integers into `out` (float32, as cfitsio reads them as TFLOAT). */
export function dequantize(q: ArrayLike<number>, count: number, d: Dequantization, out: Float32Array, outOffset = 0): void {
  const { zscale, zzero, blank } = d;
  const hasBlank = blank !== undefined;
  if (d.dither === "NO_DITHER") {
    for (let i = 0; i < count; i++) {
      const v = q[i]!;
      out[outOffset + i] = hasBlank && v === blank ? Number.NaN : v * zscale + zzero;
    }
    return;
  }
  const zeroCode = d.dither === "SUBTRACTIVE_DITHER_2";
  const r = DITHER_SEQUENCE;
  let seed = mod(d.tileNumber + d.ditherSeed - 2, RANDOM_COUNT);
  let next = Math.trunc(r[seed]! * 500);
  for (let i = 0; i < count; i++) {
    const v = q[i]!;
    if (hasBlank && v === blank) out[outOffset + i] = Number.NaN;
    else if (zeroCode && v === ZERO_VALUE) out[outOffset + i] = 0;
    else out[outOffset + i] = (v - r[next]! + 0.5) * zscale + zzero;
    next++;
    if (next === RANDOM_COUNT) {
      seed++;
      if (seed === RANDOM_COUNT) seed = 0;
      next = Math.trunc(r[seed]! * 500);
    }
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

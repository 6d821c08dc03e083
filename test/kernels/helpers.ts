/** Shared helpers for the kernel tests: a seeded PRNG, data patterns, bit-exact comparison. */

import { mulberry32 } from "../helpers/fixtures.js";

/** The seeded PRNG of the test fixtures (floats in [0, 1)). */
export { mulberry32 };

export type Pattern =
  | "random"
  | "sprinkled"
  | "allNaN"
  | "singleFinite"
  | "constant"
  | "overflow"
  | "negative"
  | "integers"
  | "zeros";

export const PATTERNS: readonly Pattern[] = [
  "random",
  "sprinkled",
  "allNaN",
  "singleFinite",
  "constant",
  "overflow",
  "negative",
  "integers",
  "zeros",
];

/**
 * Fills `n` float32 values with a pattern:
 * - random: uniform in [-1, 1) times a random power of ten (wide dynamic range);
 * - sprinkled: random with ~8% NaN, +Inf, -Inf;
 * - allNaN; singleFinite: NaN except one value; constant: one value everywhere;
 * - overflow: values whose float32 squares overflow (3e19, 1e30, -2e20) mixed with small ones and NaN;
 * - negative: all negative; integers: integers 0..k (histogram edges fall exactly on bin bounds);
 * - zeros: a mix of +0 and -0.
 */
export function makeValues(pattern: Pattern, n: number, rand: () => number, k = 16): Float32Array {
  const a = new Float32Array(n);
  switch (pattern) {
    case "random":
      for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * 10 ** Math.floor(rand() * 8 - 4);
      break;
    case "sprinkled":
      for (let i = 0; i < n; i++) {
        const r = rand();
        a[i] = r < 0.04 ? NaN : r < 0.06 ? Infinity : r < 0.08 ? -Infinity : (rand() * 2 - 1) * 1000;
      }
      break;
    case "allNaN":
      a.fill(NaN);
      break;
    case "singleFinite":
      a.fill(NaN);
      a[Math.floor(rand() * n)] = 42.5;
      break;
    case "constant":
      a.fill(-3.25);
      break;
    case "overflow": {
      const big = [3e19, 1e30, -2e20, 1.5e19, 3.4e38];
      for (let i = 0; i < n; i++) {
        const r = rand();
        a[i] = r < 0.3 ? big[Math.floor(rand() * big.length)] : r < 0.35 ? NaN : rand() * 7;
      }
      break;
    }
    case "negative":
      for (let i = 0; i < n; i++) a[i] = -1e-3 - rand() * 500;
      break;
    case "integers":
      for (let i = 0; i < n; i++) a[i] = Math.floor(rand() * (k + 1));
      if (n > 0) a[0] = 0;
      if (n > 1) a[n - 1] = k;
      break;
    case "zeros":
      for (let i = 0; i < n; i++) a[i] = rand() < 0.5 ? -0 : 0;
      break;
  }
  return a;
}

/** Index and values of the first difference under Object.is (NaN equals NaN, -0 differs from +0). */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `at ${i}: got ${actual[i]}, expected ${expected[i]}`;
  }
  return undefined;
}

/** Index of the first difference of two float32 arrays compared as raw bits. */
export function firstBitDifference(actual: Float32Array, expected: Float32Array): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) return `at ${i}: got bits ${a[i].toString(16)}, expected ${e[i].toString(16)}`;
  }
  return undefined;
}

/** The float32 product v*v, computed through a Float32Array store (independent of Math.fround). */
const f32 = new Float32Array(1);
export function float32Square(v: number): number {
  f32[0] = v * v;
  return f32[0];
}

export interface NaiveStats {
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  nanCount: number;
}

/** Statistics of a list of values straight from the schema text. */
export function naiveStats(values: ArrayLike<number>): NaiveStats {
  let min = NaN;
  let max = NaN;
  let sum = 0;
  let sumSq = 0;
  let nanCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v) || v === Infinity || v === -Infinity) {
      nanCount += 1;
      continue;
    }
    if (Number.isNaN(min) || v < min) min = v;
    if (Number.isNaN(max) || v > max) max = v;
    sum = sum + v;
    sumSq = sumSq + float32Square(v);
  }
  return { min, max, sum, sumSq, nanCount };
}

export function statsDifference(actual: NaiveStats, expected: NaiveStats): string | undefined {
  for (const key of ["min", "max", "sum", "sumSq", "nanCount"] as const) {
    if (!Object.is(actual[key], expected[key])) return `${key}: got ${actual[key]}, expected ${expected[key]}`;
  }
  return undefined;
}

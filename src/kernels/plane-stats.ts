/**
 * Statistics of one plane (or any run of float32 values), as the schema's XY statistics.
 *
 * - A value is finite when it is neither NaN nor ±Inf; non-finite values are only counted
 *   (in `nanCount`) and otherwise ignored.
 * - `min`/`max` are input values themselves (so float32-representable), NaN when no value is
 *   finite. On ties the first occurrence is kept (strict comparisons), which only matters for
 *   -0 versus +0.
 * - `sum` accumulates the values in order in float64.
 * - `sumSq` accumulates in float64 the float32 products `v*v` (`Math.fround(v * v)`: the float64
 *   product of two float32 values is exact, so rounding it once to float32 is the float32
 *   product). A product above the float32 range becomes +Inf, and that Inf is added.
 */
export interface PlaneStats {
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  nanCount: number;
}

/**
 * Values per call of a kernel's inner loop. The kernels run their hot loops in small functions
 * called once per chunk rather than in one long loop: V8 then optimizes the inner function
 * after a few calls instead of through on-stack replacement, which on Node 20 ran the first
 * calls of a long loop about 4x slower (and could fall into a deoptimization loop).
 */
export const KERNEL_CHUNK = 4096;

/** Running state of planeStats: min, max, sum, sumSq, nanCount. */
const state = new Float64Array(5);

function statsRun(data: Float32Array, start: number, end: number, st: Float64Array): void {
  let min = st[0];
  let max = st[1];
  let sum = st[2];
  let sumSq = st[3];
  let nan = st[4];
  for (let i = start; i < end; i++) {
    const v = data[i];
    // v - v is 0 for finite v and NaN for NaN and ±Inf.
    if (v - v === 0) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      sumSq += Math.fround(v * v);
    } else {
      nan++;
    }
  }
  st[0] = min;
  st[1] = max;
  st[2] = sum;
  st[3] = sumSq;
  st[4] = nan;
}

/**
 * Statistics of `data[offset .. offset + length)`.
 * `offset` defaults to 0, `length` to the rest of the array.
 */
export function planeStats(data: Float32Array, offset = 0, length = data.length - offset): PlaneStats {
  checkRange(data.length, offset, length);
  const st = state;
  st[0] = Infinity;
  st[1] = -Infinity;
  st[2] = 0;
  st[3] = 0;
  st[4] = 0;
  const end = offset + length;
  for (let s = offset; s < end; s += KERNEL_CHUNK) {
    statsRun(data, s, s + KERNEL_CHUNK < end ? s + KERNEL_CHUNK : end, st);
  }
  const nanCount = st[4];
  const none = nanCount === length;
  return { min: none ? NaN : st[0], max: none ? NaN : st[1], sum: st[2], sumSq: st[3], nanCount };
}

/** Throws a RangeError unless `[offset, offset + length)` lies inside `[0, size)`. */
export function checkRange(size: number, offset: number, length: number): void {
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new RangeError(`range [${offset}, ${offset} + ${length}) is outside an array of ${size} values`);
  }
}

// Warm-up: run every path once on a few values so that V8 has type feedback for all of the
// code before it first optimizes it (code optimized without feedback for the lines after a
// hot loop deoptimizes there, and on Node 20 that could repeat on every call).
planeStats(new Float32Array([1, NaN, -2, Infinity, 0.5]));
planeStats(new Float32Array([NaN]));

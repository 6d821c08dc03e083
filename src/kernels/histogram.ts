import { KERNEL_CHUNK, checkRange } from "./plane-stats.js";

/** The schema's bin count, the same for XY and XYZ histograms: floor(max(sqrt(w*h), 2)). */
export function numBins(width: number, height: number): number {
  return Math.floor(Math.max(Math.sqrt(width * height), 2));
}

/**
 * Adds `data[offset .. offset + length)` to the histogram `bins` (its length is the bin count).
 *
 * When `min` and `max` are finite and `max - min > 0`, each finite value v with
 * min <= v <= max goes to bin `Math.min(n - 1, Math.floor(n * (v - min) / (max - min)))`, computed
 * in float64 in exactly that order (no reciprocal or scale factor, which would change the
 * rounding); values equal to max land in the last bin. Otherwise the bins are left untouched.
 *
 * `min` and `max` must be the stored float32 statistics: they are rounded to float32 here
 * (a no-op for values coming from planeStats/combineChannelStats). Finite values outside
 * [min, max] are ignored (they cannot occur when min/max are the statistics of the same data).
 *
 * Counts are float64 (exact up to 2^53), since XYZ bins can exceed 2^31.
 */
export function accumulateHistogram(
  data: Float32Array,
  offset: number,
  length: number,
  min: number,
  max: number,
  bins: Float64Array,
): void {
  checkRange(data.length, offset, length);
  const lo = Math.fround(min);
  const hi = Math.fround(max);
  const range = hi - lo;
  // False for NaN or infinite bounds (Inf - x is Inf or NaN), and for an empty range.
  if (!(range > 0 && range < Infinity)) return;
  const n = bins.length;
  if (n === 0) return;
  const end = offset + length;
  for (let s = offset; s < end; s += KERNEL_CHUNK) {
    histogramRun(data, s, s + KERNEL_CHUNK < end ? s + KERNEL_CHUNK : end, lo, hi, range, n, bins);
  }
}

function histogramRun(
  data: Float32Array,
  start: number,
  end: number,
  lo: number,
  hi: number,
  range: number,
  n: number,
  bins: Float64Array,
): void {
  const last = n - 1;
  for (let i = start; i < end; i++) {
    const v = data[i];
    // With finite lo/hi this also rejects NaN and ±Inf.
    if (v >= lo && v <= hi) {
      const b = Math.floor((n * (v - lo)) / range);
      bins[b < last ? b : last]++;
    }
  }
}

/** A new histogram of `nBins` bins of one run of values (see {@link accumulateHistogram}). */
export function histogram(
  data: Float32Array,
  offset: number,
  length: number,
  min: number,
  max: number,
  nBins: number,
): Float64Array {
  const bins = new Float64Array(nBins);
  accumulateHistogram(data, offset, length, min, max, bins);
  return bins;
}

// Warm-up (see KERNEL_CHUNK): every path once on a few values.
histogram(new Float32Array([0, 1, NaN, 0.5, 2]), 0, 5, 0, 1, 4);
histogram(new Float32Array([1]), 0, 1, 1, 1, 2);

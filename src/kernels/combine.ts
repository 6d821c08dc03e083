import { checkRange, type PlaneStats } from "./plane-stats.js";

type NumArray = Float32Array | Float64Array;

/**
 * XYZ statistics from per-channel (XY) statistics stored in arrays, over the channels
 * `start .. start + count - 1` (channel order):
 * - min/max over the channels' min/max, skipping channels whose max is NaN (NaN if all are;
 *   on ties the first channel is kept, as in planeStats);
 * - sum and sumSq: float64 sums of the channels' float64 sums, in channel order;
 * - nanCount: the total.
 */
export function combineChannelStats(
  min: NumArray,
  max: NumArray,
  sum: Float64Array,
  sumSq: Float64Array,
  nanCount: NumArray | Int32Array,
  start = 0,
  count = min.length - start,
): PlaneStats {
  checkRange(min.length, start, count);
  checkRange(max.length, start, count);
  checkRange(sum.length, start, count);
  checkRange(sumSq.length, start, count);
  checkRange(nanCount.length, start, count);
  let lo = Infinity;
  let hi = -Infinity;
  let any = false;
  let s = 0;
  let s2 = 0;
  let nan = 0;
  const end = start + count;
  for (let c = start; c < end; c++) {
    const cmax = max[c];
    if (cmax === cmax) {
      const cmin = min[c];
      if (cmin < lo) lo = cmin;
      if (cmax > hi) hi = cmax;
      any = true;
    }
    s += sum[c];
    s2 += sumSq[c];
    nan += nanCount[c];
  }
  return { min: any ? lo : NaN, max: any ? hi : NaN, sum: s, sumSq: s2, nanCount: nan };
}

/** The same as {@link combineChannelStats} over a list of per-channel statistics. */
export function combinePlaneStats(channels: readonly PlaneStats[]): PlaneStats {
  const column = (pick: (ch: PlaneStats) => number): Float64Array => Float64Array.from(channels, pick);
  return combineChannelStats(
    column((ch) => ch.min),
    column((ch) => ch.max),
    column((ch) => ch.sum),
    column((ch) => ch.sumSq),
    column((ch) => ch.nanCount),
  );
}

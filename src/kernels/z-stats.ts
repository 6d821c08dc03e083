import { KERNEL_CHUNK, checkRange } from "./plane-stats.js";

/**
 * Per-pixel statistics over channels (the schema's Z statistics), with the same semantics as
 * {@link planeStats} applied to each pixel's spectrum in channel order: min/max over finite
 * values (NaN if none), float64 sum, float64 sum of float32 squares, count of non-finite values.
 *
 * `nanCount` is a Float64Array (exact integers up to 2^53; it is stored as int64).
 */
export interface ZStats {
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly nanCount: Float64Array;
}

/** Allocates Z statistics arrays of `pixelCount` values, initialised as for zero channels. */
export function createZStats(pixelCount: number): ZStats {
  const stats: ZStats = {
    min: new Float32Array(pixelCount),
    max: new Float32Array(pixelCount),
    sum: new Float64Array(pixelCount),
    sumSq: new Float64Array(pixelCount),
    nanCount: new Float64Array(pixelCount),
  };
  resetZStats(stats, 0, pixelCount);
  return stats;
}

/** Resets `out[outOffset .. outOffset + count)` to the state of zero channels. */
export function resetZStats(out: ZStats, outOffset: number, count: number): void {
  checkOut(out, outOffset, count);
  const end = outOffset + count;
  out.min.fill(NaN, outOffset, end);
  out.max.fill(NaN, outOffset, end);
  out.sum.fill(0, outOffset, end);
  out.sumSq.fill(0, outOffset, end);
  out.nanCount.fill(0, outOffset, end);
}

function checkOut(out: ZStats, outOffset: number, count: number): void {
  checkRange(out.min.length, outOffset, count);
  checkRange(out.max.length, outOffset, count);
  checkRange(out.sum.length, outOffset, count);
  checkRange(out.sumSq.length, outOffset, count);
  checkRange(out.nanCount.length, outOffset, count);
}

/**
 * Adds one channel: `plane[planeOffset + i]` is pixel `i`'s value, added to
 * `out.*[outOffset + i]`, for i in [0, count). No range checks (callers check).
 */
function addPlaneUnchecked(
  plane: Float32Array,
  planeOffset: number,
  count: number,
  min: Float32Array,
  max: Float32Array,
  sum: Float64Array,
  sumSq: Float64Array,
  nanCount: Float64Array,
  outOffset: number,
): void {
  const delta = planeOffset - outOffset;
  const end = outOffset + count;
  for (let o = outOffset; o < end; o++) {
    const v = plane[o + delta];
    if (v - v === 0) {
      // min/max start as NaN: !(v >= m) is true when m is NaN or v < m.
      if (!(v >= min[o])) min[o] = v;
      if (!(v <= max[o])) max[o] = v;
      sum[o] += v;
      sumSq[o] += Math.fround(v * v);
    } else {
      nanCount[o] += 1;
    }
  }
}

/** Accumulates Z statistics over whole planes of `pixelCount` values, one channel per call. */
export class ZStatsAccumulator implements ZStats {
  readonly pixelCount: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly nanCount: Float64Array;
  /** Number of planes added since construction or the last reset(). */
  channels = 0;

  constructor(pixelCount: number) {
    if (!Number.isInteger(pixelCount) || pixelCount < 0) throw new RangeError(`bad pixel count ${pixelCount}`);
    this.pixelCount = pixelCount;
    const s = createZStats(pixelCount);
    this.min = s.min;
    this.max = s.max;
    this.sum = s.sum;
    this.sumSq = s.sumSq;
    this.nanCount = s.nanCount;
  }

  /** Back to the state of zero channels (min/max NaN, sums and counts 0). */
  reset(): void {
    resetZStats(this, 0, this.pixelCount);
    this.channels = 0;
  }

  /** Adds the next channel: `plane[offset .. offset + pixelCount)`. Channel order = call order. */
  addPlane(plane: Float32Array, offset = 0): void {
    const n = this.pixelCount;
    checkRange(plane.length, offset, n);
    const { min, max, sum, sumSq, nanCount } = this;
    for (let p0 = 0; p0 < n; p0 += KERNEL_CHUNK) {
      const count = p0 + KERNEL_CHUNK < n ? KERNEL_CHUNK : n - p0;
      addPlaneUnchecked(plane, offset + p0, count, min, max, sum, sumSq, nanCount, p0);
    }
    this.channels++;
  }
}

/**
 * Z statistics of a [depth][pixelCount] buffer (channel-major: channel z of pixel i is
 * `src[srcOffset + z * pixelCount + i]`), e.g. a tile column read from DATA, or a whole stokes.
 * Overwrites `out.*[outOffset .. outOffset + pixelCount)`; results are identical to feeding
 * the channels to a {@link ZStatsAccumulator} in order.
 */
export function zStatsOfTile(
  src: Float32Array,
  depth: number,
  pixelCount: number,
  out: ZStats,
  srcOffset = 0,
  outOffset = 0,
): void {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`bad depth ${depth}`);
  checkRange(src.length, srcOffset, depth * pixelCount);
  resetZStats(out, outOffset, pixelCount);
  const { min, max, sum, sumSq, nanCount } = out;
  // Pixels in chunks, all channels of a chunk at a time: the chunk's statistics (32 bytes a
  // pixel) stay in cache while the channels stream through. Each pixel still sees its channels
  // in order, so the results do not depend on the chunk size.
  for (let p0 = 0; p0 < pixelCount; p0 += Z_TILE_CHUNK) {
    const n = p0 + Z_TILE_CHUNK < pixelCount ? Z_TILE_CHUNK : pixelCount - p0;
    for (let z = 0; z < depth; z++) {
      addPlaneUnchecked(src, srcOffset + z * pixelCount + p0, n, min, max, sum, sumSq, nanCount, outOffset + p0);
    }
  }
}

/** Pixels per chunk in {@link zStatsOfTile} (measured: 20-30% faster than whole planes). */
const Z_TILE_CHUNK = 2048;

// Warm-up (see KERNEL_CHUNK): every path once on a few values.
{
  const acc = new ZStatsAccumulator(3);
  acc.addPlane(new Float32Array([1, NaN, -2]));
  acc.addPlane(new Float32Array([0.5, 3, Infinity]));
  zStatsOfTile(new Float32Array([1, NaN, 2, -1]), 2, 2, createZStats(2));
}

/**
 * Per-channel (XY) statistics of a whole image, kept until the end of the run, and the
 * conversions into the stored dtypes (float32 for values, int64 for counts).
 */
import { combineChannelStats } from "../kernels/combine.js";
import type { PlaneStats } from "../kernels/plane-stats.js";

export class ChannelStats {
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly nanCount: Float64Array;

  constructor(readonly planes: number) {
    this.min = new Float32Array(planes);
    this.max = new Float32Array(planes);
    this.sum = new Float64Array(planes);
    this.sumSq = new Float64Array(planes);
    this.nanCount = new Float64Array(planes);
  }

  set(plane: number, stats: PlaneStats): void {
    this.min[plane] = stats.min;
    this.max[plane] = stats.max;
    this.sum[plane] = stats.sum;
    this.sumSq[plane] = stats.sumSq;
    this.nanCount[plane] = stats.nanCount;
  }

  /** XYZ statistics of channels first..first+count-1 (one stokes). */
  combine(first: number, count: number): PlaneStats {
    return combineChannelStats(this.min, this.max, this.sum, this.sumSq, this.nanCount, first, count);
  }
}

/** Float64 values rounded to float32 (round to nearest, as a C++ static_cast<float>). */
export function toFloat32(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values);
}

/** Exact integer counts (held as float64) as int64. */
export function toInt64(values: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  return out;
}

/**
 * Reusable buffers for the conversions above on hot paths (every window, every plane): the
 * returned arrays are views valid until the next call of the same kind.
 */
export class ConversionScratch {
  #f32 = new Float32Array(0);
  #i64 = new BigInt64Array(0);

  float32(values: ArrayLike<number>): Float32Array {
    if (this.#f32.length < values.length) this.#f32 = new Float32Array(values.length);
    const out = this.#f32.subarray(0, values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    return out;
  }

  int64(values: ArrayLike<number>): BigInt64Array {
    if (this.#i64.length < values.length) this.#i64 = new BigInt64Array(values.length);
    const out = this.#i64.subarray(0, values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
    return out;
  }
}

/**
 * The C++ twins of the kernels (native/src/), behind the TypeScript kernels' own signatures and
 * argument checks: same inputs, same outputs bit for bit (test/kernels/native-*.test.ts).
 * They work on the caller's typed arrays in place (SharedArrayBuffers included, no copies).
 */
import { checkDecodeArguments, type Bitpix, type Scaling } from "./byte-order.js";
import { mipmapLevels, type MipmapLevel } from "./mipmap.js";
import type { NativeAddon } from "./native-addon.js";
import { checkRange, type PlaneStats } from "./plane-stats.js";
import { checkCubeShape } from "./swizzle.js";
import type { ZStats } from "./z-stats.js";

/** Running state of planeStats (min, max, sum, sumSq, nanCount), reused: one per thread. */
const state = new Float64Array(5);

export class NativeKernels {
  readonly #addon: NativeAddon;

  constructor(addon: NativeAddon) {
    this.#addon = addon;
  }

  /** {@link import("./byte-order.js").decodeToFloat32}, in-place decoding included. */
  decodeToFloat32(src: Uint8Array, bitpix: Bitpix, count: number, dst: Float32Array, dstOffset: number, scaling: Scaling): void {
    checkDecodeArguments(src, bitpix, count, dst, dstOffset);
    if (count === 0) return;
    const { hasBlank, hi, lo } = blankWords(bitpix, scaling.blank);
    this.#addon.decode(src, bitpix, count, dst, dstOffset, scaling.bscale, scaling.bzero, hasBlank, hi, lo);
  }

  /** {@link import("./plane-stats.js").planeStats}. */
  planeStats(data: Float32Array, offset = 0, length = data.length - offset): PlaneStats {
    checkRange(data.length, offset, length);
    this.#addon.planeStats(data, offset, length, state);
    const nanCount = state[4]!;
    const none = nanCount === length;
    return { min: none ? NaN : state[0]!, max: none ? NaN : state[1]!, sum: state[2]!, sumSq: state[3]!, nanCount };
  }

  /** {@link import("./histogram.js").accumulateHistogram}. */
  accumulateHistogram(data: Float32Array, offset: number, length: number, min: number, max: number, bins: Float64Array): void {
    checkRange(data.length, offset, length);
    this.#addon.histogram(data, offset, length, Math.fround(min), Math.fround(max), bins);
  }

  /** {@link import("./z-stats.js").zStatsOfTile}. */
  zStatsOfTile(src: Float32Array, depth: number, pixelCount: number, out: ZStats, srcOffset = 0, outOffset = 0): void {
    if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`bad depth ${depth}`);
    checkRange(src.length, srcOffset, depth * pixelCount);
    for (const a of [out.min, out.max, out.sum, out.sumSq, out.nanCount]) checkRange(a.length, outOffset, pixelCount);
    this.#addon.zStatsOfTile(src, srcOffset, depth, pixelCount, out.min, out.max, out.sum, out.sumSq, out.nanCount, outOffset);
  }

  /** Z statistics as stored: min/max copied, sums rounded to float32, counts as int64. */
  storeZStats(z: ZStats, pixels: number, out: ZStoreTarget): void {
    for (const a of [z.min, z.max, z.sum, z.sumSq, z.nanCount, out.min, out.max, out.sum, out.sumSq, out.nanCount]) checkRange(a.length, 0, pixels);
    this.#addon.storeZStats(z.min, z.max, z.sum, z.sumSq, z.nanCount, pixels, out.min, out.max, out.sum, out.sumSq, out.nanCount);
  }

  /** {@link import("./swizzle.js").swizzle}; `variant` picks another tile shape (benchmarks only). */
  swizzle(src: Float32Array, depth: number, height: number, width: number, dst: Float32Array, srcOffset = 0, dstOffset = 0, variant = 0): void {
    checkCubeShape(depth, height, width);
    const n = depth * height * width;
    checkRange(src.length, srcOffset, n);
    checkRange(dst.length, dstOffset, n);
    if (n === 0) return;
    this.#addon.swizzle(src, srcOffset, depth, height, width, dst, dstOffset, variant);
  }

  /** Copies a window of a [depth][height][width] cube into `out` as [depth][h][w] (bits kept). */
  gatherWindow(cube: Float32Array, depth: number, height: number, width: number, window: { x: number; y: number; width: number; height: number }, out: Float32Array): Float32Array {
    const target = out.subarray(0, depth * window.width * window.height);
    this.#addon.gatherWindow(cube, depth, height, width, window.x, window.y, window.width, window.height, target);
    return target;
  }

  /** A {@link NativeMipmapAccumulator} for planes of this size. */
  mipmapAccumulator(width: number, height: number, levels?: readonly MipmapLevel[]): NativeMipmapAccumulator {
    return new NativeMipmapAccumulator(this.#addon, width, height, levels);
  }
}

/** The stored Z statistics of a window (views of the task's output buffer). */
export interface ZStoreTarget {
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly sum: Float32Array;
  readonly sumSq: Float32Array;
  readonly nanCount: BigInt64Array;
}

/**
 * {@link import("./mipmap.js").MipmapAccumulator}'s `addPlane`, `means` and `level` (the
 * engine uses only those): the sums and counts of every level in two arrays, level after level.
 */
export class NativeMipmapAccumulator {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly MipmapLevel[];
  readonly #addon: NativeAddon;
  readonly #sums: Float64Array;
  readonly #counts: Int32Array;
  readonly #rowValues: Float64Array;
  readonly #rowFinite: Int32Array;
  /** Where each level starts in the sums and counts. */
  readonly #starts: number[] = [];

  constructor(addon: NativeAddon, width: number, height: number, levels: readonly MipmapLevel[] = mipmapLevels(width, height)) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new RangeError(`bad plane size ${width}x${height}`);
    }
    this.#addon = addon;
    this.width = width;
    this.height = height;
    this.levels = levels.map((l) => ({ factor: l.factor, width: l.width, height: l.height }));
    let total = 0;
    this.levels.forEach((l, k) => {
      if (l.factor !== 2 ** (k + 1) || k >= 30) {
        throw new RangeError(`mipmap level ${k} has factor ${l.factor}; expected ${2 ** (k + 1)}`);
      }
      if (l.width !== Math.ceil(width / l.factor) || l.height !== Math.ceil(height / l.factor)) {
        throw new RangeError(`mipmap level ${l.factor} has size ${l.width}x${l.height}, not ceil(${width}x${height} / ${l.factor})`);
      }
      this.#starts.push(total);
      total += l.width * l.height;
    });
    this.#sums = new Float64Array(total);
    this.#counts = new Int32Array(total);
    this.#rowValues = new Float64Array(width);
    this.#rowFinite = new Int32Array(width);
  }

  /** Computes the mipmaps of `plane[offset .. offset + width*height)` (raster order). */
  addPlane(plane: Float32Array, offset = 0): void {
    checkRange(plane.length, offset, this.width * this.height);
    this.#addon.mipmapSums(plane, offset, this.width, this.height, this.levels.length, this.#sums, this.#counts, this.#rowValues, this.#rowFinite);
  }

  /** Level `levelIndex`'s means into `out[outOffset ..]`, float32; NaN where a block has no finite value. */
  means(levelIndex: number, out: Float32Array, outOffset = 0): void {
    const l = this.levels[levelIndex];
    if (l === undefined) throw new RangeError(`no mipmap level ${levelIndex}`);
    const n = l.width * l.height;
    checkRange(out.length, outOffset, n);
    this.#addon.mipmapMeans(this.#sums, this.#counts, this.#starts[levelIndex]!, n, out, outOffset);
  }

  /** A new Float32Array with level `levelIndex`'s means. */
  level(levelIndex: number): Float32Array {
    const l = this.levels[levelIndex];
    if (l === undefined) throw new RangeError(`no mipmap level ${levelIndex}`);
    const out = new Float32Array(l.width * l.height);
    this.means(levelIndex, out, 0);
    return out;
  }
}

/**
 * BLANK as the addon compares it: for 8, 16 and 32 bits the value in `lo` when it can occur
 * (a BLANK outside the type's range never matches), for 64 bits its high (signed) and low
 * (unsigned) 32-bit words. Float BITPIX ignore BLANK.
 */
function blankWords(bitpix: Bitpix, blank: bigint | undefined): { hasBlank: boolean; hi: number; lo: number } {
  const none = { hasBlank: false, hi: 0, lo: 0 };
  if (blank === undefined || bitpix < 0) return none;
  const [min, max] = bitpix === 8 ? [0n, 255n] : bitpix === 16 ? [-32768n, 32767n] : bitpix === 32 ? [-2147483648n, 2147483647n] : [-(1n << 63n), (1n << 63n) - 1n];
  if (blank < min || blank > max) return none;
  if (bitpix !== 64) return { hasBlank: true, hi: 0, lo: Number(blank) };
  return { hasBlank: true, hi: Number(BigInt.asIntN(32, blank >> 32n)), lo: Number(BigInt.asUintN(32, blank)) };
}

/**
 * The per-window unit of work (cubes with depth > 1): for a window of pixels through every
 * channel of one stokes, the Z statistics, the window's share of the XYZ histogram and the
 * rotated (swizzled) values. Independent of every other window: histogram counts are integers,
 * so the order in which windows are added does not change the result.
 */
import { createZStats, type ZStats } from "../kernels/z-stats.js";
import { jsKernels, type KernelSet } from "./kernel-set.js";

/** A window of one stokes: x0..x0+width-1 by y0..y0+height-1, all channels. */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TileResult {
  readonly window: Window;
  /** Z statistics of the window's pixels, [height][width]. */
  readonly zStats: ZStats;
  /** [width][height][depth] (z fastest): the window of SwizzledData. */
  readonly swizzled: Float32Array;
}

/**
 * Runs windows of at most `maxPixels` pixels with buffers of its own, reused from window to
 * window: a result's arrays are valid until the next `run`. One unit per thread.
 */
export class TileUnit {
  readonly #depth: number;
  readonly #zStats: ZStats;
  readonly #swizzled: Float32Array;
  readonly #kernels: KernelSet;

  constructor(depth: number, maxPixels: number, ownRotationBuffer = true, kernels: KernelSet = jsKernels) {
    this.#depth = depth;
    this.#kernels = kernels;
    this.#zStats = createZStats(maxPixels);
    this.#swizzled = new Float32Array(ownRotationBuffer ? depth * maxPixels : 0);
  }

  /**
   * Run one window: `values` holds it as [depth][height][width] (x fastest). The XYZ histogram
   * counts of its finite values between `xyzMin` and `xyzMax` are added to `histogram`. The
   * rotation goes to `swizzledOut` when given (a unit made without its own rotation buffer
   * must be given one).
   */
  run(values: Float32Array, window: Window, xyzMin: number, xyzMax: number, histogram: Float64Array, swizzledOut?: Float32Array): TileResult {
    const depth = this.#depth;
    const pixels = window.width * window.height;
    const k = this.#kernels;
    k.zStatsOfTile(values, depth, pixels, this.#zStats);
    k.accumulateHistogram(values, 0, depth * pixels, xyzMin, xyzMax, histogram);
    const swizzled = swizzledOut ?? this.#swizzled.subarray(0, depth * pixels);
    k.swizzle(values, depth, window.height, window.width, swizzled);
    const z = this.#zStats;
    const zStats: ZStats = {
      min: z.min.subarray(0, pixels),
      max: z.max.subarray(0, pixels),
      sum: z.sum.subarray(0, pixels),
      sumSq: z.sumSq.subarray(0, pixels),
      nanCount: z.nanCount.subarray(0, pixels),
    };
    return { window, zStats, swizzled };
  }
}

/** Windows covering a width × height plane, row of windows by row. */
export function windowsOf(width: number, height: number, tileWidth: number, tileHeight = tileWidth): Window[] {
  const windows: Window[] = [];
  for (let y = 0; y < height; y += tileHeight) {
    for (let x = 0; x < width; x += tileWidth) {
      windows.push({ x, y, width: Math.min(tileWidth, width - x), height: Math.min(tileHeight, height - y) });
    }
  }
  return windows;
}

/**
 * The per-tile-column unit of work (cubes with depth > 1): for a window of pixels through every
 * channel of one stokes, the Z statistics, the window's share of the XYZ histogram and the
 * rotated (swizzled) values. Independent of every other window: histogram counts are integers,
 * so the order in which windows are added does not change the result.
 */
import { accumulateHistogram } from "../kernels/histogram.js";
import { swizzle } from "../kernels/swizzle.js";
import { createZStats, zStatsOfTile, type ZStats } from "../kernels/z-stats.js";

/** A window of one stokes: x0..x0+width-1 by y0..y0+height-1, all channels. */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TileResult {
  readonly window: Window;
  readonly zStats: ZStats;
  /** [width][height][depth] (z fastest): the window of SwizzledData. */
  readonly swizzled: Float32Array;
}

/**
 * Run one window: `values` holds it as [depth][height][width] (x fastest). The XYZ histogram
 * counts of its finite values between `xyzMin` and `xyzMax` are added to `histogram`.
 */
export function runTile(
  values: Float32Array,
  depth: number,
  window: Window,
  xyzMin: number,
  xyzMax: number,
  histogram: Float64Array,
  swizzled?: Float32Array,
): TileResult {
  const pixels = window.width * window.height;
  const zStats = createZStats(pixels);
  zStatsOfTile(values, depth, pixels, zStats);
  accumulateHistogram(values, 0, depth * pixels, xyzMin, xyzMax, histogram);
  const out = swizzled ?? new Float32Array(depth * pixels);
  swizzle(values, depth, window.height, window.width, out);
  return { window, zStats, swizzled: out };
}

/** Windows covering a width × height plane, row of windows by row, each at most `size` square. */
export function windowsOf(width: number, height: number, tileWidth: number, tileHeight = tileWidth): Window[] {
  const windows: Window[] = [];
  for (let y = 0; y < height; y += tileHeight) {
    for (let x = 0; x < width; x += tileWidth) {
      windows.push({ x, y, width: Math.min(tileWidth, width - x), height: Math.min(tileHeight, height - y) });
    }
  }
  return windows;
}

/** Copy a window out of a [depth][height][width] cube into a compact [depth][wh][ww] buffer. */
export function gatherWindow(
  cube: Float32Array,
  depth: number,
  height: number,
  width: number,
  window: Window,
  out?: Float32Array,
): Float32Array {
  const target = out ?? new Float32Array(depth * window.width * window.height);
  let o = 0;
  for (let z = 0; z < depth; z++) {
    for (let y = window.y; y < window.y + window.height; y++) {
      const from = (z * height + y) * width + window.x;
      target.set(cube.subarray(from, from + window.width), o);
      o += window.width;
    }
  }
  return target;
}

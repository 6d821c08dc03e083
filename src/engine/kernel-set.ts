/**
 * Which kernels the units of work call: the TypeScript ones (src/kernels/) or their C++ twins
 * (native/, through src/kernels/native-kernels.ts), which give the same bits. The choice is
 * made once per conversion on the main thread (`kernels` option, else FITS2IDIA_KERNELS, else
 * native when the addon loads) and travels with every task, so workers compute as it does.
 */
import { OptionError } from "../config/option-error.js";
import { decodeToFloat32 } from "../kernels/byte-order.js";
import { gatherWindow, type PlaneWindow } from "../kernels/gather.js";
import { accumulateHistogram } from "../kernels/histogram.js";
import { MipmapAccumulator, type MipmapLevel } from "../kernels/mipmap.js";
import { nativeAddon, type AddonStatus } from "../kernels/native-addon.js";
import { NativeKernels, type ZStoreTarget } from "../kernels/native-kernels.js";
import { planeStats, type PlaneStats } from "../kernels/plane-stats.js";
import { swizzle } from "../kernels/swizzle.js";
import { zStatsOfTile, type ZStats } from "../kernels/z-stats.js";

export type KernelsName = "js" | "native";
/** "auto": native when the addon loads, else js. */
export type KernelsRequest = "auto" | KernelsName;

/** What a plane unit needs of a mipmap accumulator. */
export interface Mipmapper {
  readonly levels: readonly MipmapLevel[];
  addPlane(plane: Float32Array, offset?: number): void;
  means(levelIndex: number, out: Float32Array, outOffset?: number): void;
}

/** The kernels the units call, with the TypeScript kernels' signatures. */
export interface KernelSet {
  readonly name: KernelsName;
  decodeToFloat32: typeof decodeToFloat32;
  planeStats(data: Float32Array, offset: number, length: number): PlaneStats;
  accumulateHistogram: typeof accumulateHistogram;
  mipmapAccumulator(width: number, height: number, levels: readonly MipmapLevel[]): Mipmapper;
  zStatsOfTile: typeof zStatsOfTile;
  /** Z statistics as stored: min/max copied, sums rounded to float32, counts as int64. */
  storeZStats(z: ZStats, pixels: number, out: ZStoreTarget): void;
  swizzle(src: Float32Array, depth: number, height: number, width: number, dst: Float32Array): void;
  gatherWindow(cube: Float32Array, depth: number, height: number, width: number, window: PlaneWindow, out: Float32Array): Float32Array;
}

export const jsKernels: KernelSet = {
  name: "js",
  decodeToFloat32,
  planeStats,
  accumulateHistogram,
  mipmapAccumulator: (width, height, levels) => new MipmapAccumulator(width, height, levels),
  zStatsOfTile,
  storeZStats: storeZStatsJs,
  swizzle: (src, depth, height, width, dst) => swizzle(src, depth, height, width, dst),
  gatherWindow,
};

function storeZStatsJs(z: ZStats, pixels: number, out: ZStoreTarget): void {
  out.min.set(z.min.subarray(0, pixels));
  out.max.set(z.max.subarray(0, pixels));
  for (let i = 0; i < pixels; i++) {
    out.sum[i] = z.sum[i]!;
    out.sumSq[i] = z.sumSq[i]!;
    out.nanCount[i] = BigInt(z.nanCount[i]!);
  }
}

let native: KernelSet | undefined;

/** The kernel set of that name; "native" throws when the addon is not available. */
export function kernelSet(name: KernelsName): KernelSet {
  if (name === "js") return jsKernels;
  native ??= nativeKernelSet();
  return native;
}

/**
 * The native set: C++ where bench/kernels.mjs and bench/kernels-e2e.mjs show it faster (see
 * native/README.md for the figures), TypeScript elsewhere.
 */
function nativeKernelSet(): KernelSet {
  const status = nativeAddon();
  if (!status.loaded) throw new Error(`the native kernels are not available: ${status.reason}`);
  const k = new NativeKernels(status.addon);
  return {
    name: "native",
    decodeToFloat32: (src, bitpix, count, dst, dstOffset, scaling) => k.decodeToFloat32(src, bitpix, count, dst, dstOffset, scaling),
    // TypeScript's: its float64 sums are one chain of additions in order, which bounds both
    // versions alike (bench/kernels.mjs: native 1.02x).
    planeStats,
    accumulateHistogram: (data, offset, length, min, max, bins) => k.accumulateHistogram(data, offset, length, min, max, bins),
    mipmapAccumulator: (width, height, levels) => k.mipmapAccumulator(width, height, levels),
    zStatsOfTile: (src, depth, pixelCount, out, srcOffset, outOffset) => k.zStatsOfTile(src, depth, pixelCount, out, srcOffset, outOffset),
    storeZStats: (z, pixels, out) => k.storeZStats(z, pixels, out),
    swizzle: (src, depth, height, width, dst) => k.swizzle(src, depth, height, width, dst),
    gatherWindow: (cube, depth, height, width, window, out) => k.gatherWindow(cube, depth, height, width, window, out),
  };
}

/** The kernels a conversion runs, and how to say so (`-p`, the report). */
export interface KernelsChoice {
  readonly name: KernelsName;
  /** `native (C++ addon)` (`…, prebuilt` when the package's prebuilt addon runs), or `TypeScript (…why…)`. */
  readonly detail: string;
}

/**
 * Resolves the request (default: FITS2IDIA_KERNELS, else "auto"). Asking for native kernels
 * when the addon is not available is an error, not a silent fallback. (`addon` is for tests.)
 */
export function resolveKernels(request?: KernelsRequest, env: NodeJS.ProcessEnv = process.env, addon: () => AddonStatus = nativeAddon): KernelsChoice {
  const fromEnv = env.FITS2IDIA_KERNELS;
  const wanted: string = request ?? (fromEnv === undefined || fromEnv === "" ? "auto" : fromEnv);
  const source = request !== undefined ? `kernels: ${JSON.stringify(request)}` : `FITS2IDIA_KERNELS=${fromEnv}`;
  if (wanted !== "auto" && wanted !== "js" && wanted !== "native") {
    throw new OptionError(request !== undefined ? "kernels" : "FITS2IDIA_KERNELS", `${source}: the kernels must be "auto", "js" or "native"`);
  }
  if (wanted === "js") return { name: "js", detail: `TypeScript (${source})` };
  const status = addon();
  if (status.loaded) return { name: "native", detail: /[\\/]prebuilds[\\/]/.test(status.path) ? "native (C++ addon, prebuilt)" : "native (C++ addon)" };
  if (wanted === "native") throw new Error(`native kernels were asked for (${source}) but are not available: ${status.reason}`);
  return { name: "js", detail: `TypeScript (native addon not available: ${status.reason})` };
}

/**
 * The optional C++ addon (native/): loaded on first use, once per thread (each worker thread
 * loads its own instance; the addon is context-aware and keeps no state). When it is missing,
 * fails to load or was built from other sources, the reason is kept for `-p` and errors.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The addon's functions (native/src/kernels.h); arguments are checked by the wrappers. */
export interface NativeAddon {
  readonly abiVersion: number;
  decode(src: Uint8Array, bitpix: number, count: number, dst: Float32Array, dstOffset: number, bscale: number, bzero: number, hasBlank: boolean, blankHi: number, blankLo: number): void;
  planeStats(data: Float32Array, offset: number, length: number, state: Float64Array): void;
  histogram(data: Float32Array, offset: number, length: number, lo: number, hi: number, bins: Float64Array): void;
  mipmapSums(plane: Float32Array, offset: number, width: number, height: number, levels: number, sums: Float64Array, counts: Int32Array, rowValues: Float64Array, rowFinite: Int32Array): void;
  mipmapMeans(sums: Float64Array, counts: Int32Array, from: number, n: number, out: Float32Array, outOffset: number): void;
  zStatsOfTile(src: Float32Array, srcOffset: number, depth: number, pixels: number, min: Float32Array, max: Float32Array, sum: Float64Array, sumSq: Float64Array, nanCount: Float64Array, outOffset: number): void;
  storeZStats(min: Float32Array, max: Float32Array, sum: Float64Array, sumSq: Float64Array, nanCount: Float64Array, pixels: number, outMin: Float32Array, outMax: Float32Array, outSum: Float32Array, outSumSq: Float32Array, outNanCount: BigInt64Array): void;
  swizzle(src: Float32Array, srcOffset: number, depth: number, height: number, width: number, dst: Float32Array, dstOffset: number, variant: number): void;
  gatherWindow(cube: Float32Array, depth: number, height: number, width: number, x: number, y: number, w: number, h: number, out: Float32Array): void;
}

/** The version of the addon's functions these wrappers expect (kAbiVersion in native/src/addon.cc). */
const ABI_VERSION = 1;

export type AddonStatus = { readonly loaded: true; readonly addon: NativeAddon; readonly path: string } | { readonly loaded: false; readonly reason: string };

/**
 * The addon's folder in the package (native/): this module is src/kernels/ or dist/kernels/, two
 * folders below the package root, in both cases. node-gyp-build looks there, as for any native
 * Node package: a build from source (native/build/Release, made by `npm install` where a C++
 * compiler is present) first, then the prebuilt addon shipped in the package
 * (native/prebuilds/linux-x64/…, made by `npm pack`).
 */
export const NATIVE_DIR = fileURLToPath(new URL("../../native/", import.meta.url));

/** What to do when the addon is missing, in words that work in a dependent project and in a clone. */
export const HOW_TO_BUILD = "`npm rebuild fits2idia-ts` in a project that uses it (needs a C++ compiler), `npm run build:native` in a clone";

let status: AddonStatus | undefined;

/** The addon, or why it is not available (loaded once per thread). */
export function nativeAddon(): AddonStatus {
  status ??= loadAddonFrom(NATIVE_DIR);
  return status;
}

/** The addon in `dir` (a folder laid out as native/), or why it is not available. */
export function loadAddonFrom(dir: string): AddonStatus {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = (require("node-gyp-build") as { path(dir: string): string }).path(dir);
  } catch {
    return { loaded: false, reason: `the addon is not built and no prebuilt one matches ${process.platform}-${process.arch}: run ${HOW_TO_BUILD}` };
  }
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (error) {
    return { loaded: false, reason: `the addon failed to load (${path}): ${(error as Error).message.split("\n")[0]}; run ${HOW_TO_BUILD}` };
  }
  if (addon.abiVersion !== ABI_VERSION) {
    return { loaded: false, reason: `the addon was built from other sources (version ${String(addon.abiVersion)}, expected ${ABI_VERSION}): rebuild it with ${HOW_TO_BUILD}` };
  }
  return { loaded: true, addon, path };
}

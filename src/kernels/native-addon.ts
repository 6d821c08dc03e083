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
 * Where the build puts it, relative to the package root: this module is src/kernels/ or
 * dist/kernels/, two folders below the root, in both cases.
 */
export const ADDON_PATH = fileURLToPath(new URL("../../native/build/Release/fits2idia_kernels.node", import.meta.url));

let status: AddonStatus | undefined;

/** The addon, or why it is not available (loaded once per thread). */
export function nativeAddon(): AddonStatus {
  status ??= load();
  return status;
}

function load(): AddonStatus {
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND" || code === "ENOENT") return { loaded: false, reason: "the addon is not built (npm run build:native)" };
    return { loaded: false, reason: `the addon failed to load: ${(error as Error).message.split("\n")[0]}` };
  }
  if (addon.abiVersion !== ABI_VERSION) {
    return { loaded: false, reason: `the addon was built from other sources (version ${String(addon.abiVersion)}, expected ${ABI_VERSION}): rebuild it (npm run build:native)` };
  }
  return { loaded: true, addon, path: ADDON_PATH };
}

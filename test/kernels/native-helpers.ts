/**
 * The native kernel tests' setup: the addon, and whether it must be there. Where it is not
 * built the tests are skipped, except under CI (env CI) or FITS2IDIA_REQUIRE_NATIVE=1, where
 * they fail: CI builds the addon, so a missing one there is a broken build, not a choice.
 */
import { describe, expect, it } from "vitest";
import { nativeAddon } from "../../src/kernels/native-addon.js";
import { NativeKernels } from "../../src/kernels/native-kernels.js";

export const addonStatus = nativeAddon();

const ci = process.env.CI;
export const nativeRequired = (ci !== undefined && ci !== "" && ci !== "0" && ci !== "false") || process.env.FITS2IDIA_REQUIRE_NATIVE === "1";

/** The native kernels; only undefined where the tests are skipped. */
export const native = (addonStatus.loaded ? new NativeKernels(addonStatus.addon) : undefined) as NativeKernels;

/** describe() when the addon loads or is required, else skipped. */
export const describeNative: typeof describe.skip = describe.skipIf(!addonStatus.loaded && !nativeRequired);

/** A first test for each file: the addon loads (fails with the reason where it is required). */
export function itLoadsTheAddon(): void {
  it("loads the native addon", () => {
    expect(addonStatus.loaded ? "loaded" : addonStatus.reason).toBe("loaded");
  });
}

/** The first index at which two typed arrays differ as raw bytes (-1: identical), e.g. NaN payloads and -0. */
export function firstByteDifference(a: ArrayBufferView, b: ArrayBufferView): number {
  if (a.byteLength !== b.byteLength) return -2;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Floats with NaN payloads (quiet and signalling), ±0, ±Inf, subnormals and the float32 extremes. */
export const SPECIAL_BITS = [0x7fc00000, 0x7fc12345, 0xffc00001, 0x7f800001, 0xff812345, 0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x3f800000];

/** A plane of `n` float32 values from one of the kernel test patterns, plus some special bit patterns when `specials`. */
export function withSpecials(values: Float32Array, every: number): Float32Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0, k = 0; i < bits.length; i += every, k++) bits[i] = SPECIAL_BITS[k % SPECIAL_BITS.length]!;
  return values;
}

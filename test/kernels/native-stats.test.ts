import { describe, expect, it } from "vitest";
import { accumulateHistogram, createZStats, numBins, planeStats, zStatsOfTile } from "../../src/kernels/index.js";
import { makeValues, mulberry32, PATTERNS } from "./helpers.js";
import { describeNative, firstByteDifference, itLoadsTheAddon, native, withSpecials } from "./native-helpers.js";

const SIZES = [1, 2, 3, 4, 5, 7, 64, 513, 4095, 4097, 70_001];

/** Every field compared with Object.is (NaN equals NaN, -0 differs from +0). */
function sameStats(a: Record<string, number>, b: Record<string, number>): string | undefined {
  for (const key of Object.keys(b)) if (!Object.is(a[key], b[key])) return `${key}: native ${a[key]}, TypeScript ${b[key]}`;
  return undefined;
}

describeNative("native planeStats equals the TypeScript kernel", () => {
  itLoadsTheAddon();
  describe.each(PATTERNS)("%s", (pattern) => {
    it.each(SIZES)("%i values, whole and sub-ranges", (n) => {
      const data = makeValues(pattern, n, mulberry32(n + 3));
      const ranges: Array<[number, number]> = [[0, n], [0, 0], [Math.floor(n / 3), n - Math.floor(n / 3) - Math.floor(n / 5)]];
      for (const [offset, length] of ranges) {
        expect(sameStats({ ...native.planeStats(data, offset, length) }, { ...planeStats(data, offset, length) })).toBeUndefined();
      }
    });
  });

  it("keeps the first of -0 and +0, and NaN payloads do not leak", () => {
    for (const values of [[0, -0], [-0, 0], [NaN, -0, 0, 5], [3, -0, 0], [-0, -0, 3, 0]]) {
      const data = new Float32Array(values);
      expect(sameStats({ ...native.planeStats(data) }, { ...planeStats(data) }), JSON.stringify(values)).toBeUndefined();
    }
    const specials = withSpecials(makeValues("random", 10_000, mulberry32(5)), 3);
    expect(sameStats({ ...native.planeStats(specials) }, { ...planeStats(specials) })).toBeUndefined();
  });

  it("rejects ranges outside the array", () => {
    const data = new Float32Array(10);
    expect(() => native.planeStats(data, 5, 6)).toThrow(RangeError);
    expect(() => native.planeStats(data, -1, 2)).toThrow(RangeError);
  });
});

describeNative("native accumulateHistogram equals the TypeScript kernel", () => {
  itLoadsTheAddon();
  describe.each(PATTERNS)("%s", (pattern) => {
    it.each(SIZES)("%i values, with the statistics' bounds and others", (n) => {
      const data = withSpecials(makeValues(pattern, n, mulberry32(n * 5 + 1)), 97);
      const st = planeStats(data);
      const bounds: Array<[number, number]> = [
        [st.min, st.max],
        [st.min, st.min],
        [NaN, 1],
        [-Infinity, Infinity],
        [-0.5, 0.25],
        [0, 1e-30],
        [-3.4e38, 3.4e38],
        [1e-45, 3e-45],
      ];
      for (const [min, max] of bounds) {
        for (const bins of [1, 2, 3, numBins(n, 1), 1000, 4099]) {
          // Bins that already hold counts, as the XYZ histogram accumulates window after window.
          const js = new Float64Array(bins).map((_, i) => i % 3);
          const nat = js.slice();
          accumulateHistogram(data, 0, n, min, max, js);
          native.accumulateHistogram(data, 0, n, min, max, nat);
          expect(firstByteDifference(nat, js), `bounds ${min}..${max}, ${bins} bins`).toBe(-1);
          const from = Math.floor(n / 4);
          accumulateHistogram(data, from, n - from, min, max, js);
          native.accumulateHistogram(data, from, n - from, min, max, nat);
          expect(firstByteDifference(nat, js), `sub-range, bounds ${min}..${max}, ${bins} bins`).toBe(-1);
        }
      }
    });
  });

  it("counts values equal to max in the last bin and handles bounds that are not float32", () => {
    const data = new Float32Array([0, 0.1, 0.2, 0.30000001192092896, 1, 1, 0.9999999403953552, -0]);
    for (const [min, max] of [[0, 1], [0.1, 1.0000001], [-0, 0.3]]) {
      const js = new Float64Array(10);
      const nat = new Float64Array(10);
      accumulateHistogram(data, 0, data.length, min!, max!, js);
      native.accumulateHistogram(data, 0, data.length, min!, max!, nat);
      expect([...nat]).toEqual([...js]);
    }
  });
});

describeNative("native zStatsOfTile and storeZStats equal the TypeScript ones", () => {
  itLoadsTheAddon();
  describe.each(PATTERNS)("%s", (pattern) => {
    it.each([
      [1, 1],
      [1, 5],
      [3, 7],
      [9, 2049],
      [4, 4097],
      [17, 333],
      [64, 1000],
    ])("depth %i, %i pixels", (depth, pixels) => {
      const src = withSpecials(makeValues(pattern, depth * pixels + 11, mulberry32(depth * 1000 + pixels)), 131);
      for (const [srcOffset, outOffset] of [[0, 0], [11, 3]]) {
        const js = createZStats(pixels + 5);
        const nat = createZStats(pixels + 5);
        zStatsOfTile(src, depth, pixels, js, srcOffset, outOffset);
        native.zStatsOfTile(src, depth, pixels, nat, srcOffset, outOffset);
        for (const key of ["min", "max", "sum", "sumSq", "nanCount"] as const) {
          expect(firstByteDifference(nat[key], js[key]), `${key}, offsets ${srcOffset}/${outOffset}`).toBe(-1);
        }
        const stored = () => ({
          min: new Float32Array(pixels),
          max: new Float32Array(pixels),
          sum: new Float32Array(pixels),
          sumSq: new Float32Array(pixels),
          nanCount: new BigInt64Array(pixels),
        });
        const jsOut = stored();
        const natOut = stored();
        const z = { min: js.min.subarray(outOffset), max: js.max.subarray(outOffset), sum: js.sum.subarray(outOffset), sumSq: js.sumSq.subarray(outOffset), nanCount: js.nanCount.subarray(outOffset) };
        jsOut.min.set(z.min.subarray(0, pixels));
        jsOut.max.set(z.max.subarray(0, pixels));
        for (let i = 0; i < pixels; i++) {
          jsOut.sum[i] = z.sum[i]!;
          jsOut.sumSq[i] = z.sumSq[i]!;
          jsOut.nanCount[i] = BigInt(z.nanCount[i]!);
        }
        native.storeZStats(z, pixels, natOut);
        for (const key of ["min", "max", "sum", "sumSq", "nanCount"] as const) {
          expect(firstByteDifference(natOut[key], jsOut[key]), `stored ${key}`).toBe(-1);
        }
      }
    });
  });

  it("keeps the first channel of -0 and +0 for each pixel", () => {
    const src = new Float32Array([0, -0, NaN, -0, 5, -0, 0, 0, 0, 1, -0, -0]);
    const js = createZStats(4);
    const nat = createZStats(4);
    zStatsOfTile(src, 3, 4, js);
    native.zStatsOfTile(src, 3, 4, nat);
    expect(firstByteDifference(nat.min, js.min)).toBe(-1);
    expect(firstByteDifference(nat.max, js.max)).toBe(-1);
  });
});

import { describe, expect, it } from "vitest";
import { accumulateHistogram, combinePlaneStats, histogram, numBins, planeStats } from "../../src/kernels/index.js";
import { PATTERNS, firstDifference, makeValues, mulberry32, naiveStats } from "./helpers.js";

/** The schema's histogram, value by value. */
function naiveHistogram(values: ArrayLike<number>, min: number, max: number, n: number): Float64Array {
  const bins = new Float64Array(n);
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max - min > 0)) return bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let bin = Math.floor((n * (v - min)) / (max - min));
    if (bin > n - 1) bin = n - 1;
    bins[bin] = bins[bin] + 1;
  }
  return bins;
}

describe("numBins", () => {
  it("is floor(max(sqrt(w*h), 2))", () => {
    expect(numBins(1, 1)).toBe(2);
    expect(numBins(2, 2)).toBe(2);
    expect(numBins(7, 3)).toBe(4);
    expect(numBins(3, 3)).toBe(3);
    expect(numBins(129, 131)).toBe(129);
    expect(numBins(5000, 200)).toBe(1000);
    expect(numBins(513, 257)).toBe(363);
  });
});

describe("XY histograms", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [7, 3],
    [129, 131],
    [513, 257],
    [5000, 200],
  ];
  for (const [w, h] of shapes) {
    for (const pattern of PATTERNS) {
      it(`${w}x${h} ${pattern}`, () => {
        const rand = mulberry32(w * 31 + h * 7 + pattern.length);
        const n = numBins(w, h);
        const data = makeValues(pattern, w * h, rand, n);
        const s = naiveStats(data);
        const got = new Float64Array(n);
        accumulateHistogram(data, 0, data.length, s.min, s.max, got);
        expect(firstDifference(got, naiveHistogram(data, s.min, s.max, n))).toBeUndefined();
        const total = got.reduce((a, b) => a + b, 0);
        expect(total).toBe(s.max - s.min > 0 ? data.length - s.nanCount : 0);
      });
    }
  }

  it("puts values equal to max in the last bin and integer edges exactly on bins", () => {
    const n = 8;
    // min 0, max 8: value k goes to bin k, 8 to bin 7.
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, NaN, Infinity]);
    const bins = histogram(data, 0, data.length, 0, 8, n);
    expect(Array.from(bins)).toEqual([1, 1, 1, 1, 1, 1, 1, 3]);
  });

  it("leaves the bins untouched for a constant, all-NaN or infinite range", () => {
    const data = new Float32Array([1, 1, 1]);
    for (const [lo, hi] of [
      [1, 1],
      [NaN, NaN],
      [0, Infinity],
      [-Infinity, 1],
      [2, 1],
    ]) {
      const bins = new Float64Array(4);
      accumulateHistogram(data, 0, 3, lo, hi, bins);
      expect(Array.from(bins)).toEqual([0, 0, 0, 0]);
    }
  });

  it("computes n*(v-min) first, then divides by (max-min): no reciprocal or scale factor", () => {
    // Find float32 values near bin edges for which the shortcut formulas give another bin than
    // the schema's, then check the kernel follows the schema on them.
    const f = new Float32Array(1);
    const bits = new Int32Array(f.buffer);
    const cases: { lo: number; hi: number; n: number; values: number[] }[] = [];
    let byReciprocal = 0;
    let byScale = 0;
    for (let t = 1; t <= 200; t++) {
      const lo = Math.fround(-t * 0.37);
      const hi = Math.fround(t * 0.61 + 1);
      const n = 100 + t * 7;
      const recip = 1 / (hi - lo);
      const scale = n / (hi - lo);
      const values: number[] = [];
      for (let k = 0; k <= n; k++) {
        f[0] = lo + ((hi - lo) * k) / n;
        const b0 = bits[0];
        for (let d = -2; d <= 2; d++) {
          bits[0] = b0 + d;
          const v = f[0];
          if (!(v >= lo && v <= hi)) continue;
          const spec = Math.min(n - 1, Math.floor((n * (v - lo)) / (hi - lo)));
          const r = Math.min(n - 1, Math.floor(n * (v - lo) * recip)) !== spec;
          const s = Math.min(n - 1, Math.floor((v - lo) * scale)) !== spec;
          if (r) byReciprocal++;
          if (s) byScale++;
          if (r || s) values.push(v);
        }
      }
      if (values.length > 0) cases.push({ lo, hi, n, values });
    }
    expect(byReciprocal).toBeGreaterThan(0);
    expect(byScale).toBeGreaterThan(0);
    for (const { lo, hi, n, values } of cases) {
      const data = Float32Array.from(values);
      const got = histogram(data, 0, data.length, lo, hi, n);
      expect(firstDifference(got, naiveHistogram(data, lo, hi, n))).toBeUndefined();
    }
  });

  it("uses offset/length and accumulates into existing counts", () => {
    const data = new Float32Array([100, 0, 1, 2, 3, 100]);
    const bins = new Float64Array([5, 0, 0]);
    accumulateHistogram(data, 1, 4, 0, 3, bins);
    expect(Array.from(bins)).toEqual([6, 1, 2]);
    expect(() => accumulateHistogram(data, 3, 4, 0, 3, bins)).toThrow(RangeError);
  });
});

describe("XYZ histograms", () => {
  for (const [w, h, depth] of [
    [7, 3, 4],
    [129, 131, 6],
    [40, 30, 25],
  ] as const) {
    it(`${w}x${h}x${depth}: accumulating channels with the XYZ min/max equals one naive pass`, () => {
      const rand = mulberry32(w + h + depth);
      const n = numBins(w, h);
      const channels: Float32Array[] = [];
      for (let z = 0; z < depth; z++) channels.push(makeValues(PATTERNS[z % PATTERNS.length], w * h, rand, n));
      const xyz = combinePlaneStats(channels.map((c) => planeStats(c)));
      const got = new Float64Array(n);
      for (const c of channels) accumulateHistogram(c, 0, c.length, xyz.min, xyz.max, got);
      const all: number[] = [];
      for (const c of channels) all.push(...c);
      expect(firstDifference(got, naiveHistogram(all, xyz.min, xyz.max, n))).toBeUndefined();
    });
  }
});

import { describe, expect, it } from "vitest";
import { combineChannelStats, combinePlaneStats, planeStats, type PlaneStats } from "../../src/kernels/index.js";
import { PATTERNS, makeValues, mulberry32, naiveStats, statsDifference, type NaiveStats } from "./helpers.js";

const SHAPES: [number, number][] = [
  [1, 1],
  [7, 3],
  [129, 131],
  [513, 257],
  [5000, 200],
];

describe("planeStats", () => {
  for (const [w, h] of SHAPES) {
    for (const pattern of PATTERNS) {
      it(`${w}x${h} ${pattern}`, () => {
        const rand = mulberry32(w * 7919 + h + pattern.length);
        const data = makeValues(pattern, w * h, rand);
        expect(statsDifference(planeStats(data), naiveStats(data))).toBeUndefined();
      });
    }
  }

  it("honours offset and length on a view of a larger (shared) buffer", () => {
    const rand = mulberry32(5);
    const sab = new SharedArrayBuffer(4 * 1000);
    const all = new Float32Array(sab);
    all.set(makeValues("sprinkled", 1000, rand));
    const view = new Float32Array(sab, 40, 900);
    const got = planeStats(view, 13, 500);
    expect(statsDifference(got, naiveStats(all.subarray(10 + 13, 10 + 13 + 500)))).toBeUndefined();
    expect(statsDifference(planeStats(view, 100), naiveStats(view.subarray(100)))).toBeUndefined();
  });

  it("computes squares in float32 (overflow to Inf is added)", () => {
    const got = planeStats(new Float32Array([3e19, 1]));
    expect(got.sumSq).toBe(Infinity);
    expect(got.sum).toBe(Math.fround(3e19) + 1);
    // A float64 square would not overflow: make sure the kernel is not computing that.
    expect(Math.fround(3e19) ** 2).toBeLessThan(Infinity);
    // Float32 rounding of the square is visible: 16777217 is not a float32 but 4097^2 is exact in float64.
    const v = Math.fround(4097.5);
    expect(planeStats(new Float32Array([v])).sumSq).toBe(Math.fround(v * v));
    expect(Math.fround(v * v)).not.toBe(v * v);
  });

  it("accumulates the sum in float64 in order", () => {
    const data = new Float32Array([1e8, 1, -1e8, 1]);
    expect(planeStats(data).sum).toBe(2);
    // float32 accumulation would give 1 (1e8 + 1 rounds to 1e8 in float32)
    expect(Math.fround(Math.fround(Math.fround(1e8 + 1) - 1e8) + 1)).not.toBe(2);
  });

  it("counts NaN and ±Inf and returns NaN min/max when nothing is finite", () => {
    const got = planeStats(new Float32Array([NaN, Infinity, -Infinity]));
    expect(got.nanCount).toBe(3);
    expect(got.min).toBeNaN();
    expect(got.max).toBeNaN();
    expect(got.sum).toBe(0);
    expect(got.sumSq).toBe(0);
    const empty = planeStats(new Float32Array(0));
    expect(empty.min).toBeNaN();
    expect(empty.nanCount).toBe(0);
  });

  it("keeps the first of equal extremes (-0 versus +0)", () => {
    const a = planeStats(new Float32Array([0, -0, NaN]));
    expect(Object.is(a.min, 0) && Object.is(a.max, 0)).toBe(true);
    const b = planeStats(new Float32Array([-0, 0]));
    expect(Object.is(b.min, -0) && Object.is(b.max, -0)).toBe(true);
  });

  it("rejects ranges outside the array", () => {
    expect(() => planeStats(new Float32Array(4), 2, 3)).toThrow(RangeError);
    expect(() => planeStats(new Float32Array(4), -1, 1)).toThrow(RangeError);
  });
});

/** XYZ stats straight from the schema: over the channels' stats. */
function naiveCombine(channels: NaiveStats[]): NaiveStats {
  let min = NaN;
  let max = NaN;
  let sum = 0;
  let sumSq = 0;
  let nanCount = 0;
  for (const c of channels) {
    if (!Number.isNaN(c.max)) {
      if (Number.isNaN(min) || c.min < min) min = c.min;
      if (Number.isNaN(max) || c.max > max) max = c.max;
    }
    sum = sum + c.sum;
    sumSq = sumSq + c.sumSq;
    nanCount = nanCount + c.nanCount;
  }
  return { min, max, sum, sumSq, nanCount };
}

describe("combineChannelStats", () => {
  const cases: [string, number, number, number][] = [
    ["depth 1", 9, 7, 1],
    ["depth 5", 13, 11, 5],
    ["depth 40", 31, 17, 40],
  ];
  for (const [name, w, h, depth] of cases) {
    it(`${name}: matches the naive combination, with all-NaN and overflowing channels`, () => {
      const rand = mulberry32(depth * 31 + w);
      const chans: NaiveStats[] = [];
      const min = new Float32Array(depth + 3);
      const max = new Float32Array(depth + 3);
      const sum = new Float64Array(depth + 3);
      const sumSq = new Float64Array(depth + 3);
      const nan = new Float64Array(depth + 3);
      const list: PlaneStats[] = [];
      for (let z = 0; z < depth; z++) {
        const pattern = PATTERNS[Math.floor(rand() * PATTERNS.length)];
        const data = makeValues(pattern, w * h, rand);
        const s = planeStats(data);
        list.push(s);
        chans.push(naiveStats(data));
        min[z + 2] = s.min;
        max[z + 2] = s.max;
        sum[z + 2] = s.sum;
        sumSq[z + 2] = s.sumSq;
        nan[z + 2] = s.nanCount;
      }
      const expected = naiveCombine(chans);
      expect(statsDifference(combineChannelStats(min, max, sum, sumSq, nan, 2, depth), expected)).toBeUndefined();
      expect(statsDifference(combinePlaneStats(list), expected)).toBeUndefined();
    });
  }

  it("skips channels whose max is NaN and returns NaN when all are", () => {
    const min = new Float64Array([NaN, 5, NaN]);
    const max = new Float64Array([NaN, 6, NaN]);
    const sum = new Float64Array([0, 11, 0]);
    const sumSq = new Float64Array([0, 61, 0]);
    const nan = new Int32Array([4, 0, 4]);
    expect(combineChannelStats(min, max, sum, sumSq, nan)).toEqual({ min: 5, max: 6, sum: 11, sumSq: 61, nanCount: 8 });
    const none = combineChannelStats(min, max, sum, sumSq, nan, 2, 1);
    expect(none.min).toBeNaN();
    expect(none.max).toBeNaN();
    expect(none.nanCount).toBe(4);
  });

  it("sums the channel sums in channel order (float64)", () => {
    const z = new Float64Array(3);
    const s = new Float64Array([1e17, 1, -1e17]);
    expect(combineChannelStats(z, z, s, z, z).sum).toBe(1e17 + 1 - 1e17);
  });
});

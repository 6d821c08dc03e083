import { describe, expect, it } from "vitest";
import { ZStatsAccumulator, createZStats, zStatsOfTile, type ZStats } from "../../src/kernels/index.js";
import { PATTERNS, firstDifference, makeValues, mulberry32, naiveStats } from "./helpers.js";

/** Per pixel, gather the spectrum over channels and compute the stats of that list. */
function naiveZ(cube: Float32Array, depth: number, pixels: number) {
  const out = {
    min: new Float32Array(pixels),
    max: new Float32Array(pixels),
    sum: new Float64Array(pixels),
    sumSq: new Float64Array(pixels),
    nanCount: new Float64Array(pixels),
  };
  for (let p = 0; p < pixels; p++) {
    const spectrum: number[] = [];
    for (let z = 0; z < depth; z++) spectrum.push(cube[z * pixels + p]);
    const s = naiveStats(spectrum);
    out.min[p] = s.min;
    out.max[p] = s.max;
    out.sum[p] = s.sum;
    out.sumSq[p] = s.sumSq;
    out.nanCount[p] = s.nanCount;
  }
  return out;
}

function zDifference(actual: ZStats, expected: ZStats, offset = 0, count = expected.min.length): string | undefined {
  for (const key of ["min", "max", "sum", "sumSq", "nanCount"] as const) {
    const d = firstDifference(actual[key].subarray(offset, offset + count), expected[key]);
    if (d !== undefined) return `${key} ${d}`;
  }
  return undefined;
}

/** A cube whose channels use varied patterns, with an all-NaN spectrum at pixel 0. */
function makeCube(w: number, h: number, depth: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const pixels = w * h;
  const cube = new Float32Array(depth * pixels);
  for (let z = 0; z < depth; z++) {
    const pattern = PATTERNS[(z + seed) % PATTERNS.length];
    cube.set(makeValues(pattern, pixels, rand), z * pixels);
    cube[z * pixels] = NaN; // all-NaN spectrum
  }
  if (pixels > 1) {
    // a spectrum with a single finite value
    for (let z = 0; z < depth; z++) cube[z * pixels + 1] = z === depth >> 1 ? -7.5 : Infinity;
  }
  return cube;
}

describe("Z statistics", () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 1, 9],
    [7, 3, 1],
    [7, 3, 5],
    [129, 131, 4],
    [513, 257, 3],
    [64, 48, 40],
  ];
  for (const [w, h, depth] of shapes) {
    it(`${w}x${h}x${depth}: accumulator and tile function match the naive per-pixel loops`, () => {
      const pixels = w * h;
      const cube = makeCube(w, h, depth, w + h * 3 + depth * 17);
      const expected = naiveZ(cube, depth, pixels);

      const acc = new ZStatsAccumulator(pixels);
      for (let z = 0; z < depth; z++) acc.addPlane(cube, z * pixels);
      expect(zDifference(acc, expected)).toBeUndefined();
      expect(acc.channels).toBe(depth);

      // The tile function, into a larger output at an offset, from a source at an offset.
      const src = new Float32Array(cube.length + 11);
      src.set(cube, 5);
      const out = createZStats(pixels + 10);
      out.min.fill(123); // must be overwritten
      out.sum.fill(9);
      zStatsOfTile(src, depth, pixels, out, 5, 7);
      expect(zDifference(out, expected, 7, pixels)).toBeUndefined();
      expect(out.sum[6]).toBe(9); // untouched outside the range
    });
  }

  it("reset() starts over", () => {
    const acc = new ZStatsAccumulator(3);
    acc.addPlane(new Float32Array([1, 2, 3]));
    acc.reset();
    acc.addPlane(new Float32Array([NaN, 5, -Infinity]));
    expect(firstDifference(acc.min, [NaN, 5, NaN])).toBeUndefined();
    expect(firstDifference(acc.nanCount, [1, 0, 1])).toBeUndefined();
    expect(acc.channels).toBe(1);
  });

  it("works on SharedArrayBuffer views and rejects short planes", () => {
    const sab = new SharedArrayBuffer(4 * 20);
    const plane = new Float32Array(sab, 8, 10);
    plane.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const acc = new ZStatsAccumulator(4);
    acc.addPlane(plane, 6);
    expect(Array.from(acc.max)).toEqual([7, 8, 9, 10]);
    expect(() => acc.addPlane(plane, 7)).toThrow(RangeError);
  });

  it("squares overflow to Inf per pixel, sums keep channel order", () => {
    const acc = new ZStatsAccumulator(2);
    acc.addPlane(new Float32Array([1e30, 1e8]));
    acc.addPlane(new Float32Array([1, 1]));
    acc.addPlane(new Float32Array([1, -1e8]));
    expect(acc.sumSq[0]).toBe(Infinity);
    expect(acc.sum[1]).toBe(1);
  });
});

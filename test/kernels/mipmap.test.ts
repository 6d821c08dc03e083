import { describe, expect, it } from "vitest";
import { MipmapAccumulator, mipmapLevels } from "../../src/kernels/index.js";
import { PATTERNS, firstDifference, makeValues, mulberry32 } from "./helpers.js";

/** One mipmap level straight from the schema: a loop per block over its rows and columns. */
function naiveMipmap(plane: Float32Array, width: number, height: number, m: number): Float32Array {
  const mw = Math.ceil(width / m);
  const mh = Math.ceil(height / m);
  const out = new Float32Array(mw * mh);
  for (let by = 0; by < mh; by++) {
    for (let bx = 0; bx < mw; bx++) {
      let sum = 0;
      let count = 0;
      for (let y = by * m; y < Math.min((by + 1) * m, height); y++) {
        for (let x = bx * m; x < Math.min((bx + 1) * m, width); x++) {
          const v = plane[y * width + x];
          if (Number.isFinite(v)) {
            sum = sum + v;
            count = count + 1;
          }
        }
      }
      out[by * mw + bx] = count === 0 ? NaN : Math.fround(sum / count);
    }
  }
  return out;
}

describe("mipmapLevels", () => {
  it("halves (ceil) while wider or taller than 128", () => {
    expect(mipmapLevels(128, 128)).toEqual([]);
    expect(mipmapLevels(1, 1)).toEqual([]);
    expect(mipmapLevels(129, 1)).toEqual([{ factor: 2, width: 65, height: 1 }]);
    expect(mipmapLevels(1, 257)).toEqual([
      { factor: 2, width: 1, height: 129 },
      { factor: 4, width: 1, height: 65 },
    ]);
    const l = mipmapLevels(5000, 200);
    expect(l.map((x) => x.factor)).toEqual([2, 4, 8, 16, 32, 64]);
    expect(l[5]).toEqual({ factor: 64, width: 79, height: 4 });
    for (const { factor, width, height } of mipmapLevels(12345, 6789)) {
      expect(width).toBe(Math.ceil(12345 / factor));
      expect(height).toBe(Math.ceil(6789 / factor));
    }
  });
});

describe("MipmapAccumulator", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [7, 3],
    [129, 1],
    [129, 131],
    [513, 257],
    [600, 700],
    [5000, 200],
  ];
  for (const [w, h] of shapes) {
    it(`${w}x${h}: every level of every pattern matches the per-block loops`, () => {
      const rand = mulberry32(w * 13 + h);
      const acc = new MipmapAccumulator(w, h);
      expect(acc.levels).toEqual(mipmapLevels(w, h));
      if (w === 5000) expect(acc.levels.length).toBeGreaterThanOrEqual(5);
      for (const pattern of PATTERNS) {
        const plane = makeValues(pattern, w * h, rand);
        // the plane sits at an offset inside a larger array
        const padded = new Float32Array(plane.length + 9);
        padded.set(plane, 4);
        acc.addPlane(padded, 4);
        acc.levels.forEach(({ factor, width, height }, k) => {
          const got = new Float32Array(width * height + 2);
          acc.means(k, got, 2);
          const d = firstDifference(got.subarray(2), naiveMipmap(plane, w, h, factor));
          expect(d, `${pattern} level ${factor}`).toBeUndefined();
        });
      }
    });
  }

  it("feeding row strips gives the same result as the whole plane", () => {
    const w = 333;
    const h = 301;
    const plane = makeValues("sprinkled", w * h, mulberry32(3));
    const a = new MipmapAccumulator(w, h);
    a.addPlane(plane);
    const b = new MipmapAccumulator(w, h);
    b.reset();
    let y = 0;
    for (const rows of [1, 7, 64, 100, 129]) {
      b.addRows(plane, y * w, rows);
      y += rows;
    }
    expect(y).toBe(h);
    expect(() => b.addRows(plane, 0, 1)).toThrow(RangeError);
    for (let k = 0; k < a.levels.length; k++) expect(firstDifference(b.level(k), a.level(k))).toBeUndefined();
  });

  it("computes every level from the full-resolution plane, in raster order", () => {
    // One 4x4 block whose float64 raster-order sum differs from the sum of its 2x2 block sums.
    const w = 512;
    const plane = new Float32Array(w * 4).fill(NaN);
    const big = Math.fround(1e17);
    const block = [big, 1, 3, 5, 1, -big, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    for (let i = 0; i < 16; i++) plane[Math.floor(i / 4) * w + (i % 4)] = block[i];
    const acc = new MipmapAccumulator(w, 4);
    expect(acc.levels.map((l) => l.factor)).toEqual([2, 4]);
    acc.addPlane(plane);
    const raster = naiveMipmap(plane, w, 4, 4)[0];
    // the same block summed 2x2 block by 2x2 block
    let bySubBlocks = 0;
    for (const [bx, by] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]) {
      let s2 = 0;
      for (let y = 2 * by; y < 2 * by + 2; y++) for (let x = 2 * bx; x < 2 * bx + 2; x++) s2 += block[y * 4 + x];
      bySubBlocks += s2;
    }
    expect(Math.fround(bySubBlocks / 16)).not.toBe(raster);
    const l4 = acc.level(1);
    expect(l4[0]).toBe(raster);
    expect(Number.isNaN(l4[1])).toBe(true);
  });

  it("partial edge blocks average only their own pixels; blocks without finite values are NaN", () => {
    const w = 130;
    const h = 3;
    const plane = new Float32Array(w * h).fill(NaN);
    plane[128] = 4; // (128, 0) in the block of (128..129, 0..1)
    plane[w + 129] = 6; // (129, 1)
    plane[2 * w + 129] = 100; // (129, 2): the bottom partial block
    const acc = new MipmapAccumulator(w, h);
    acc.addPlane(plane);
    const l = acc.level(0);
    expect(l.length).toBe(65 * 2);
    expect(l[64]).toBe(5);
    expect(l[65 + 64]).toBe(100);
    expect(Number.isNaN(l[0])).toBe(true);
  });

  it("rejects inconsistent levels and short planes", () => {
    expect(() => new MipmapAccumulator(300, 300, [{ factor: 3, width: 100, height: 100 }])).toThrow(RangeError);
    expect(() => new MipmapAccumulator(300, 300, [{ factor: 2, width: 149, height: 150 }])).toThrow(RangeError);
    const acc = new MipmapAccumulator(300, 10);
    expect(() => acc.addPlane(new Float32Array(2999))).toThrow(RangeError);
  });
});

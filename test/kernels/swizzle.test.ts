import { describe, expect, it } from "vitest";
import { swizzle, swizzleBlocked, swizzleBlocks } from "../../src/kernels/index.js";
import { firstBitDifference, makeValues, mulberry32 } from "./helpers.js";

/** dst[(x*height + y)*depth + z] = src[(z*height + y)*width + x], with the loops in source order. */
function naiveSwizzle(src: Float32Array, depth: number, height: number, width: number): Float32Array {
  const dst = new Float32Array(depth * height * width);
  const s = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const d = new Uint32Array(dst.buffer);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) d[(x * height + y) * depth + z] = s[(z * height + y) * width + x];
    }
  }
  return dst;
}

/** Distinct values (their index), with some NaNs carrying payloads, so any misplacement shows. */
function makeCube(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = i + 0.5;
  const bits = new Uint32Array(a.buffer);
  const rand = mulberry32(seed);
  for (let k = 0; k < Math.min(n, 20); k++) bits[Math.floor(rand() * n)] = 0x7fc00000 | k; // NaN payloads
  return a;
}

describe("swizzle", () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 3, 7],
    [2, 1, 1],
    [5, 3, 7],
    [3, 131, 129],
    [2, 512, 512], // shallow tile column: y-blocked path
    [4, 64, 33],
    [7, 256, 5],
    [8, 64, 64],
    [9, 30, 31],
    [40, 17, 13],
    [64, 20, 130],
    [300, 5, 6],
    [1, 1000, 3],
  ];
  for (const [depth, height, width] of shapes) {
    it(`${depth}x${height}x${width}`, () => {
      const n = depth * height * width;
      const cube = makeCube(n, n);
      const expected = naiveSwizzle(cube, depth, height, width);
      const dst = new Float32Array(n);
      swizzle(cube, depth, height, width, dst);
      expect(firstBitDifference(dst, expected)).toBeUndefined();
    });
  }

  it("honours offsets, shared buffers and leaves the rest of dst alone", () => {
    const [depth, height, width] = [6, 512, 40];
    const n = depth * height * width;
    const srcAll = new Float32Array(new SharedArrayBuffer((n + 10) * 4));
    srcAll.set(makeCube(n, 1), 3);
    const dstAll = new Float32Array(new SharedArrayBuffer((n + 20) * 4)).fill(-1);
    const dstView = new Float32Array(dstAll.buffer, 8, n + 18);
    swizzle(srcAll, depth, height, width, dstView, 3, 5);
    expect(firstBitDifference(dstView.subarray(5, 5 + n), naiveSwizzle(srcAll.subarray(3, 3 + n), depth, height, width))).toBeUndefined();
    expect(dstAll[2 + 4]).toBe(-1);
    expect(dstAll[2 + 5 + n]).toBe(-1);
  });

  it("gives the same result for any block sizes", () => {
    const [depth, height, width] = [11, 13, 17];
    const cube = makeValues("sprinkled", depth * height * width, mulberry32(2));
    const expected = naiveSwizzle(cube, depth, height, width);
    for (const [bz, by] of [
      [1, 1],
      [3, 5],
      [8, 1],
      [16, 32],
      [100, 100],
    ]) {
      const dst = new Float32Array(cube.length);
      swizzleBlocked(cube, depth, height, width, dst, 0, 0, bz, by);
      expect(firstBitDifference(dst, expected), `${bz}x${by}`).toBeUndefined();
    }
  });

  it("chooses y-blocking only for shallow cubes with aliasing strides", () => {
    expect(swizzleBlocks(2, 512)).toEqual({ blockZ: 2, blockY: 16 });
    expect(swizzleBlocks(3, 1000)).toEqual({ blockZ: 3, blockY: 1 });
    expect(swizzleBlocks(64, 512)).toEqual({ blockZ: 8, blockY: 1 });
  });

  it("rejects short arrays", () => {
    expect(() => swizzle(new Float32Array(10), 2, 2, 3, new Float32Array(12))).toThrow(RangeError);
    expect(() => swizzle(new Float32Array(12), 2, 2, 3, new Float32Array(12), 0, 1)).toThrow(RangeError);
  });
});

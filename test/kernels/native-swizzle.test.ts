import { describe, expect, it } from "vitest";
import { gatherWindow, swizzle } from "../../src/kernels/index.js";
import { makeValues, mulberry32 } from "./helpers.js";
import { describeNative, firstByteDifference, itLoadsTheAddon, native, withSpecials } from "./native-helpers.js";

// [depth, height, width]: shallow and deep, odd and power-of-two strides, tails in x and z.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 3, 5],
  [2, 512, 7],
  [3, 64, 33],
  [4, 16, 16],
  [5, 9, 13],
  [7, 256, 4],
  [8, 8, 8],
  [9, 17, 31],
  [16, 32, 64],
  [17, 5, 600],
  [64, 33, 19],
  [256, 8, 32],
];

describeNative("native swizzle equals the TypeScript rotation bit for bit", () => {
  itLoadsTheAddon();
  it.each(SHAPES)("depth %i, %i x %i, every tile shape, with offsets", (depth, height, width) => {
    const n = depth * height * width;
    const src = withSpecials(makeValues("sprinkled", n + 7, mulberry32(n)), 5);
    for (const [srcOffset, dstOffset] of [[0, 0], [7, 3]]) {
      const js = new Float32Array(n + 5).fill(1);
      swizzle(src, depth, height, width, js, srcOffset, dstOffset);
      // 0: the default; 1-5 and 7: the tile shapes bench/kernels.mjs compares.
      for (const variant of [0, 1, 2, 3, 4, 5, 7]) {
        const nat = new Float32Array(n + 5).fill(1);
        native.swizzle(src, depth, height, width, nat, srcOffset, dstOffset, variant);
        expect(firstByteDifference(nat, js), `variant ${variant}, offsets ${srcOffset}/${dstOffset}`).toBe(-1);
      }
    }
  });

  it("works on SharedArrayBuffers and refuses ranges outside them", () => {
    const [d, h, w] = [12, 10, 11];
    const shared = new Float32Array(new SharedArrayBuffer(d * h * w * 4));
    shared.set(makeValues("random", d * h * w, mulberry32(1)));
    const js = new Float32Array(d * h * w);
    const nat = new Float32Array(new SharedArrayBuffer(d * h * w * 4));
    swizzle(shared, d, h, w, js);
    native.swizzle(shared, d, h, w, nat);
    expect(firstByteDifference(nat, js)).toBe(-1);
    expect(() => native.swizzle(shared, d, h, w + 1, nat)).toThrow(RangeError);
    expect(() => native.swizzle(shared, d, h, w, nat, 1)).toThrow(RangeError);
  });
});

describeNative("native gatherWindow equals the TypeScript gather bit for bit", () => {
  itLoadsTheAddon();
  it.each([
    [1, 5, 7],
    [3, 40, 33],
    [17, 64, 129],
  ])("depth %i, %i x %i, windows at the edges and inside", (depth, height, width) => {
    const cube = withSpecials(makeValues("sprinkled", depth * height * width, mulberry32(width)), 3);
    for (const window of [
      { x: 0, y: 0, width, height },
      { x: 0, y: 0, width: 1, height: 1 },
      { x: width - 3 > 0 ? width - 3 : 0, y: 1 % height, width: Math.min(3, width), height: height - (1 % height) },
      { x: Math.floor(width / 2), y: 0, width: Math.ceil(width / 2), height: Math.min(4, height) },
    ]) {
      const size = depth * window.width * window.height;
      const js = gatherWindow(cube, depth, height, width, window, new Float32Array(size + 3));
      const nat = native.gatherWindow(cube, depth, height, width, window, new Float32Array(size + 3));
      expect(nat.length).toBe(size);
      expect(firstByteDifference(nat, js), JSON.stringify(window)).toBe(-1);
    }
  });
});

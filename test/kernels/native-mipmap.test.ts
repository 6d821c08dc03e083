import { describe, expect, it } from "vitest";
import { MipmapAccumulator, mipmapLevels } from "../../src/kernels/index.js";
import { makeValues, mulberry32, PATTERNS } from "./helpers.js";
import { describeNative, firstByteDifference, itLoadsTheAddon, native, withSpecials } from "./native-helpers.js";

const SHAPES: Array<[number, number]> = [
  [1, 1],
  [129, 1],
  [1, 300],
  [130, 129],
  [600, 3],
  [257, 1030],
  [1000, 513],
  [1024, 1024],
  [5000, 200],
];

describeNative("native mipmaps equal the TypeScript MipmapAccumulator bit for bit", () => {
  itLoadsTheAddon();
  describe.each(PATTERNS)("%s", (pattern) => {
    it.each(SHAPES)("%i x %i, every level", (width, height) => {
      const js = new MipmapAccumulator(width, height);
      const nat = native.mipmapAccumulator(width, height);
      expect(nat.levels).toEqual(js.levels);
      const offset = 3;
      const data = withSpecials(makeValues(pattern, width * height + offset, mulberry32(width * 3 + height)), 89);
      // Twice: the accumulator's buffers are reused from plane to plane.
      for (const start of [offset, 0]) {
        js.addPlane(data, start);
        nat.addPlane(data, start);
        for (let k = 0; k < js.levels.length; k++) {
          const a = js.level(k);
          const b = new Float32Array(a.length + 2).fill(9);
          nat.means(k, b, 1);
          expect(firstByteDifference(b.subarray(1, 1 + a.length), a), `level ${k}`).toBe(-1);
          expect([b[0], b[a.length + 1]]).toEqual([9, 9]);
        }
      }
    });
  });

  it("accepts the engine's explicit levels and refuses wrong ones", () => {
    expect(native.mipmapAccumulator(600, 300, mipmapLevels(600, 300)).levels).toEqual(mipmapLevels(600, 300));
    expect(() => native.mipmapAccumulator(600, 300, [{ factor: 4, width: 150, height: 75 }])).toThrow(RangeError);
    expect(() => native.mipmapAccumulator(600, 300, [{ factor: 2, width: 301, height: 150 }])).toThrow(RangeError);
    expect(() => native.mipmapAccumulator(600, 300).addPlane(new Float32Array(10))).toThrow(RangeError);
  });
});

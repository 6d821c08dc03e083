import { existsSync, readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../src/engine/convert.js";
import { cubeFile, makeCube, tempFolder, type Pattern } from "./helpers/fixtures.js";
import { naiveExpected } from "./helpers/naive.js";
import { firstDifference, firstValueDifference, readDatasets, type DatasetDump } from "./helpers/read-hdf5.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

interface Case {
  name: string;
  naxis: 2 | 3 | 4;
  size: [width: number, height: number, depth: number, stokes: number];
  pattern: Pattern;
}

const cases: Case[] = [
  { name: "2-D small random", naxis: 2, size: [37, 23, 1, 1], pattern: "random" },
  { name: "2-D 600x520 (chunked, mipmaps) NaN/Inf", naxis: 2, size: [600, 520, 1, 1], pattern: "nan-inf" },
  { name: "2-D 5000x200 (6 mipmap levels)", naxis: 2, size: [5000, 200, 1, 1], pattern: "random" },
  { name: "2-D all NaN", naxis: 2, size: [130, 140, 1, 1], pattern: "all-nan" },
  { name: "2-D constant", naxis: 2, size: [200, 150, 1, 1], pattern: "constant" },
  { name: "2-D single finite value", naxis: 2, size: [129, 3, 1, 1], pattern: "single" },
  { name: "2-D squares overflow float32", naxis: 2, size: [64, 64, 1, 1], pattern: "overflow" },
  { name: "3-D odd sizes NaN/Inf", naxis: 3, size: [131, 67, 5, 1], pattern: "nan-inf" },
  { name: "3-D depth 1", naxis: 3, size: [140, 90, 1, 1], pattern: "random" },
  { name: "3-D all-NaN channel", naxis: 3, size: [70, 260, 4, 1], pattern: "nan-channel" },
  { name: "3-D all-NaN pixel spectrum", naxis: 3, size: [33, 40, 6, 1], pattern: "nan-pixel" },
  { name: "3-D 513x515 across tiles, integers", naxis: 3, size: [513, 515, 3, 1], pattern: "integers" },
  { name: "3-D all NaN", naxis: 3, size: [20, 30, 3, 1], pattern: "all-nan" },
  { name: "4-D stokes", naxis: 4, size: [150, 97, 3, 2], pattern: "nan-inf" },
  { name: "4-D depth 1", naxis: 4, size: [40, 50, 1, 3], pattern: "random" },
  { name: "4-D overflow", naxis: 4, size: [30, 20, 2, 2], pattern: "overflow" },
];

function compare(actual: Map<string, DatasetDump>, expected: ReturnType<typeof naiveExpected>): void {
  const names = [...actual.keys()].filter((k) => !k.startsWith("0/PermutedData")).sort();
  expect(names).toEqual([...expected.datasets.keys()].sort());
  for (const [path, want] of expected.datasets) {
    const got = actual.get(path)!;
    expect(got.shape, path).toEqual(want.shape);
    const diff = firstValueDifference(got.values, want.values);
    expect(diff, `${path}: first difference at ${diff}: got ${got.values[diff]}, expected ${want.values[diff]}`).toBe(-1);
  }
}

describe.each(cases)("$name", ({ naxis, size, pattern }) => {
  const [width, height, depth, stokes] = size;
  const cube = makeCube(naxis, width, height, depth, stokes, pattern, width * 7 + height);
  const input = tmp.write(`${naxis}-${width}x${height}x${depth}x${stokes}-${pattern}.fits`, cubeFile(cube));
  const expected = naiveExpected(cube);

  it("fast and slow modes both match the naive reference, and each other byte for byte", async () => {
    const fastPath = input.replace(/\.fits$/, ".fast.hdf5");
    const slowPath = input.replace(/\.fits$/, ".slow.hdf5");
    const fast = await convert(input, fastPath);
    // Small windows and batches so that the slow mode's tile pass and the fast mode's strips
    // cross several windows even for these small cubes.
    const slow = await convert(input, slowPath, { slow: true, tileSize: 32 });
    expect(fast.mode).toBe("fast");
    expect(slow.mode).toBe("slow");
    const a = await readDatasets(fastPath);
    const b = await readDatasets(slowPath);
    compare(a, expected);
    for (const [path, dump] of a) {
      expect(firstDifference(dump.values, b.get(path)!.values), path).toBe(-1);
      expect(b.get(path)!.chunks, path).toEqual(dump.chunks);
    }
    const fastSmall = input.replace(/\.fits$/, ".fast-small.hdf5");
    await convert(input, fastSmall, { batchBytes: width * height * 4 * 2 });
    const c = await readDatasets(fastSmall);
    for (const [path, dump] of a) expect(firstDifference(dump.values, c.get(path)!.values), path).toBe(-1);
  });
});

describe("storage layout", () => {
  it("chunks DATA [1,1,512,512] only when width and height are both >= 512", async () => {
    const big = makeCube(3, 512, 520, 2, 1, "random");
    const narrow = makeCube(3, 511, 600, 2, 1, "random");
    const a = tmp.write("chunk-a.fits", cubeFile(big));
    const b = tmp.write("chunk-b.fits", cubeFile(narrow));
    await convert(a, tmp.file("chunk-a.hdf5"));
    await convert(b, tmp.file("chunk-b.hdf5"));
    const da = await readDatasets(tmp.file("chunk-a.hdf5"));
    const db = await readDatasets(tmp.file("chunk-b.hdf5"));
    expect(da.get("0/DATA")!.chunks).toEqual([1, 512, 512]);
    expect(da.get("0/SwizzledData/ZYX")!.chunks).toBeNull();
    expect(da.get("0/MipMaps/DATA/DATA_XY_2")!.chunks).toBeNull();
    expect(db.get("0/DATA")!.chunks).toBeNull();
  });

  it("leaves no temporary file behind", async () => {
    const cube = makeCube(2, 10, 10, 1, 1, "random");
    const input = tmp.write("tmpcheck.fits", cubeFile(cube));
    await convert(input, tmp.file("tmpcheck.hdf5"));
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(existsSync(tmp.file("tmpcheck.hdf5"))).toBe(true);
  });
});

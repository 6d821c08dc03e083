import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackage } from "../helpers/build.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
import { naiveExpected } from "../helpers/naive.js";
import { firstDifference, firstValueDifference, readDatasets } from "../helpers/read-hdf5.js";

// Worker threads need the compiled package: this file runs the build's convert().
type Convert = typeof import("../../src/engine/convert.js").convert;
let convert: Convert;
let build: ReturnType<typeof buildPackage>;
const tmp = tempFolder("fits2idia-threads-");

beforeAll(async () => {
  build = buildPackage("fits2idia-ts-threads-test");
  ({ convert } = (await import(join(build.dist, "engine", "convert.js"))) as { convert: Convert });
}, 120_000);
afterAll(() => {
  tmp.cleanup();
  build?.remove();
});

const shapes = [
  { naxis: 3 as const, size: [300, 260, 9, 1] as const, pattern: "nan-inf" as const },
  { naxis: 4 as const, size: [140, 130, 5, 2] as const, pattern: "nan-channel" as const },
  { naxis: 2 as const, size: [700, 530, 1, 1] as const, pattern: "random" as const },
];

describe.each(shapes)("worker pool, $naxis-D $size", ({ naxis, size, pattern }) => {
  it("gives the same datasets for 1, 2 and 3 threads in both modes, equal to the naive reference", async () => {
    const [width, height, depth, stokes] = size;
    const cube = makeCube(naxis, width, height, depth, stokes, pattern, 11);
    const input = tmp.write(`t-${naxis}.fits`, cubeFile(cube));
    const runs: Array<{ label: string; path: string }> = [];
    for (const mode of ["fast", "slow"] as const) {
      for (const threads of [1, 2, 3]) {
        const path = tmp.file(`t-${naxis}-${mode}-${threads}.hdf5`);
        const report = await convert(input, path, { mode, threads, batchBytes: width * height * 4 * 2 });
        expect(report.threads).toBe(threads);
        runs.push({ label: `${mode}/${threads}`, path });
      }
    }
    const reference = await readDatasets(runs[0]!.path);
    for (const [path, want] of naiveExpected(cube).datasets) {
      expect(firstValueDifference(reference.get(path)!.values, want.values), path).toBe(-1);
    }
    for (const run of runs.slice(1)) {
      const other = await readDatasets(run.path);
      expect([...other.keys()].sort(), run.label).toEqual([...reference.keys()].sort());
      for (const [path, dump] of reference) expect(firstDifference(dump.values, other.get(path)!.values), `${run.label} ${path}`).toBe(-1);
    }
  });
});

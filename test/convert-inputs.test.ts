import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../src/engine/convert.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, primaryCards, tempFolder, valueCard, type Bitpix } from "./helpers/fixtures.js";
import { naiveExpected, type Cube } from "./helpers/naive.js";
import { firstDifference, firstValueDifference, readDatasets } from "./helpers/read-hdf5.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

async function expectMatches(output: string, cube: Cube): Promise<void> {
  const got = await readDatasets(output);
  for (const [path, want] of naiveExpected(cube).datasets) {
    const dump = got.get(path);
    expect(dump, path).toBeDefined();
    expect(dump!.shape, path).toEqual(want.shape);
    expect(firstValueDifference(dump!.values, want.values), path).toBe(-1);
  }
}

describe("inputs beyond the reference", () => {
  const raw = [0, 1, 2, 100, -5, 7, 32767, -32768, 3, -1, 42, 9];
  const cases: Array<{ bitpix: Bitpix; values: number[]; bscale?: number; bzero?: number; blank?: number }> = [
    { bitpix: 8, values: raw.map((v) => Math.abs(v) % 256), bscale: 0.5, bzero: -3, blank: 255 },
    { bitpix: 16, values: raw, bscale: 1e-3, bzero: 32768, blank: -32768 },
    { bitpix: 32, values: raw.map((v) => v * 60001), blank: 9 * 60001 },
    { bitpix: 64, values: raw, bscale: 2.5, bzero: 1 },
    { bitpix: -64, values: raw.map((v) => v / 3), bscale: 3, bzero: 0.25 },
  ];
  it.each(cases)("converts BITPIX $bitpix with scaling and BLANK as physical float32", async ({ bitpix, values, bscale = 1, bzero = 0, blank }) => {
    const width = 4;
    const height = 3;
    const extra = [valueCard("BSCALE", String(bscale)), valueCard("BZERO", String(bzero))];
    if (blank !== undefined) extra.push(valueCard("BLANK", String(blank)));
    const input = tmp.write(`bitpix${bitpix}.fits`, concat([headerBytes(primaryCards(bitpix, [width, height], extra)), dataBytes(values, bitpix)]));
    const output = tmp.file(`bitpix${bitpix}.hdf5`);
    await convert(input, output);
    const physical = Float32Array.from(values, (v) => (blank !== undefined && v === blank && bitpix > 0 ? NaN : Math.fround(v * bscale + bzero)));
    await expectMatches(output, { width, height, depth: 1, stokes: 1, naxis: 2, values: physical });
  });

  it("converts an IMAGE extension, chosen by name, from a gzip file, fast and slow alike", async () => {
    const cube = makeCube(3, 150, 40, 3, 1, "nan-inf");
    const bytes = concat([
      headerBytes([...primaryCards(-32, []), valueCard("EXTEND", "T")]),
      headerBytes(extensionCards(-32, [150, 40, 3], [card("EXTNAME = 'SCI     '")])),
      dataBytes(cube.values, -32),
    ]);
    const input = tmp.write("ext.fits.gz", gzipSync(bytes));
    await convert(`${input}[SCI]`, tmp.file("ext-fast.hdf5"));
    await convert(input, tmp.file("ext-slow.hdf5"), { slow: true, tileSize: 64 });
    await expectMatches(tmp.file("ext-fast.hdf5"), cube);
    const a = await readDatasets(tmp.file("ext-fast.hdf5"));
    const b = await readDatasets(tmp.file("ext-slow.hdf5"));
    for (const [path, dump] of a) expect(firstDifference(dump.values, b.get(path)!.values), path).toBe(-1);
  });

  it("converts NAXIS 6 with degenerate axes as a 4-D cube", async () => {
    const cube = makeCube(4, 20, 10, 3, 1, "random");
    const input = tmp.write("naxis6.fits", concat([headerBytes(primaryCards(-32, [20, 10, 3, 1, 1, 1])), dataBytes(cube.values, -32)]));
    await convert(input, tmp.file("naxis6.hdf5"));
    await expectMatches(tmp.file("naxis6.hdf5"), cube);
  });
});

describe("failures leave nothing behind", () => {
  it("a truncated gzip stream fails part way: no output, no temporary file, an old output survives", async () => {
    const cube = makeCube(3, 64, 64, 8, 1, "random");
    const full = gzipSync(cubeFile(cube));
    const input = tmp.write("cut.fits.gz", full.subarray(0, Math.floor(full.length * 0.6)));
    const output = tmp.file("cut.hdf5");
    writeFileSync(output, "previous result");
    await expect(convert(input, output)).rejects.toThrow(/truncated|corrupt|unexpected end/i);
    expect(readFileSync(output, "utf8")).toBe("previous result");
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("cut.hdf5.") || f.endsWith(".tmp"))).toEqual([]);
  });

  it("a missing output folder is refused before any work", async () => {
    const input = tmp.write("ok.fits", cubeFile(makeCube(2, 8, 8, 1, 1, "random")));
    await expect(convert(input, tmp.file("no/such/folder/out.hdf5"))).rejects.toThrow(/does not exist/);
  });

  it("cancellation with an AbortSignal leaves no output and no temporary file", async () => {
    const cube = makeCube(3, 300, 200, 40, 1, "random");
    const input = tmp.write("abort.fits", cubeFile(cube));
    const output = tmp.file("abort.hdf5");
    const controller = new AbortController();
    let calls = 0;
    const run = convert(input, output, {
      slow: true,
      signal: controller.signal,
      onProgress: () => {
        if (++calls === 5) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("abort.hdf5"))).toEqual([]);
  });
});

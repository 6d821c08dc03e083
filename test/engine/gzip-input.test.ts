/**
 * gzip input through the API: a file whose gzip members are damaged or cut short is refused by
 * convert (both modes) and verifyFile, leaving nothing behind; members one after another, zero
 * padding and trailing garbage convert exactly as the plain file does, with the SHA-256 and
 * size of every byte of the file as stored.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { predictMemory } from "../../src/engine/memory.js";
import { FitsError } from "../../src/fits/errors.js";
import { readHeader } from "../../src/read-header.js";
import { verifyFile } from "../../src/verify/verify.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, tempFolder } from "../helpers/fixtures.js";
import { firstDifference, readDatasets, type DatasetDump } from "../helpers/read-hdf5.js";
import { fitsError } from "../helpers/fits-error.js";

const tmp = tempFolder("fits2idia-gzip-input-");
afterAll(() => tmp.cleanup());
const options = { env: {}, rcFile: false as const };

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

// A cube with NaN and ±Inf, and after it an IMAGE extension: the image converted is the primary,
// so the decompression must go on past what the conversion needs to reach the trailer.
const cube = makeCube(3, 40, 30, 6, 1, "nan-inf", 7);
const FITS = concat([cubeFile(cube), headerBytes(extensionCards(-32, [5, 4], [card("EXTNAME = 'AUX     '")])), dataBytes(Array.from({ length: 20 }, (_, i) => i), -32)]);
const GZ = gzipSync(FITS);
let plain = "";
let reference = new Map<string, DatasetDump>();
let counter = 0;

beforeAll(async () => {
  plain = tmp.write("cube.fits", FITS);
  await convert(plain, tmp.file("reference.hdf5"), options);
  reference = await readDatasets(tmp.file("reference.hdf5"));
});

/** A folder of its own holding the input alone. */
function workspace(name: string, bytes: Uint8Array): { input: string; output: string; files: () => string[] } {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  const input = join(dir, name);
  tmp.write(join(`w${counter - 1}`, name), bytes);
  return { input, output: join(dir, "out.hdf5"), files: () => readdirSync(dir).sort() };
}


async function expectSameAsPlain(output: string): Promise<void> {
  const got = await readDatasets(output);
  expect([...got.keys()]).toEqual([...reference.keys()]);
  for (const [path, want] of reference) expect(firstDifference(got.get(path)!.values, want.values), path).toBe(-1);
}

const trailer = GZ.length - 8;
const withByte = (bytes: Uint8Array, at: number, xor: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= xor;
  return copy;
};
const damaged: Array<[string, Uint8Array, RegExp]> = [
  ["missing its last 8 bytes", GZ.subarray(0, trailer), /^gzip data is truncated: the file ends before the 8-byte trailer \(CRC-32 and size\) of gzip member 1, which should start at byte \d+: the trailer is missing$/],
  ["missing its last 4 bytes", GZ.subarray(0, trailer + 4), /^gzip data is truncated: the file ends 4 bytes into the 8-byte trailer .*: its last 4 bytes are missing$/],
  ["missing its last byte", GZ.subarray(0, GZ.length - 1), /^gzip data is truncated: the file ends 7 bytes into the 8-byte trailer .*: its last 1 byte is missing$/],
  ["with a corrupt CRC-32", withByte(GZ, trailer, 0x01), /^gzip data is corrupt: gzip member 1's CRC-32 is 0x[0-9a-f]{8} in its trailer \(at byte \d+\) but 0x[0-9a-f]{8} for the \d+ bytes it decompresses to$/],
  ["with a wrong size", withByte(GZ, trailer + 4, 0x01), /^gzip data is corrupt: gzip member 1's trailer \(at byte \d+\) gives its size as \d+ bytes \(modulo 2\^32\), but it decompresses to \d+$/],
  ["whose second member is cut short", concat([gzipSync(FITS.subarray(0, 5000)), gzipSync(FITS.subarray(5000)).subarray(0, 100)]), /^gzip data is truncated: the file ends inside the deflate data of gzip member 2 /],
];

describe("a damaged gzip file is refused, nothing left behind", () => {
  it.each(damaged)("%s: fast and slow mode", async (_what, bytes, problem) => {
    for (const mode of ["fast", "slow"] as const) {
      const w = workspace("cube.fits.gz", bytes);
      const error = await fitsError(convert(w.input, w.output, { ...options, mode }));
      expect(error.code, mode).toBe("CORRUPT_GZIP");
      expect(error.message, mode).toMatch(problem);
      expect(error.file, mode).toBe(w.input);
      expect(error.describe().startsWith(`${w.input}: gzip data is `)).toBe(true);
      // No output, no temporary file, no lock.
      expect(w.files(), mode).toEqual(["cube.fits.gz"]);
    }
  });

  it.each(damaged)("%s: verify against it refuses too", async (_what, bytes, problem) => {
    const w = workspace("cube.fits.gz", bytes);
    const error = await fitsError(verifyFile(tmp.file("reference.hdf5"), w.input));
    expect(error.code).toBe("CORRUPT_GZIP");
    expect(error.message).toMatch(problem);
    expect(error.file).toBe(w.input);
  });

  it("header reads stop at the header: a damaged trailer is found by what reads to the end", async () => {
    // readHeader and predictMemory (-m, and batch's planning) read the header only; the
    // conversion that follows (or verify) decompresses the whole file and refuses it.
    const w = workspace("cube.fits.gz", damaged[0]![1]);
    expect((await readHeader(w.input)).shape).toEqual({ naxis: 3, width: 40, height: 30, depth: 6, stokes: 1 });
    expect((await predictMemory(w.input, { threads: 1 })).fast.total).toBeGreaterThan(0);
    // Damage within the part a header read reads is refused by it.
    const cut = workspace("cut.fits.gz", GZ.subarray(0, 40));
    expect((await fitsError(readHeader(cut.input))).code).toBe("CORRUPT_GZIP");
    expect((await fitsError(predictMemory(cut.input))).code).toBe("CORRUPT_GZIP");
  });
});

describe("whole gzip files, as gzip -d reads them", () => {
  const members = concat([gzipSync(FITS.subarray(0, 3000)), gzipSync(FITS.subarray(3000, 9000)), gzipSync(FITS.subarray(9000))]);
  const good: Array<[string, Uint8Array, number]> = [
    ["members one after another (cat a.gz b.gz c.gz)", members, 0],
    ["zero padding after the last member", concat([GZ, new Uint8Array(1000)]), 0],
    ["trailing garbage after the last member", concat([GZ, new TextEncoder().encode("this is not gzip data\n")]), 1],
  ];

  it.each(good)("%s: converts as the plain file, fast and slow; provenance of every byte", async (_what, bytes, warnings) => {
    for (const mode of ["fast", "slow"] as const) {
      const w = workspace("cube.fits.gz", bytes);
      const report = await convert(w.input, w.output, { ...options, mode });
      await expectSameAsPlain(w.output);
      expect(report.inputSha256, mode).toBe(sha256(bytes));
      expect(report.warnings, mode).toHaveLength(warnings);
      if (warnings > 0) {
        expect(report.warnings[0]).toBe(
          `${w.input}: decompression OK, trailing garbage ignored (as gzip -d does): the 22 bytes after the last gzip member, from byte ${GZ.length}, are not gzip data`,
        );
      }
      const verified = await verifyFile(w.output, w.input);
      expect(verified.problems, mode).toEqual([]);
      expect(verified.sha256).toBe("match");
      expect(verified.provenance?.inputSize).toBe(bytes.length);
      expect(verified.notes.filter((n) => n.includes("trailing garbage"))).toHaveLength(warnings);
      expect(w.files()).toEqual(["cube.fits.gz", "out.hdf5"]);
    }
  });
});

/**
 * Tile-compressed input through the built command: a real fpack file converts and verifies
 * against its `.fz`; a corrupt tile and an unsupported algorithm are refused in one line,
 * with nothing left behind.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDatasets, firstValueDifference } from "../helpers/read-hdf5.js";
import { buildCommand, run, type BuiltCommand } from "./built-command.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/fpack");
let command: BuiltCommand;
const dir = mkdtempSync(join(tmpdir(), "fits2idia-fpack-command-"));

beforeAll(() => {
  command = buildCommand("fits2idia-ts-fpack-command-test");
}, 120_000);
afterAll(() => {
  command?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("fits2idia-ts with a tile-compressed cube", () => {
  it("converts cube.fz and verify passes against it, the data as funpack decodes it", async () => {
    const input = join(dir, "cube.fz");
    copyFileSync(join(FIXTURES, "i16-rice.fz"), input);
    const output = join(dir, "out.hdf5");
    const converted = await run(command, [input, "-o", output]);
    expect(converted, converted.stderr).toMatchObject({ code: 0, stdout: "", stderr: "" });
    const verified = await run(command, ["verify", output, input]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/OK/);
    // The same data as converting funpack's output.
    const unpacked = join(dir, "cube.fits");
    copyFileSync(join(FIXTURES, "i16-rice.funpack.fits"), unpacked);
    expect((await run(command, [unpacked, "-o", join(dir, "unpacked.hdf5")])).code).toBe(0);
    const a = await readDatasets(output);
    const b = await readDatasets(join(dir, "unpacked.hdf5"));
    for (const [path, dump] of b) expect(firstValueDifference(a.get(path)!.values, dump.values), path).toBe(-1);
  });

  it("refuses a corrupt tile and an HCOMPRESS_1 file in one line, leaving nothing", async () => {
    const bytes = readFileSync(join(FIXTURES, "i32-gzip1.fz"));
    // Row 2's COMPRESSED_DATA: overwrite its gzip stream (its heap offset is in the row's second word).
    const rowStart = 2880 * 2 + 8;
    const offset = bytes.readInt32BE(rowStart + 4);
    const count = bytes.readInt32BE(rowStart);
    const heap = 2880 * 2 + 8 * 9;
    bytes.fill(0xee, heap + offset + 10, heap + offset + count);
    const corrupt = join(dir, "corrupt.fz");
    writeFileSync(corrupt, bytes);
    const hcompress = join(dir, "h.fz");
    copyFileSync(join(FIXTURES, "refused-hcompress.fz"), hcompress);
    const before = readdirSync(dir).sort();
    for (const [input, problem] of [
      [corrupt, /^corrupt tile-compressed data: tile 2 of 9 \(NAXIS1 1-17, NAXIS2 2\): gzip data is corrupt: .+$/],
      [hcompress, /^tile compression HCOMPRESS_1 is not supported \(RICE_1, GZIP_1, GZIP_2 and NOCOMPRESS are\)$/],
    ] as const) {
      const result = await run(command, [input, "-o", join(dir, "refused.hdf5")]);
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stderr.split("\n");
      expect(lines, result.stderr).toHaveLength(2);
      const prefix = `Error: ${input}: `;
      expect(lines[0]!.startsWith(prefix), lines[0]).toBe(true);
      expect(lines[0]!.endsWith(". Aborting."), lines[0]).toBe(true);
      expect(lines[0]!.slice(prefix.length, -". Aborting.".length)).toMatch(problem);
      expect(readdirSync(dir).sort()).toEqual(before);
    }
  });
});

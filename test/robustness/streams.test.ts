/**
 * Through the built command: `-` reads the FITS file from standard input (plain or gzip, both
 * modes, the mode chosen from the header, a later HDU, DATASUM verified), giving the file's own
 * conversion dataset for dataset, with the stream's provenance, so that `verify` against the file
 * matches; `-o -` and `-` without `-o` are refused. gzip files: damage refused by the conversion
 * and by verify (the table of test/robustness/bad-input.test.ts has the conversion's one-line
 * refusals), members, zero padding and trailing garbage as gzip -d takes them, and batch failing
 * only a damaged input.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { predictMemory } from "../../src/engine/memory.js";
import { verifyFile } from "../../src/verify/verify.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";
import { buildCommand, run, type BuiltCommand, type Finished } from "./built-command.js";

const tmp = tempFolder("fits2idia-streams-");
let command: BuiltCommand;
const options = { env: {}, rcFile: false as const, threads: 1 };
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

// A cube of 128×96×24 float32 (1.2 MB: a pipe delivers it in many pieces), then an IMAGE
// extension with DATASUM; as a plain file and gzip-compressed.
const cube = makeCube(3, 128, 96, 24, 1, "nan-inf", 21);
const ext = makeCube(4, 40, 30, 4, 2, "random", 22);
const extData = dataBytes(ext.values, -32);
function datasum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    sum += (bytes[i]! << 24 >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    if (sum > 0xffffffff) sum -= 0xffffffff;
  }
  return sum;
}
const PLAIN = concat([
  cubeFile(cube, [valueCard("EXTEND", "T")]),
  headerBytes(extensionCards(-32, [40, 30, 4, 2], [card("EXTNAME = 'LATER   '"), valueCard("DATASUM", `'${datasum(extData)}'`)])),
  extData,
]);
const GZ = gzipSync(PLAIN);
let plainFile = "";
let gzFile = "";

beforeAll(() => {
  command = buildCommand("fits2idia-ts-streams-test");
  plainFile = tmp.write("cube.fits", PLAIN);
  gzFile = tmp.write("cube.fits.gz", GZ);
}, 120_000);
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

let counter = 0;
function folder(): { dir: string; out: string; files: () => string[] } {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  return { dir, out: join(dir, "out.hdf5"), files: () => readdirSync(dir).sort() };
}

async function expectSameDatasets(a: string, b: string): Promise<void> {
  const x = await readDatasets(a);
  const y = await readDatasets(b);
  expect([...x.keys()]).toEqual([...y.keys()]);
  for (const [path, dump] of x) expect(firstDifference(dump.values, y.get(path)!.values), path).toBe(-1);
}

/** Exit 1, nothing on stdout, one line `Error: <text>. Aborting.` on stderr. */
function expectRefusal(result: Finished, text: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  const lines = result.stderr.split("\n");
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^Error: .*\. Aborting\.$/);
  expect(lines[0]!.slice("Error: ".length, -". Aborting.".length)).toMatch(text);
}

/** The `Mode: …` line of -p (timestamped, stderr not being a terminal). */
const modeLine = (stderr: string): string => /Mode: .*/.exec(stderr)?.[0] ?? "";

describe("- reads the FITS file from standard input", () => {
  const cases = [
    { name: "plain, fast mode", bytes: () => PLAIN, file: () => plainFile, args: ["--fast"], hdu: undefined, verify: true },
    { name: "plain, slow mode", bytes: () => PLAIN, file: () => plainFile, args: ["-s"], hdu: undefined, verify: false },
    { name: "gzip, fast mode, the HDU after the cube (DATASUM verified)", bytes: () => GZ, file: () => gzFile, args: ["--fast", "--hdu", "LATER"], hdu: { extname: "LATER" }, verify: false },
    { name: "gzip, slow mode", bytes: () => GZ, file: () => gzFile, args: ["-s"], hdu: undefined, verify: true },
  ];

  it.each(cases)("$name: the file's conversion, dataset for dataset; the stream's provenance", async ({ bytes, file, args, hdu, verify }) => {
    const w = folder();
    const piped = await run(command, ["-", "-o", w.out, "--threads", "1", "-p", ...args], { stdin: bytes() });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toBe("");
    const direct = w.out.replace(/out\.hdf5$/, "direct.hdf5");
    await convert(file(), direct, { ...options, mode: args.includes("-s") ? "slow" : "fast", hdu });
    await expectSameDatasets(w.out, direct);
    expect(w.files()).toEqual(["direct.hdf5", "out.hdf5"]);
    const report = await verifyFile(w.out, file());
    expect(report.problems).toEqual([]);
    expect(report.sha256).toBe("match");
    if (!verify) return;
    // verify against the original file: the same SHA-256; the provenance names standard input.
    const verified = await run(command, ["verify", "--provenance", w.out, file()]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/\(SHA-256 matches\)/);
    const provenance = verified.stdout.split("\n").filter((l) => /^Provenance: INPUT_(PATH|SIZE|MTIME|SHA256) /.test(l));
    expect(provenance).toEqual([
      "Provenance: INPUT_PATH = (standard input)",
      `Provenance: INPUT_SIZE = ${bytes().length}`,
      "Provenance: INPUT_MTIME = ",
      `Provenance: INPUT_SHA256 = ${sha256(bytes())}`,
    ]);
  });

  it("the mode chosen from the header: under a limit between the modes' predictions, slow", async () => {
    const prediction = await predictMemory(plainFile, { threads: 1 });
    const limit = Math.round((prediction.fast.total + prediction.slow.total) / 2);
    expect(prediction.slow.total).toBeLessThan(limit);
    const w = folder();
    const piped = await run(command, ["-", "-o", w.out, "--threads", "1", "--memory-limit", String(limit), "-p"], { stdin: GZ });
    expect(piped.code, piped.stderr).toBe(0);
    expect(modeLine(piped.stderr)).toMatch(/^Mode: slow — /);
    const direct = join(w.dir, "direct.hdf5");
    await convert(gzFile, direct, { ...options, memoryLimit: limit });
    await expectSameDatasets(w.out, direct);
  });

  it("verify reads the FITS file from standard input too", async () => {
    const w = folder();
    await convert(gzFile, w.out, options);
    const verified = await run(command, ["verify", w.out, "-"], { stdin: GZ });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^OK: .* values checked against \(standard input\) \(SHA-256 matches\)/);
  });

  it("refused: - without -o, -o - (also for a file), a damaged gzip stream; -m - reads the header", async () => {
    const w = folder();
    const [noOutput, toStdout, fileToStdout, damaged, memory] = await Promise.all([
      run(command, ["-"], { stdin: PLAIN }),
      run(command, ["-", "-o", "-"], { stdin: PLAIN }),
      run(command, ["-o", "-", plainFile]),
      run(command, ["-", "-o", w.out], { stdin: GZ.subarray(0, GZ.length - 8) }),
      run(command, ["-m", "--threads", "1", "-"], { stdin: GZ }),
    ]);
    expectRefusal(noOutput, /^reading standard input \(-\) needs -o: there is no input file name to name the output after$/);
    expectRefusal(toStdout, /^-o -: the output cannot be standard output, HDF5 needs a file it can seek in: give a file name$/);
    expectRefusal(fileToStdout, /^-o -: the output cannot be standard output/);
    expectRefusal(damaged, /^\(standard input\): gzip data is truncated: the file ends before the 8-byte trailer \(CRC-32 and size\) of gzip member 1, which should start at byte \d+: the trailer is missing$/);
    expect(w.files()).toEqual([]);
    expect(readdirSync(tmp.dir).filter((f) => f === "-")).toEqual([]);
    expect(memory.code, memory.stderr).toBe(0);
    expect(memory.stdout).toMatch(/^Predicted memory of fast mode:/);
  });
});

describe("gzip files through the command", () => {
  const small = makeCube(3, 60, 40, 5, 1, "nan-pixel", 23);
  const fits = cubeFile(small);
  const gz = gzipSync(fits);
  let reference = "";
  beforeAll(async () => {
    reference = tmp.file("small-reference.hdf5");
    await convert(tmp.write("small.fits", fits), reference, options);
  });

  it("members, zero padding, garbage: converted as the plain file; garbage warned of as gzip -d does", async () => {
    const inputs = [
      ["members.fits.gz", concat([gzipSync(fits.subarray(0, 4000)), gzipSync(fits.subarray(4000))])],
      ["zeros.fits.gz", concat([gz, new Uint8Array(512)])],
      ["garbage.fits.gz", concat([gz, new TextEncoder().encode("trailing text\n")])],
    ] as const;
    const w = folder();
    const results = await Promise.all(
      inputs.map(([name, bytes]) => run(command, ["-p", "--threads", "1", "-o", join(w.dir, `${name}.hdf5`), tmp.write(name, bytes)])),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      const warnings = r.stderr.split("\n").filter((l) => /Warning: .*gzip/.test(l));
      if (inputs[i]![0] === "garbage.fits.gz") {
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/Warning: .*garbage\.fits\.gz: decompression OK, trailing garbage ignored \(as gzip -d does\): the 14 bytes after the last gzip member, from byte \d+, are not gzip data$/);
      } else {
        expect(warnings).toEqual([]);
      }
    });
    for (const [name] of inputs) await expectSameDatasets(join(w.dir, `${name}.hdf5`), reference);
  });

  it("verify against a damaged gzip file: refused in one line", async () => {
    const broken = Uint8Array.from(gz);
    broken[gz.length - 3]! ^= 0x10; // the size
    const result = await run(command, ["verify", reference, tmp.write("broken-size.fits.gz", broken)]);
    expectRefusal(result, /broken-size\.fits\.gz: gzip data is corrupt: gzip member 1's trailer \(at byte \d+\) gives its size as \d+ bytes \(modulo 2\^32\), but it decompresses to \d+$/);
  });

  it("batch: a damaged gzip input fails alone, with its reason; the others are converted", async () => {
    const inDir = tmp.file("batch-in");
    mkdirSync(inDir);
    tmp.write("batch-in/good.fits.gz", gz);
    tmp.write("batch-in/cut.fits.gz", gz.subarray(0, gz.length - 4));
    const outDir = tmp.file("batch-out");
    const result = await run(command, ["batch", inDir, "--out-dir", outDir, "--threads", "1"]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const lines = result.stdout.split("\n");
    expect(lines.find((l) => l.includes("good.fits.gz"))).toMatch(/ converted/);
    expect(lines.find((l) => l.includes("cut.fits.gz"))).toMatch(/FAILED: .*cut\.fits\.gz: gzip data is truncated: the file ends 4 bytes into the 8-byte trailer/);
    expect(readdirSync(outDir).sort()).toEqual(["good.hdf5"]);
  });
});

/**
 * Bad input through the built command: each malformed, truncated, hostile or missing input is
 * refused with exit status 1 and one line on stderr, `Error: <file>: <problem>. Aborting.`, no
 * stack trace (unless --debug), no output file and no temporary file. Headers claiming more
 * data than the file holds are refused at once, before any buffer is sized by them. And the
 * checksum flags: --no-checksum, --ignore-checksum.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { addSums, checksumOf, encodeChecksum, encodeDatasum } from "../../src/fits/checksum.js";
import { FitsError } from "../../src/fits/errors.js";
import { card, concat, dataBytes, extensionCards, headerBytes, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";
import { buildCommand, run, type BuiltCommand, type Finished } from "./built-command.js";

const tmp = tempFolder("fits2idia-bad-input-");
let command: BuiltCommand;

afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

/** A data unit of `n` bytes (not all zero), padded to whole blocks. */
function data(n: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(n / 2880) * 2880);
  for (let i = 0; i < n; i++) bytes[i] = (i * 37) & 0xff;
  return bytes;
}
/** A header's blocks without its END card. */
function headerWithoutEnd(cards: string[]): Uint8Array {
  return headerBytes(cards).map((b, i) => (i >= cards.length * 80 && i < cards.length * 80 + 3 ? 0x20 : b));
}
const cube = concat([headerBytes(primaryCards(-32, [10, 10, 3])), data(1200)]);
const rawCards = (cards: [string, string][]) => cards.map(([k, v]) => valueCard(k, v));
const junk = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (Math.imul(i + seed, 2654435761) >>> 24) & 0xff);

/** gzip of `cube` with its trailer cut, its CRC-32 or size wrong, or one stray byte after it; in both modes. */
function gzipDamage(): Case[] {
  const gz = gzipSync(cube);
  const at = gz.length - 8;
  const flip = (i: number): Uint8Array => gz.map((b, j) => (j === i ? b ^ 1 : b));
  const cut = (k: number): RegExp =>
    k === 8
      ? new RegExp(`^gzip data is truncated: the file ends before the 8-byte trailer \\(CRC-32 and size\\) of gzip member 1, which should start at byte ${at}: the trailer is missing$`)
      : new RegExp(`^gzip data is truncated: the file ends ${8 - k} bytes? into the 8-byte trailer \\(CRC-32 and size\\) of gzip member 1 \\(at byte ${at}\\): its last ${k} bytes? (is|are) missing$`);
  const kinds: Array<[string, Uint8Array, RegExp]> = [
    ["gz-minus8", gz.subarray(0, at), cut(8)],
    ["gz-minus4", gz.subarray(0, at + 4), cut(4)],
    ["gz-minus1", gz.subarray(0, at + 7), cut(1)],
    ["gz-bad-crc", flip(at), new RegExp(`^gzip data is corrupt: gzip member 1's CRC-32 is 0x[0-9a-f]{8} in its trailer \\(at byte ${at}\\) but 0x[0-9a-f]{8} for the ${cube.length} bytes it decompresses to$`)],
    ["gz-bad-size", flip(at + 4), new RegExp(`^gzip data is corrupt: gzip member 1's trailer \\(at byte ${at}\\) gives its size as ${cube.length ^ 1} bytes \\(modulo 2\\^32\\), but it decompresses to ${cube.length}$`)],
    ["gz-member2-cut", concat([gzipSync(cube.subarray(0, 3000)), gzipSync(cube.subarray(3000)).subarray(0, 20)]), /^gzip data is truncated: the file ends inside the deflate data of gzip member 2 /],
    ["gz-stray-byte", concat([gz, Uint8Array.of(0x41)]), /^gzip data is corrupt: the file ends 1 byte after gzip member 1 \(at byte \d+\), inside what would be the next member's magic number \(gzip -d: unexpected end of file\)$/],
  ];
  // Both modes for the missing trailer; the others alternate (test/engine/gzip-input.test.ts runs each in both).
  return kinds.flatMap(([name, bytes, problem], i) => [
    ...(i === 0 || i % 2 === 1 ? [{ name: `${name}-fast.fits.gz`, bytes, problem, args: ["--fast"] }] : []),
    ...(i % 2 === 0 ? [{ name: `${name}-slow.fits.gz`, bytes, problem, args: ["-s"] }] : []),
  ]);
}

interface Case {
  /** The input's file name. */
  name: string;
  /** Its bytes; "folder": a directory; "missing": nothing there. */
  bytes: Uint8Array | "folder" | "missing";
  /** What the error line says after `Error: <path>: `. */
  problem: RegExp;
  args?: string[];
}

const cases: Case[] = [
  { name: "empty.fits", bytes: new Uint8Array(0), problem: /^not a FITS file: the file is empty$/ },
  { name: "text.fits", bytes: new TextEncoder().encode("This is a plain text file, not FITS.\n".repeat(100)), problem: /^not a FITS file: it does not start with 'SIMPLE  ='$/ },
  { name: "garbage.fits", bytes: junk(10_000, 1), problem: /^not a FITS file: it does not start with 'SIMPLE  ='$/ },
  { name: "garbage-after-simple.fits", bytes: concat([new TextEncoder().encode("SIMPLE  =                    T"), junk(8000, 2)]), problem: /^card 1 \(SIMPLE\): character 0x[0-9A-F]{2} at column \d+(?: \(and \d+ more\))? is not printable ASCII \(32\.\.126\)$/ },
  { name: "simple-false.fits", bytes: concat([headerBytes([valueCard("SIMPLE", "F"), ...primaryCards(-32, [2, 2]).slice(1)]), data(16)]), problem: /^SIMPLE = F: this is not a standard FITS file$/ },
  { name: "truncated-header.fits", bytes: cube.subarray(0, 1000), problem: /^truncated header: HDU 0 header at byte 0 ends after 1000 bytes, before its END card/ },
  { name: "header-block-only.fits", bytes: headerWithoutEnd(primaryCards(-32, [10, 10, 3])), problem: /^truncated header: HDU 0 header at byte 0 ends after 2880 bytes, before its END card/ },
  { name: "missing-end.fits", bytes: concat([headerWithoutEnd(primaryCards(-32, [10, 10, 3])), data(1200)]), problem: /^no END card: HDU 0 header at byte 0 runs into non-text bytes at byte 2880 \(header block 2\), so its END card is missing or the header is corrupt$/ },
  { name: "truncated-data.fits", bytes: cube.subarray(0, 2880 + 1000), problem: /^truncated data: the header needs 1200 bytes of data but the file holds 1000$/ },
  { name: "header-only.fits", bytes: cube.subarray(0, 2880), problem: /^truncated data: the header needs 1200 bytes of data but the file holds 0$/ },
  { name: "naxis0.fits", bytes: headerBytes(primaryCards(-32, [])), problem: /^no image data: the primary HDU is empty and no IMAGE extension holds data$/ },
  { name: "naxis0-hdu0.fits", bytes: headerBytes(primaryCards(-32, [])), args: ["--hdu", "0"], problem: /^HDU 0 holds no data \(NAXIS = 0\)$/ },
  { name: "naxis1.fits", bytes: concat([headerBytes(primaryCards(-32, [100])), data(400)]), problem: /^NAXIS = 1 is not supported: an image needs 2 to 4 axes$/ },
  { name: "naxis5.fits", bytes: concat([headerBytes(primaryCards(-32, [4, 4, 2, 1, 3])), data(384)]), problem: /^NAXIS = 5 is not supported: axes beyond the fourth must have length 1, but NAXIS5 = 3$/ },
  { name: "stokes-axis-1.fits", bytes: concat([headerBytes(primaryCards(-32, [2, 10, 3], [card("CTYPE1  = 'STOKES  '"), card("CTYPE3  = 'FREQ    '")])), data(240)]), problem: /^the Stokes axis is axis 1 \(CTYPE1 = 'STOKES'\): the schema's image planes are FITS axes 1 and 2, so Stokes must come after them$/ },
  { name: "naxis1000.fits", bytes: headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "1000"]])), problem: /^malformed mandatory keyword NAXIS: value 1000 is more than 999$/ },
  { name: "naxis-negative.fits", bytes: headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "-2"]])), problem: /^malformed mandatory keyword NAXIS: value -2 is negative$/ },
  { name: "bitpix-16.fits", bytes: concat([headerBytes(primaryCards(-16 as never, [10, 10])), data(200)]), problem: /^BITPIX = -16 is not a valid FITS BITPIX \(8, 16, 32, 64, -32 or -64\)$/ },
  { name: "bitpix-text.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "'abc'"], ["NAXIS", "2"], ["NAXIS1", "2"], ["NAXIS2", "2"]])), data(16)]), problem: /^malformed mandatory keyword BITPIX: value 'abc' is not an integer$/ },
  { name: "bitpix-missing.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["NAXIS", "2"], ["NAXIS1", "2"], ["NAXIS2", "2"]])), data(16)]), problem: /^malformed mandatory keyword BITPIX: missing$/ },
  { name: "axis-negative.fits", bytes: concat([headerBytes(primaryCards(-32, [10, -10])), data(400)]), problem: /^malformed mandatory keyword NAXIS2: value -10 is negative$/ },
  { name: "axis-text.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "2"], ["NAXIS1", "'ten'"], ["NAXIS2", "10"]])), data(400)]), problem: /^malformed mandatory keyword NAXIS1: value 'ten' is not an integer$/ },
  { name: "axis-real.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "2"], ["NAXIS1", "10.5"], ["NAXIS2", "10"]])), data(400)]), problem: /^malformed mandatory keyword NAXIS1: value 10\.5 is not an integer$/ },
  { name: "axis-missing.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "2"], ["NAXIS1", "10"]])), data(400)]), problem: /^malformed mandatory keyword NAXIS2: missing \(NAXIS = 2\)$/ },
  { name: "axis-zero.fits", bytes: concat([headerBytes(primaryCards(-32, [10, 0]))]), problem: /^the image has no pixels \(NAXIS2 = 0\)$/ },
  { name: "axis-20-digits.fits", bytes: concat([headerBytes(rawCards([["SIMPLE", "T"], ["BITPIX", "-32"], ["NAXIS", "2"], ["NAXIS1", "99999999999999999999"], ["NAXIS2", "2"]])), data(16)]), problem: /^malformed mandatory keyword NAXIS1: value 99999999999999999999 is too large$/ },
  { name: "claims-40-TB.fits", bytes: concat([headerBytes(primaryCards(-32, [100000, 100000, 1000])), data(400)]), problem: /^truncated data: the header needs 40000000000000 bytes of data but the file holds 2880$/ },
  { name: "claims-beyond-2^53.fits", bytes: concat([headerBytes(primaryCards(-64, [2 ** 30, 2 ** 30, 2 ** 10])), data(400)]), problem: /^the data size given by BITPIX, NAXISn, PCOUNT and GCOUNT \(\d+ bytes\) is larger than the supported maximum/ },
  { name: "claims-160-GB.fits.gz", bytes: gzipSync(concat([headerBytes(primaryCards(-32, [200000, 200000])), data(400)])), problem: /^truncated data: the header needs 160000000000 bytes of data but the gzip file of \d+ bytes cannot hold more than \d+ bytes decompressed$/ },
  { name: "truncated-data.fits.gz", bytes: gzipSync(cube.subarray(0, 2880 + 600)), problem: /^truncated data: the header needs 1200 bytes of data but the file holds 600$/ },
  { name: "cut-short.fits.gz", bytes: gzipSync(cube).subarray(0, 60), problem: /^(gzip data is truncated: the file ends inside the deflate data of gzip member 1 \(which starts at byte 10\), after 50 bytes|truncated header: .*)$/ },
  { name: "corrupt.fits.gz", bytes: concat([gzipSync(cube).subarray(0, 20), junk(500, 3)]), problem: /^gzip data is corrupt: / },
  // gzip files cut short or failing their trailer's checks, fast and slow mode (issue 15.5).
  ...gzipDamage(),
  { name: "bintable.fits", bytes: concat([headerBytes(primaryCards(8, [])), headerBytes(extensionCards(8, [4, 3], [valueCard("TFIELDS", "1"), card("TFORM1  = 'J       '")], "BINTABLE")), data(12)]), args: ["--hdu", "1"], problem: /^HDU 1 is a BINTABLE extension, not an image$/ },
  { name: "no-such-hdu.fits", bytes: cube, args: ["--hdu", "SCI"], problem: /^no HDU with EXTNAME SCI$/ },
  { name: "folder.fits", bytes: "folder", problem: /^is a directory, not a FITS file$/ },
  { name: "missing.fits", bytes: "missing", problem: /^no such file$/ },
];

let counter = 0;
/** A folder of its own holding only the input (or nothing, for a missing input). */
function workspace(name: string, bytes: Case["bytes"]): { dir: string; input: string; files: () => string[] } {
  const dir = tmp.file(`case-${counter++}`);
  mkdirSync(dir);
  const input = join(dir, name);
  if (bytes === "folder") mkdirSync(input);
  else if (bytes !== "missing") writeFileSync(input, bytes);
  return { dir, input, files: () => readdirSync(dir).sort() };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Exit 1, nothing on stdout, one line on stderr: `Error: <input>: <problem>. Aborting.`, no stack. */
function expectRefusal(result: Finished, input: string, problem: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toContain("    at ");
  expect(result.stderr.endsWith(". Aborting.\n")).toBe(true);
  const lines = result.stderr.split("\n");
  expect(lines).toHaveLength(2);
  const line = lines[0]!;
  const prefix = `Error: ${input}: `;
  expect(line.startsWith(prefix), line).toBe(true);
  expect(line.slice(prefix.length, -". Aborting.".length)).toMatch(problem);
}

/** Each case's run: started together (a few at a time) once the command is built. */
const results = new Map<string, Promise<{ result: Finished; input: string; before: string[]; after: string[] }>>();

beforeAll(async () => {
  command = buildCommand("fits2idia-ts-bad-input-test");
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const w = workspace(c.name, c.bytes);
      const before = w.files();
      const running = run(command, [...(c.args ?? []), w.input]).then((result) => ({ result, input: w.input, before, after: w.files() }));
      results.set(c.name, running);
      await running.catch(() => undefined);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
});

describe("each kind of bad input: one line, exit 1, nothing written", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const { result, input, before, after } = await results.get(c.name)!;
    expectRefusal(result, input, c.problem);
    // No output file, no temporary file, no lock: the folder is as it was.
    expect(after).toEqual(before);
  });

  it("headers claiming far more data than the file holds fail fast (< 2 s), plain and gzip, slow and fast mode", async () => {
    for (const c of cases.filter((c) => c.name.startsWith("claims-") || c.name === "truncated-data.fits")) {
      for (const mode of ["-s", "--fast"]) {
        // The time the command takes to start and refuse an empty file, just before: the
        // machine may be busy, and the bound is on the work beyond that.
        const empty = workspace("empty.fits", new Uint8Array(0));
        let started = performance.now();
        await run(command, [mode, empty.input]);
        const baseline = (performance.now() - started) / 1000;
        const w = workspace(c.name, c.bytes);
        started = performance.now();
        const result = await run(command, [mode, "-o", join(w.dir, "out.hdf5"), w.input]);
        const seconds = (performance.now() - started) / 1000;
        expectRefusal(result, w.input, c.problem);
        expect(seconds - baseline, `${c.name} took ${seconds.toFixed(2)} s, an empty file ${baseline.toFixed(2)} s`).toBeLessThan(2);
        expect(w.files()).toEqual([c.name]);
      }
    }
  });

  it("in-process too: convert() refuses them at once, without allocating by the header", async () => {
    for (const c of cases.filter((c) => c.name.startsWith("claims-"))) {
      const w = workspace(c.name, c.bytes);
      for (const mode of ["fast", "slow"] as const) {
        const rss = process.memoryUsage().rss;
        const started = performance.now();
        const error = await convert(w.input, join(w.dir, "out.hdf5"), { mode, rcFile: false, env: {} }).catch((e: unknown) => e);
        expect(performance.now() - started).toBeLessThan(2000);
        expect(error).toBeInstanceOf(FitsError);
        expect((error as FitsError).describe()).toMatch(c.problem.source.startsWith("^") ? new RegExp(`^${escape(w.input)}: ${c.problem.source.slice(1)}`) : c.problem);
        expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
        expect(w.files()).toEqual([c.name]);
      }
    }
  });

  it("--debug: the stack trace too", async () => {
    const c = cases.find((c) => c.name === "truncated-data.fits")!;
    const w = workspace(c.name, c.bytes);
    const result = await run(command, ["--debug", w.input]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: FitsError: truncated data: the header needs 1200 bytes/);
    expect(result.stderr).toContain("    at ");
    expect(w.files()).toEqual([c.name]);
  });
});

describe("CHECKSUM and DATASUM from the command line", () => {
  /** A small cube with CHECKSUM and DATASUM (computed with src/fits/checksum.ts, itself tested against astropy). */
  function checksummedCube(): Uint8Array {
    const values = Array.from({ length: 12 * 10 * 4 }, (_, i) => Math.sin(i) * 100);
    const unit = dataBytes(values, -32);
    const cards = primaryCards(-32, [12, 10, 4], [card("CHECKSUM= '0000000000000000'"), valueCard("DATASUM", `'${encodeDatasum(checksumOf(unit))}'`)]);
    const header = headerBytes(cards);
    const text = encodeChecksum(addSums(checksumOf(header), checksumOf(unit)));
    for (let i = 0; i < 16; i++) header[(cards.length - 2) * 80 + 11 + i] = text.charCodeAt(i);
    return concat([header, unit]);
  }
  const good = checksummedCube();
  const bad = good.slice();
  bad[2880 + 100] ^= 0x01;

  it("a file whose sums are right converts, quietly", async () => {
    const w = workspace("good.fits", good);
    const result = await run(command, [w.input]);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["good.fits", "good.hdf5"]);
  });

  it("one changed data byte: refused, one line naming both sums, nothing written (fast and slow)", async () => {
    for (const mode of ["--fast", "-s"]) {
      const w = workspace("bad.fits", bad);
      const result = await run(command, [mode, w.input]);
      expectRefusal(result, w.input, /^DATASUM mismatch: header says \d+, data sums to \d+; CHECKSUM mismatch: header says '[0-9A-Za-z]{16}', but the HDU sums to \d+ instead of 4294967295 \(-0\): the header or the data was altered$/);
      expect(w.files()).toEqual(["bad.fits"]);
    }
  });

  it("--ignore-checksum: converts, and says so with -p", async () => {
    const w = workspace("bad.fits", bad);
    const result = await run(command, ["--ignore-checksum", "-p", w.input]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`Warning: ${escape(w.input)}: DATASUM mismatch: header says \\d+, data sums to \\d+; CHECKSUM mismatch: .*; converted anyway\\n`));
    expect(w.files()).toEqual(["bad.fits", "bad.hdf5"]);
  });

  it("--no-checksum: not verified", async () => {
    const w = workspace("bad.fits", bad);
    const result = await run(command, ["--no-checksum", w.input]);
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["bad.fits", "bad.hdf5"]);
  });

  it("both flags are listed by --help", async () => {
    const result = await run(command, ["--help"]);
    expect(result.stdout).toContain("--ignore-checksum");
    expect(result.stdout).toContain("--checksum");
  });
});

/**
 * A FITS file read once from a stream (what `-` on the command line reads from standard input),
 * plain or gzip, through the API: the output is the file's conversion, dataset for dataset, in
 * every mode, with an HDU after others selected and DATASUM verified; the stream is iterated once
 * and read to its end; the provenance records its size and SHA-256 (so verify against the file
 * matches) and no modification time.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { predictMemory } from "../../src/engine/memory.js";
import { FitsError } from "../../src/fits/errors.js";
import { STREAM_NAME } from "../../src/fits/source.js";
import { readHeader } from "../../src/read-header.js";
import { verifyFile } from "../../src/verify/verify.js";
import { card, concat, dataBytes, extensionCards, headerBytes, makeCube, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";
import { beamsTableHdu } from "../helpers/bintable.js";
import { fitsError } from "../helpers/fits-error.js";

const tmp = tempFolder("fits2idia-stream-input-");
afterAll(() => tmp.cleanup());
const options = { env: {}, rcFile: false as const };
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** The FITS checksum convention's sum of 32-bit big-endian words, end-around carry, one word at a time. */
function naiveDatasum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    sum += (bytes[i]! << 24 >>> 0) + (bytes[i + 1]! << 16) + (bytes[i + 2]! << 8) + bytes[i + 3]!;
    if (sum > 0xffffffff) sum -= 0xffffffff;
  }
  return sum;
}

// [empty primary][SCI: a cube with DATASUM][a binary table][LATER: a 4-D cube]
const sci = makeCube(3, 48, 20, 5, 1, "nan-inf", 3);
const later = makeCube(4, 30, 25, 3, 2, "random", 4);
const sciData = dataBytes(sci.values, -32);
function fitsBytes(datasum = String(naiveDatasum(sciData))): Uint8Array {
  return concat([
    headerBytes([...primaryCards(-32, []), valueCard("EXTEND", "T")]),
    headerBytes(extensionCards(-32, [48, 20, 5], [card("EXTNAME = 'SCI     '"), valueCard("DATASUM", `'${datasum}'`)])),
    sciData,
    headerBytes(extensionCards(8, [16, 100], [valueCard("TFIELDS", "1"), card("TFORM1  = '16B     '")], "BINTABLE")),
    dataBytes(Array.from({ length: 1600 }, (_, i) => (i * 37) % 256), 8),
    headerBytes(extensionCards(-32, [30, 25, 3, 2], [card("EXTNAME = 'LATER   '")])),
    dataBytes(later.values, -32),
  ]);
}
const PLAIN = fitsBytes();
const GZ = gzipSync(PLAIN);
let plainFile = "";
let gzFile = "";

beforeAll(() => {
  plainFile = tmp.write("multi.fits", PLAIN);
  gzFile = tmp.write("multi.fits.gz", GZ);
});

/** The bytes as a pipe delivers them (pieces of 64 KiB), counting how often it is iterated and how much is read. */
function pipe(bytes: Uint8Array, options: { failAt?: number; piece?: number } = {}): AsyncIterable<Uint8Array> & { iterations: number; read: number } {
  const piece = options.piece ?? 65536;
  const stream = {
    iterations: 0,
    read: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      stream.iterations++;
      for (let i = 0; i < bytes.length; i += piece) {
        if (options.failAt !== undefined && i >= options.failAt) throw Object.assign(new Error("read error on the pipe"), { code: "EIO" });
        const chunk = bytes.slice(i, i + piece);
        stream.read += chunk.length;
        yield chunk;
      }
    },
  };
  return stream;
}

let counter = 0;
function workspace(): { output: string; files: () => string[] } {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  return { output: join(dir, "out.hdf5"), files: () => readdirSync(dir).sort() };
}

async function expectSameDatasets(a: string, b: string): Promise<void> {
  const x = await readDatasets(a);
  const y = await readDatasets(b);
  expect([...x.keys()]).toEqual([...y.keys()]);
  for (const [path, dump] of x) {
    expect(dump.shape, path).toEqual(y.get(path)!.shape);
    expect(firstDifference(dump.values, y.get(path)!.values), path).toBe(-1);
  }
}


describe("a FITS stream converts as its file does", () => {
  const cases = [
    { kind: "plain", mode: "fast", hdu: undefined },
    { kind: "plain", mode: "slow", hdu: undefined },
    { kind: "gzip", mode: "fast", hdu: { extname: "LATER" } },
    { kind: "gzip", mode: "slow", hdu: { extname: "LATER" } },
    { kind: "plain", mode: "auto", hdu: 3 },
    { kind: "gzip", mode: "auto", hdu: undefined },
  ] as const;

  it.each(cases)("$kind, $mode mode, HDU $hdu", async ({ kind, mode, hdu }) => {
    const bytes = kind === "plain" ? PLAIN : GZ;
    const file = kind === "plain" ? plainFile : gzFile;
    const fromFile = workspace();
    const fromStream = workspace();
    const direct = await convert(file, fromFile.output, { ...options, mode, hdu });
    const stream = pipe(bytes);
    const report = await convert(stream, fromStream.output, { ...options, mode, hdu });
    // Read once, to its very end (the table and the other HDUs too, for the hash).
    expect(stream.iterations).toBe(1);
    expect(stream.read).toBe(bytes.length);
    expect(report.input).toBe(STREAM_NAME);
    expect(report.mode).toBe(direct.mode);
    expect(report.inputSha256).toBe(sha256(bytes));
    expect(report.warnings).toEqual(direct.warnings);
    await expectSameDatasets(fromStream.output, fromFile.output);
    expect(fromStream.files()).toEqual(["out.hdf5"]);

    // The provenance: the stream's name, every byte counted and hashed, no modification time;
    // so verify against the original file matches (and against the stream again).
    const verified = await verifyFile(fromStream.output, file);
    expect(verified.problems).toEqual([]);
    expect(verified.sha256).toBe("match");
    const p = verified.provenance!;
    expect([p.inputPath, p.inputSize, p.inputMtime, p.inputSha256, p.inputHdu]).toEqual([STREAM_NAME, bytes.length, "", sha256(bytes), hdu === undefined ? 1 : 3]);
    const again = await verifyFile(fromStream.output, pipe(bytes));
    expect(again.problems).toEqual([]);
    expect(again.fits).toBe(STREAM_NAME);
  });

  it("header reads from a stream: the header only, the stream read once", async () => {
    for (const bytes of [PLAIN, GZ]) {
      const stream = pipe(bytes);
      const header = await readHeader(stream, { hdu: { extname: "LATER" } });
      expect(header.shape).toEqual({ naxis: 4, width: 30, height: 25, depth: 3, stokes: 2 });
      expect(stream.iterations).toBe(1);
      const prediction = await predictMemory(pipe(bytes), { threads: 2 });
      expect(prediction.shape).toEqual({ naxis: 3, width: 48, height: 20, depth: 5, stokes: 1 });
    }
  });
});

describe("a stream that cannot be converted: refused, nothing written", () => {
  it("a multi-beam cube (CASAMBM = T): its BEAMS table is read from the file, which a stream is not", async () => {
    const cube = makeCube(3, 16, 12, 2, 1, "random", 5);
    const bytes = concat([
      headerBytes(primaryCards(-32, [16, 12, 2], [valueCard("EXTEND", "T"), valueCard("CASAMBM", "T"), card("BUNIT   = 'Jy/beam '")])),
      dataBytes(cube.values, -32),
      beamsTableHdu([
        { bmaj: 2, bmin: 1, bpa: 10, chan: 0, pol: 0 },
        { bmaj: 3, bmin: 1, bpa: 20, chan: 1, pol: 0 },
      ]),
    ]);
    const w = workspace();
    const error = await fitsError(convert(pipe(bytes), w.output, options));
    expect(error.code).toBe("NEEDS_FILE");
    expect(error.describe()).toMatch(/^\(stream\): CASAMBM = T: the per-channel beams are in a BEAMS table/);
    expect(w.files()).toEqual([]);
    // From the file itself the beams are there.
    const file = tmp.write("multibeam.fits", bytes);
    await convert(file, w.output, options);
    expect((await verifyFile(w.output, file)).problems).toEqual([]);
  });

  it("a DATASUM mismatch (the padding read on, forwards)", async () => {
    const bad = fitsBytes("12345");
    for (const bytes of [bad, gzipSync(bad)]) {
      const w = workspace();
      const error = await fitsError(convert(pipe(bytes), w.output, options));
      expect(error.code).toBe("CHECKSUM");
      expect(error.file).toBe(STREAM_NAME);
      expect(w.files()).toEqual([]);
    }
  });

  it("a damaged gzip stream: its trailer missing, its CRC-32 wrong", async () => {
    const crc = Uint8Array.from(GZ);
    crc[GZ.length - 8]! ^= 0x80;
    for (const [bytes, problem] of [
      [GZ.subarray(0, GZ.length - 8), /^gzip data is truncated: the file ends before the 8-byte trailer/],
      [crc, /^gzip data is corrupt: gzip member 1's CRC-32 is /],
    ] as const) {
      for (const mode of ["fast", "slow"] as const) {
        const w = workspace();
        const error = await fitsError(convert(pipe(bytes), w.output, { ...options, mode }));
        expect(error.code).toBe("CORRUPT_GZIP");
        expect(error.message).toMatch(problem);
        expect(error.describe().startsWith(`${STREAM_NAME}: `)).toBe(true);
        expect(w.files()).toEqual([]);
      }
    }
  });

  it("garbage after the last member of a gzip stream: a warning naming the stream, the data kept", async () => {
    const w = workspace();
    const report = await convert(pipe(concat([GZ, new TextEncoder().encode("junk")])), w.output, options);
    expect(report.warnings).toEqual([
      `${STREAM_NAME}: decompression OK, trailing garbage ignored (as gzip -d does): the 4 bytes after the last gzip member, from byte ${GZ.length}, are not gzip data`,
    ]);
  });

  it("a read error part way, an empty stream, a stream that is not FITS, data cut short", async () => {
    const cases: Array<[AsyncIterable<Uint8Array>, string, RegExp]> = [
      [pipe(PLAIN, { failAt: 3 * 2880 + 1000, piece: 1000 }), "IO", /^read error on the pipe$/],
      [pipe(GZ, { failAt: 4000, piece: 1000 }), "IO", /^read error on the pipe$/],
      [pipe(new Uint8Array(0)), "NOT_FITS", /^not a FITS file: the file is empty$/],
      [pipe(new TextEncoder().encode("hello, world\n".repeat(300))), "NOT_FITS", /^not a FITS file: it does not start with 'SIMPLE  ='$/],
      [pipe(PLAIN.subarray(0, 2880 * 2 + 1000), {}), "TRUNCATED_DATA", /^truncated data: the header needs 19200 bytes of data but the file holds 1000$/],
    ];
    for (const [stream, code, problem] of cases) {
      const w = workspace();
      const error = await fitsError(convert(stream, w.output, options));
      expect(error.code, error.message).toBe(code);
      expect(error.message).toMatch(problem);
      expect(error.file).toBe(STREAM_NAME);
      expect(w.files()).toEqual([]);
    }
  });
});

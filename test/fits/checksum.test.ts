/**
 * The FITS checksum convention (FITS 4.0, Appendix J): sums checked against hand-computed
 * values and a naive word-by-word ones' complement adder written here; the 16-character
 * encoding against values astropy 5.2 produced (`_char_encode`, recorded once by hand); a
 * header written by astropy (`writeto(checksum=True)`) verified byte for byte; and the
 * verification while converting, on files whose keywords the naive code of this test computes.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import {
  addSums,
  Checksum,
  checksumOf,
  compareChecksums,
  decodeChecksum,
  encodeChecksum,
  encodeDatasum,
} from "../../src/fits/checksum.js";
import { FitsError } from "../../src/fits/errors.js";
import { parseHeaderBytes } from "../../src/fits/header.js";
import { FitsImage } from "../../src/fits/image.js";
import { card, concat, dataBytes, extensionCards, headerBytes, mulberry32, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-checksum-");
afterAll(() => tmp.cleanup());

// ---------------------------------------------------------------------------------------------
// The naive reference: one big-endian word at a time, end-around carry after each addition.

function naiveSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    const word = (bytes[i] ?? 0) * 2 ** 24 + (bytes[i + 1] ?? 0) * 2 ** 16 + (bytes[i + 2] ?? 0) * 2 ** 8 + (bytes[i + 3] ?? 0);
    sum += word;
    if (sum > 0xffffffff) sum = sum - 2 ** 32 + 1;
  }
  return sum;
}

/**
 * Appendix J's encoding, spelled out: for each byte of the complemented sum, four characters
 * around '0' + byte/4 (remainder on the first), pairs nudged off punctuation; character j of byte
 * k at position 4j + k; the whole rotated right by one.
 */
function naiveEncode(sum: number): string {
  const value = 0xffffffff - sum;
  const grid: string[] = new Array(16);
  const bad = ":;<=>?@[\\]^_`";
  for (let k = 0; k < 4; k++) {
    const byte = Math.floor(value / 2 ** (24 - 8 * k)) % 256;
    const c = [0, 1, 2, 3].map((j) => 48 + Math.floor(byte / 4) + (j === 0 ? byte % 4 : 0));
    let again = true;
    while (again) {
      again = false;
      for (const j of [0, 2]) {
        if (bad.includes(String.fromCharCode(c[j]!)) || bad.includes(String.fromCharCode(c[j + 1]!))) {
          c[j]!++;
          c[j + 1]!--;
          again = true;
        }
      }
    }
    for (let j = 0; j < 4; j++) grid[4 * j + k] = String.fromCharCode(c[j]!);
  }
  return grid[15] + grid.slice(0, 15).join("");
}

/**
 * A FITS file (header cards + raw data unit, padded) with CHECKSUM and DATASUM computed by the
 * naive code above; `datasum` overrides the DATASUM written (for a wrong one).
 */
function checksummed(cards: string[], data: Uint8Array, options: { datasum?: string; checksum?: boolean } = {}): Uint8Array {
  const padded = concat([data, new Uint8Array((2880 - (data.length % 2880)) % 2880)]);
  const dataSum = naiveSum(padded);
  const extra = [valueCard("DATASUM", `'${options.datasum ?? String(dataSum)}'`)];
  if (options.checksum !== false) extra.unshift(card("CHECKSUM= '0000000000000000'   / HDU checksum"));
  const header = headerBytes([...cards, ...extra]);
  if (options.checksum !== false) {
    const at = cards.length * 80 + 11;
    const total = naiveSum(concat([header, padded]));
    const text = naiveEncode(total);
    for (let i = 0; i < 16; i++) header[at + i] = text.charCodeAt(i);
    expect(naiveSum(concat([header, padded]))).toBe(0xffffffff);
  }
  return concat([header, padded]);
}

function cubeBytes(width: number, height: number, depth: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  return dataBytes(Array.from({ length: width * height * depth }, () => (random() - 0.4) * 1000), -32, false);
}

let counter = 0;
function workspace(bytes: Uint8Array, name = "cube.fits") {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  const input = join(dir, name);
  writeFileSync(input, bytes);
  return { dir, input, output: join(dir, "cube.hdf5"), files: () => readdirSync(dir).sort() };
}

const options = { rcFile: false as const, env: {} };

// ---------------------------------------------------------------------------------------------

describe("the ones' complement sum", () => {
  it.each([
    ["nothing", [], 0],
    ["one word", [0, 0, 0, 1], 1],
    ["ASCII 'abcd'", [0x61, 0x62, 0x63, 0x64], 0x61626364],
    ["a partial word is padded with zeros", [1, 2, 3], 0x01020300],
    ["a carry out of bit 31 comes back in at bit 0", [0x80, 0, 0, 0, 0x80, 0, 0, 1], 2],
    ["-0 plus one", [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1], 1],
    ["-0 stays -0", [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 0xffffffff],
    ["x plus its complement is -0", [0x12, 0x34, 0x56, 0x78, 0xed, 0xcb, 0xa9, 0x87], 0xffffffff],
    ["-1 plus -1 is -2", [0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe], 0xfffffffd],
  ])("%s", (_name, bytes, expected) => {
    expect(checksumOf(Uint8Array.from(bytes))).toBe(expected);
    expect(naiveSum(Uint8Array.from(bytes))).toBe(expected);
  });

  it("addSums combines units as though they were one", () => {
    expect(addSums(0xffffffff, 1)).toBe(1);
    expect(addSums(0x80000000, 0x80000000)).toBe(1);
    expect(addSums(0, 0)).toBe(0);
  });

  it("matches the naive sum on random data, whole or split into runs of any length", () => {
    const random = mulberry32(11);
    for (let trial = 0; trial < 40; trial++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 5000) }, () => Math.floor(random() * 256));
      const expected = naiveSum(bytes);
      expect(checksumOf(bytes)).toBe(expected);
      const sum = new Checksum();
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, Math.floor(random() * 23));
        sum.add(bytes.subarray(at, at + n));
        at += n;
      }
      expect(sum.value).toBe(expected);
      expect(sum.length).toBe(bytes.length);
    }
  });

  it("the same on views that do not start on a 4-byte boundary of their buffer", () => {
    const random = mulberry32(12);
    const buffer = Uint8Array.from({ length: 10_003 }, () => Math.floor(random() * 256));
    for (const start of [1, 2, 3, 5]) {
      const view = buffer.subarray(start, start + 8000);
      expect(checksumOf(view)).toBe(naiveSum(view));
    }
  });

  it("the same on a large run (beyond one internal batch) of mostly 0xFF bytes, with SharedArrayBuffer", () => {
    const bytes = new Uint8Array(new SharedArrayBuffer(9 * 2 ** 20 + 12)).fill(0xff);
    bytes[17] = 3;
    expect(checksumOf(bytes)).toBe(naiveSum(bytes));
    expect(checksumOf(bytes.subarray(1))).toBe(naiveSum(bytes.subarray(1)));
  });

  it("skipZeros: zeros change the sum only through the alignment of what follows", () => {
    const a = new Checksum().add(Uint8Array.from([1, 2])).skipZeros(3).add(Uint8Array.from([9]));
    expect(a.value).toBe(naiveSum(Uint8Array.from([1, 2, 0, 0, 0, 9])));
    expect(a.length).toBe(6);
  });
});

describe("the 16-character encoding", () => {
  // astropy 5.2.1: fits.PrimaryHDU()._char_encode(value) (encodes the value itself, uncomplemented).
  it.each([
    [0, "0000000000000000"],
    [1, "0000100000000000"],
    [0xffffffff, "orrrrooooooooooo"],
    [0x7fffffff, "oRrrrOoooOoooOoo"],
    [0x80000000, "0P000P000P000P00"],
    [0x3a3a3a3a, "9EEEE9999CCCC999"],
    [868229149, "7Bf889Z87Af877Z8"],
    [647892279, "9AY4D3W399W3A9W3"],
    [2795742288, "DaaYDSRYDYXYDYXY"],
    [2301595691, "3SATAR8T6RATAR5T"],
    [2179419893, "mQlEnPiCmPiCmPiC"],
    [161042648, "f3WDf2VDf2VDf2VD"],
    [1862494042, "FN3LHK0IFK0IFK0I"],
  ])("%i ↔ %s (as astropy encodes it)", (value, text) => {
    expect(encodeChecksum(value, false)).toBe(text);
    expect(decodeChecksum(text, false)).toBe(value);
    // CHECKSUM encodes the complement.
    expect(encodeChecksum(0xffffffff - value)).toBe(text);
    expect(naiveEncode(0xffffffff - value)).toBe(text);
  });

  it("random values: alphanumeric only, the same as the naive encoding, and decoded back", () => {
    const random = mulberry32(3);
    for (let i = 0; i < 2000; i++) {
      const sum = Math.floor(random() * 2 ** 32);
      const text = encodeChecksum(sum);
      expect(text).toMatch(/^[0-9A-Za-z]{16}$/);
      expect(text).toBe(naiveEncode(sum));
      expect(decodeChecksum(text)).toBe(sum);
    }
    expect(() => decodeChecksum("short")).toThrow(RangeError);
  });

  it("written over '0000000000000000' at column 12 of a card, it makes the unit sum to -0", () => {
    const random = mulberry32(4);
    const header = headerBytes([valueCard("SIMPLE", "T"), card("CHECKSUM= '0000000000000000'"), card(`COMMENT ${random()}`)]);
    const text = encodeChecksum(checksumOf(header));
    for (let i = 0; i < 16; i++) header[80 + 11 + i] = text.charCodeAt(i);
    expect(checksumOf(header)).toBe(0xffffffff);
  });

  it("DATASUM is the unsigned decimal sum", () => {
    expect(encodeDatasum(0)).toBe("0");
    expect(encodeDatasum(0xffffffff)).toBe("4294967295");
    expect(encodeDatasum(2 ** 32)).toBe("1");
  });
});

describe("a header and data written by astropy 5.2.1 (writeto(checksum=True))", () => {
  // The header astropy wrote for the file below, card for card (it placed CHECKSUM and DATASUM
  // after BZERO); its data unit is byte for byte the one given to it.
  const cards = [
    valueCard("SIMPLE", "T"),
    valueCard("BITPIX", "16"),
    valueCard("NAXIS", "3"),
    valueCard("NAXIS1", "7"),
    valueCard("NAXIS2", "5"),
    valueCard("NAXIS3", "3"),
    valueCard("BSCALE", "0.5"),
    valueCard("BZERO", "10.0"),
    card("CHECKSUM= 'KTURMQURKQURKQUR'   / HDU checksum updated 2026-11-26T03:37:49"),
    card("DATASUM = '2232794251'         / data unit checksum updated 2026-11-26T03:37:49"),
    card("COMMENT checksum cross-check with astropy"),
  ];
  const data = dataBytes(Array.from({ length: 105 }, (_, i) => ((i * 7919) % 65536) - 32768), 16);
  const file = concat([headerBytes(cards), data]);

  it("the sums agree with astropy's keywords", () => {
    const header = file.subarray(0, 2880);
    expect(encodeDatasum(checksumOf(data))).toBe("2232794251");
    expect(checksumOf(file)).toBe(0xffffffff);
    // With the CHECKSUM value zeroed, the encoding of the sum is astropy's value.
    const zeroed = header.slice();
    for (let i = 0; i < 16; i++) zeroed[8 * 80 + 11 + i] = 0x30;
    expect(encodeChecksum(addSums(checksumOf(zeroed), checksumOf(data)))).toBe("KTURMQURKQURKQUR");
    const result = compareChecksums(parseHeaderBytes(header), checksumOf(header), checksumOf(data));
    expect(result).toMatchObject({ datasum: "2232794251", datasumOk: true, checksum: "KTURMQURKQURKQUR", checksumOk: true, problems: [] });
  });

  it("FitsImage verifies it, before and after reading the data, plain and gzip", async () => {
    for (const [name, bytes] of [["astropy.fits", file], ["astropy.fits.gz", gzipSync(file)]] as const) {
      const path = tmp.write(name, bytes);
      const image = await FitsImage.open(path);
      try {
        expect(image.hasChecksums).toBe(true);
        await image.readPlanes(0, 3);
        expect((await image.verifyChecksums()).problems).toEqual([]);
      } finally {
        await image.close();
      }
      const fresh = await FitsImage.open(path, { checksum: false });
      try {
        expect(await fresh.verifyChecksums()).toMatchObject({ datasumOk: true, checksumOk: true });
      } finally {
        await fresh.close();
      }
    }
  });
});

describe("compareChecksums", () => {
  const header = (extra: string[]) => parseHeaderBytes(headerBytes([valueCard("SIMPLE", "T"), ...extra]));

  it("no keywords: nothing to verify", () => {
    const result = compareChecksums(header([]), 5, 7);
    expect(result.problems).toEqual([]);
    expect(result.datasumOk).toBeUndefined();
    expect(result.checksumOk).toBeUndefined();
  });

  it("a wrong or malformed DATASUM is named with both values", () => {
    expect(compareChecksums(header([valueCard("DATASUM", "'12'")]), 0, 13).problems).toEqual(["DATASUM mismatch: header says 12, data sums to 13"]);
    expect(compareChecksums(header([valueCard("DATASUM", "'abc'")]), 0, 13).problems).toEqual(["DATASUM mismatch: header says abc, data sums to 13"]);
    // Leniently, an integer DATASUM is read as its digits.
    expect(compareChecksums(header([valueCard("DATASUM", "13")]), 0, 13).problems).toEqual([]);
  });

  it("CHECKSUM: the HDU must sum to -0", () => {
    const h = header([card("CHECKSUM= 'abcdefghijklmnop'")]);
    expect(compareChecksums(h, 0xfffffff0, 0xf).checksumOk).toBe(true);
    const bad = compareChecksums(h, 0xfffffff0, 0xe);
    expect(bad.checksumOk).toBe(false);
    expect(bad.problems[0]).toMatch(/^CHECKSUM mismatch: header says 'abcdefghijklmnop', but the HDU sums to 4294967294 instead of 4294967295 \(-0\)/);
  });
});

describe("FitsImage.verifyChecksums", () => {
  const cards = primaryCards(-32, [9, 7, 5], [card("COMMENT a cube with checksums")]);
  const data = cubeBytes(9, 7, 5, 21);

  it("after reads in order, out of order, by tile, or none at all", async () => {
    const path = tmp.write("verify.fits", checksummed(cards, data));
    const reads: Array<(image: FitsImage) => Promise<unknown>> = [
      async (image) => image.readPlanes(0, 5),
      async (image) => {
        await image.readPlanes(3, 2);
        await image.readPlanes(0, 1);
      },
      async (image) => image.readTile({ x: 2, y: 1, width: 4, height: 3, firstPlane: 1, planeCount: 3 }),
      async (image) => {
        const raw = new Uint8Array(image.planeBytes * 2);
        await image.readRawPlanes(0, 2, raw);
        await image.readRawPlanes(1, 2, raw);
      },
      async () => undefined,
    ];
    for (const read of reads) {
      const image = await FitsImage.open(path);
      try {
        await read(image);
        const result = await image.verifyChecksums();
        expect(result).toMatchObject({ datasumOk: true, checksumOk: true, problems: [] });
        expect(result.dataSum).toBe(naiveSum(concat([data, new Uint8Array(2880 - (data.length % 2880))])));
      } finally {
        await image.close();
      }
    }
  });

  it("an IMAGE extension's own header and data", async () => {
    const ext = checksummed(extensionCards(16, [6, 4], [valueCard("EXTNAME", "'SCI'")]), dataBytes(Array.from({ length: 24 }, (_, i) => i * 99 - 1000), 16, false));
    const path = tmp.write("ext.fits", concat([headerBytes(primaryCards(8, [])), ext]));
    const image = await FitsImage.open(`${path}[SCI]`);
    try {
      await image.readPlanes(0, 1);
      expect(await image.verifyChecksums()).toMatchObject({ datasumOk: true, checksumOk: true });
    } finally {
      await image.close();
    }
  });

  it("padding missing at the end of the file counts as zeros", async () => {
    const full = checksummed(cards, data);
    const path = tmp.write("unpadded.fits", full.subarray(0, 2880 + data.length));
    const image = await FitsImage.open(path);
    try {
      expect(await image.verifyChecksums()).toMatchObject({ datasumOk: true, checksumOk: true });
    } finally {
      await image.close();
    }
  });

  it("non-zero padding counts", async () => {
    const full = checksummed(cards, data).slice();
    full[full.length - 1] = 1;
    const path = tmp.write("padding.fits", full);
    const image = await FitsImage.open(path);
    try {
      await image.readPlanes(0, 5);
      const result = await image.verifyChecksums();
      expect(result.datasumOk).toBe(false);
      expect(result.problems[0]).toMatch(/^DATASUM mismatch: header says \d+, data sums to \d+$/);
    } finally {
      await image.close();
    }
  });
});

describe("verification while converting", () => {
  const cards = primaryCards(-32, [40, 30, 6], [card("COMMENT a cube with checksums")]);
  const data = cubeBytes(40, 30, 6, 5);
  const good = checksummed(cards, data);
  const headerSize = 2880;

  it.each(["fast", "slow"] as const)("a correct file converts in %s mode, without warnings", async (mode) => {
    const w = workspace(good);
    const report = await convert(w.input, w.output, { ...options, mode });
    expect(report.warnings).toEqual([]);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });

  it("a correct gzip file converts", async () => {
    const w = workspace(gzipSync(good), "cube.fits.gz");
    await convert(w.input, w.output, { ...options, mode: "slow" });
    expect(w.files()).toEqual(["cube.fits.gz", "cube.hdf5"]);
  });

  it.each(["fast", "slow"] as const)("one flipped data byte: a CHECKSUM error naming both sums, no output, no temporary file (%s)", async (mode) => {
    const bad = good.slice();
    bad[headerSize + 1234] ^= 0x10;
    const w = workspace(bad);
    const error = await convert(w.input, w.output, { ...options, mode }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FitsError);
    expect((error as FitsError).code).toBe("CHECKSUM");
    expect((error as FitsError).file).toBe(w.input);
    const datasum = naiveSum(concat([data, new Uint8Array(2880 - (data.length % 2880))]));
    const actual = naiveSum(bad.subarray(headerSize));
    expect((error as FitsError).message).toMatch(new RegExp(`^DATASUM mismatch: header says ${datasum}, data sums to ${actual}; CHECKSUM mismatch: `));
    expect(w.files()).toEqual(["cube.fits"]);
    expect(existsSync(w.output)).toBe(false);
  });

  it("one flipped header byte (in a comment): a CHECKSUM error, DATASUM still right", async () => {
    const bad = good.slice();
    const comment = new TextDecoder().decode(bad.subarray(0, 2880)).indexOf("a cube with");
    bad[comment] = "A".charCodeAt(0);
    const w = workspace(bad);
    const error = await convert(w.input, w.output, { ...options, mode: "fast" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FitsError);
    expect((error as FitsError).message).toMatch(/^CHECKSUM mismatch: header says '[0-9A-Za-z]{16}', but the HDU sums to \d+ instead of 4294967295 \(-0\): the header was altered$/);
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("ignoreChecksum: converts, with the mismatch as a warning", async () => {
    const bad = good.slice();
    bad[headerSize + 7] ^= 1;
    const w = workspace(bad);
    const warnings: string[] = [];
    const report = await convert(w.input, w.output, { ...options, ignoreChecksum: true, onWarning: (m) => warnings.push(m) });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(new RegExp(`^${w.input.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: DATASUM mismatch: .*; CHECKSUM mismatch: .*; converted anyway$`));
    expect(warnings).toEqual(report.warnings);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });

  it("checksum: false skips the verification", async () => {
    const bad = good.slice();
    bad[headerSize + 7] ^= 1;
    const w = workspace(bad);
    const report = await convert(w.input, w.output, { ...options, checksum: false });
    expect(report.warnings).toEqual([]);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });

  it("DATASUM alone, wrong: an error; no keywords at all: nothing verified", async () => {
    const w = workspace(checksummed(cards, data, { checksum: false, datasum: "1" }));
    await expect(convert(w.input, w.output, options)).rejects.toThrow(/^DATASUM mismatch: header says 1, data sums to \d+$/);
    const plain = workspace(concat([headerBytes(cards), dataBytes(new Float32Array(40 * 30 * 6), -32)]));
    await convert(plain.input, plain.output, options);
    expect(plain.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });
});

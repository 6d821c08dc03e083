/**
 * Tile-compressed images written by the tests' own naive compressor (test/helpers/tile-compress.ts)
 * convert dataset for dataset like the uncompressed image they were packed from (lossless) or
 * like an uncompressed image holding the naive dequantised values (quantised), in fast and slow
 * mode alike; refusals name the file, the algorithm or the tile.
 */
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../../src/engine/convert.js";
import { predictMemory } from "../../../src/engine/memory.js";
import { FitsError } from "../../../src/fits/errors.js";
import { FitsImage } from "../../../src/fits/image.js";
import { DITHER_SEQUENCE } from "../../../src/fits/compressed/quantize.js";
import { riceDecode } from "../../../src/fits/compressed/rice.js";
import { verifyFile } from "../../../src/verify/verify.js";
import { fitsError } from "../../helpers/fits-error.js";
import { card, concat, dataBytes, extensionCards, headerBytes, makeCube, mulberry32, primaryCards, tempFolder, valueCard, type Bitpix } from "../../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../../helpers/read-hdf5.js";
import { packImage, riceEncode, type PackOptions } from "../../helpers/tile-compress.js";

const tmp = tempFolder("fits2idia-fz-");
afterAll(() => tmp.cleanup());

/** Raw integer values of a BITPIX, with some equal to `blank`. */
function integers(bitpix: Bitpix, n: number, seed: number, blank?: number): Array<number | bigint> {
  const random = mulberry32(seed);
  const out: Array<number | bigint> = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    if (blank !== undefined && r < 0.05) {
      out.push(bitpix === 64 ? BigInt(blank) : blank);
      continue;
    }
    if (bitpix === 8) out.push(Math.floor(random() * 256));
    else if (bitpix === 16) out.push(Math.floor(random() * 65536) - 32768);
    else if (bitpix === 32) out.push(i % 7 === 0 ? Math.floor(random() * 2 ** 32) - 2 ** 31 : Math.floor(random() * 200) - 100);
    else out.push(BigInt(Math.floor(random() * 2 ** 40)) * (i % 2 === 0 ? 1n : -1000n));
  }
  return out;
}

/** An uncompressed image: the primary HDU, or an IMAGE extension after an empty primary. */
function plainFits(bitpix: Bitpix, axes: number[], values: ArrayLike<number | bigint>, extra: string[], extension = false): Uint8Array {
  if (!extension) return concat([headerBytes(primaryCards(bitpix, axes, extra)), dataBytes(values, bitpix)]);
  return concat([headerBytes(primaryCards(8, [], [valueCard("EXTEND", "T")])), headerBytes(extensionCards(bitpix, axes, extra)), dataBytes(values, bitpix)]);
}

/** Every dataset of two outputs identical, byte for byte. */
async function expectSameDatasets(a: string, b: string): Promise<void> {
  const x = await readDatasets(a);
  const y = await readDatasets(b);
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  for (const [path, dump] of x) {
    const other = y.get(path)!;
    expect(dump.shape, path).toEqual(other.shape);
    expect(firstDifference(dump.values, other.values), path).toBe(-1);
  }
}

/** The header as the converter sees it, card by card. */
async function headerCards(path: string): Promise<string[]> {
  const image = await FitsImage.open(path);
  try {
    return image.header.cards.map((c) => `${c.keyword} = ${c.valueText}`);
  } finally {
    await image.close();
  }
}

let counter = 0;
/**
 * Pack, convert fast and slow, convert the reference image, and compare: every dataset equal,
 * and the header the converter sees equal to the reference image's.
 */
async function expectConvertsLike(bitpix: Bitpix, axes: number[], values: ArrayLike<number | bigint>, extra: string[], options: PackOptions): Promise<string> {
  const name = `case${++counter}`;
  const packed = packImage(bitpix, axes, values, extra, options);
  const fz = tmp.write(`${name}.fits.fz`, packed.bytes);
  const reference =
    packed.expected !== undefined
      ? plainFits(-32, axes, packed.expected, extra)
      : plainFits(bitpix, axes, values, extra, options.structure === "ZTENSION");
  const plain = tmp.write(`${name}.fits`, reference);
  await convert(fz, tmp.file(`${name}-fast.hdf5`), { mode: "fast" });
  await convert(fz, tmp.file(`${name}-slow.hdf5`), { mode: "slow", tileSize: 16 });
  await convert(plain, tmp.file(`${name}-plain.hdf5`), { mode: "fast" });
  await expectSameDatasets(tmp.file(`${name}-fast.hdf5`), tmp.file(`${name}-plain.hdf5`));
  await expectSameDatasets(tmp.file(`${name}-slow.hdf5`), tmp.file(`${name}-plain.hdf5`));
  if (packed.expected === undefined) expect(await headerCards(fz)).toEqual(await headerCards(plain));
  return fz;
}

describe("Rice decoding", () => {
  it("decodes what the naive encoder wrote, for each value width and block size", () => {
    const random = mulberry32(7);
    for (const bytePix of [1, 2, 4] as const) {
      for (const blockSize of [16, 32]) {
        const max = 2 ** (8 * bytePix);
        // Smooth runs, constant runs (all-zero blocks), and noise at full range (raw blocks).
        const values = Array.from({ length: 517 }, (_, i) =>
          i < 100 ? 5 : i < 300 ? Math.floor(i * 3 + random() * 4) % max : Math.floor(random() * max),
        );
        const encoded = riceEncode(values, bytePix, blockSize);
        const out = new Uint32Array(values.length);
        riceDecode(encoded, bytePix, blockSize, values.length, out);
        expect(Array.from(out)).toEqual(values);
      }
    }
  });

  it("refuses a stream that ends early", () => {
    const encoded = riceEncode(Array.from({ length: 100 }, (_, i) => i * 1000), 4, 32);
    expect(() => riceDecode(encoded.subarray(0, encoded.length - 20), 4, 32, 100, new Uint32Array(100))).toThrow(/end before value/);
  });
});

describe("the dither sequence", () => {
  it("is the standard's: its 10000th seed is 1043618065", () => {
    expect(DITHER_SEQUENCE.length).toBe(10000);
    expect(DITHER_SEQUENCE[0]).toBe(Math.fround(16807 / 2147483647));
    expect(DITHER_SEQUENCE[9999]).toBe(Math.fround(1043618065 / 2147483647));
  });
});

describe("lossless tile-compressed images convert like the image they were packed from", () => {
  const blank = [valueCard("BLANK", "-7")];
  const cases: Array<{ name: string; bitpix: Bitpix; axes: number[]; extra?: string[]; options: PackOptions; blank?: number }> = [
    { name: "int16 2-D RICE_1, one row a tile", bitpix: 16, axes: [37, 23], options: { algorithm: "RICE_1" }, extra: [valueCard("BSCALE", "0.25"), valueCard("BZERO", "100.0"), card("BUNIT   = 'Jy/beam '")] },
    { name: "int16 3-D RICE_1, tiles not dividing the image, BLANK", bitpix: 16, axes: [30, 17, 4], options: { algorithm: "RICE_1", tile: [8, 5, 1] }, extra: blank, blank: -7 },
    { name: "uint8 RICE_1 BYTEPIX 1, parameters by position", bitpix: 8, axes: [19, 11], options: { algorithm: "RICE_1", riceNames: false, blockSize: 16 } },
    { name: "int32 3-D GZIP_2 with Q descriptors", bitpix: 32, axes: [21, 13, 3], options: { algorithm: "GZIP_2", tile: [21, 4, 1], descriptor: "Q" }, extra: blank, blank: -7 },
    { name: "int32 RICE_1, BYTEPIX 4, a heap gap", bitpix: 32, axes: [25, 9], options: { algorithm: "RICE_1", heapGap: 100 } },
    { name: "int16 4-D GZIP_1, tiles spanning planes (ZTILE3 = 2)", bitpix: 16, axes: [12, 9, 3, 2], options: { algorithm: "GZIP_1", tile: [5, 4, 2, 1] } },
    { name: "uint8 4-D GZIP_2, tiles spanning stokes (ZTILE4 = 2)", bitpix: 8, axes: [12, 9, 2, 2], options: { algorithm: "GZIP_2", tile: [12, 3, 1, 2], structure: "ZTENSION" } },
    { name: "int64 GZIP_1", bitpix: 64, axes: [10, 7, 2], options: { algorithm: "GZIP_1" }, extra: [valueCard("BZERO", "3.0")] },
    { name: "int16 NOCOMPRESS, no structure keywords", bitpix: 16, axes: [15, 6], options: { algorithm: "NOCOMPRESS", structure: "none" } },
    { name: "int32 with a table checksum", bitpix: 32, axes: [16, 8], options: { algorithm: "RICE_1", checksum: true } },
    {
      name: "int16 4-D RA, DEC, STOKES, FREQ (the axes reordered as for a plain file), tiles spanning planes",
      bitpix: 16,
      axes: [11, 7, 2, 3],
      options: { algorithm: "RICE_1", tile: [11, 3, 2, 1] },
      extra: [valueCard("CTYPE1", "'RA---SIN'"), valueCard("CTYPE2", "'DEC--SIN'"), valueCard("CTYPE3", "'STOKES  '"), valueCard("CRVAL3", "1.0"), valueCard("CTYPE4", "'FREQ    '"), valueCard("CRVAL4", "1.4E9")],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const n = c.axes.reduce((a, b) => a * b, 1);
      const values = integers(c.bitpix, n, counter + 3, c.blank);
      await expectConvertsLike(c.bitpix, c.axes, values, c.extra ?? [], c.options);
    });
  }

  it("float32 and float64 stored losslessly with GZIP (NaN and ±Inf kept bit for bit)", async () => {
    const cube = makeCube(3, 23, 14, 3, 1, "nan-inf", 5);
    await expectConvertsLike(-32, [23, 14, 3], cube.values, [], { algorithm: "GZIP_2", tile: [10, 10, 1] });
    const f64 = Array.from(cube.values, (v, i) => v * (1 + i / 7));
    await expectConvertsLike(-64, [23, 14, 3], f64, [], { algorithm: "GZIP_1" });
  });
});

describe("quantised floating-point images convert like their naive dequantisation", () => {
  const cube = makeCube(3, 26, 12, 3, 1, "nan-inf", 11);
  // Zeros for SUBTRACTIVE_DITHER_2, a constant row, and (channel 1) all-NaN tiles.
  const values = Float32Array.from(cube.values, (v, i) => {
    const y = Math.floor(i / 26) % 12;
    const z = Math.floor(i / (26 * 12));
    if (z === 1) return NaN;
    if (y === 2) return 0;
    if (y === 5) return 7.5;
    return Number.isFinite(v) ? v : NaN;
  });
  const cases: Array<{ name: string; bitpix: Bitpix; options: PackOptions }> = [
    { name: "SUBTRACTIVE_DITHER_1, RICE_1, constant tiles in GZIP_COMPRESSED_DATA", bitpix: -32, options: { algorithm: "RICE_1", quantize: { dither: "SUBTRACTIVE_DITHER_1", ditherSeed: 9990 }, constantTiles: "gzip" } },
    { name: "SUBTRACTIVE_DITHER_2 (zeros kept), GZIP_1, 2-D tiles", bitpix: -32, options: { algorithm: "GZIP_1", tile: [7, 5, 1], quantize: { dither: "SUBTRACTIVE_DITHER_2", ditherSeed: 42 } } },
    { name: "NO_DITHER, GZIP_2, ZBLANK column, UNCOMPRESSED_DATA fallback", bitpix: -32, options: { algorithm: "GZIP_2", quantize: { dither: "NO_DITHER", zblank: "column" }, constantTiles: "uncompressed" } },
    { name: "float64 SUBTRACTIVE_DITHER_1, RICE_1, Q descriptors, checksum", bitpix: -64, options: { algorithm: "RICE_1", descriptor: "Q", checksum: true, quantize: { dither: "SUBTRACTIVE_DITHER_1", ditherSeed: 3, levels: 50000 } } },
    { name: "SUBTRACTIVE_DITHER_1 across the end of the random sequence", bitpix: -32, options: { algorithm: "RICE_1", tile: [26, 12, 3], quantize: { dither: "SUBTRACTIVE_DITHER_1", ditherSeed: 10000 } } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await expectConvertsLike(c.bitpix, [26, 12, 3], c.bitpix === -64 ? Array.from(values, (v) => v / 3) : values, [card("BUNIT   = 'K       '")], c.options);
    });
  }

  it("a tile longer than the random sequence restarts it as the standard says", async () => {
    // 120 × 100 = 12000 pixels in one tile: the dither index wraps past 10000.
    const big = Float32Array.from({ length: 12000 }, (_, i) => Math.sin(i / 50) * 100);
    await expectConvertsLike(-32, [120, 100], big, [], { algorithm: "GZIP_1", tile: [120, 100], quantize: { dither: "SUBTRACTIVE_DITHER_2", ditherSeed: 5000 } });
  });
});

describe("choosing, refusing and checking tile-compressed images", () => {
  const axes = [20, 10];
  const values = integers(16, 200, 99);
  const packed = packImage(16, axes, values, [], { algorithm: "RICE_1", checksum: true });

  it("picks the compressed image by default, by index and by [COMPRESSED_IMAGE]", async () => {
    const path = tmp.write("pick.fz", packed.bytes);
    for (const spec of [path, `${path}[1]`, `${path}[COMPRESSED_IMAGE]`]) {
      const image = await FitsImage.open(spec);
      expect(image.hdu.index).toBe(1);
      expect(image.tileCompressed).toBe(true);
      expect(image.shape).toMatchObject({ width: 20, height: 10 });
      await image.close();
    }
    const image = await FitsImage.open(path, { hdu: 1 });
    expect(image.header.cards[0]!.keyword).toBe("SIMPLE");
    expect(image.header.has("ZCMPTYPE") || image.header.has("TFORM1") || image.header.has("EXTNAME")).toBe(false);
    await image.close();
  });

  it("prefers a primary image that holds data", async () => {
    const primary = concat([headerBytes(primaryCards(16, [4, 4], [valueCard("EXTEND", "T")])), dataBytes(new Array(16).fill(1), 16)]);
    const path = tmp.write("primary-first.fz", concat([primary, packed.bytes.subarray(2880)]));
    const image = await FitsImage.open(path);
    expect(image.hdu.index).toBe(0);
    await image.close();
  });

  it("refuses HCOMPRESS_1 and PLIO_1 in one line naming the algorithm", async () => {
    for (const algorithm of ["HCOMPRESS_1", "PLIO_1"] as const) {
      const path = tmp.write(`${algorithm}.fz`, packImage(16, axes, values, [], { algorithm }).bytes);
      const error = await fitsError(convert(path, tmp.file(`${algorithm}.hdf5`)));
      expect(error.describe()).toBe(`${path}: tile compression ${algorithm} is not supported (RICE_1, GZIP_1, GZIP_2 and NOCOMPRESS are)`);
    }
  });

  it("refuses a corrupt tile, naming the file and the tile, in fast and slow mode", async () => {
    for (const [algorithm, label] of [["RICE_1", "Rice data is corrupt: the 3 compressed bytes end before value"], ["GZIP_1", "gzip data is corrupt"]] as const) {
      const good = packImage(16, axes, values, [], { algorithm });
      const bytes = good.bytes.slice();
      const tile = good.tileData[3]!;
      // Rice: the tile cut short (its descriptor's count: row 4 of 8-byte rows after two headers);
      // gzip: its deflate stream overwritten.
      if (algorithm === "RICE_1") new DataView(bytes.buffer).setInt32(2880 * 2 + 3 * 8, 3);
      else bytes.fill(0xff, tile.start + 10, tile.start + tile.length);
      const path = tmp.write(`corrupt-${algorithm}.fz`, bytes);
      for (const mode of ["fast", "slow"] as const) {
        const error = await fitsError(convert(path, tmp.file(`corrupt-${algorithm}-${mode}.hdf5`), { mode }));
        expect(error.code).toBe("CORRUPT_DATA");
        expect(error.describe()).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: corrupt tile-compressed data: tile 4 of 10 \\(NAXIS1 1-20, NAXIS2 4\\): ${label}`));
      }
    }
  });

  it("refuses a tile whose array lies outside the heap", async () => {
    const bytes = packed.bytes.slice();
    // Row 2's COMPRESSED_DATA descriptor: its heap offset (second 32-bit word) far past the heap.
    const header = 2880 * 2;
    new DataView(bytes.buffer).setInt32(header + 8 + 4, 1_000_000);
    const path = tmp.write("outside-heap.fz", bytes);
    const error = await fitsError(convert(path, tmp.file("outside-heap.hdf5")));
    expect(error.describe()).toMatch(/tile 2 of 10 \(NAXIS1 1-20, NAXIS2 2\): its COMPRESSED_DATA array \(\d+ elements at heap byte 1000000\) lies outside the heap/);
  });

  it("verifies the table's CHECKSUM and DATASUM, with the usual policy", async () => {
    const bytes = packed.bytes.slice();
    bytes[bytes.length - 1] = 7; // the data unit's padding: tiles intact, DATASUM wrong
    const path = tmp.write("bad-datasum.fz", bytes);
    const error = await fitsError(convert(path, tmp.file("bad-datasum.hdf5")));
    expect(error.code).toBe("CHECKSUM");
    expect(error.message).toMatch(/DATASUM mismatch/);
    const warnings: string[] = [];
    await convert(path, tmp.file("bad-datasum-ignored.hdf5"), { ignoreChecksum: true, onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toMatch(/DATASUM mismatch.*converted anyway/);
    await convert(path, tmp.file("bad-datasum-unchecked.hdf5"), { checksum: false });
  });

  it("verify compares the output with the decompressed image", async () => {
    const path = tmp.write("verify.fz", packed.bytes);
    const out = tmp.file("verify.hdf5");
    await convert(path, out);
    const report = await verifyFile(out, path);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    // A different image packed the same way is not the one converted.
    const other = tmp.write("verify-other.fz", packImage(16, axes, integers(16, 200, 100), [], { algorithm: "RICE_1" }).bytes);
    expect((await verifyFile(out, other)).ok).toBe(false);
  });

  it("counts one row of tiles in the memory model, not the image", async () => {
    const wide = (height: number): string =>
      tmp.write(`rows-${height}.fz`, packImage(16, [64, height, 2], integers(16, 64 * height * 2, 5), [], { algorithm: "GZIP_1", tile: [16, 4, 1] }).bytes);
    const small = await predictMemory(wide(8), { threads: 1 });
    const tall = await predictMemory(wide(40), { threads: 1 });
    const reader = (p: typeof small): number => p.slow.components.find((c) => c.name.startsWith("tile-compressed reader"))!.bytes;
    expect(reader(small)).toBeGreaterThan(64 * 4 * 4);
    // Only the table rows read ahead (8 bytes a tile, 64 more tiles) grow with the image.
    expect(reader(tall) - reader(small)).toBe((80 - 16) * 8);
    const plain = tmp.write("rows-plain.fits", plainFits(16, [64, 8, 2], integers(16, 64 * 8 * 2, 5), []));
    expect((await predictMemory(plain, { threads: 1 })).slow.components.some((c) => c.name.startsWith("tile-compressed reader"))).toBe(false);
  });

  it("reads windows across tile boundaries (readTile)", async () => {
    const raw = integers(32, 30 * 17 * 4, 8);
    const path = tmp.write("windows.fz", packImage(32, [30, 17, 4], raw, [], { algorithm: "RICE_1", tile: [7, 6, 2] }).bytes);
    const image = await FitsImage.open(path);
    const window = await image.readTile({ x: 5, y: 3, width: 19, height: 11, firstPlane: 1, planeCount: 3 });
    for (let p = 0; p < 3; p++) {
      for (let y = 0; y < 11; y++) {
        for (let x = 0; x < 19; x++) {
          expect(window[(p * 11 + y) * 19 + x]).toBe(Math.fround(Number(raw[((p + 1) * 17 + y + 3) * 30 + x + 5])));
        }
      }
    }
    await image.close();
  });
});

describe("a gzip-compressed .fz", () => {
  it("converts like the .fz itself", async () => {
    const { gzipSync } = await import("node:zlib");
    const values = integers(16, 40 * 12 * 2, 77);
    const packed = packImage(16, [40, 12, 2], values, [], { algorithm: "RICE_1", tile: [13, 5, 1] });
    const fz = tmp.write("double.fz", packed.bytes);
    const gz = tmp.write("double.fz.gz", gzipSync(packed.bytes));
    await convert(fz, tmp.file("double-fz.hdf5"));
    await convert(gz, tmp.file("double-gz.hdf5"), { mode: "slow" });
    await expectSameDatasets(tmp.file("double-fz.hdf5"), tmp.file("double-gz.hdf5"));
  });
});

describe("damaged tile-compressed files", () => {
  it("every damaged byte of the table gives a clean FitsError or the image, never a crash", async () => {
    const cube = makeCube(3, 18, 7, 2, 1, "nan-inf", 3);
    const sources = [
      packImage(16, [18, 7, 2], integers(16, 18 * 7 * 2, 4, -7), [valueCard("BLANK", "-7")], { algorithm: "RICE_1", tile: [7, 3, 1] }).bytes,
      packImage(-32, [18, 7, 2], cube.values, [], { algorithm: "GZIP_2", quantize: { dither: "SUBTRACTIVE_DITHER_2", zblank: "column" }, constantTiles: "gzip" }).bytes,
    ];
    const random = mulberry32(2024);
    let refused = 0;
    for (const [k, source] of sources.entries()) {
      for (let trial = 0; trial < 150; trial++) {
        const bytes = source.slice();
        // A byte of the table's header values, rows or heap set to a random value.
        const at = 2880 + Math.floor(random() * (bytes.length - 2880));
        bytes[at] = Math.floor(random() * 256);
        const path = tmp.write(`damaged-${k}.fz`, bytes);
        try {
          const image = await FitsImage.open(path, { checksum: false });
          try {
            await image.readPlanes(0, image.planeCount);
          } finally {
            await image.close();
          }
        } catch (error) {
          expect(error, `byte ${at}: ${String(error)}`).toBeInstanceOf(FitsError);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});

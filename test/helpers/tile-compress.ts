/**
 * The tests' own tile compressor (FITS 4.0 §10), deliberately naive and independent of
 * src/fits/compressed: a simple-loop Rice encoder that tries every split and keeps the
 * shortest, zlib's gzip for GZIP_1, a byte shuffle before it for GZIP_2, raw bytes for
 * NOCOMPRESS, and the quantiser of §10.2 (its random sequence computed here again) for
 * floating-point images. Writes a whole `.fz`: an empty primary HDU and the compressed table.
 */
import { gzipSync } from "node:zlib";
import { addSums, checksumOf, encodeChecksum, encodeDatasum } from "../../src/fits/checksum.js";
import { card, concat, dataBytes, headerBytes, valueCard, type Bitpix } from "./fixtures.js";

export type Algorithm = "RICE_1" | "GZIP_1" | "GZIP_2" | "NOCOMPRESS" | "HCOMPRESS_1" | "PLIO_1";
export type Dither = "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";

export interface PackOptions {
  algorithm: Algorithm;
  /** ZTILEn; omitted: no ZTILE keywords (the default, one image row per tile). */
  tile?: number[];
  /** Floating-point images: quantise (levels between a tile's extremes); omitted: lossless. */
  quantize?: { dither: Dither; ditherSeed?: number; levels?: number; zblank?: "column" | "keyword" };
  /** Where tiles whose finite values are all equal go (as fpack does with them): default quantised. */
  constantTiles?: "gzip" | "uncompressed";
  descriptor?: "P" | "Q";
  /** How the original structure is kept: ZSIMPLE (default), ZTENSION, or neither. */
  structure?: "ZSIMPLE" | "ZTENSION" | "none";
  /** RICE_1 parameters; bytePix default: the value width (4 for quantised data). */
  blockSize?: number;
  bytePix?: 1 | 2 | 4;
  /** Name BLOCKSIZE/BYTEPIX with ZNAMEn (default true); false: ZVAL1/ZVAL2 only. */
  riceNames?: boolean;
  /** Bytes left unused between the rows and the heap (THEAP). */
  heapGap?: number;
  /** Write CHECKSUM and DATASUM for the table. */
  checksum?: boolean;
  /** EXTNAME of the table (default COMPRESSED_IMAGE). */
  extname?: string;
}

export interface Packed {
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** For quantised images: the values a reader must restore, as float32. */
  readonly expected?: Float32Array;
  /** Offsets in `bytes` of each tile's COMPRESSED_DATA array (for corrupting one). */
  readonly tileData: ReadonlyArray<{ start: number; length: number }>;
}

const NULL_VALUE = -2147483647;
const ZERO_VALUE = -2147483646;

/** The standard's random sequence (§10.2.1), computed naively. */
function randomSequence(): number[] {
  const out: number[] = [];
  let seed = 1;
  for (let i = 0; i < 10000; i++) {
    const temp = 16807 * seed;
    seed = temp - 2147483647 * Math.floor(temp / 2147483647);
    out.push(Math.fround(seed / 2147483647));
  }
  return out;
}
const RANDOM = randomSequence();

/**
 * Compress `values` (raw integers of an integer BITPIX, or floating-point values), shaped by
 * `axes` (FITS order), with `imageCards` the original image's non-structural cards.
 */
export function packImage(bitpix: Bitpix, axes: number[], values: ArrayLike<number | bigint>, imageCards: string[], options: PackOptions): Packed {
  const tile = options.tile ?? [axes[0]!, ...axes.slice(1).map(() => 1)];
  const counts = axes.map((n, j) => Math.ceil(n / tile[j]!));
  const tiles = counts.reduce((a, b) => a * b, 1);
  const quantized = bitpix < 0 && options.quantize !== undefined;
  const expected = quantized ? new Float32Array(values.length) : undefined;
  const descriptorBytes = options.descriptor === "Q" ? 16 : 8;
  const perTile: Array<{ compressed: Uint8Array; fallback?: Uint8Array; zscale?: number; zzero?: number; zblank?: number }> = [];

  for (let t = 0; t < tiles; t++) {
    // The tile's pixels, NAXIS1 fastest, and their places in the image.
    const index: number[] = [];
    const start: number[] = [];
    const size: number[] = [];
    let rest = t;
    for (let j = 0; j < axes.length; j++) {
      const k = rest % counts[j]!;
      rest = Math.floor(rest / counts[j]!);
      start.push(k * tile[j]!);
      size.push(Math.min(tile[j]!, axes[j]! - k * tile[j]!));
    }
    const n = size.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      let r = i;
      let offset = 0;
      let stride = 1;
      for (let j = 0; j < axes.length; j++) {
        const c = r % size[j]!;
        r = Math.floor(r / size[j]!);
        offset += (start[j]! + c) * stride;
        stride *= axes[j]!;
      }
      index.push(offset);
    }
    const pixels = index.map((i) => values[i]!);

    if (!quantized) {
      perTile.push({ compressed: compress(pixels, bitpix, options, false) });
      continue;
    }
    const q = options.quantize!;
    const floats = pixels.map(Number);
    const finite = floats.filter((v) => Number.isFinite(v));
    const constant = finite.length > 0 && finite.every((v) => v === finite[0]);
    if (constant && options.constantTiles !== undefined) {
      const raw = dataBytes(floats, bitpix, false);
      perTile.push({ compressed: new Uint8Array(0), fallback: options.constantTiles === "gzip" ? gzipSync(raw) : raw, zscale: 0, zzero: 0, zblank: NULL_VALUE });
      index.forEach((i, k) => (expected![i] = floats[k]!));
      continue;
    }
    const lo = finite.length > 0 ? Math.min(...finite) : 0;
    const hi = finite.length > 0 ? Math.max(...finite) : 0;
    const zscale = hi > lo ? (hi - lo) / (q.levels ?? 1000) : 1;
    const zzero = lo;
    const tileNumber = t + 1;
    let seed = (tileNumber - 1 + (q.ditherSeed ?? 1) - 1) % 10000;
    let next = Math.floor(RANDOM[seed]! * 500);
    const ints: number[] = [];
    floats.forEach((v, k) => {
      const r = RANDOM[next]!;
      let code: number;
      let restored: number;
      if (!Number.isFinite(v)) {
        code = NULL_VALUE;
        restored = NaN;
      } else if (q.dither === "SUBTRACTIVE_DITHER_2" && v === 0) {
        code = ZERO_VALUE;
        restored = 0;
      } else if (q.dither === "NO_DITHER") {
        code = Math.round((v - zzero) / zscale);
        restored = code * zscale + zzero;
      } else {
        code = Math.round((v - zzero) / zscale + r - 0.5);
        restored = (code - r + 0.5) * zscale + zzero;
      }
      ints.push(code);
      expected![index[k]!] = restored;
      next++;
      if (next === 10000) {
        seed = (seed + 1) % 10000;
        next = Math.floor(RANDOM[seed]! * 500);
      }
    });
    perTile.push({ compressed: compress(ints, 32, options, true), zscale, zzero, zblank: NULL_VALUE });
  }

  // The table: COMPRESSED_DATA, then ZSCALE, ZZERO, ZBLANK (quantised), then the fallback column.
  const p = options.descriptor ?? "P";
  const fallbackForm = options.constantTiles === "uncompressed" ? (bitpix === -64 ? "D" : "E") : "B";
  const fallbackName = options.constantTiles === "uncompressed" ? "UNCOMPRESSED_DATA" : "GZIP_COMPRESSED_DATA";
  const hasFallback = quantized && options.constantTiles !== undefined;
  const zblankColumn = quantized && options.quantize!.zblank === "column";
  const columns: Array<[string, string]> = [["COMPRESSED_DATA", `1${p}B`]];
  if (quantized) columns.push(["ZSCALE", "1D"], ["ZZERO", "1D"]);
  if (zblankColumn) columns.push(["ZBLANK", "1J"]);
  if (hasFallback) columns.push([fallbackName, `1${p}${fallbackForm}`]);
  const rowBytes = columns.reduce((nb, [, form]) => nb + (form.includes("P") || form.includes("Q") ? descriptorBytes : form === "1D" ? 8 : 4), 0);
  const rows = new Uint8Array(rowBytes * tiles);
  const view = new DataView(rows.buffer);
  const heapParts: Uint8Array[] = [];
  let heap = 0;
  const tileData: Array<{ start: number; length: number }> = [];
  const put = (at: number, array: Uint8Array, elementBytes: number): void => {
    const count = array.length / elementBytes;
    if (p === "P") {
      view.setInt32(at, count);
      view.setInt32(at + 4, count === 0 ? 0 : heap);
    } else {
      view.setBigInt64(at, BigInt(count));
      view.setBigInt64(at + 8, BigInt(count === 0 ? 0 : heap));
    }
    heapParts.push(array);
    heap += array.length;
  };
  perTile.forEach((entry, t) => {
    let at = t * rowBytes;
    tileData.push({ start: heap, length: entry.compressed.length });
    put(at, entry.compressed, 1);
    at += descriptorBytes;
    if (quantized) {
      view.setFloat64(at, entry.zscale ?? 1);
      view.setFloat64(at + 8, entry.zzero ?? 0);
      at += 16;
    }
    if (zblankColumn) {
      view.setInt32(at, entry.zblank ?? NULL_VALUE);
      at += 4;
    }
    if (hasFallback) put(at, entry.fallback ?? new Uint8Array(0), fallbackForm === "B" ? 1 : fallbackForm === "E" ? 4 : 8);
  });
  const gap = options.heapGap ?? 0;
  const heapBytes = concat(heapParts);
  const unit = concat([rows, new Uint8Array(gap), heapBytes]);

  const cards: string[] = [
    card("XTENSION= 'BINTABLE'"),
    valueCard("BITPIX", "8"),
    valueCard("NAXIS", "2"),
    valueCard("NAXIS1", String(rowBytes)),
    valueCard("NAXIS2", String(tiles)),
    valueCard("PCOUNT", String(gap + heap)),
    valueCard("GCOUNT", "1"),
    valueCard("TFIELDS", String(columns.length)),
    ...columns.flatMap(([name, form], i) => [card(`TTYPE${i + 1}  = '${name.padEnd(8)}'`), card(`TFORM${i + 1}  = '${form.padEnd(8)}'`)]),
    ...(gap > 0 ? [valueCard("THEAP", String(rowBytes * tiles + gap))] : []),
    valueCard("ZIMAGE", "T"),
    ...(options.tile !== undefined ? tile.map((n, j) => valueCard(`ZTILE${j + 1}`, String(n))) : []),
    card(`ZCMPTYPE= '${options.algorithm.padEnd(8)}'`),
  ];
  if (options.algorithm === "RICE_1") {
    // Without names, by position only (ZVAL1 the block size, ZVAL2 the value width), as cfitsio reads them.
    if (options.riceNames !== false) cards.push(card("ZNAME1  = 'BLOCKSIZE'"));
    cards.push(valueCard("ZVAL1", String(options.blockSize ?? 32)));
    if (options.riceNames !== false) cards.push(card("ZNAME2  = 'BYTEPIX '"));
    cards.push(valueCard("ZVAL2", String(riceBytePix(quantized ? 32 : bitpix, options))));
  }
  if (quantized) {
    cards.push(card(`ZQUANTIZ= '${options.quantize!.dither}'`));
    if (options.quantize!.dither !== "NO_DITHER") cards.push(valueCard("ZDITHER0", String(options.quantize!.ditherSeed ?? 1)));
    if (!zblankColumn) cards.push(valueCard("ZBLANK", String(NULL_VALUE)));
  } else if (bitpix < 0) {
    cards.push(card("ZQUANTIZ= 'NONE    '"));
  }
  cards.push(card(`EXTNAME = '${(options.extname ?? "COMPRESSED_IMAGE").padEnd(8)}'`));
  const structure = options.structure ?? "ZSIMPLE";
  if (structure === "ZSIMPLE") cards.push(valueCard("ZSIMPLE", "T"));
  if (structure === "ZTENSION") cards.push(card("ZTENSION= 'IMAGE   '"));
  cards.push(valueCard("ZBITPIX", String(bitpix)), valueCard("ZNAXIS", String(axes.length)));
  axes.forEach((n, j) => cards.push(valueCard(`ZNAXIS${j + 1}`, String(n))));
  if (structure === "ZTENSION") cards.push(valueCard("ZPCOUNT", "0"), valueCard("ZGCOUNT", "1"));
  cards.push(...imageCards);

  const padded = concat([unit, new Uint8Array((2880 - (unit.length % 2880)) % 2880)]);
  let header: Uint8Array;
  if (options.checksum) {
    const datasum = checksumOf(padded);
    const draft = headerBytes([...cards, card("CHECKSUM= '0000000000000000'"), card(`DATASUM = '${encodeDatasum(datasum)}'`)]);
    const text = encodeChecksum(addSums(checksumOf(draft), datasum));
    header = headerBytes([...cards, card(`CHECKSUM= '${text}'`), card(`DATASUM = '${encodeDatasum(datasum)}'`)]);
  } else {
    header = headerBytes(cards);
  }
  const primary = headerBytes([valueCard("SIMPLE", "T"), valueCard("BITPIX", "8"), valueCard("NAXIS", "0"), valueCard("EXTEND", "T")]);
  const heapStart = primary.length + header.length + rows.length + gap;
  return {
    bytes: concat([primary, header, padded]),
    ...(expected !== undefined && { expected }),
    tileData: tileData.map((d) => ({ start: heapStart + d.start, length: d.length })),
  };
}

function riceBytePix(bitpix: Bitpix, options: PackOptions): 1 | 2 | 4 {
  return options.bytePix ?? (bitpix === 8 ? 1 : bitpix === 16 ? 2 : 4);
}

/** One tile's COMPRESSED_DATA bytes. */
function compress(pixels: Array<number | bigint>, bitpix: Bitpix, options: PackOptions, quantized: boolean): Uint8Array {
  const width = Math.abs(bitpix) / 8;
  switch (options.algorithm) {
    case "RICE_1":
      return riceEncode(pixels.map(Number), riceBytePix(quantized ? 32 : bitpix, options), options.blockSize ?? 32);
    case "GZIP_1":
      return gzipSync(dataBytes(pixels, bitpix, false));
    case "GZIP_2":
      return gzipSync(shuffle(dataBytes(pixels, bitpix, false), width));
    case "NOCOMPRESS":
      return dataBytes(pixels, bitpix, false);
    default:
      // HCOMPRESS_1, PLIO_1: not encoded; the reader must refuse the file before reading tiles.
      return new Uint8Array([1, 2, 3, 4]);
  }
}

function shuffle(bytes: Uint8Array, width: number): Uint8Array {
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < n; i++) for (let b = 0; b < width; b++) out[b * n + i] = bytes[i * width + b]!;
  return out;
}

/**
 * Rice coding as §10.4.1 describes it: the first value raw, then per block of differences the
 * cheapest of: all zero (code 0), every split fs (code fs + 1, unary high part then fs bits),
 * or raw differences (code fsMax + 1).
 */
export function riceEncode(values: number[], bytePix: 1 | 2 | 4, blockSize: number): Uint8Array {
  const fsBits = { 1: 3, 2: 4, 4: 5 }[bytePix];
  const fsMax = { 1: 6, 2: 14, 4: 25 }[bytePix];
  const bBits = 8 * bytePix;
  const modulus = 2 ** bBits;
  const bits: number[] = [];
  const write = (value: number, count: number): void => {
    for (let b = count - 1; b >= 0; b--) bits.push(Math.floor(value / 2 ** b) % 2);
  };
  const wrap = (v: number): number => ((v % modulus) + modulus) % modulus;
  write(wrap(values[0] ?? 0), bBits);
  let last = wrap(values[0] ?? 0);
  for (let i = 0; i < values.length; i += blockSize) {
    const block = values.slice(i, i + blockSize).map((v) => {
      let d = wrap(wrap(v) - last);
      last = wrap(v);
      if (d >= modulus / 2) d -= modulus;
      return d >= 0 ? 2 * d : -2 * d - 1;
    });
    if (block.every((d) => d === 0)) {
      write(0, fsBits);
      continue;
    }
    let best = -1;
    let bestCost = bBits * block.length;
    for (let fs = 0; fs < fsMax; fs++) {
      const cost = block.reduce((c, d) => c + Math.floor(d / 2 ** fs) + 1 + fs, 0);
      if (cost < bestCost) {
        bestCost = cost;
        best = fs;
      }
    }
    if (best < 0) {
      write(fsMax + 1, fsBits);
      for (const d of block) write(d, bBits);
    } else {
      write(best + 1, fsBits);
      for (const d of block) {
        for (let z = Math.floor(d / 2 ** best); z > 0; z--) bits.push(0);
        bits.push(1);
        write(d % 2 ** best, best);
      }
    }
  }
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, k) => {
    if (bit) out[k >> 3]! |= 0x80 >> (k & 7);
  });
  return out;
}

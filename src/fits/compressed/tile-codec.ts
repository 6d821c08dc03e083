/**
 * One tile of a tile-compressed image, from the bytes its table row points at to the image's
 * float32 values, as cfitsio's imcomp_decompress_tile reads it as TFLOAT: decompress (RICE_1,
 * GZIP_1, GZIP_2 with byte shuffling, NOCOMPRESS), then either restore quantised floating-point
 * values (quantize.ts) or apply the scaling and null value to the stored integers or floats,
 * exactly as an uncompressed image's values are decoded (kernels/byte-order.ts). Tiles that
 * could not be quantised are stored losslessly in the GZIP_COMPRESSED_DATA or
 * UNCOMPRESSED_DATA column instead. Pure (zlib's inflate is synchronous and in memory; the Rice
 * output buffer is reused between calls, which synchronous code cannot interleave).
 */
import { unzipSync } from "node:zlib";
import { decodeToFloat32, type Scaling } from "../../kernels/byte-order.js";
import type { Bitpix } from "../hdu-info.js";
import type { CompressionParameters } from "./parameters.js";
import { dequantize } from "./quantize.js";
import { riceDecode, RiceError } from "./rice.js";
import { elementBytes } from "./tile-table.js";

/** A tile as its table row gives it. */
export interface StoredTile {
  /** Row number in the table, from 1 (the dither sequence depends on it). */
  readonly number: number;
  /** Pixels in the tile. */
  readonly length: number;
  /** Which column holds the tile's data. */
  readonly source: "compressed" | "gzip" | "uncompressed";
  /** The column's element type (B, I, J, K, E, D). */
  readonly type: string;
  /** The variable-length array's bytes, as stored. */
  readonly bytes: Uint8Array;
  /** The row's ZSCALE, ZZERO and ZBLANK columns, when the table has them. */
  readonly zscale?: number;
  readonly zzero?: number;
  readonly zblank?: number;
}

/** A tile that cannot be decoded; the reader names the file and the tile. */
export class TileError extends Error {
  override readonly name = "TileError";
}

/** Decode `tile` into `out[0 .. tile.length)`. */
export function decodeTile(params: CompressionParameters, tile: StoredTile, out: Float32Array): void {
  const n = tile.length;
  if (tile.source === "gzip") {
    // Floating-point values that could not be quantised, gzip-compressed as stored (cfitsio: raw floats).
    const bytes = inflate(tile.bytes);
    const size = bytes.length / n;
    if (size !== 4 && size !== 8) throw new TileError(`the gzip fallback data holds ${bytes.length} bytes, not ${n} float values`);
    decodeToFloat32(bytes, size === 4 ? -32 : -64, n, out, 0, { bscale: 1, bzero: 0 });
    return;
  }
  if (tile.source === "uncompressed") {
    const bitpix = bitpixOfColumn(tile.type);
    if (tile.bytes.length !== n * elementBytes(tile.type)) throw new TileError(`UNCOMPRESSED_DATA holds ${tile.bytes.length / elementBytes(tile.type)} values, not ${n}`);
    decodeToFloat32(tile.bytes, bitpix, n, out, 0, params.bitpix < 0 ? { bscale: 1, bzero: 0 } : storageScaling(params, tile));
    return;
  }
  const scale = tileScale(params, tile);
  const blank = tile.zblank ?? params.blank;
  if (params.algorithm === "RICE_1") {
    const values = riceValues(params, tile);
    if (params.quantization !== "NONE") {
      dequantize(values, n, { zscale: scale.bscale, zzero: scale.bzero, blank, dither: params.quantization, tileNumber: tile.number, ditherSeed: params.ditherSeed }, out);
      return;
    }
    if (params.bitpix < 0) throw new TileError("RICE_1 data of a floating-point image must be quantised (ZSCALE, ZZERO)");
    const { bscale, bzero } = scale;
    const hasBlank = blank !== undefined;
    for (let i = 0; i < n; i++) {
      const raw = values[i]!;
      out[i] = hasBlank && raw === blank ? Number.NaN : raw * bscale + bzero;
    }
    return;
  }
  // GZIP_1, GZIP_2, NOCOMPRESS: big-endian values whose width the size tells.
  let bytes: Uint8Array;
  let width: number;
  if (params.algorithm === "NOCOMPRESS") {
    width = tile.type === "B" ? Math.abs(params.bitpix) / 8 : elementBytes(tile.type);
    bytes = tile.bytes;
  } else {
    bytes = inflate(tile.bytes);
    width = bytes.length / n;
    if (params.algorithm === "GZIP_2" && Number.isInteger(width)) bytes = unshuffle(bytes, width);
  }
  if (bytes.length !== n * width || ![1, 2, 4, 8].includes(width)) {
    throw new TileError(`the tile decompresses to ${bytes.length} bytes, which is not ${n} values of 1, 2, 4 or 8 bytes`);
  }
  const floats = params.quantization === "NONE" && params.bitpix < 0 && width >= 4;
  const bitpix: Bitpix = floats ? (width === 4 ? -32 : -64) : width === 1 ? 8 : width === 2 ? 16 : width === 4 ? 32 : 64;
  if (params.quantization !== "NONE") {
    if (width === 8) throw new TileError("quantised data cannot be 64-bit integers");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) values[i] = width === 1 ? bytes[i]! : width === 2 ? view.getInt16(2 * i) : view.getInt32(4 * i);
    dequantize(values, n, { zscale: scale.bscale, zzero: scale.bzero, blank, dither: params.quantization, tileNumber: tile.number, ditherSeed: params.ditherSeed }, out);
    return;
  }
  decodeToFloat32(bytes, bitpix, n, out, 0, { ...scale, blank: blank === undefined ? undefined : BigInt(blank) });
}

/** Rice output, reused from tile to tile (decoding is synchronous, so one buffer serves every reader). */
let riceScratch = new Uint32Array(0);

/** The tile's values decoded by Rice, as signed integers (bytes unsigned, as BITPIX 8 is). */
function riceValues(params: CompressionParameters, tile: StoredTile): Int32Array {
  if (tile.type !== "B") throw new TileError(`RICE_1 data must be bytes, the column holds type ${tile.type}`);
  const n = tile.length;
  if (riceScratch.length < n) riceScratch = new Uint32Array(n);
  const out = riceScratch.subarray(0, n);
  try {
    riceDecode(tile.bytes, params.bytePix, params.blockSize, n, out);
  } catch (error) {
    if (error instanceof RiceError) throw new TileError(`Rice data is corrupt: ${error.message}`);
    throw error;
  }
  const values = new Int32Array(out.buffer, out.byteOffset, n);
  // 16-bit values: sign-extended in place; 8-bit values are unsigned already; 32-bit ones are read signed.
  if (params.bytePix === 2) for (let i = 0; i < n; i++) values[i] = (values[i]! << 16) >> 16;
  return values;
}

/**
 * The scale and offset of a tile's values, as cfitsio chooses them: the row's ZSCALE/ZZERO
 * (combined with the table's BSCALE/BZERO for floating-point images), or the ZSCALE/ZZERO
 * keywords; where that leaves (1, 0), the table's BSCALE and BZERO.
 */
function tileScale(params: CompressionParameters, tile: StoredTile): { bscale: number; bzero: number } {
  let bscale = 1;
  let bzero = 0;
  if (params.columns.zscale !== undefined || params.columns.zzero !== undefined) {
    bscale = tile.zscale ?? 1;
    bzero = tile.zzero ?? 0;
    if (params.bitpix < 0 && (params.bscale !== 1 || params.bzero !== 0)) {
      bscale *= params.bscale;
      bzero = bzero * params.bscale + params.bzero;
    }
  } else if (params.constantScale !== undefined) {
    bscale = params.constantScale.zscale;
    bzero = params.constantScale.zzero;
  }
  if (bscale === 1 && bzero === 0) return { bscale: params.bscale, bzero: params.bzero };
  return { bscale, bzero };
}

/** An integer image's scaling and null value (BSCALE, BZERO, ZBLANK or BLANK). */
function storageScaling(params: CompressionParameters, tile: StoredTile): Scaling {
  const blank = tile.zblank ?? params.blank;
  return { bscale: params.bscale, bzero: params.bzero, blank: blank === undefined ? undefined : BigInt(blank) };
}

function bitpixOfColumn(type: string): Bitpix {
  switch (type) {
    case "B": return 8;
    case "I": return 16;
    case "J": return 32;
    case "K": return 64;
    case "E": return -32;
    case "D": return -64;
    default: throw new TileError(`UNCOMPRESSED_DATA has type ${type}, not numbers`);
  }
}

function inflate(bytes: Uint8Array): Uint8Array {
  try {
    const out = unzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (error) {
    throw new TileError(`gzip data is corrupt: ${(error as Error).message}`);
  }
}

/** GZIP_2: the bytes were grouped by significance (all first bytes, then all second bytes, …). */
export function unshuffle(bytes: Uint8Array, width: number): Uint8Array {
  if (width === 1) return bytes;
  const n = bytes.length / width;
  const out = new Uint8Array(bytes.length);
  for (let b = 0; b < width; b++) {
    const from = b * n;
    for (let i = 0; i < n; i++) out[i * width + b] = bytes[from + i]!;
  }
  return out;
}

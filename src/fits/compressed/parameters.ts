/**
 * How a tile-compressed image was compressed, from its table's header (FITS 4.0 §10.1–10.4):
 * the algorithm and its parameters, the image's BITPIX and axes, the tiles, the quantisation
 * of floating-point data, and where the per-tile scaling and null values are. Keyword defaults
 * and precedences are cfitsio's (imcomp_get_compressed_image_par), which writes the files. Pure.
 */
import type { Card } from "../card.js";
import { FitsError } from "../errors.js";
import type { FitsHeader } from "../header.js";
import type { Bitpix } from "../hdu-info.js";
import { tileTableOf, type TableColumn, type TileTable } from "./tile-table.js";

export type Algorithm = "RICE_1" | "GZIP_1" | "GZIP_2" | "NOCOMPRESS";
export type Quantization = "NONE" | "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";

export interface CompressionParameters {
  readonly algorithm: Algorithm;
  readonly bitpix: Bitpix;
  /** ZNAXIS1..n (FITS order). */
  readonly axes: readonly number[];
  /** ZTILE1..n: default a whole row (ZNAXIS1, 1, 1, …). */
  readonly tile: readonly number[];
  /** Tiles along each axis: ceil(axis / tile). */
  readonly tileCounts: readonly number[];
  /** RICE_1: pixels per coding block (BLOCKSIZE, default 32). */
  readonly blockSize: number;
  /** RICE_1: bytes per coded value (BYTEPIX, default 4). */
  readonly bytePix: 1 | 2 | 4;
  /**
   * How integers in the tiles map to the image's values: NONE for integer images and for
   * floating-point data stored losslessly (no ZSCALE/ZZERO columns, or ZQUANTIZ = 'NONE').
   */
  readonly quantization: Quantization;
  /** ZDITHER0: the first tile's offset in the random sequence (default 1). */
  readonly ditherSeed: number;
  readonly table: TileTable;
  readonly columns: {
    readonly compressed: TableColumn;
    readonly gzipFallback?: TableColumn;
    readonly uncompressedFallback?: TableColumn;
    readonly zscale?: TableColumn;
    readonly zzero?: TableColumn;
    readonly zblank?: TableColumn;
  };
  /** ZSCALE and ZZERO given as keywords (one value for every tile). */
  readonly constantScale?: { readonly zscale: number; readonly zzero: number };
  /** The null value of the tiles' integers when there is no ZBLANK column: ZBLANK, else BLANK. */
  readonly blank?: number;
  /** The table's BSCALE and BZERO (the image's scaling, copied to the table). */
  readonly bscale: number;
  readonly bzero: number;
}

const REFUSED = new Set(["HCOMPRESS_1", "PLIO_1", "BZIP2_1"]);

/** Whether a header is that of a tile-compressed image (a BINTABLE with ZIMAGE = T). */
export function isCompressedImageHeader(header: FitsHeader): boolean {
  const xtension = header.cards[0];
  const zimage = header.get("ZIMAGE")?.value;
  return (
    xtension?.keyword === "XTENSION" &&
    xtension.value?.type === "string" &&
    xtension.value.value.trim() === "BINTABLE" &&
    zimage?.type === "logical" &&
    zimage.value
  );
}

/** ZNAXIS1..n as far as they can be read, for choosing an HDU (undefined: not usable). */
export function compressedAxes(header: FitsHeader): number[] | undefined {
  const n = intValue(header.get("ZNAXIS"));
  if (n === undefined || n < 0 || n > 999) return undefined;
  const axes: number[] = [];
  for (let j = 1; j <= n; j++) {
    const v = intValue(header.get(`ZNAXIS${j}`));
    if (v === undefined || v < 0) return undefined;
    axes.push(v);
  }
  return axes;
}

export function compressionParameters(header: FitsHeader, file?: string): CompressionParameters {
  const type = stringValue(header, "ZCMPTYPE", file).trim().toUpperCase();
  if (REFUSED.has(type)) {
    throw new FitsError("UNSUPPORTED_COMPRESSION", `tile compression ${type} is not supported (RICE_1, GZIP_1, GZIP_2 and NOCOMPRESS are)`, file);
  }
  const algorithm: Algorithm | undefined =
    type === "RICE_1" || type === "RICE_ONE" ? "RICE_1" : type === "GZIP_1" || type === "GZIP_2" || type === "NOCOMPRESS" ? type : undefined;
  if (algorithm === undefined) throw new FitsError("UNSUPPORTED_COMPRESSION", `unknown tile compression ZCMPTYPE = '${type}'`, file);

  const bitpix = required(header, "ZBITPIX", file);
  if (![8, 16, 32, 64, -32, -64].includes(bitpix)) throw bad(`ZBITPIX = ${bitpix} is not a FITS BITPIX`, file);
  const naxis = required(header, "ZNAXIS", file);
  if (naxis < 1 || naxis > 999) throw bad(`ZNAXIS = ${naxis} is out of range`, file);
  const axes: number[] = [];
  const tile: number[] = [];
  const tileCounts: number[] = [];
  let tiles = 1;
  for (let j = 1; j <= naxis; j++) {
    const length = required(header, `ZNAXIS${j}`, file);
    if (length < 0) throw bad(`ZNAXIS${j} = ${length} is negative`, file);
    const card = header.get(`ZTILE${j}`);
    const size = card === undefined ? (j === 1 ? length : 1) : required(header, `ZTILE${j}`, file);
    if (size < 1) throw bad(`ZTILE${j} = ${size} must be at least 1`, file);
    axes.push(length);
    // A tile longer than its axis is clipped to it (cfitsio does the same).
    tile.push(Math.min(size, Math.max(1, length)));
    tileCounts.push(length === 0 ? 0 : Math.ceil(length / size));
    tiles *= tileCounts[j - 1]!;
  }

  const table = tileTableOf(header, file);
  if (tiles !== table.rows) throw bad(`the table has ${table.rows} rows but the image has ${tiles} tiles`, file);
  const column = (name: string): TableColumn | undefined => table.columns.get(name);
  const compressed = column("COMPRESSED_DATA");
  if (compressed?.descriptor === undefined) throw bad("no COMPRESSED_DATA column of variable-length arrays", file);
  const gzipFallback = column("GZIP_COMPRESSED_DATA");
  const uncompressedFallback = column("UNCOMPRESSED_DATA");
  for (const c of [gzipFallback, uncompressedFallback]) {
    if (c !== undefined && c.descriptor === undefined) throw bad(`column ${c.name} is not a variable-length array`, file);
  }
  const zscale = column("ZSCALE");
  const zzero = column("ZZERO");
  const zblank = column("ZBLANK");
  for (const c of [zscale, zzero, zblank]) {
    if (c !== undefined && (c.descriptor !== undefined || !"BIJKED".includes(c.type))) throw bad(`column ${c.name} is not a numeric column`, file);
  }

  // Algorithm parameters: by name (ZNAMEn = 'BLOCKSIZE', 'BYTEPIX'), else by position as
  // cfitsio reads them (ZVAL1, ZVAL2), else the defaults.
  let blockSize = 32;
  let bytePix = 4;
  if (algorithm === "RICE_1") {
    const named = namedParameters(header);
    const noisebit = named.has("NOISEBIT");
    blockSize = named.get("BLOCKSIZE") ?? intValue(header.get("ZVAL1")) ?? 32;
    bytePix = named.get("BYTEPIX") ?? (noisebit ? undefined : intValue(header.get("ZVAL2"))) ?? 4;
    if (blockSize < 16 && bytePix > 8) [blockSize, bytePix] = [bytePix, blockSize];
    if (blockSize < 1) throw bad(`RICE_1 BLOCKSIZE = ${blockSize} must be positive`, file);
    if (![1, 2, 4].includes(bytePix)) throw new FitsError("UNSUPPORTED_COMPRESSION", `RICE_1 with BYTEPIX = ${bytePix} is not supported (1, 2 or 4)`, file);
  }

  // Quantisation: only for floating-point images; without ZSCALE and ZZERO columns the
  // values are stored losslessly whatever ZQUANTIZ says (cfitsio).
  let quantization: Quantization = "NONE";
  if (bitpix < 0 && (zscale !== undefined || zzero !== undefined)) {
    const q = header.get("ZQUANTIZ")?.value;
    const method = q?.type === "string" ? q.value.trim().toUpperCase() : undefined;
    if (method === "NONE") quantization = "NONE";
    else if (method === "SUBTRACTIVE_DITHER_1" || method === "SUBTRACTIVE_DITHER_2") quantization = method;
    else quantization = "NO_DITHER"; // absent (before 2009), NO_DITHER, or unknown: plain scaling
  }
  const ditherSeed = intValue(header.get("ZDITHER0")) ?? 1;

  let constantScale: CompressionParameters["constantScale"];
  if (zscale === undefined && zzero === undefined) {
    const s = numberValue(header.get("ZSCALE"));
    const z = numberValue(header.get("ZZERO"));
    if (s !== undefined || z !== undefined) constantScale = { zscale: s ?? 1, zzero: z ?? 0 };
  }
  const blank = zblank === undefined ? intValue(header.get("ZBLANK")) ?? intValue(header.get("BLANK")) : undefined;
  const bscale = numberValue(header.get("BSCALE")) ?? 1;
  const bzero = numberValue(header.get("BZERO")) ?? 0;

  return {
    algorithm,
    bitpix: bitpix as Bitpix,
    axes,
    tile,
    tileCounts,
    blockSize,
    bytePix: bytePix as 1 | 2 | 4,
    quantization,
    ditherSeed,
    table,
    columns: { compressed, gzipFallback, uncompressedFallback, zscale, zzero, zblank },
    ...(constantScale !== undefined && { constantScale }),
    ...(blank !== undefined && { blank }),
    bscale,
    bzero,
  };
}

/** ZNAMEn = 'NAME' / ZVALn = integer pairs. */
function namedParameters(header: FitsHeader): Map<string, number> {
  const named = new Map<string, number>();
  for (let n = 1; n < 1000; n++) {
    const name = header.get(`ZNAME${n}`)?.value;
    if (name === undefined) break;
    if (name.type !== "string") continue;
    const value = intValue(header.get(`ZVAL${n}`));
    named.set(name.value.trim().toUpperCase(), value ?? Number.NaN);
  }
  return named;
}

function intValue(card: Card | undefined): number | undefined {
  const v = card?.value;
  if (v?.type === "integer") return Number(v.value);
  if (v?.type === "real" && Number.isInteger(v.value)) return v.value;
  return undefined;
}

function numberValue(card: Card | undefined): number | undefined {
  const v = card?.value;
  if (v?.type === "integer") return Number(v.value);
  if (v?.type === "real") return v.value;
  return undefined;
}

function required(header: FitsHeader, keyword: string, file?: string): number {
  const value = intValue(header.get(keyword));
  if (value === undefined) throw bad(`${keyword} is missing or not an integer`, file);
  return value;
}

function stringValue(header: FitsHeader, keyword: string, file?: string): string {
  const value = header.get(keyword)?.value;
  if (value?.type !== "string") throw bad(`${keyword} is missing or not a string`, file);
  return value.value;
}

function bad(what: string, file?: string): FitsError {
  return new FitsError("BAD_KEYWORD", `malformed tile-compressed image: ${what}`, file);
}

/**
 * Reading a tile-compressed image's pixels from its binary table: planes and windows are
 * assembled from rows of tiles (the tiles along NAXIS1 that share their place on the other
 * axes), decoded one row of tiles at a time and kept until a read needs another, so memory
 * stays proportional to one row of tiles whatever the image's size. With the default tiling
 * (one image row per tile) each tile is decoded once when planes are read in order; a tile that
 * spans several planes (ZTILE3 > 1) is decoded again for each plane it covers.
 */
import { FitsError, truncatedData } from "../errors.js";
import type { ByteSource } from "../source.js";
import type { CompressionParameters } from "./parameters.js";
import { decodeTile, TileError, type StoredTile } from "./tile-codec.js";
import { elementBytes, readDescriptor, readScalar, type TableColumn } from "./tile-table.js";

/** The rows of the table read ahead at a time (bytes), when the source can seek. */
const ROW_CHUNK = 1 << 20;
/**
 * The heap is read in windows of this many bytes (or one tile's, if larger): tiles are stored
 * in order, so most tiles come from the window already read (one request per tile would cost
 * more in request latency than the decoding itself).
 */
const HEAP_WINDOW = 4 << 20;

interface Band {
  /** Index of the row of tiles along NAXIS2, and of the tiles along NAXIS3 and NAXIS4. */
  readonly ty: number;
  readonly tz: number;
  readonly ts: number;
  /** Rows (along NAXIS2) and planes (NAXIS3 × NAXIS4 within the tile) the band holds. */
  readonly rows: number;
  readonly depth: number;
  readonly stokes: number;
  /** [stokes][channel][row][x] */
  readonly values: Float32Array;
}

export class CompressedImageReader {
  readonly #source: ByteSource;
  readonly #params: CompressionParameters;
  /** Where the table's data unit starts in the file. */
  readonly #dataStart: number;
  readonly #path: string;
  readonly #width: number;
  readonly #height: number;
  readonly #depth: number;
  readonly #stokes: number;
  #band: Band | undefined;
  #bandBuffer: Float32Array | undefined;
  #tileBuffer: Float32Array | undefined;
  /** Rows of the table read ahead: rows #rowsFirst.. (0-based), as bytes. */
  #rowsFirst = 0;
  #rows: Uint8Array = new Uint8Array(0);
  readonly #rowChunkRows: number;
  /** The heap bytes read last: heap offsets #heapFirst.. */
  #heapFirst = 0;
  #heap: Uint8Array = new Uint8Array(0);

  constructor(source: ByteSource, params: CompressionParameters, dataStart: number, shape: { width: number; height: number; depth: number; stokes: number }) {
    this.#source = source;
    this.#params = params;
    this.#dataStart = dataStart;
    this.#path = source.path;
    ({ width: this.#width, height: this.#height, depth: this.#depth, stokes: this.#stokes } = shape);
    const { rowBytes, rows } = params.table;
    // A gzip stream is read forwards; going back to the rows after reading the heap would
    // restart it, so its rows are read at once.
    this.#rowChunkRows = source.compressed ? rows : Math.max(1, Math.min(rows, Math.floor(ROW_CHUNK / Math.max(1, rowBytes))));
  }

  /**
   * Bytes this reader holds at most: one decoded row of tiles, one decoded tile and its stored
   * bytes (with the heap span read for the row of tiles), and the table rows read ahead.
   */
  static bufferBytes(params: CompressionParameters, compressedSource = false): number {
    const [t1 = 1, t2 = 1, t3 = 1, t4 = 1] = params.tile;
    const width = params.axes[0] ?? 1;
    const tilePixels = params.tile.reduce((a, b) => a * b, 1);
    const band = width * t2 * t3 * t4 * 4;
    const tile = tilePixels * (4 + 8 + 8);
    const heapSpan = Math.max(HEAP_WINDOW, tilePixels * 8);
    const rows = compressedSource ? params.table.rows * params.table.rowBytes : Math.min(ROW_CHUNK, params.table.rows * params.table.rowBytes);
    return band + tile + heapSpan + rows;
  }

  /** Plane `plane` (channel plane % depth of stokes ⌊plane / depth⌋) into `out` at `offset`. */
  async readPlane(plane: number, out: Float32Array, offset: number): Promise<void> {
    await this.readWindow(0, 0, this.#width, this.#height, plane, out, offset);
  }

  /** The window x..x+w-1, y..y+h-1 of one plane into `out` at `offset`, rows of w values. */
  async readWindow(x: number, y: number, w: number, h: number, plane: number, out: Float32Array, offset: number): Promise<void> {
    const z = plane % this.#depth;
    const s = Math.floor(plane / this.#depth);
    const [, t2 = 1, t3 = 1, t4 = 1] = this.#params.tile;
    const tz = Math.floor(z / t3);
    const ts = Math.floor(s / t4);
    for (let ty = Math.floor(y / t2); ty * t2 < y + h; ty++) {
      const band = await this.#bandAt(ty, tz, ts);
      const pi = (s - ts * t4) * band.depth + (z - tz * t3);
      const first = Math.max(y, ty * t2);
      const last = Math.min(y + h, ty * t2 + band.rows);
      for (let row = first; row < last; row++) {
        const from = (pi * band.rows + (row - ty * t2)) * this.#width + x;
        out.set(band.values.subarray(from, from + w), offset + (row - y) * w);
      }
    }
  }

  async #bandAt(ty: number, tz: number, ts: number): Promise<Band> {
    const cached = this.#band;
    if (cached !== undefined && cached.ty === ty && cached.tz === tz && cached.ts === ts) return cached;
    this.#band = undefined;
    const p = this.#params;
    const [t1 = 1, t2 = 1, t3 = 1, t4 = 1] = p.tile;
    const [nx = 1, ny = 1, nz = 1] = p.tileCounts;
    const rows = Math.min(t2, this.#height - ty * t2);
    const depth = Math.min(t3, this.#depth - tz * t3);
    const stokes = Math.min(t4, this.#stokes - ts * t4);
    const size = this.#width * rows * depth * stokes;
    if (this.#bandBuffer === undefined || this.#bandBuffer.length < size) this.#bandBuffer = new Float32Array(size);
    const values = this.#bandBuffer.subarray(0, size);
    const firstTile = nx * (ty + ny * (tz + nz * ts));
    const stored = await this.#storedTiles(firstTile, nx, (tx) => Math.min(t1, this.#width - tx * t1) * rows * depth * stokes);
    for (let tx = 0; tx < nx; tx++) {
      const tile = stored[tx]!;
      const tw = Math.min(t1, this.#width - tx * t1);
      if (this.#tileBuffer === undefined || this.#tileBuffer.length < tile.length) this.#tileBuffer = new Float32Array(tile.length);
      const decoded = this.#tileBuffer;
      try {
        decodeTile(p, tile, decoded);
      } catch (error) {
        if (error instanceof TileError) throw this.#corrupt(tile.number, error.message);
        throw error;
      }
      for (let k = 0; k < depth * stokes; k++) {
        for (let r = 0; r < rows; r++) {
          const from = (k * rows + r) * tw;
          values.set(decoded.subarray(from, from + tw), (k * rows + r) * this.#width + tx * t1);
        }
      }
    }
    const band: Band = { ty, tz, ts, rows, depth, stokes, values };
    this.#band = band;
    return band;
  }

  /** The stored data of tiles first..first+count-1 (0-based), one request for their heap bytes where possible. */
  async #storedTiles(first: number, count: number, lengthOf: (i: number) => number): Promise<StoredTile[]> {
    const p = this.#params;
    const { heapOffset, heapBytes } = p.table;
    const pending: { number: number; length: number; source: StoredTile["source"]; column: TableColumn; offset: number; bytes: number; row: Uint8Array }[] = [];
    for (let i = 0; i < count; i++) {
      const number = first + i + 1;
      const row = await this.#row(first + i);
      let column = p.columns.compressed;
      let source: StoredTile["source"] = "compressed";
      let d = readDescriptor(row, column);
      if (d.count === 0) {
        const fallback = p.columns.gzipFallback ?? p.columns.uncompressedFallback;
        if (fallback === undefined) throw this.#corrupt(number, "its COMPRESSED_DATA is empty and the table has no UNCOMPRESSED_DATA or GZIP_COMPRESSED_DATA column");
        const g = p.columns.gzipFallback !== undefined ? readDescriptor(row, p.columns.gzipFallback) : undefined;
        if (g !== undefined && g.count > 0) {
          column = p.columns.gzipFallback!;
          source = "gzip";
          d = g;
        } else if (p.columns.uncompressedFallback !== undefined) {
          column = p.columns.uncompressedFallback;
          source = "uncompressed";
          d = readDescriptor(row, column);
        }
        if (d.count === 0) throw this.#corrupt(number, "the tile has no data in any column");
      }
      const bytes = d.count * elementBytes(column.type);
      if (d.count < 0 || d.offset < 0 || d.offset + bytes > heapBytes) {
        throw this.#corrupt(number, `its ${column.name} array (${d.count} elements at heap byte ${d.offset}) lies outside the heap of ${heapBytes} bytes`);
      }
      pending.push({ number, length: lengthOf(i), source, column, offset: d.offset, bytes, row });
    }
    const tiles: StoredTile[] = [];
    for (const t of pending) {
      const bytes = await this.#heapBytes(t.offset, t.bytes, heapOffset, heapBytes);
      const scalar = (c: TableColumn | undefined): number | undefined => (c === undefined ? undefined : readScalar(t.row, c));
      const zscale = scalar(p.columns.zscale);
      const zzero = scalar(p.columns.zzero);
      const zblank = scalar(p.columns.zblank);
      tiles.push({
        number: t.number,
        length: t.length,
        source: t.source,
        type: t.column.type,
        bytes,
        ...(zscale !== undefined && { zscale }),
        ...(zzero !== undefined && { zzero }),
        ...(zblank !== undefined && { zblank }),
      });
    }
    return tiles;
  }

  /** `length` bytes at heap offset `offset`, from the heap window read last or a new one. */
  async #heapBytes(offset: number, length: number, heapOffset: number, heapBytes: number): Promise<Uint8Array> {
    if (offset < this.#heapFirst || offset + length > this.#heapFirst + this.#heap.length) {
      const size = Math.max(length, Math.min(HEAP_WINDOW, heapBytes - offset));
      this.#heap = await this.#readData(heapOffset + offset, size);
      this.#heapFirst = offset;
    }
    const at = offset - this.#heapFirst;
    return this.#heap.subarray(at, at + length);
  }

  /** Row `index` (0-based) of the table, from the rows read ahead. */
  async #row(index: number): Promise<Uint8Array> {
    const { rowBytes, rows } = this.#params.table;
    if (index < this.#rowsFirst || index >= this.#rowsFirst + this.#rows.length / rowBytes) {
      const count = Math.min(this.#rowChunkRows, rows - index);
      this.#rows = await this.#readData(index * rowBytes, count * rowBytes);
      this.#rowsFirst = index;
    }
    const at = (index - this.#rowsFirst) * rowBytes;
    return this.#rows.subarray(at, at + rowBytes);
  }

  /** `length` bytes at `offset` of the table's data unit. */
  async #readData(offset: number, length: number): Promise<Uint8Array> {
    const got = await this.#source.read(this.#dataStart + offset, length, new Uint8Array(length));
    if (got.length < length) {
      const { rowBytes, rows, heapOffset, heapBytes } = this.#params.table;
      throw truncatedData(Math.max(rowBytes * rows, heapOffset + heapBytes), offset + got.length, this.#path);
    }
    return got;
  }

  #corrupt(number: number, what: string): FitsError {
    return new FitsError("CORRUPT_DATA", `corrupt tile-compressed data: tile ${number} of ${this.#params.table.rows} (${this.#where(number)}): ${what}`, this.#path);
  }

  /** The pixels a tile covers, in FITS terms (1-based, inclusive). */
  #where(number: number): string {
    const { tile, tileCounts, axes } = this.#params;
    let rest = number - 1;
    const parts: string[] = [];
    for (let j = 0; j < axes.length; j++) {
      const n = tileCounts[j]!;
      const t = rest % n;
      rest = Math.floor(rest / n);
      if (axes[j]! <= 1) continue;
      const from = t * tile[j]! + 1;
      const to = Math.min(axes[j]!, (t + 1) * tile[j]!);
      parts.push(from === to ? `NAXIS${j + 1} ${from}` : `NAXIS${j + 1} ${from}-${to}`);
    }
    return parts.join(", ");
  }
}

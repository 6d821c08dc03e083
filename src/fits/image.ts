/**
 * A FITS image opened for reading: its header, its shape in the schema's terms, and reads of
 * planes, ranges of planes and tiles, delivered as float32 with BSCALE/BZERO/BLANK applied.
 * Nothing is read before it is asked for, and no buffer is sized by the header before the file
 * has been checked to hold that much data.
 */
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { decodeToFloat32, type Scaling } from "../kernels/byte-order.js";
import { filePlaneOf, headerAxes, planAxes, planShape, type AxisPlan } from "../schema/axes.js";
import { Checksum, compareChecksums, type ChecksumResult } from "./checksum.js";
import { FitsError, truncatedData } from "./errors.js";
import type { FitsHeader } from "./header.js";
import { describeHdu, type HduInfo } from "./hdu-info.js";
import { CompressedImageReader } from "./compressed/compressed-image.js";
import { compressedImageHeader } from "./compressed/image-header.js";
import { compressionParameters } from "./compressed/parameters.js";
import { parseHduSuffix, selectImageHdu, type Hdu, type HduSelector } from "./hdu.js";
import { openSource, type ByteSource, type FileDigest, type FitsInput } from "./source.js";

/** The image's shape in the schema's terms (FITS order: width = NAXIS1 fastest). */
export interface ImageShape {
  /** Number of axes kept: 2, 3 or 4 (degenerate axes beyond the fourth dropped). */
  readonly naxis: 2 | 3 | 4;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly stokes: number;
}

export interface OpenOptions {
  /** The HDU to read; overrides a `[..]` suffix of the path. */
  hdu?: HduSelector;
  /**
   * Sum the data unit as it is read, for verifyChecksums (default true; only done when the
   * header has CHECKSUM or DATASUM). false: verifyChecksums reads the whole data unit again.
   */
  checksum?: boolean;
  /** Hash the file as it is read, for fileDigest() (see ByteSource.finishHash). */
  hash?: boolean;
  /** Told of what is read but ignored: bytes after the last member of a gzip input. */
  onWarning?: (message: string) => void;
}

/**
 * The most a gzip file can expand to: deflate's best ratio is 1032:1 (a 258-byte match coded
 * in 2 bits). A header claiming more data than this bound is refused by checkClaimedSize.
 */
const GZIP_MAX_RATIO = 1032;

/** Bytes read from the file per request when streaming planes. */
const READ_CHUNK = 8 << 20;

export class FitsImage {
  readonly path: string;
  readonly hdu: Hdu;
  readonly shape: ImageShape;
  /**
   * Which FITS axes the shape's axes are (found from CTYPE; see src/schema/axes.ts). Planes are
   * numbered in the shape's order: when it differs from the file's, each plane is read from its
   * own place in the file.
   */
  readonly axes: AxisPlan;
  readonly scaling: Scaling;
  readonly #source: ByteSource;
  readonly #bytesPerValue: number;
  #scratch: Uint8Array | undefined;
  /** The read in progress: reads share the scratch buffer and the source's position, so they run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The sum of the data unit's bytes 0..length-1, read so far in order (FITS checksum); undefined: not kept. */
  #dataSum: Checksum | undefined;
  /** The file's plane index of a plane of the shape; undefined: the same. */
  readonly #filePlane: ((p: number) => number) | undefined;
  /**
   * The HDU as stored: the same as `hdu` for an image; for a tile-compressed image the binary
   * table (its header and data unit are what CHECKSUM/DATASUM and the file's size check cover).
   */
  readonly #stored: Hdu;
  /** The pixels of a tile-compressed image (addressed by the file's plane index); undefined for an uncompressed one. */
  readonly #tiles: CompressedImageReader | undefined;
  readonly #tileBufferBytes: number;

  private constructor(
    source: ByteSource,
    hdu: Hdu,
    axes: { shape: ImageShape; plan: AxisPlan },
    checksum: boolean,
    compressed?: { stored: Hdu; reader: CompressedImageReader; bufferBytes: number },
  ) {
    this.path = source.path;
    this.#source = source;
    this.hdu = hdu;
    this.shape = axes.shape;
    this.axes = axes.plan;
    this.#filePlane = filePlaneOf(axes.plan);
    this.#stored = compressed?.stored ?? hdu;
    this.#tiles = compressed?.reader;
    this.#tileBufferBytes = compressed?.bufferBytes ?? 0;
    this.#bytesPerValue = Math.abs(hdu.info.bitpix) / 8;
    this.scaling = { bscale: hdu.info.bscale, bzero: hdu.info.bzero, blank: hdu.info.blank };
    // A compressed image's table is read out of order (rows, then the heap): its sum is taken
    // by verifyChecksums, which reads the (compressed, hence small) data unit again.
    if (checksum && this.hasChecksums && this.#tiles === undefined) this.#dataSum = new Checksum();
  }

  /**
   * Open `spec` (a path, optionally with a cfitsio-style suffix `[1]`, `[SCI]`, `[SCI,2]`; or a
   * stream of a FITS file's bytes, plain or gzip, read once, such as `process.stdin`), find its
   * image HDU and check that the file is long enough for its data.
   */
  static async open(spec: FitsInput, options: OpenOptions = {}): Promise<FitsImage> {
    if (typeof spec !== "string") return FitsImage.#openSource(await openSource(spec, { hash: options.hash, onWarning: options.onWarning }), options);
    let path = spec;
    let selector = options.hdu;
    if (!existsSync(spec)) {
      let parsed: ReturnType<typeof parseHduSuffix>;
      try {
        parsed = parseHduSuffix(spec);
      } catch (error) {
        // A malformed `[..]` suffix: name the file part of the spec.
        if (error instanceof FitsError) error.withFile(spec.slice(0, spec.lastIndexOf("[")));
        throw error;
      }
      path = parsed.path;
      selector ??= parsed.selector;
    }
    return FitsImage.#openSource(await openSource(path, { hash: options.hash, onWarning: options.onWarning }), { ...options, hdu: selector });
  }

  static async #openSource(source: ByteSource, options: OpenOptions): Promise<FitsImage> {
    const path = source.path;
    try {
      const hdu = await selectImageHdu(source, options.hdu);
      const end = hdu.dataStart + hdu.info.dataBytes;
      if (source.size !== undefined && end > source.size) {
        throw truncatedData(hdu.info.dataBytes, Math.max(0, source.size - hdu.dataStart), path);
      }
      if (hdu.compressedImage !== undefined) {
        // A tile-compressed image: the converter sees the image's header (as cfitsio presents
        // it) and reads its pixels through the tiles, which are laid out in the file's axis order.
        const params = compressionParameters(hdu.header, path);
        const header = compressedImageHeader(hdu.header);
        const info = describeHdu(header, { primary: header.cards[0]?.keyword === "SIMPLE", file: path });
        const image: Hdu = { index: hdu.index, header, info, headerStart: hdu.headerStart, dataStart: hdu.dataStart, headerSum: hdu.headerSum };
        const axes = imageAxes(info, path, header);
        const reader = new CompressedImageReader(source, params, hdu.dataStart, imageShape(info, path));
        const bufferBytes = CompressedImageReader.bufferBytes(params, source.compressed);
        return new FitsImage(source, image, axes, options.checksum ?? true, { stored: hdu, reader, bufferBytes });
      }
      return new FitsImage(source, hdu, imageAxes(hdu.info, path, hdu.header), options.checksum ?? true);
    } catch (error) {
      await source.close();
      if (error instanceof FitsError) error.withFile(path);
      throw error;
    }
  }

  get header(): FitsHeader {
    return this.hdu.header;
  }

  get info(): HduInfo {
    return this.hdu.info;
  }

  get compressed(): boolean {
    return this.#source.compressed;
  }

  /** Whether the image is tile-compressed (fpack, `.fz`): a binary table of compressed tiles. */
  get tileCompressed(): boolean {
    return this.#tiles !== undefined;
  }

  /**
   * Whether readRawPlanes can deliver the planes' stored bytes (BITPIX encoding), for decoding
   * elsewhere. A tile-compressed image has none: its planes are decoded from the tiles.
   */
  get hasRawPlanes(): boolean {
    return this.#tiles === undefined;
  }

  /** Bytes the reader holds for decoding beyond its read chunk: one row of tiles, for a tile-compressed image. */
  get readerBufferBytes(): number {
    return this.#tileBufferBytes;
  }

  /** The HDU as stored (the binary table of a tile-compressed image; otherwise `hdu`). */
  get storedHdu(): Hdu {
    return this.#stored;
  }

  /** Read once from a stream (standard input): `path` names it, there is no file there to stat. */
  get fromStream(): boolean {
    return this.#source.fromStream;
  }

  /**
   * Refuse a header that claims more data than the file can hold, before buffers are sized by
   * it. open() has checked a plain file's size; a gzip file's decompressed size is not known
   * before its end is reached (reads of what is there work, and fail where data is missing), so
   * the claim is checked here against the most the compressed file can expand to. (A stream's
   * length is not known before its end: its reads fail where data is missing.)
   */
  async checkClaimedSize(): Promise<void> {
    if (!this.#source.compressed || this.#source.fromStream) return;
    const stored = (await stat(this.path)).size;
    const { dataStart, info } = this.#stored;
    if (dataStart + info.dataBytes > stored * GZIP_MAX_RATIO) {
      throw new FitsError(
        "TRUNCATED_DATA",
        `truncated data: the header needs ${info.dataBytes} bytes of data but the gzip file of ${stored} bytes ` +
          `cannot hold more than ${stored * GZIP_MAX_RATIO} bytes decompressed`,
        this.path,
      );
    }
  }

  /** Whether the header has CHECKSUM or DATASUM keywords to verify. */
  get hasChecksums(): boolean {
    const header = this.#stored.header;
    return header.has("CHECKSUM") || header.has("DATASUM");
  }

  /**
   * Verify DATASUM and CHECKSUM (when present; FITS 4.0 Appendix J) against the header's
   * blocks and the data unit, padding included. The data bytes already read in order were
   * summed as they came, so normally only the padding is read now (everything, when opened with
   * `checksum: false`). Padding missing at the end of the file counts as zeros. The result's
   * `problems` list each mismatch; it is empty when all is well or there is nothing to verify.
   */
  async verifyChecksums(): Promise<ChecksumResult> {
    return this.#serial(async () => {
      const sum = this.#dataSum ?? new Checksum();
      this.#dataSum = sum;
      const stored = this.#stored;
      const { dataBytes, paddedDataBytes } = stored.info;
      const chunk = this.#scratchOf(Math.min(READ_CHUNK, Math.max(1, paddedDataBytes - sum.length)));
      while (sum.length < paddedDataBytes) {
        const want = Math.min(chunk.length, paddedDataBytes - sum.length);
        const got = await this.#source.read(stored.dataStart + sum.length, want, chunk.subarray(0, want));
        sum.add(got);
        if (got.length < want) {
          if (sum.length < dataBytes) throw truncatedData(dataBytes, sum.length, this.path);
          sum.skipZeros(paddedDataBytes - sum.length);
        }
      }
      return compareChecksums(stored.header, stored.headerSum, sum.value);
    });
  }

  /** Values in one plane (width × height). */
  get planeSize(): number {
    return this.shape.width * this.shape.height;
  }

  /** Number of planes: depth × stokes. Plane p holds channel p % depth of stokes ⌊p / depth⌋. */
  get planeCount(): number {
    return this.shape.depth * this.shape.stokes;
  }

  /** Bytes of data in the file for one plane. */
  get planeBytes(): number {
    return this.planeSize * this.#bytesPerValue;
  }

  /**
   * Read `count` planes starting at plane `first` into `out` (at `outOffset`), as float32 in
   * raster order, planes one after another.
   */
  async readPlanes(first: number, count: number, out?: Float32Array, outOffset = 0): Promise<Float32Array> {
    this.#checkPlanes(first, count);
    if (!Number.isInteger(outOffset) || outOffset < 0) throw new RangeError(`readPlanes: bad output offset ${outOffset}`);
    const total = count * this.planeSize;
    const target = out ?? new Float32Array(total);
    if (target.length - outOffset < total) throw new RangeError("readPlanes: output array too small");
    const tiles = this.#tiles;
    if (tiles !== undefined) {
      await this.#serial(async () => {
        for (let i = 0; i < count; i++) await tiles.readPlane(this.#fileIndex(first + i), target, outOffset + i * this.planeSize);
      });
      return target;
    }
    const filePlane = this.#filePlane;
    if (filePlane === undefined) {
      await this.#serial(() => this.#readValues(first * this.planeSize, total, target, outOffset));
    } else {
      await this.#serial(async () => {
        for (let i = 0; i < count; i++) {
          await this.#readValues(filePlane(first + i) * this.planeSize, this.planeSize, target, outOffset + i * this.planeSize);
        }
      });
    }
    return target;
  }

  /**
   * Read the raw bytes of `count` planes starting at plane `first`, as stored (big-endian, BITPIX
   * encoding), into `into` — for decoding elsewhere (e.g. in place on a worker thread).
   */
  async readRawPlanes(first: number, count: number, into: Uint8Array): Promise<Uint8Array> {
    if (!this.hasRawPlanes) throw new Error("readRawPlanes: a tile-compressed image has no raw planes (see hasRawPlanes)");
    this.#checkPlanes(first, count);
    const length = count * this.planeBytes;
    if (into.length < length) throw new RangeError("readRawPlanes: output array too small");
    const target = into.subarray(0, length);
    const filePlane = this.#filePlane;
    if (filePlane === undefined) {
      await this.#serial(() => this.#readExact(first * this.planeBytes, length, target));
    } else {
      const bytes = this.planeBytes;
      await this.#serial(async () => {
        for (let i = 0; i < count; i++) await this.#readExact(filePlane(first + i) * bytes, bytes, target.subarray(i * bytes, (i + 1) * bytes));
      });
    }
    return target;
  }

  /** Read one plane: channel `channel` of stokes `stokes`. */
  async readPlane(channel: number, stokes = 0, out?: Float32Array): Promise<Float32Array> {
    const { depth, stokes: stokesCount } = this.shape;
    if (!Number.isInteger(channel) || channel < 0 || channel >= depth) {
      throw new RangeError(`readPlane: channel ${channel} outside 0..${depth - 1}`);
    }
    if (!Number.isInteger(stokes) || stokes < 0 || stokes >= stokesCount) {
      throw new RangeError(`readPlane: stokes ${stokes} outside 0..${stokesCount - 1}`);
    }
    return this.readPlanes(stokes * depth + channel, 1, out);
  }

  /**
   * Read a tile: the window x0..x0+w-1, y0..y0+h-1 of planes first..first+count-1, into `out`
   * as [plane][y][x] (x fastest).
   */
  async readTile(
    tile: { x: number; y: number; width: number; height: number; firstPlane: number; planeCount: number },
    out?: Float32Array,
  ): Promise<Float32Array> {
    const { x, y, width: w, height: h, firstPlane, planeCount } = tile;
    const { width, height } = this.shape;
    const integers = [x, y, w, h].every(Number.isInteger);
    if (!integers || x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
      throw new RangeError(`readTile: window ${x},${y} ${w}x${h} outside the ${width}x${height} plane`);
    }
    this.#checkPlanes(firstPlane, planeCount);
    const target = out ?? new Float32Array(w * h * planeCount);
    if (target.length < w * h * planeCount) throw new RangeError("readTile: output array too small");
    await this.#serial(() => this.#readTileInto(x, y, w, h, firstPlane, planeCount, target));
    return target;
  }

  async #readTileInto(x: number, y: number, w: number, h: number, firstPlane: number, planeCount: number, target: Float32Array): Promise<void> {
    const tiles = this.#tiles;
    if (tiles !== undefined) {
      for (let p = 0; p < planeCount; p++) await tiles.readWindow(x, y, w, h, this.#fileIndex(firstPlane + p), target, p * w * h);
      return;
    }
    const { width } = this.shape;
    if (w === width) {
      // Whole rows: one contiguous run per plane.
      for (let p = 0; p < planeCount; p++) {
        await this.#readValues(this.#fileIndex(firstPlane + p) * this.planeSize + y * width, w * h, target, p * w * h);
      }
      return;
    }
    // Partial rows: read bands of whole rows (from the window's first column of its first row
    // to its last column of its last row), at most READ_CHUNK bytes or one row at a time, so
    // that the scratch buffer does not grow with the tile height times the image width.
    const bpv = this.#bytesPerValue;
    const rowBytes = width * bpv;
    const rowsPerBand = Math.max(1, Math.min(h, Math.floor(READ_CHUNK / rowBytes)));
    for (let p = 0; p < planeCount; p++) {
      for (let r0 = 0; r0 < h; r0 += rowsPerBand) {
        const rows = Math.min(rowsPerBand, h - r0);
        const bandBytes = ((rows - 1) * width + w) * bpv;
        const band = this.#scratchOf(bandBytes);
        const start = (this.#fileIndex(firstPlane + p) * this.planeSize + (y + r0) * width + x) * bpv;
        await this.#readExact(start, bandBytes, band);
        for (let row = 0; row < rows; row++) {
          const from = row * rowBytes;
          decodeToFloat32(band.subarray(from, from + w * bpv), this.info.bitpix, w, target, (p * h + r0 + row) * w, this.scaling);
        }
      }
    }
  }

  /**
   * The SHA-256 of the whole file as stored, once the reads already asked for have finished:
   * opened with `hash: true`, only the bytes no read has touched are read now. A gzip input is
   * decompressed to its end on the way: a member cut short or failing its CRC-32 or size check
   * rejects (FitsError CORRUPT_GZIP). Before close().
   */
  fileDigest(): Promise<FileDigest> {
    return this.#serial(() => this.#source.finishHash());
  }

  /** Close the file once the reads already asked for have finished. */
  async close(): Promise<void> {
    await this.#serial(async () => {
      this.#scratch = undefined;
      await this.#source.close();
    });
  }

  /** Run `task` after every read queued before it (whether that read succeeded or failed). */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The file's index of plane `p` of the shape. */
  #fileIndex(p: number): number {
    return this.#filePlane === undefined ? p : this.#filePlane(p);
  }

  #checkPlanes(first: number, count: number): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > this.planeCount) {
      throw new RangeError(`planes ${first}..${first + count - 1} outside 0..${this.planeCount - 1}`);
    }
  }

  #scratchOf(bytes: number): Uint8Array {
    if (this.#scratch === undefined || this.#scratch.length < bytes) this.#scratch = new Uint8Array(bytes);
    return this.#scratch.subarray(0, bytes);
  }

  /** Decode `count` values starting at value index `firstValue` of the data unit. */
  async #readValues(firstValue: number, count: number, out: Float32Array, outOffset: number): Promise<void> {
    const bpv = this.#bytesPerValue;
    const perChunk = Math.max(1, Math.floor(READ_CHUNK / bpv));
    const scratch = this.#scratchOf(Math.min(count, perChunk) * bpv);
    for (let done = 0; done < count; ) {
      const n = Math.min(perChunk, count - done);
      const bytes = scratch.subarray(0, n * bpv);
      await this.#readExact((firstValue + done) * bpv, n * bpv, bytes);
      decodeToFloat32(bytes, this.info.bitpix, n, out, outOffset + done, this.scaling);
      done += n;
    }
  }

  /** Read exactly `length` bytes at `offset` of the data unit, or report the truncation. */
  async #readExact(offset: number, length: number, into: Uint8Array): Promise<void> {
    const got = await this.#source.read(this.hdu.dataStart + offset, length, into);
    if (got.length < length) {
      // A read that starts past the end gets nothing: the data's end is then known from the
      // source's size (known for gzip too once its end has been reached).
      const size = this.#source.size;
      const held = got.length > 0 || size === undefined ? offset + got.length : Math.max(0, size - this.hdu.dataStart);
      throw truncatedData(this.info.dataBytes, Math.min(held, this.info.dataBytes), this.path);
    }
    // The checksum: only bytes that extend the run summed so far from the start of the data
    // (reads out of order or with gaps leave it as it is; verifyChecksums reads what is missing).
    const summed = this.#dataSum?.length;
    if (summed !== undefined && offset <= summed && offset + length > summed) this.#dataSum!.add(got.subarray(summed - offset));
  }
}

/**
 * The schema's shape of an image HDU, or a clear refusal. Without the header, the axes are taken
 * in the file's order (as the reference does); with it, from CTYPE (see imageAxes).
 */
export function imageShape(info: HduInfo, path?: string, header?: FitsHeader): ImageShape {
  return imageAxes(info, path, header).shape;
}

/**
 * The schema's shape of an image HDU and which FITS axes it is made of: the spectral axis (or
 * the other axis CARTA takes as depth) becomes axis 3 and Stokes axis 4, found from the header's
 * CTYPEs as CARTA finds them (src/schema/axes.ts). An order the schema cannot hold is refused.
 */
export function imageAxes(info: HduInfo, path?: string, header?: FitsHeader): { shape: ImageShape; plan: AxisPlan } {
  const axes = info.axes;
  const n = axes.length;
  if (n < 2) {
    throw new FitsError("UNSUPPORTED_NAXIS", `NAXIS = ${n} is not supported: an image needs 2 to 4 axes`, path);
  }
  const result = planAxes(header !== undefined ? headerAxes(header, axes) : { lengths: axes, wcsAxes: n, ctypes: [] });
  if ("refused" in result) {
    throw new FitsError(result.reason === "naxis" ? "UNSUPPORTED_NAXIS" : "UNSUPPORTED_AXES", result.refused, path);
  }
  const zero = axes.findIndex((length) => length === 0);
  if (zero >= 0) throw new FitsError("NO_IMAGE", `the image has no pixels (NAXIS${zero + 1} = 0)`, path);
  return { shape: planShape(result.plan), plan: result.plan };
}

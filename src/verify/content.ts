/**
 * The values of an IDIA file, recomputed and compared, streaming with bounded memory. The
 * recomputation is the converter's own units of work (src/engine/unit-tasks.ts) on its worker
 * pool, so it runs on every thread; the comparisons run on the main thread as results arrive,
 * in order, while the next planes or windows are read:
 *
 * 1. Planes, one per task (from the FITS file when there is one, decoded on the workers; else
 *    from DATA itself): with the FITS file, DATA must equal each plane bit for bit; each plane's
 *    XY histogram and mipmaps are compared, and its XY statistics kept.
 * 2. The XY statistics, and for cubes the XYZ statistics combined from them.
 * 3. Cubes: windows through every channel are read back from DATA (as the slow mode does) for
 *    the Z statistics, the swizzled data (DATA transposed, bit for bit) and the XYZ histograms.
 *
 * Memory: a few planes (one per pipeline slot) and a few windows sharing a budget.
 */
import type { FitsImage } from "../fits/image.js";
import type { Hdf5Reader } from "../hdf5/reader.js";
import { combineChannelStats } from "../kernels/combine.js";
import type { PlaneStats } from "../kernels/plane-stats.js";
import { STAT_NAMES, statisticsPath, type Layout, type StatisticsGroup, type StatName } from "../schema/layout.js";
import { planeRing, verifyBuffers, windowInputBuffers, windowOutputBuffers, type PassBuffers } from "../engine/buffers.js";
import { trim, type Timer } from "../engine/job.js";
import { fitsPlaneReader, rawDecoding, runPlanePass, runWindowPass, type PlaneDone, type WindowDone } from "../engine/passes.js";
import { createPool, type UnitPool } from "../engine/pool.js";
import type { Window } from "../engine/tile-unit.js";
import { compareBits, compareCounts, compareInt64, compareValues, type Differences, type Slab } from "./differences.js";

export interface ContentOptions {
  /** The FITS image the file was converted from (same shape): DATA is compared with it. */
  readonly image?: FitsImage;
  /** Threads computing (1: on the main thread). */
  readonly threads: number;
  /** Bytes of DATA read at a time when a plane is larger (a band of rows). */
  readonly batchBytes: number;
  /** Bytes of the windows through every channel in flight together (at least one pixel's spectrum each). */
  readonly windowBytes: number;
  readonly signal?: AbortSignal;
  /** Where the seconds reading (HDF5 and FITS) and comparing go. */
  readonly timer: Timer;
  /** Called after each plane and each window. */
  readonly onProgress?: (progress: ContentProgress) => void;
}

export interface ContentProgress {
  /** "planes": DATA against the FITS planes, XY histograms, mipmaps; "tiles": the windows through every channel. */
  readonly stage: "planes" | "tiles";
  /** Fraction of the whole comparison done (0..1), by the bytes the units done read. */
  readonly fraction: number;
  /** Bytes read so far, of the HDF5 file and of the FITS file. */
  readonly bytesRead: number;
  /** Bytes the comparison reads in all (less when a dataset is given up after its differences). */
  readonly bytesTotal: number;
}

/** Compares every value; returns the bytes read from the HDF5 file. */
export async function checkContent(
  reader: Hdf5Reader,
  layout: Layout,
  usable: ReadonlySet<string>,
  diffs: Differences,
  options: ContentOptions,
): Promise<number> {
  const pool = createPool(options.threads);
  try {
    const check = new ContentCheck(reader, layout, usable, diffs, options, pool);
    await check.planes();
    const xyz = check.summaryStatistics();
    await check.windows(xyz);
    return check.bytesRead;
  } finally {
    await pool.close();
  }
}

class ContentCheck {
  bytesRead = 0;
  readonly #reader: Hdf5Reader;
  readonly #layout: Layout;
  readonly #usable: ReadonlySet<string>;
  readonly #diffs: Differences;
  readonly #options: ContentOptions;
  readonly #pool: UnitPool;
  readonly #naxis: number;
  /** Recomputed XY statistics of every plane, plane = stokes * depth + channel. */
  readonly #min: Float32Array;
  readonly #max: Float32Array;
  readonly #sum: Float64Array;
  readonly #sumSq: Float64Array;
  readonly #nanCount: Float64Array;
  /** Plane slots and windows, as src/engine/buffers.ts plans them for verify. */
  readonly #buffers: PassBuffers;
  readonly #windowList: readonly Window[];
  /** Bytes each plane reads (HDF5 and FITS), and all units together, for progress. */
  readonly #planeBytes: number;
  readonly #total: number;
  /** Bytes the units done so far read, for progress. */
  #done = 0;
  /** Bytes read from the FITS file. */
  #fitsBytes = 0;

  constructor(reader: Hdf5Reader, layout: Layout, usable: ReadonlySet<string>, diffs: Differences, options: ContentOptions, pool: UnitPool) {
    this.#reader = reader;
    this.#layout = layout;
    this.#usable = usable;
    this.#diffs = diffs;
    this.#options = options;
    this.#pool = pool;
    const { naxis, width, height, depth, stokes } = layout.shape;
    this.#naxis = naxis;
    const planes = depth * stokes;
    this.#min = new Float32Array(planes);
    this.#max = new Float32Array(planes);
    this.#sum = new Float64Array(planes);
    this.#sumSq = new Float64Array(planes);
    this.#nanCount = new Float64Array(planes);
    this.#buffers = verifyBuffers(layout.shape, pool.threads, options.windowBytes);
    this.#windowList = this.#buffers.windows?.windows ?? [];
    const mipmapBytes = layout.mipLevels.reduce((n, l) => n + l.width * l.height * 4, 0);
    this.#planeBytes = width * height * 4 + (options.image?.planeBytes ?? 0) + layout.numBins * 8 + mipmapBytes;
    const windowBytes = this.#windowList.reduce((n, w) => n + this.#windowBytes(w), 0);
    this.#total = planes * this.#planeBytes + stokes * windowBytes;
  }

  /** Bytes a window reads: DATA and the swizzled data through every channel, and the Z statistics. */
  #windowBytes(w: Window): number {
    const pixels = w.width * w.height;
    return pixels * (2 * this.#layout.shape.depth * 4 + 4 * 4 + 8);
  }

  // -- reading ---------------------------------------------------------------------------------

  /** Whether a dataset is worth reading: present with the right shape and type, and not already given up on. */
  #wanted(path: string): boolean {
    return this.#usable.has(path) && !this.#diffs.done(path);
  }

  /** Reusable read buffers by role (a role's values are used before its next read). */
  readonly #float32 = new Map<string, Float32Array>();
  readonly #int64 = new Map<string, BigInt64Array>();

  /** A slab (default: the whole dataset) of a float32 dataset, in the role's buffer. */
  #readFloat32(path: string, slab: Slab | undefined, role: string): Float32Array {
    return this.#readSlab(path, slab, role, this.#float32, (n) => new Float32Array(n));
  }

  /** A slab (default: the whole dataset) of an int64 dataset, in the role's buffer. */
  #readInt64(path: string, slab: Slab | undefined, role: string): BigInt64Array {
    return this.#readSlab(path, slab, role, this.#int64, (n) => new BigInt64Array(n));
  }

  #readSlab<T extends Float32Array | BigInt64Array>(path: string, slab: Slab | undefined, role: string, buffers: Map<string, T>, make: (n: number) => T): T {
    const s = slab ?? this.#whole(path);
    const n = s.count.reduce((a, b) => a * b, 1);
    let buffer = buffers.get(role);
    if (buffer === undefined || buffer.length < n) buffers.set(role, (buffer = make(n)));
    const target = buffer.subarray(0, n) as T;
    const values = this.#options.timer.timeSync("read", () => this.#reader.readInto(path, s.start, s.count, target));
    this.bytesRead += values.byteLength;
    return values;
  }

  #whole(path: string): Slab {
    const shape = this.#reader.datasetInfo(path).shape;
    return { start: shape.map(() => 0), count: shape };
  }

  /**
   * DATA's plane z of stokes s, whole when it fits one batch of bytes, else a band of rows at
   * a time: `use(band, offset, slab)` gets each piece and where it starts in the plane.
   */
  #dataBands(s: number, z: number, use: (band: Float32Array, offset: number, slab: Slab) => void, into?: Float32Array): void {
    const { width, height } = this.#layout.shape;
    const naxis = this.#naxis;
    const rows = Math.max(1, Math.min(height, Math.floor(this.#options.batchBytes / (width * 4))));
    for (let y = 0; y < height; y += rows) {
      const h = Math.min(rows, height - y);
      const slab: Slab = { start: trim([s, z, y, 0], naxis), count: trim([1, 1, h, width], naxis) };
      if (into !== undefined) {
        const band = into.subarray(y * width, (y + h) * width);
        this.#options.timer.timeSync("read", () => this.#reader.readInto(this.#layout.data.path, slab.start, slab.count, band));
        this.bytesRead += band.byteLength;
        use(band, y * width, slab);
      } else {
        use(this.#readFloat32(this.#layout.data.path, slab, "data"), y * width, slab);
      }
    }
  }

  #progress(stage: ContentProgress["stage"], bytes: number): void {
    this.#done += bytes;
    this.#options.onProgress?.({
      stage,
      fraction: this.#total === 0 ? 1 : Math.min(1, this.#done / this.#total),
      bytesRead: this.bytesRead + this.#fitsBytes,
      bytesTotal: this.#total,
    });
  }

  /** Bytes read from both files. */
  get totalBytesRead(): number {
    return this.bytesRead + this.#fitsBytes;
  }

  /** Comparisons on the main thread, timed as computing. */
  #compare(work: () => void): void {
    this.#options.timer.timeSync("compute", work);
  }

  // -- 1. planes -------------------------------------------------------------------------------

  async planes(): Promise<void> {
    const layout = this.#layout;
    const { depth } = layout.shape;
    const naxis = this.#naxis;
    const bins = layout.numBins;
    const image = this.#options.image;
    // Integer and float32 data are decoded on the workers, in place, as the converter does.
    const raw = image === undefined ? undefined : rawDecoding(image);
    const fitsPlane = image === undefined ? undefined : fitsPlaneReader(image, raw, this.#options.timer);
    const histPath = statisticsPath("XY", "HISTOGRAM");

    const finish = (done: PlaneDone): void => {
      const { p, stats, values: plane, results: views } = done;
      const s = Math.floor(p / depth);
      const z = p % depth;
      this.#min[p] = stats.min;
      this.#max[p] = stats.max;
      this.#sum[p] = stats.sum;
      this.#sumSq[p] = stats.sumSq;
      this.#nanCount[p] = stats.nanCount;
      if (image !== undefined && this.#wanted(layout.data.path)) {
        this.#dataBands(s, z, (band, offset, slab) => this.#compare(() => compareBits(this.#diffs, layout.data.path, slab, plane.subarray(offset, offset + band.length), band)));
      }
      if (this.#wanted(histPath)) {
        const slab: Slab = { start: trim([s, z, 0], naxis - 1), count: trim([1, 1, bins], naxis - 1) };
        const found = this.#readInt64(histPath, slab, "histogram");
        this.#compare(() => compareCounts(this.#diffs, histPath, slab, views.histogram, found));
      }
      layout.mipmaps.forEach((dataset, i) => {
        if (!this.#wanted(dataset.path)) return;
        const l = layout.mipLevels[i]!;
        const slab: Slab = { start: trim([s, z, 0, 0], naxis), count: trim([1, 1, l.height, l.width], naxis) };
        const found = this.#readFloat32(dataset.path, slab, "mipmap");
        this.#compare(() => compareValues(this.#diffs, dataset.path, slab, views.mipmaps[i]!, found));
      });
      this.#progress("planes", this.#planeBytes);
    };

    this.#progress("planes", 0); // the stage starts (a line of its own in a log file)
    await runPlanePass({
      pool: this.#pool,
      layout,
      ...planeRing(layout, this.#buffers.planeSlots),
      raw,
      // From the FITS file when there is one, else DATA itself.
      read: async (p, into) => {
        if (fitsPlane === undefined) {
          this.#dataBands(Math.floor(p / depth), p % depth, () => undefined, into);
        } else {
          await fitsPlane(p, into);
          this.#fitsBytes += image!.planeBytes;
        }
      },
      finish,
      signal: this.#options.signal,
      cancelUnits: true,
    });
  }

  // -- 2. XY and XYZ statistics ----------------------------------------------------------------

  /** Compares the XY statistics and, for cubes, the XYZ ones; returns the XYZ statistics of each stokes. */
  summaryStatistics(): PlaneStats[] {
    const layout = this.#layout;
    const { depth, stokes } = layout.shape;
    const naxis = this.#naxis;
    this.#compareStats("XY", trim([stokes, depth], naxis - 2), this.#min, this.#max, this.#sum, this.#sumSq, this.#nanCount);
    if (!layout.hasDepth) return [];
    const xyz = Array.from({ length: stokes }, (_, s) => combineChannelStats(this.#min, this.#max, this.#sum, this.#sumSq, this.#nanCount, s * depth, depth));
    this.#compareStats(
      "XYZ",
      trim([stokes], naxis - 3),
      Float32Array.from(xyz, (x) => x.min),
      Float32Array.from(xyz, (x) => x.max),
      Float64Array.from(xyz, (x) => x.sum),
      Float64Array.from(xyz, (x) => x.sumSq),
      Float64Array.from(xyz, (x) => x.nanCount),
    );
    return xyz;
  }

  #compareStats(group: StatisticsGroup, dims: number[], min: Float32Array, max: Float32Array, sum: Float64Array, sumSq: Float64Array, nanCount: Float64Array): void {
    const whole: Slab = { start: dims.map(() => 0), count: dims };
    const values = (name: StatName, expected: Float32Array): void => {
      const path = statisticsPath(group, name);
      if (this.#wanted(path)) compareValues(this.#diffs, path, whole, expected, this.#readFloat32(path, undefined, "statistics"));
    };
    values("MIN", min);
    values("MAX", max);
    // The float64 sums stored as float32, rounded to nearest (as the converter stores them).
    values("SUM", Float32Array.from(sum));
    values("SUM_SQ", Float32Array.from(sumSq));
    const path = statisticsPath(group, "NAN_COUNT");
    if (this.#wanted(path)) compareCounts(this.#diffs, path, whole, nanCount, this.#readInt64(path, undefined, "statistics"));
  }

  // -- 3. windows: Z statistics, swizzled data, XYZ histograms -------------------------------------

  async windows(xyz: readonly PlaneStats[]): Promise<void> {
    const layout = this.#layout;
    if (!layout.hasDepth) return;
    const { depth, stokes } = layout.shape;
    const naxis = this.#naxis;
    const bins = layout.numBins;
    const swizzledPath = layout.swizzled!.path;
    const zPath = (name: StatName): string => statisticsPath("Z", name);
    const histPath = statisticsPath("XYZ", "HISTOGRAM");
    const windows = this.#windowList;
    const anything = (): boolean =>
      [swizzledPath, histPath, ...STAT_NAMES.map(zPath)].some((p) => this.#wanted(p));
    if (!anything()) return;
    this.#progress("tiles", 0);

    const plan = this.#buffers.windows!;
    const { capacity } = plan;
    const inputs = windowInputBuffers(plan, depth);
    const outputs = windowOutputBuffers(plan, depth);
    const histograms = new Float64Array(stokes * bins);

    for (let s = 0; s < stokes; s++) {
      const finish = (done: WindowDone): void => {
        const { window: w, outputs: out } = done;
        const zSlab: Slab = { start: trim([s, w.y, w.x], naxis - 1), count: trim([1, w.height, w.width], naxis - 1) };
        const z = (name: StatName, expected: Float32Array): void => {
          if (!this.#wanted(zPath(name))) return;
          const found = this.#readFloat32(zPath(name), zSlab, "z");
          this.#compare(() => compareValues(this.#diffs, zPath(name), zSlab, expected, found));
        };
        z("MIN", out.min);
        z("MAX", out.max);
        z("SUM", out.sum);
        z("SUM_SQ", out.sumSq);
        if (this.#wanted(zPath("NAN_COUNT"))) {
          const found = this.#readInt64(zPath("NAN_COUNT"), zSlab, "z");
          this.#compare(() => compareInt64(this.#diffs, zPath("NAN_COUNT"), zSlab, out.nanCount, found));
        }
        if (this.#wanted(swizzledPath)) {
          const slab: Slab = { start: trim([s, w.x, w.y, 0], naxis), count: trim([1, w.width, w.height, depth], naxis) };
          const found = this.#readFloat32(swizzledPath, slab, "swizzled");
          this.#compare(() => compareBits(this.#diffs, swizzledPath, slab, out.swizzled, found));
        }
        this.#progress("tiles", this.#windowBytes(w));
      };
      const read = (w: Window, values: Float32Array): void => {
        this.#options.timer.timeSync("read", () => this.#reader.readInto(layout.data.path, trim([s, 0, w.y, w.x], naxis), trim([1, depth, w.height, w.width], naxis), values));
        this.bytesRead += values.byteLength;
      };
      await runWindowPass({
        pool: this.#pool,
        layout,
        windows,
        outputs,
        capacity,
        source: { kind: "read", inputs, read },
        xyz: xyz[s]!,
        histogram: histograms.subarray(s * bins, (s + 1) * bins),
        finish,
        signal: this.#options.signal,
        cancelUnits: true,
      });
    }
    if (this.#wanted(histPath)) {
      const slab: Slab = { start: trim([0, 0], naxis - 2), count: trim([stokes, bins], naxis - 2) };
      compareCounts(this.#diffs, histPath, slab, histograms, this.#readInt64(histPath, undefined, "statistics"));
    }
  }
}

/**
 * The conversion: FITS image → IDIA HDF5 file, in fast or slow mode. Both modes run the same
 * units of work (plane units, then tile units for cubes) and differ only in buffering:
 * - fast: one stokes of the cube in memory; planes come from it, windows are strips of whole
 *   columns gathered from it;
 * - slow: one plane in memory at a time; afterwards, windows of 512×512 pixels through all
 *   channels are read back from the written DATA.
 * Results are written by position, so the files are identical whatever the order of the units.
 */
import { statSync } from "node:fs";
import { FitsImage } from "../fits/image.js";
import type { HduSelector } from "../fits/hdu.js";
import { openWriter, type Hdf5Writer } from "../hdf5/writer.js";
import { headerAttributes } from "../schema/header-attributes.js";
import { layoutOf, TILE, type Layout } from "../schema/layout.js";
import { OutputFile } from "./output-file.js";
import { PlaneUnit, type PlaneResult } from "./plane-unit.js";
import { ProgressTracker, type ProgressCallback } from "./progress.js";
import { ChannelStats, ConversionScratch, toFloat32, toInt64 } from "./stats-store.js";
import { gatherWindow, TileUnit, windowsOf, type TileResult, type Window } from "./tile-unit.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";

import { DEFAULT_BATCH_BYTES, type Mode } from "./defaults.js";
import { planConversion, type ConversionPlan } from "./plan.js";

export type { Mode };

export interface ConvertOptions {
  /**
   * "fast" (one stokes of the cube in memory), "slow" (one plane at a time) or "auto" (the
   * default): fast mode when its predicted memory fits in the memory available, else slow.
   */
  mode?: Mode | "auto";
  /** The older spelling of `mode`: true ⇒ slow, false ⇒ fast (absent: `mode` decides). */
  slow?: boolean;
  /**
   * The run's memory limit in bytes (0 = none): a mode predicted above it is refused, and it
   * is the memory taken as available. The administrator's rc file still applies (the lower wins).
   */
  memoryLimit?: number;
  /** Threads (default: SLURM_CPUS_PER_TASK, else OMP_NUM_THREADS, else the available parallelism). */
  threads?: number;
  /** Environment for Slurm, OpenMP and FITS2IDIA_RC variables (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The administrator's rc file (default: FITS2IDIA_RC, else /etc/fits2idiarc); false: none. */
  rcFile?: string | false;
  /** Called once the mode is chosen, before any output is created. */
  onPlan?: (plan: ConversionPlan) => void;
  /** The HDU to convert (overrides a `[..]` suffix of the input path). */
  hdu?: HduSelector;
  /** Called as units of work complete. */
  onProgress?: ProgressCallback;
  /** Called for each warning (header values kept as text, shortened strings, …). */
  onWarning?: (message: string) => void;
  /** Cancels the conversion: no output and no temporary file are left. */
  signal?: AbortSignal;
  /** Window size of the slow mode's tile pass (default 512, the schema's tile). */
  tileSize?: number;
  /** Upper bound of the bytes of one buffer in fast mode's batches (default 64 MiB). */
  batchBytes?: number;
}

export interface ConvertReport {
  readonly input: string;
  readonly output: string;
  readonly mode: Mode;
  /** Why this mode, in one line: `requested; predicted …`, or the automatic choice's reason. */
  readonly reason: string;
  /** Predicted peak memory of the mode, bytes (src/engine/memory.ts). */
  readonly predictedBytes: number;
  /** Threads the conversion was given. */
  readonly threads: number;
  readonly shape: { naxis: number; width: number; height: number; depth: number; stokes: number };
  /** Seconds: total, and time spent reading input, computing, and writing output. */
  readonly seconds: { total: number; read: number; compute: number; write: number };
  /** Bytes of image data in the input (as stored in the FITS file). */
  readonly bytesIn: number;
  /** Size of the output file. */
  readonly bytesOut: number;
  /** Peak resident memory of the process so far, in bytes. */
  readonly peakRssBytes: number;
  readonly warnings: readonly string[];
}

class Timer {
  read = 0;
  compute = 0;
  write = 0;
  async time<T>(kind: "read" | "compute" | "write", work: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this[kind] += (performance.now() - start) / 1000;
    }
  }
  timeSync<T>(kind: "read" | "compute" | "write", work: () => T): T {
    const start = performance.now();
    try {
      return work();
    } finally {
      this[kind] += (performance.now() - start) / 1000;
    }
  }
}

const trim = <T>(full: readonly T[], keep: number): T[] => full.slice(full.length - keep);

export async function convert(input: string, output: string, options: ConvertOptions = {}): Promise<ConvertReport> {
  const started = performance.now();
  const signal = options.signal;
  signal?.throwIfAborted();
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };

  const image = await FitsImage.open(input, { hdu: options.hdu });
  const out = new OutputFile(output);
  let writer: Hdf5Writer | undefined;
  try {
    // Mode, threads and memory limits from the shape alone, before any output is created.
    const plan = planConversion(image.shape, options);
    plan.warnings.forEach(warn);
    options = { ...options, mode: plan.mode, threads: plan.threads };
    options.onPlan?.(plan);
    signal?.throwIfAborted();
    await out.check();
    const layout = layoutOf(image.shape);
    const mode: Mode = plan.mode;
    const timer = new Timer();
    const progress = new ProgressTracker(options.onProgress, image.info.dataBytes, layout.hasDepth);
    progress.report("open", 0, 0);

    writer = await openWriter(out.temporary);
    writeStructure(writer, layout, image, warn);

    const job: Job = { image, layout, writer, timer, progress, signal, options, scratch: new ConversionScratch() };
    if (mode === "fast") await convertFast(job);
    else await convertSlow(job);

    signal?.throwIfAborted();
    progress.report("finish", 1);
    await timer.time("write", () => writer!.close());
    writer = undefined;
    await out.commit();
    return {
      input,
      output,
      mode,
      reason: plan.reason,
      predictedBytes: plan.predictedBytes,
      threads: plan.threads,
      shape: { ...image.shape },
      seconds: { total: (performance.now() - started) / 1000, read: timer.read, compute: timer.compute, write: timer.write },
      bytesIn: image.info.dataBytes,
      bytesOut: statSync(output).size,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      warnings,
    };
  } finally {
    if (writer !== undefined) {
      try {
        writer.close();
      } catch {
        // The run already failed; the temporary file goes next.
      }
    }
    await out.discard();
    await image.close();
  }
}

interface Job {
  readonly image: FitsImage;
  readonly layout: Layout;
  readonly writer: Hdf5Writer;
  readonly timer: Timer;
  readonly progress: ProgressTracker;
  readonly signal: AbortSignal | undefined;
  readonly options: ConvertOptions;
  readonly scratch: ConversionScratch;
}

/** Groups, attributes and every dataset (storage filled later), and the PermutedData link. */
function writeStructure(writer: Hdf5Writer, layout: Layout, image: FitsImage, warn: (m: string) => void): void {
  const attributes = headerAttributes(image.header, image.shape, { name: CONVERTER_NAME, version: CONVERTER_VERSION });
  attributes.warnings.forEach(warn);
  for (const group of layout.groups) writer.createGroup(group, group === "0");
  writer.setAttributes("0", attributes.group0);
  if (attributes.root.length > 0) writer.setAttributes("/", attributes.root);
  const datasets = [layout.data, ...(layout.swizzled ? [layout.swizzled] : []), ...layout.mipmaps, ...layout.statistics];
  for (const d of datasets) writer.createDataset({ path: d.path, shape: [...d.shape], dtype: d.dtype, chunks: d.chunks ? [...d.chunks] : undefined });
  if (layout.hasDepth) writer.hardLink("0/SwizzledData", "0/PermutedData");
}

/** Write one plane's histogram and mipmaps; keep its statistics for the end. */
function writePlaneResult(job: Job, stokes: number, channel: number, result: PlaneResult): void {
  const { layout, writer, scratch } = job;
  const { naxis } = layout.shape;
  writer.writeSlab("0/Statistics/XY/HISTOGRAM", trim([stokes, channel, 0], naxis - 1), trim([1, 1, layout.numBins], naxis - 1), scratch.int64(result.histogram));
  layout.mipmaps.forEach((dataset, i) => {
    const level = layout.mipLevels[i]!;
    writer.writeSlab(dataset.path, trim([stokes, channel, 0, 0], naxis), trim([1, 1, level.height, level.width], naxis), result.mipmaps[i]!);
  });
}

/** DATA slab of `count` planes of one stokes starting at `channel`. */
function writeData(job: Job, stokes: number, channel: number, count: number, values: Float32Array): void {
  const { width, height, naxis } = job.layout.shape;
  job.writer.writeSlab("0/DATA", trim([stokes, channel, 0, 0], naxis), trim([1, count, height, width], naxis), values);
}

/** The tile pass's outputs for one window: swizzled values and Z statistics. */
function writeTileResult(job: Job, stokes: number, result: TileResult): void {
  const { writer, layout, scratch } = job;
  const { naxis, depth } = layout.shape;
  const w: Window = result.window;
  // The window's rotation is [width][height][depth]: runs of columns are contiguous, so it is
  // written in pieces of at most one batch, which bounds the copy in the wasm heap.
  const columnValues = w.height * depth;
  const columnsPerSlab = Math.max(1, Math.floor(DEFAULT_BATCH_BYTES / 4 / columnValues));
  for (let x = 0; x < w.width; x += columnsPerSlab) {
    const n = Math.min(columnsPerSlab, w.width - x);
    const piece = result.swizzled.subarray(x * columnValues, (x + n) * columnValues);
    writer.writeSlab(layout.swizzled!.path, trim([stokes, w.x + x, w.y, 0], naxis), trim([1, n, w.height, depth], naxis), piece);
  }
  const start = trim([stokes, w.y, w.x], naxis - 1);
  const count = trim([1, w.height, w.width], naxis - 1);
  const z = result.zStats;
  writer.writeSlab("0/Statistics/Z/MIN", start, count, z.min);
  writer.writeSlab("0/Statistics/Z/MAX", start, count, z.max);
  writer.writeSlab("0/Statistics/Z/SUM", start, count, scratch.float32(z.sum));
  writer.writeSlab("0/Statistics/Z/SUM_SQ", start, count, scratch.float32(z.sumSq));
  writer.writeSlab("0/Statistics/Z/NAN_COUNT", start, count, scratch.int64(z.nanCount));
}

/** XY statistics of every plane and, for cubes, the XYZ statistics and histograms. */
function writeSummaryStatistics(job: Job, channels: ChannelStats, xyzHistograms: Float64Array[]): void {
  const { writer, layout } = job;
  const { stokes, depth } = layout.shape;
  const put = (group: string, min: ArrayLike<number>, max: ArrayLike<number>, sum: ArrayLike<number>, sumSq: ArrayLike<number>, nan: ArrayLike<number>): void => {
    writer.writeAll(`0/Statistics/${group}/MIN`, toFloat32(min));
    writer.writeAll(`0/Statistics/${group}/MAX`, toFloat32(max));
    writer.writeAll(`0/Statistics/${group}/SUM`, toFloat32(sum));
    writer.writeAll(`0/Statistics/${group}/SUM_SQ`, toFloat32(sumSq));
    writer.writeAll(`0/Statistics/${group}/NAN_COUNT`, toInt64(nan));
  };
  put("XY", channels.min, channels.max, channels.sum, channels.sumSq, channels.nanCount);
  if (!layout.hasDepth) return;
  const xyz = Array.from({ length: stokes }, (_, s) => channels.combine(s * depth, depth));
  put("XYZ", xyz.map((x) => x.min), xyz.map((x) => x.max), xyz.map((x) => x.sum), xyz.map((x) => x.sumSq), xyz.map((x) => x.nanCount));
  const hist = new Float64Array(stokes * layout.numBins);
  xyzHistograms.forEach((h, s) => hist.set(h, s * layout.numBins));
  writer.writeAll("0/Statistics/XYZ/HISTOGRAM", toInt64(hist));
}

/** Planes per batch so that one batch stays below `batchBytes`. */
function planesPerBatch(job: Job): number {
  const planeBytes = job.layout.shape.width * job.layout.shape.height * 4;
  return Math.max(1, Math.floor((job.options.batchBytes ?? DEFAULT_BATCH_BYTES) / planeBytes));
}

async function convertFast(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const unit = new PlaneUnit(layout);
  const cube = new Float32Array(depth * planeSize);
  const batch = planesPerBatch(job);
  const xyzHistograms: Float64Array[] = [];
  const totalPlanes = stokes * depth;
  const strip = stripWidth(job);
  const windows = layout.hasDepth ? windowsOf(width, height, strip, height) : [];
  const totalWindows = stokes * windows.length;
  const tiles = layout.hasDepth ? new TileUnit(depth, strip * height) : undefined;
  const gathered = layout.hasDepth ? new Float32Array(strip * height * depth) : undefined;

  for (let s = 0; s < stokes; s++) {
    for (let z0 = 0; z0 < depth; z0 += batch) {
      const n = Math.min(batch, depth - z0);
      signal?.throwIfAborted();
      await timer.time("read", () => image.readPlanes(s * depth + z0, n, cube, z0 * planeSize));
      for (let z = z0; z < z0 + n; z++) {
        const result = timer.timeSync("compute", () => unit.run(cube, z * planeSize));
        channels.set(s * depth + z, result.stats);
        timer.timeSync("write", () => writePlaneResult(job, s, z, result));
      }
      timer.timeSync("write", () => writeData(job, s, z0, n, cube.subarray(z0 * planeSize, (z0 + n) * planeSize)));
      const planesDone = s * depth + z0 + n;
      progress.report("planes", planesDone / totalPlanes, planesDone * image.planeBytes);
    }
    if (!layout.hasDepth) continue;
    const xyz = channels.combine(s * depth, depth);
    const histogram = new Float64Array(layout.numBins);
    xyzHistograms.push(histogram);
    windows.forEach((window, i) => {
      signal?.throwIfAborted();
      const result = timer.timeSync("compute", () => {
        const values = gatherWindow(cube, depth, height, width, window, gathered!);
        return tiles!.run(values, window, xyz.min, xyz.max, histogram);
      });
      timer.timeSync("write", () => writeTileResult(job, s, result));
      progress.report("tiles", (s * windows.length + i + 1) / totalWindows);
    });
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

/**
 * Read a window of every channel of one stokes back from DATA into `out` as [depth][h][w], a
 * few channels at a time so that the copy in the wasm heap stays within one batch.
 */
function readWindow(job: Job, stokes: number, w: Window, out: Float32Array): Float32Array {
  const { depth, naxis } = job.layout.shape;
  const pixels = w.width * w.height;
  const channelsPerRead = Math.max(1, Math.floor(DEFAULT_BATCH_BYTES / 4 / pixels));
  for (let z = 0; z < depth; z += channelsPerRead) {
    const n = Math.min(channelsPerRead, depth - z);
    const piece = out.subarray(z * pixels, (z + n) * pixels);
    job.writer.readSlab("0/DATA", trim([stokes, z, w.y, w.x], naxis), trim([1, n, w.height, w.width], naxis), piece);
  }
  return out.subarray(0, depth * pixels);
}

/** Fast mode's windows: strips of whole columns whose values fit one batch buffer. */
function stripWidth(job: Job): number {
  const { width, height, depth } = job.layout.shape;
  const budget = (job.options.batchBytes ?? DEFAULT_BATCH_BYTES) / 2;
  return Math.max(1, Math.min(width, Math.floor(budget / (height * depth * 4))));
}

async function convertSlow(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal, writer } = job;
  const { width, height, depth, stokes, naxis } = layout.shape;
  const channels = new ChannelStats(stokes * depth);
  const unit = new PlaneUnit(layout);
  const plane = new Float32Array(width * height);
  const totalPlanes = stokes * depth;

  for (let p = 0; p < totalPlanes; p++) {
    signal?.throwIfAborted();
    const s = Math.floor(p / depth);
    const z = p % depth;
    await timer.time("read", () => image.readPlanes(p, 1, plane));
    const result = timer.timeSync("compute", () => unit.run(plane));
    channels.set(p, result.stats);
    timer.timeSync("write", () => {
      writePlaneResult(job, s, z, result);
      writeData(job, s, z, 1, plane);
    });
    progress.report("planes", (p + 1) / totalPlanes, (p + 1) * image.planeBytes);
  }

  const xyzHistograms: Float64Array[] = [];
  if (layout.hasDepth) {
    const size = job.options.tileSize ?? TILE;
    const windows = windowsOf(width, height, size, size);
    const totalWindows = stokes * windows.length;
    const maxPixels = Math.min(size, width) * Math.min(size, height);
    const tiles = new TileUnit(depth, maxPixels);
    const readBack = new Float32Array(depth * maxPixels);
    for (let s = 0; s < stokes; s++) {
      const xyz = channels.combine(s * depth, depth);
      const histogram = new Float64Array(layout.numBins);
      xyzHistograms.push(histogram);
      for (let i = 0; i < windows.length; i++) {
        signal?.throwIfAborted();
        const w = windows[i]!;
        const values = timer.timeSync("read", () => readWindow(job, s, w, readBack));
        const result = timer.timeSync("compute", () => tiles.run(values, w, xyz.min, xyz.max, histogram));
        timer.timeSync("write", () => writeTileResult(job, s, result));
        progress.report("tiles", (s * windows.length + i + 1) / totalWindows);
      }
    }
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

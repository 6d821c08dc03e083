/**
 * Where each unit's results go in the file: the dataset structure, plane results, DATA slabs,
 * window results and the summary statistics; and reading windows back from DATA. All writes
 * are by position, so the order of units never changes the file.
 */
import type { BeamTable } from "../fits/beams.js";
import type { FitsImage } from "../fits/image.js";
import type { ImageBeams } from "../fits/image-beams.js";
import { BEAMS_GROUP, beamDatasets } from "../schema/beams-layout.js";
import type { Hdf5Writer } from "../hdf5/writer.js";
import { axisPlanWarnings } from "../schema/axes.js";
import { headerAttributes, type HeaderAttributes } from "../schema/header-attributes.js";
import { PERMUTED_GROUP, statisticsPath, SWIZZLED_GROUP, type Layout, type StatisticsGroup } from "../schema/layout.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";
import { DEFAULT_BATCH_BYTES } from "./defaults.js";
import { trim, type Job } from "./job.js";
import type { PassBuffers } from "./buffers.js";
import type { PlaneDone, WindowDone } from "./passes.js";
import type { PlaneResult } from "./plane-unit.js";
import { toFloat32, toInt64, type ChannelStats } from "./stats-store.js";
import type { Window } from "./tile-unit.js";
import { windowOutputViews } from "./unit-tasks.js";

/**
 * The attributes the conversion writes from the image's header: group `0`'s (in creation order)
 * and the root group's header-derived ones (COMMENT, HISTORY, LONGSTRN.*), before the
 * provenance, with the representative beam of per-channel beams (src/fits/image-beams.ts). One
 * derivation for the converter and for `verify`, which compares a file with it.
 */
export function structureAttributes(image: FitsImage, beams: ImageBeams = { warnings: [] }): HeaderAttributes {
  const extras = beams.representative === undefined ? {} : { beam: beams.representative };
  return headerAttributes(image.header, image.shape, { name: CONVERTER_NAME, version: CONVERTER_VERSION }, image.axes, extras);
}

/** Groups, attributes and every dataset (storage filled later), and the PermutedData link. */
export function writeStructure(writer: Hdf5Writer, layout: Layout, image: FitsImage, warn: (m: string) => void, beams: ImageBeams = { warnings: [] }): void {
  const attributes = structureAttributes(image, beams);
  axisPlanWarnings(image.axes, { compressed: image.compressed }).forEach(warn);
  attributes.warnings.forEach(warn);
  for (const group of layout.groups) writer.createGroup(group, group === "0");
  writer.setAttributes("0", attributes.group0);
  if (attributes.root.length > 0) writer.setAttributes("/", attributes.root);
  const datasets = [layout.data, ...(layout.swizzled ? [layout.swizzled] : []), ...layout.mipmaps, ...layout.statistics];
  for (const d of datasets) {
    writer.createDataset({ path: d.path, shape: [...d.shape], dtype: d.dtype, chunks: d.chunks ? [...d.chunks] : undefined });
    // HDF5 places a contiguous dataset's storage when it is first written. Writing one value now
    // places every dataset in creation order, so the file's layout does not depend on the order
    // in which a mode happens to write: fast and slow mode, any thread count, give the same bytes.
    // (The value is overwritten later; the storage is not filled, so this costs no time.)
    if (d.chunks === undefined) {
      const origin = d.shape.map(() => 0);
      const one = d.shape.map(() => 1);
      writer.writeSlab(d.path, origin, one, d.dtype === "int64" ? new BigInt64Array(1) : new Float32Array(1));
    }
  }
  if (layout.hasDepth) writer.hardLink(SWIZZLED_GROUP, PERMUTED_GROUP);
  if (beams.table !== undefined) writeBeamTable(writer, beams.table, beams.tableHdu ?? 0, beams.representativeRow ?? -1);
}

/** The BEAMS table under group 0 (src/schema/beams-layout.ts): one row per row of the FITS table, angles in degrees. */
function writeBeamTable(writer: Hdf5Writer, table: BeamTable, hdu: number, medianRow: number): void {
  writer.createGroup(BEAMS_GROUP);
  writer.setAttributes(BEAMS_GROUP, [
    ["NCHAN", { type: "int", value: BigInt(table.nchan) }],
    ["NPOL", { type: "int", value: BigInt(table.npol) }],
    ["UNIT", { type: "string", value: "deg" }],
    ["INPUT_HDU", { type: "int", value: BigInt(hdu) }],
    ["MEDIAN_ROW", { type: "int", value: BigInt(medianRow) }],
  ]);
  const values: Record<string, Float64Array | BigInt64Array> = {
    BMAJ: table.bmaj,
    BMIN: table.bmin,
    BPA: table.bpa,
    CHAN: BigInt64Array.from(table.chan, BigInt),
    POL: BigInt64Array.from(table.pol, BigInt),
  };
  for (const d of beamDatasets(table.chan.length)) {
    writer.createDataset({ path: d.path, shape: [...d.shape], dtype: d.dtype });
    writer.writeAll(d.path, values[d.path.split("/").pop()!]!);
  }
}

/** Write one plane's histogram and mipmaps; keep its statistics for the end. */
export function writePlaneResult(job: Job, stokes: number, channel: number, result: PlaneResult): void {
  const { layout, writer, scratch } = job;
  const { naxis } = layout.shape;
  writer.writeSlab(statisticsPath("XY", "HISTOGRAM"), trim([stokes, channel, 0], naxis - 1), trim([1, 1, layout.numBins], naxis - 1), scratch.int64(result.histogram));
  layout.mipmaps.forEach((dataset, i) => {
    const level = layout.mipLevels[i]!;
    writer.writeSlab(dataset.path, trim([stokes, channel, 0, 0], naxis), trim([1, 1, level.height, level.width], naxis), result.mipmaps[i]!);
  });
}

/**
 * A conversion's plane pass finishing a plane, in order (both modes): its statistics kept, its
 * histogram, mipmaps and DATA written plane by plane — the same sequence of writes in both
 * modes keeps the files byte for byte identical (chunks are placed in the order written).
 */
export function writePlaneDone(job: Job, channels: ChannelStats, done: PlaneDone): void {
  const { depth, stokes } = job.layout.shape;
  const s = Math.floor(done.p / depth);
  const z = done.p % depth;
  channels.set(done.p, done.stats);
  job.timer.timeSync("write", () => {
    writePlaneResult(job, s, z, { stats: done.stats, ...done.results });
    writeData(job, s, z, 1, done.values);
  });
  job.progress.report("planes", (done.p + 1) / (stokes * depth), (done.p + 1) * job.image.planeBytes);
}

/** A conversion's window pass finishing window `done` of stokes `s`, in order (both modes). */
export function writeWindowDone(job: Job, s: number, plan: NonNullable<PassBuffers["windows"]>, done: WindowDone): void {
  const total = job.layout.shape.stokes * plan.windows.length;
  job.timer.timeSync("write", () => writeWindowOutputs(job, s, done.window, done.buffer, plan.capacity));
  job.progress.report("tiles", (s * plan.windows.length + done.index + 1) / total);
}

/** DATA slab of `count` planes of one stokes starting at `channel`. */
export function writeData(job: Job, stokes: number, channel: number, count: number, values: Float32Array): void {
  const { width, height, naxis } = job.layout.shape;
  job.writer.writeSlab(job.layout.data.path, trim([stokes, channel, 0, 0], naxis), trim([1, count, height, width], naxis), values);
}

/** A window unit's outputs, from its shared output buffer: the rotation and the Z statistics. */
export function writeWindowOutputs(job: Job, stokes: number, w: Window, buffer: SharedArrayBuffer, capacity: number): void {
  const { writer, layout } = job;
  const { naxis, depth } = layout.shape;
  const out = windowOutputViews(buffer, depth, capacity, w.width * w.height);
  writeRotation(job, stokes, w, out.swizzled);
  const start = trim([stokes, w.y, w.x], naxis - 1);
  const count = trim([1, w.height, w.width], naxis - 1);
  writer.writeSlab(statisticsPath("Z", "MIN"), start, count, out.min);
  writer.writeSlab(statisticsPath("Z", "MAX"), start, count, out.max);
  writer.writeSlab(statisticsPath("Z", "SUM"), start, count, out.sum);
  writer.writeSlab(statisticsPath("Z", "SUM_SQ"), start, count, out.sumSq);
  writer.writeSlab(statisticsPath("Z", "NAN_COUNT"), start, count, out.nanCount);
}

/**
 * A window's rotation is [width][height][depth]: runs of columns are contiguous, so it is
 * written in pieces of at most one batch, which bounds the copy in the wasm heap.
 */
function writeRotation(job: Job, stokes: number, w: Window, swizzled: Float32Array): void {
  const { naxis, depth } = job.layout.shape;
  const columnValues = w.height * depth;
  const columnsPerSlab = Math.max(1, Math.floor(DEFAULT_BATCH_BYTES / 4 / columnValues));
  for (let x = 0; x < w.width; x += columnsPerSlab) {
    const n = Math.min(columnsPerSlab, w.width - x);
    const piece = swizzled.subarray(x * columnValues, (x + n) * columnValues);
    job.writer.writeSlab(job.layout.swizzled!.path, trim([stokes, w.x + x, w.y, 0], naxis), trim([1, n, w.height, depth], naxis), piece);
  }
}

/** XY statistics of every plane and, for cubes, the XYZ statistics and histograms. */
export function writeSummaryStatistics(job: Job, channels: ChannelStats, xyzHistograms: Float64Array[]): void {
  const { writer, layout } = job;
  const { stokes, depth } = layout.shape;
  const put = (group: StatisticsGroup, min: ArrayLike<number>, max: ArrayLike<number>, sum: ArrayLike<number>, sumSq: ArrayLike<number>, nan: ArrayLike<number>): void => {
    writer.writeAll(statisticsPath(group, "MIN"), toFloat32(min));
    writer.writeAll(statisticsPath(group, "MAX"), toFloat32(max));
    writer.writeAll(statisticsPath(group, "SUM"), toFloat32(sum));
    writer.writeAll(statisticsPath(group, "SUM_SQ"), toFloat32(sumSq));
    writer.writeAll(statisticsPath(group, "NAN_COUNT"), toInt64(nan));
  };
  put("XY", channels.min, channels.max, channels.sum, channels.sumSq, channels.nanCount);
  if (!layout.hasDepth) return;
  const xyz = Array.from({ length: stokes }, (_, s) => channels.combine(s * depth, depth));
  put("XYZ", xyz.map((x) => x.min), xyz.map((x) => x.max), xyz.map((x) => x.sum), xyz.map((x) => x.sumSq), xyz.map((x) => x.nanCount));
  const hist = new Float64Array(stokes * layout.numBins);
  xyzHistograms.forEach((h, s) => hist.set(h, s * layout.numBins));
  writer.writeAll(statisticsPath("XYZ", "HISTOGRAM"), toInt64(hist));
}

/**
 * Read a window of every channel of one stokes back from DATA into `out` as [depth][h][w], a
 * few channels at a time so that the copy in the wasm heap stays within one batch.
 */
export function readWindow(job: Job, stokes: number, w: Window, out: Float32Array): Float32Array {
  const { depth, naxis } = job.layout.shape;
  const pixels = w.width * w.height;
  const channelsPerRead = Math.max(1, Math.floor(DEFAULT_BATCH_BYTES / 4 / pixels));
  for (let z = 0; z < depth; z += channelsPerRead) {
    const n = Math.min(channelsPerRead, depth - z);
    const piece = out.subarray(z * pixels, (z + n) * pixels);
    job.writer.readSlab(job.layout.data.path, trim([stokes, z, w.y, w.x], naxis), trim([1, n, w.height, w.width], naxis), piece);
  }
  return out.subarray(0, depth * pixels);
}


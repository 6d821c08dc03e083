/**
 * Fast mode: one stokes of the cube in memory. Planes are read in batches, each plane's unit
 * runs on the buffer, DATA is written a batch at a time; then strips of whole columns are
 * gathered from the buffer for the window units (Z statistics, XYZ histogram, rotation).
 */
import { DEFAULT_BATCH_BYTES } from "./defaults.js";
import type { Job } from "./job.js";
import { writeData, writePlaneResult, writeSummaryStatistics, writeTileResult } from "./output-writes.js";
import { PlaneUnit } from "./plane-unit.js";
import { ChannelStats } from "./stats-store.js";
import { gatherWindow, TileUnit, windowsOf } from "./tile-unit.js";

/** Planes per batch so that one batch stays below `batchBytes`. */
function planesPerBatch(job: Job): number {
  const planeBytes = job.layout.shape.width * job.layout.shape.height * 4;
  return Math.max(1, Math.floor((job.options.batchBytes ?? DEFAULT_BATCH_BYTES) / planeBytes));
}

export async function convertFast(job: Job): Promise<void> {
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

/** Fast mode's windows: strips of whole columns whose values fit one batch buffer. */
function stripWidth(job: Job): number {
  const { width, height, depth } = job.layout.shape;
  const budget = (job.options.batchBytes ?? DEFAULT_BATCH_BYTES) / 2;
  return Math.max(1, Math.min(width, Math.floor(budget / (height * depth * 4))));
}


/**
 * Slow mode: one plane in memory at a time; then windows through every channel are read back
 * from the written DATA for the window units (Z statistics, XYZ histogram, rotation).
 */
import { slowWindow } from "./defaults.js";
import type { Job } from "./job.js";
import { readWindow, writeData, writePlaneResult, writeSummaryStatistics, writeTileResult } from "./output-writes.js";
import { PlaneUnit } from "./plane-unit.js";
import { ChannelStats } from "./stats-store.js";
import { TileUnit, windowsOf } from "./tile-unit.js";

export async function convertSlow(job: Job): Promise<void> {
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
    const size = slowWindow(width, height, depth, job.options.tileSize);
    const windows = windowsOf(width, height, size.width, size.height);
    const totalWindows = stokes * windows.length;
    const maxPixels = size.width * size.height;
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

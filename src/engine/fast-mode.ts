/**
 * Fast mode: one stokes of the cube in memory, in a shared buffer. The plane pass reads planes
 * into it in order, each plane's unit (decode, XY statistics, histogram, mipmaps) runs on the
 * pool while the next planes are read, and results and DATA are written in order as units
 * complete. Then the window pass hands strips of whole columns to the pool as window units
 * (Z statistics, XYZ histogram, rotation), gathered from the cube, their outputs written in order.
 */
import { fastBuffers, resultStride, resultsRing, windowOutputBuffers } from "./buffers.js";
import type { Job } from "./job.js";
import { writePlaneDone, writeSummaryStatistics, writeWindowDone } from "./output-writes.js";
import { fitsPlaneReader, rawDecoding, runPlanePass, runWindowPass } from "./passes.js";
import { ChannelStats } from "./stats-store.js";

export async function convertFast(job: Job): Promise<void> {
  const { image, layout, timer, signal, pool } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const buffers = fastBuffers(layout.shape, pool.threads, job.options.batchBytes);
  const cubeBuffer = new SharedArrayBuffer(depth * planeSize * 4);
  const results = resultsRing(layout, buffers.planeSlots);
  const raw = rawDecoding(image);
  const read = fitsPlaneReader(image, raw, timer);
  const xyzHistograms: Float64Array[] = [];

  // The window pass's output slots, allocated once for every stokes.
  const plan = buffers.windows;
  const outputs = plan ? windowOutputBuffers(plan, depth) : [];

  for (let s = 0; s < stokes; s++) {
    await runPlanePass({
      pool,
      layout,
      first: s * depth,
      count: depth,
      slots: buffers.planeSlots,
      buffer: cubeBuffer,
      offset: (p) => (p - s * depth) * planeSize,
      results,
      resultStride: resultStride(layout),
      raw,
      read,
      signal,
      finish: (done) => writePlaneDone(job, channels, done),
    });
    if (plan === undefined) continue;

    const histogram = new Float64Array(layout.numBins);
    xyzHistograms.push(histogram);
    await runWindowPass({
      pool,
      layout,
      windows: plan.windows,
      outputs,
      capacity: plan.capacity,
      source: { kind: "cube", buffer: cubeBuffer },
      xyz: channels.combine(s * depth, depth),
      histogram,
      signal,
      finish: (done) => writeWindowDone(job, s, plan, done),
    });
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

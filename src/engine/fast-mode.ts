/**
 * Fast mode: one stokes of the cube in memory, in a shared buffer. The plane pass reads planes
 * into it in order, each plane's unit (decode, XY statistics, histogram, mipmaps) runs on the
 * pool while the next planes are read, and results and DATA are written in order as units
 * complete. Then the window pass hands strips of whole columns to the pool as window units
 * (Z statistics, XYZ histogram, rotation), gathered from the cube, their outputs written in order.
 */
import { fastBuffers, resultStride } from "./buffers.js";
import type { Job } from "./job.js";
import { writeData, writePlaneResult, writeSummaryStatistics, writeWindowOutputs } from "./output-writes.js";
import { fitsPlaneReader, rawDecoding, runPlanePass, runWindowPass } from "./passes.js";
import { ChannelStats } from "./stats-store.js";
import { windowOutputBytes } from "./unit-tasks.js";

export async function convertFast(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal, pool } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const buffers = fastBuffers(layout.shape, pool.threads, job.options.batchBytes);
  const cubeBuffer = new SharedArrayBuffer(depth * planeSize * 4);
  const stride = resultStride(layout);
  const results = new SharedArrayBuffer(buffers.planeSlots * stride);
  const raw = rawDecoding(image);
  const read = fitsPlaneReader(image, raw, timer);
  const xyzHistograms: Float64Array[] = [];
  const totalPlanes = stokes * depth;

  // The window pass's output slots, allocated once for every stokes.
  const plan = buffers.windows;
  const outputs = plan ? Array.from({ length: plan.slots }, () => new SharedArrayBuffer(windowOutputBytes(depth, plan.capacity))) : [];

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
      resultStride: stride,
      raw,
      read,
      signal,
      finish: (done) => {
        const z = done.p - s * depth;
        channels.set(done.p, done.stats);
        // DATA plane by plane, as slow mode writes it: the same sequence of writes in both modes
        // keeps the files byte for byte identical (chunks are placed in the order written).
        timer.timeSync("write", () => {
          writePlaneResult(job, s, z, { stats: done.stats, ...done.results });
          writeData(job, s, z, 1, done.values);
        });
        progress.report("planes", (done.p + 1) / totalPlanes, (done.p + 1) * image.planeBytes);
      },
    });
    if (plan === undefined) continue;

    const histogram = new Float64Array(layout.numBins);
    xyzHistograms.push(histogram);
    const windows = plan.windows;
    await runWindowPass({
      pool,
      layout,
      windows,
      outputs,
      capacity: plan.capacity,
      source: { kind: "cube", buffer: cubeBuffer },
      xyz: channels.combine(s * depth, depth),
      histogram,
      signal,
      finish: (done) => {
        timer.timeSync("write", () => writeWindowOutputs(job, s, done.window, done.buffer, plan.capacity));
        progress.report("tiles", (s * windows.length + done.index + 1) / (stokes * windows.length));
      },
    });
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

/**
 * Slow mode: a few planes in memory at a time (one per plane slot); the plane pass runs each
 * plane's unit on the pool while the next planes are read, and results and DATA are written in
 * order. Then the window pass reads windows through every channel back from the written DATA,
 * a few at a time, for the window units (Z statistics, XYZ histogram, rotation).
 */
import { resultStride, slowBuffers } from "./buffers.js";
import type { Job } from "./job.js";
import { readWindow, writeData, writePlaneResult, writeSummaryStatistics, writeWindowOutputs } from "./output-writes.js";
import { fitsPlaneReader, rawDecoding, runPlanePass, runWindowPass } from "./passes.js";
import { ChannelStats } from "./stats-store.js";
import { windowOutputBytes } from "./unit-tasks.js";

export async function convertSlow(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal, pool } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const totalPlanes = stokes * depth;
  const buffers = slowBuffers(layout.shape, pool.threads, job.options.tileSize);
  const slots = buffers.planeSlots;
  const stride = resultStride(layout);
  const raw = rawDecoding(image);

  await runPlanePass({
    pool,
    layout,
    first: 0,
    count: totalPlanes,
    slots,
    buffer: new SharedArrayBuffer(slots * planeSize * 4),
    offset: (_p, slot) => slot * planeSize,
    results: new SharedArrayBuffer(slots * stride),
    resultStride: stride,
    raw,
    read: fitsPlaneReader(image, raw, timer),
    signal,
    finish: (done) => {
      const s = Math.floor(done.p / depth);
      const z = done.p % depth;
      channels.set(done.p, done.stats);
      timer.timeSync("write", () => {
        writePlaneResult(job, s, z, { stats: done.stats, ...done.results });
        writeData(job, s, z, 1, done.values);
      });
      progress.report("planes", (done.p + 1) / totalPlanes, (done.p + 1) * image.planeBytes);
    },
  });

  const xyzHistograms: Float64Array[] = [];
  const plan = buffers.windows;
  if (plan !== undefined) {
    const { windows, capacity } = plan;
    const inputs = Array.from({ length: plan.slots }, () => new SharedArrayBuffer(depth * capacity * 4));
    const outputs = Array.from({ length: plan.slots }, () => new SharedArrayBuffer(windowOutputBytes(depth, capacity)));
    const totalWindows = stokes * windows.length;
    for (let s = 0; s < stokes; s++) {
      const histogram = new Float64Array(layout.numBins);
      xyzHistograms.push(histogram);
      await runWindowPass({
        pool,
        layout,
        windows,
        outputs,
        capacity,
        source: { kind: "read", inputs, read: (w, values) => timer.timeSync("read", () => readWindow(job, s, w, values)) },
        xyz: channels.combine(s * depth, depth),
        histogram,
        signal,
        finish: (done) => {
          timer.timeSync("write", () => writeWindowOutputs(job, s, done.window, done.buffer, capacity));
          progress.report("tiles", (s * windows.length + done.index + 1) / totalWindows);
        },
      });
    }
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

/**
 * Slow mode: a few planes in memory at a time (one per plane slot); the plane pass runs each
 * plane's unit on the pool while the next planes are read, and results and DATA are written in
 * order. Then the window pass reads windows through every channel back from the written DATA,
 * a few at a time, for the window units (Z statistics, XYZ histogram, rotation).
 */
import { planeRing, slowBuffers, windowInputBuffers, windowOutputBuffers } from "./buffers.js";
import type { Job } from "./job.js";
import { readWindow, writePlaneDone, writeSummaryStatistics, writeWindowDone } from "./output-writes.js";
import { fitsPlaneReader, rawDecoding, runPlanePass, runWindowPass } from "./passes.js";
import { ChannelStats } from "./stats-store.js";

export async function convertSlow(job: Job): Promise<void> {
  const { image, layout, timer, signal, pool } = job;
  const { depth, stokes } = layout.shape;
  const channels = new ChannelStats(stokes * depth);
  const buffers = slowBuffers(layout.shape, pool.threads, job.options.tileSize);
  const raw = rawDecoding(image);

  await runPlanePass({
    pool,
    layout,
    ...planeRing(layout, buffers.planeSlots),
    raw,
    read: fitsPlaneReader(image, raw, timer),
    signal,
    finish: (done) => writePlaneDone(job, channels, done),
  });

  const xyzHistograms: Float64Array[] = [];
  const plan = buffers.windows;
  if (plan !== undefined) {
    const { windows, capacity } = plan;
    const inputs = windowInputBuffers(plan, depth);
    const outputs = windowOutputBuffers(plan, depth);
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
        finish: (done) => writeWindowDone(job, s, plan, done),
      });
    }
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

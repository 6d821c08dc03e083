/**
 * Slow mode: a few planes in memory at a time (one per pipeline slot); each plane's unit runs on
 * the pool while the next planes are read, and results and DATA are written in order. Then
 * windows through every channel are read back from the written DATA, a few at a time, for the
 * window units (Z statistics, XYZ histogram, rotation).
 */
import type { PlaneStats } from "../kernels/plane-stats.js";
import { pipelineSlots, slowWindow, WINDOW_BYTES, windowSlots as maxWindowsInFlight } from "./defaults.js";
import { rawDecoding } from "./fast-mode.js";
import type { Job } from "./job.js";
import { readWindow, writeData, writePlaneResult, writeSummaryStatistics, writeWindowOutputs } from "./output-writes.js";
import { OrderedPipeline } from "./pipeline.js";
import { ChannelStats } from "./stats-store.js";
import { windowsOf } from "./tile-unit.js";
import { planeResultBytes, planeResultViews, windowOutputBytes } from "./unit-tasks.js";

export async function convertSlow(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal, pool } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const totalPlanes = stokes * depth;
  const slots = pipelineSlots(pool.threads) + 1;
  const planeBuffer = new SharedArrayBuffer(slots * planeSize * 4);
  const planesView = new Float32Array(planeBuffer);
  const resultStride = Math.ceil(planeResultBytes(layout) / 8) * 8;
  const results = new SharedArrayBuffer(slots * resultStride);
  const raw = rawDecoding(job);

  const planes = new OrderedPipeline<{ p: number; slot: number; stats: PlaneStats }>(slots, (done) => {
    const s = Math.floor(done.p / depth);
    const z = done.p % depth;
    channels.set(done.p, done.stats);
    timer.timeSync("write", () => {
      writePlaneResult(job, s, z, { stats: done.stats, ...planeResultViews(layout, results, done.slot * resultStride) });
      writeData(job, s, z, 1, planesView.subarray(done.slot * planeSize, (done.slot + 1) * planeSize));
    });
    progress.report("planes", (done.p + 1) / totalPlanes, (done.p + 1) * image.planeBytes);
  });
  try {
    for (let p = 0; p < totalPlanes; p++) {
      signal?.throwIfAborted();
      await planes.reserve();
      const slot = p % slots;
      if (raw) await timer.time("read", () => image.readRawPlanes(p, 1, new Uint8Array(planeBuffer, slot * planeSize * 4, image.planeBytes)));
      else await timer.time("read", () => image.readPlanes(p, 1, planesView, slot * planeSize));
      const work = pool.runPlane({
        kind: "plane",
        shape: layout.shape,
        plane: { buffer: planeBuffer, offset: slot * planeSize },
        raw,
        results: { buffer: results, byteOffset: slot * resultStride },
      });
      planes.push(work.then((stats) => ({ p, slot, stats })));
    }
    await planes.drain();
  } finally {
    await planes.settle();
  }

  const xyzHistograms: Float64Array[] = [];
  if (layout.hasDepth) {
    const windowSlots = maxWindowsInFlight(pool.threads);
    const size = slowWindow(width, height, depth, job.options.tileSize, WINDOW_BYTES / windowSlots);
    const windows = windowsOf(width, height, size.width, size.height);
    const capacity = size.width * size.height;
    const inputs = Array.from({ length: windowSlots }, () => new SharedArrayBuffer(depth * capacity * 4));
    const outputs = Array.from({ length: windowSlots }, () => new SharedArrayBuffer(windowOutputBytes(depth, capacity)));
    const totalWindows = stokes * windows.length;
    for (let s = 0; s < stokes; s++) {
      const xyz = channels.combine(s * depth, depth);
      const histogram = new Float64Array(layout.numBins);
      xyzHistograms.push(histogram);
      const tiles = new OrderedPipeline<{ index: number; share: Float64Array }>(windowSlots, (done) => {
        for (let b = 0; b < histogram.length; b++) histogram[b]! += done.share[b]!;
        timer.timeSync("write", () => writeWindowOutputs(job, s, windows[done.index]!, outputs[done.index % windowSlots]!, capacity));
        progress.report("tiles", (s * windows.length + done.index + 1) / totalWindows);
      });
      try {
        for (let i = 0; i < windows.length; i++) {
          signal?.throwIfAborted();
          await tiles.reserve();
          const w = windows[i]!;
          const slot = i % windowSlots;
          timer.timeSync("read", () => readWindow(job, s, w, new Float32Array(inputs[slot]!)));
          const work = pool.runWindow({
            kind: "window",
            shape: layout.shape,
            window: w,
            values: { buffer: inputs[slot]!, offset: 0 },
            gather: false,
            xyzMin: xyz.min,
            xyzMax: xyz.max,
            numBins: layout.numBins,
            out: { buffer: outputs[slot]!, capacity },
          });
          tiles.push(work.then((share) => ({ index: i, share })));
        }
        await tiles.drain();
      } finally {
        await tiles.settle();
      }
    }
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

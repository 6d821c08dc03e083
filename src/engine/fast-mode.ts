/**
 * Fast mode: one stokes of the cube in memory, in a shared buffer. Planes are read into it in
 * order, each plane's unit (decode, XY statistics, histogram, mipmaps) runs on the pool while
 * the next planes are read, and results and DATA are written in order as units complete. Then
 * strips of whole columns are handed to the pool as window units (Z statistics, XYZ histogram,
 * rotation), their outputs written in order.
 */
import { DEFAULT_BATCH_BYTES, pipelineSlots } from "./defaults.js";
import type { Job } from "./job.js";
import { writeData, writePlaneResult, writeSummaryStatistics, writeWindowOutputs } from "./output-writes.js";
import { OrderedPipeline } from "./pipeline.js";
import { ChannelStats } from "./stats-store.js";
import { windowsOf } from "./tile-unit.js";
import { planeResultBytes, planeResultViews, windowOutputBytes, type PlaneTask } from "./unit-tasks.js";

export async function convertFast(job: Job): Promise<void> {
  const { image, layout, timer, progress, signal, pool } = job;
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  const channels = new ChannelStats(stokes * depth);
  const cubeBuffer = new SharedArrayBuffer(depth * planeSize * 4);
  const cube = new Float32Array(cubeBuffer);
  const batchBytes = job.options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const slots = 2 * pool.threads + 2;
  const resultStride = Math.ceil(planeResultBytes(layout) / 8) * 8;
  const results = new SharedArrayBuffer(slots * resultStride);
  const raw = rawDecoding(job);
  const xyzHistograms: Float64Array[] = [];
  const totalPlanes = stokes * depth;

  // The window pass's strips and output slots, allocated once for every stokes.
  const strip = Math.max(1, Math.min(width, Math.floor(batchBytes / 2 / (height * depth * 4))));
  const capacity = strip * height;
  const windows = windowsOf(width, height, strip, height);
  const windowSlots = pipelineSlots(pool.threads);
  const outputs = layout.hasDepth ? Array.from({ length: windowSlots }, () => new SharedArrayBuffer(windowOutputBytes(depth, capacity))) : [];

  for (let s = 0; s < stokes; s++) {
    // Planes: read, compute on the pool, write in order.
    const planes = new OrderedPipeline<{ z: number; slot: number; stats: Awaited<ReturnType<typeof pool.runPlane>> }>(slots, (done) => {
      channels.set(s * depth + done.z, done.stats);
      // DATA plane by plane, as slow mode writes it: the same sequence of writes in both modes
      // keeps the files byte for byte identical (chunks are placed in the order written).
      timer.timeSync("write", () => {
        writePlaneResult(job, s, done.z, { stats: done.stats, ...planeResultViews(layout, results, done.slot * resultStride) });
        writeData(job, s, done.z, 1, cube.subarray(done.z * planeSize, (done.z + 1) * planeSize));
      });
      const planesDone = s * depth + done.z + 1;
      progress.report("planes", planesDone / totalPlanes, planesDone * image.planeBytes);
    });
    try {
      for (let z = 0; z < depth; z++) {
        signal?.throwIfAborted();
        await planes.reserve();
        const p = s * depth + z;
        if (raw) await timer.time("read", () => image.readRawPlanes(p, 1, new Uint8Array(cubeBuffer, z * planeSize * 4, image.planeBytes)));
        else await timer.time("read", () => image.readPlanes(p, 1, cube, z * planeSize));
        const slot = z % slots;
        const task: PlaneTask = {
          kind: "plane",
          shape: layout.shape,
          plane: { buffer: cubeBuffer, offset: z * planeSize },
          raw: raw ?? undefined,
          results: { buffer: results, byteOffset: slot * resultStride },
        };
        planes.push(pool.runPlane(task).then((stats) => ({ z, slot, stats })));
      }
      await planes.drain();
    } finally {
      await planes.settle();
    }
    if (!layout.hasDepth) continue;

    // Windows: strips of whole columns through every channel, gathered from the cube by the units.
    const xyz = channels.combine(s * depth, depth);
    const histogram = new Float64Array(layout.numBins);
    xyzHistograms.push(histogram);
    let windowsDone = 0;
    const tiles = new OrderedPipeline<{ index: number; share: Float64Array }>(windowSlots, (done) => {
      for (let b = 0; b < histogram.length; b++) histogram[b]! += done.share[b]!;
      timer.timeSync("write", () => writeWindowOutputs(job, s, windows[done.index]!, outputs[done.index % windowSlots]!, capacity));
      windowsDone++;
      progress.report("tiles", (s * windows.length + windowsDone) / (stokes * windows.length));
    });
    try {
      for (let i = 0; i < windows.length; i++) {
        signal?.throwIfAborted();
        await tiles.reserve();
        const work = pool.runWindow({
          kind: "window",
          shape: layout.shape,
          window: windows[i]!,
          values: { buffer: cubeBuffer, offset: 0 },
          gather: true,
          xyzMin: xyz.min,
          xyzMax: xyz.max,
          numBins: layout.numBins,
          out: { buffer: outputs[i % windowSlots]!, capacity },
        });
        tiles.push(work.then((share) => ({ index: i, share })));
      }
      await tiles.drain();
    } finally {
      await tiles.settle();
    }
  }
  timer.timeSync("write", () => writeSummaryStatistics(job, channels, xyzHistograms));
}

/**
 * How plane units decode: raw bytes are read into the plane's own slot and decoded in place by
 * the unit when a value takes at most 4 bytes; 8-byte values (BITPIX 64, -64) are decoded by
 * the reader, since their raw bytes do not fit the float32 slot (and so are tile-compressed images).
 */
export function rawDecoding(job: Job): PlaneTask["raw"] | undefined {
  const { bitpix, bscale, bzero, blank } = job.image.info;
  // A tile-compressed image's planes are decoded from its tiles by the reader.
  if (Math.abs(bitpix) > 32 || !job.image.hasRawPlanes) return undefined;
  return { bitpix, bscale, bzero, blank: blank === undefined ? undefined : blank.toString() };
}

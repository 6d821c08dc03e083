/**
 * The engine's two passes, written once and configured by each user (fast mode, slow mode,
 * verify's content check):
 *
 * - the plane pass: each plane is read into a slot, its unit (decode, XY statistics, histogram,
 *   mipmaps) runs on the pool while the next planes are read, and the results are finished
 *   (written, or compared with a file) in order;
 * - the window pass: windows through every channel of one stokes go to the pool as window
 *   units (Z statistics, XYZ histogram share, rotation), their outputs finished in order.
 *
 * Where the input comes from (FITS planes, the cube in memory, DATA read back) and where the
 * results go (the writer, a comparison) are the configuration's; the buffers come from
 * src/engine/buffers.ts.
 */
import type { FitsImage } from "../fits/image.js";
import type { PlaneStats } from "../kernels/plane-stats.js";
import type { Layout } from "../schema/layout.js";
import type { Timer } from "./job.js";
import { OrderedPipeline } from "./pipeline.js";
import type { UnitPool } from "./pool.js";
import type { Window } from "./tile-unit.js";
import { planeResultViews, windowOutputViews, type PlaneTask, type WindowOutputViews } from "./unit-tasks.js";

/** A plane unit done: plane p (= stokes * depth + channel), its values and its results. */
export interface PlaneDone {
  readonly p: number;
  readonly stats: PlaneStats;
  /** The decoded plane, in its slot (valid until the slot is reused). */
  readonly values: Float32Array;
  /** Its histogram and mipmaps, in the results ring (valid until the slot is reused). */
  readonly results: ReturnType<typeof planeResultViews>;
}

export interface PlanePass {
  readonly pool: UnitPool;
  readonly layout: Layout;
  /** Planes first .. first + count - 1, in order. */
  readonly first: number;
  readonly count: number;
  /** Plane units in flight, at most (each has its result slot). */
  readonly slots: number;
  /** Where plane p goes (in float32 values of `buffer`), given its slot. */
  readonly buffer: SharedArrayBuffer;
  readonly offset: (p: number, slot: number) => number;
  /** The results ring: `slots` results of `resultStride` bytes each. */
  readonly results: SharedArrayBuffer;
  readonly resultStride: number;
  /** How the units decode (raw bytes in the slot), or undefined for values read as float32. */
  readonly raw: PlaneTask["raw"] | undefined;
  /** Read plane p into its place (raw bytes when `raw` is set). */
  readonly read: (p: number, values: Float32Array) => void | Promise<void>;
  /** The plane's results, in order. */
  readonly finish: (done: PlaneDone) => void | Promise<void>;
  readonly signal: AbortSignal | undefined;
  /** Whether an abort also cancels the units in flight (verify); else they finish and are settled. */
  readonly cancelUnits?: boolean;
}

export async function runPlanePass(pass: PlanePass): Promise<void> {
  const { pool, layout, slots, buffer, results, resultStride, raw, signal } = pass;
  const planeSize = layout.shape.width * layout.shape.height;
  const planes = new Float32Array(buffer);
  const view = (p: number, slot: number): Float32Array => {
    const at = pass.offset(p, slot);
    return planes.subarray(at, at + planeSize);
  };
  const pipeline = new OrderedPipeline<{ p: number; slot: number; stats: PlaneStats }>(slots, (done) =>
    pass.finish({
      p: done.p,
      stats: done.stats,
      values: view(done.p, done.slot),
      results: planeResultViews(layout, results, done.slot * resultStride),
    }),
  );
  try {
    for (let i = 0; i < pass.count; i++) {
      signal?.throwIfAborted();
      await pipeline.reserve();
      const p = pass.first + i;
      const slot = i % slots;
      await pass.read(p, view(p, slot));
      const task: PlaneTask = {
        kind: "plane",
        shape: layout.shape,
        plane: { buffer, offset: pass.offset(p, slot) },
        raw,
        results: { buffer: results, byteOffset: slot * resultStride },
      };
      const work = pass.cancelUnits ? pool.runPlane(task, signal) : pool.runPlane(task);
      pipeline.push(work.then((stats) => ({ p, slot, stats })));
    }
    await pipeline.drain();
  } finally {
    await pipeline.settle();
  }
}

/**
 * How plane units decode: raw bytes are read into the plane's own slot and decoded in place by
 * the unit when a value takes at most 4 bytes; 8-byte values (BITPIX 64, -64) are decoded by
 * the reader, since their raw bytes do not fit the float32 slot (and so are tile-compressed images).
 */
export function rawDecoding(image: FitsImage): PlaneTask["raw"] | undefined {
  const { bitpix, bscale, bzero, blank } = image.info;
  // A tile-compressed image's planes are decoded from its tiles by the reader.
  if (Math.abs(bitpix) > 32 || !image.hasRawPlanes) return undefined;
  return { bitpix, bscale, bzero, blank: blank === undefined ? undefined : blank.toString() };
}

/** Reads FITS plane p into a plane slot: raw bytes for the units to decode, or decoded values. */
export function fitsPlaneReader(image: FitsImage, raw: PlaneTask["raw"] | undefined, timer: Timer): (p: number, values: Float32Array) => Promise<void> {
  return async (p, values) => {
    if (raw !== undefined) await timer.time("read", () => image.readRawPlanes(p, 1, new Uint8Array(values.buffer, values.byteOffset, image.planeBytes)));
    else await timer.time("read", () => image.readPlanes(p, 1, values, 0));
  };
}

/** A window unit done: its window, its share of the histogram (already added) and its outputs. */
export interface WindowDone {
  readonly index: number;
  readonly window: Window;
  /** The unit's output buffer (the rotation and the Z statistics) and its views. */
  readonly buffer: SharedArrayBuffer;
  readonly outputs: WindowOutputViews;
}

export interface WindowPass {
  readonly pool: UnitPool;
  readonly layout: Layout;
  readonly windows: readonly Window[];
  /** Output buffers, one per window in flight, for `capacity` pixels each. */
  readonly outputs: readonly SharedArrayBuffer[];
  readonly capacity: number;
  /**
   * The window's values: the cube in memory to gather from (`gather`), or a compact window
   * read into `inputs[slot]` by `read`.
   */
  readonly source:
    | { readonly kind: "cube"; readonly buffer: SharedArrayBuffer }
    | { readonly kind: "read"; readonly inputs: readonly SharedArrayBuffer[]; readonly read: (w: Window, values: Float32Array) => void };
  /** The stokes' XYZ range, for the histogram. */
  readonly xyz: { readonly min: number; readonly max: number };
  /** Each window's share of the XYZ histogram is added to it. */
  readonly histogram: Float64Array;
  readonly finish: (done: WindowDone) => void;
  readonly signal: AbortSignal | undefined;
  readonly cancelUnits?: boolean;
}

export async function runWindowPass(pass: WindowPass): Promise<void> {
  const { pool, layout, windows, outputs, capacity, source, histogram, signal } = pass;
  const { depth } = layout.shape;
  const slots = outputs.length;
  const pipeline = new OrderedPipeline<{ index: number; share: Float64Array }>(slots, (done) => {
    for (let b = 0; b < histogram.length; b++) histogram[b]! += done.share[b]!;
    const w = windows[done.index]!;
    const buffer = outputs[done.index % slots]!;
    pass.finish({ index: done.index, window: w, buffer, outputs: windowOutputViews(buffer, depth, capacity, w.width * w.height) });
  });
  try {
    for (let i = 0; i < windows.length; i++) {
      signal?.throwIfAborted();
      await pipeline.reserve();
      const w = windows[i]!;
      const slot = i % slots;
      let values: SharedArrayBuffer;
      if (source.kind === "read") {
        values = source.inputs[slot]!;
        source.read(w, new Float32Array(values, 0, depth * w.width * w.height));
      } else {
        values = source.buffer;
      }
      const task = {
        kind: "window",
        shape: layout.shape,
        window: w,
        values: { buffer: values, offset: 0 },
        gather: source.kind === "cube",
        xyzMin: pass.xyz.min,
        xyzMax: pass.xyz.max,
        numBins: layout.numBins,
        out: { buffer: outputs[slot]!, capacity },
      } as const;
      const work = pass.cancelUnits ? pool.runWindow(task, signal) : pool.runWindow(task);
      pipeline.push(work.then((share) => ({ index: i, share })));
    }
    await pipeline.drain();
  } finally {
    await pipeline.settle();
  }
}

/**
 * What each user of the passes (src/engine/passes.ts) decides about buffering, in one place:
 * plane slots, the window geometry and the windows in flight. Fast mode, slow mode and
 * verify's content check allocate from these plans, and the memory model
 * (src/engine/memory.ts) adds the same plans up, so the prediction follows the buffers.
 */
import type { Layout, Shape4 } from "../schema/layout.js";
import { DEFAULT_BATCH_BYTES, WINDOW_BYTES } from "./defaults.js";
import type { PlanePass } from "./passes.js";
import { windowsOf, type Window } from "./tile-unit.js";
import { planeResultBytes, windowOutputBytes } from "./unit-tasks.js";

/** Units in flight in a pipeline: one per thread, and one being read or written. */
export function pipelineSlots(threads: number): number {
  return threads + 1;
}

/**
 * Windows in flight in a window pass that reads its windows back from DATA, at most. They
 * share one budget, so more of them means shorter windows, and every window costs a read of
 * DATA through HDF5 per channel: with 16 threads (17 windows of 15 rows) the 1 GiB cube's tile
 * pass took longer than with one thread (measured on 16 cores: slow mode 11.1 s with 16
 * threads, 8.0 s with 1). The pass is limited by the main thread's reads and writes, not by the
 * units, so a few windows in flight keep the threads busy enough.
 */
export const MAX_WINDOW_SLOTS = 4;

/** Windows in flight in a window pass that reads its windows back (slow mode, verify). */
export function windowSlots(threads: number): number {
  return Math.min(pipelineSlots(threads), MAX_WINDOW_SLOTS);
}

/** Bytes between the starts of two results in the plane results ring (8-byte aligned). */
export function resultStride(layout: Layout): number {
  return Math.ceil(planeResultBytes(layout) / 8) * 8;
}

/**
 * The slow mode's windows: 512 pixels wide (one chunk of DATA), and as tall as fits `bytes`
 * through every channel, at most 512 — so a deep cube's window stays bounded (the reference's
 * fixed 512×512 window needs 1 MiB per channel). `tileSize` forces a square.
 */
export function slowWindow(width: number, height: number, depth: number, tileSize?: number, bytes = WINDOW_BYTES): { width: number; height: number } {
  if (tileSize !== undefined) return { width: Math.min(tileSize, width), height: Math.min(tileSize, height) };
  const w = Math.min(512, width);
  const h = Math.max(1, Math.min(512, height, Math.floor(bytes / (w * depth * 4))));
  return { width: w, height: h };
}

/** A window pass's buffers: its windows, the pixels of each slot and the windows in flight. */
export interface WindowPlan {
  readonly windows: readonly Window[];
  /** Pixels of the largest window: each slot's input and output buffers hold this many. */
  readonly capacity: number;
  readonly slots: number;
}

/** A pass's buffers: plane slots and, for cubes, its windows. */
export interface PassBuffers {
  /** Plane units in flight, each with its result slot (fast mode: its plane is in the cube). */
  readonly planeSlots: number;
  /** Absent for an image without depth. */
  readonly windows?: WindowPlan;
}

/**
 * Fast mode: the stokes cube in memory; 2 × threads + 2 result slots (reading planes runs
 * ahead of the units); windows are strips of whole columns, gathered from the cube by each
 * unit, their values at most half a batch.
 */
export function fastBuffers(shape: Shape4, threads: number, batchBytes = DEFAULT_BATCH_BYTES): PassBuffers & { readonly strip: number } {
  const { width, height, depth } = shape;
  const strip = Math.max(1, Math.min(width, Math.floor(batchBytes / 2 / (height * depth * 4))));
  const planeSlots = 2 * threads + 2;
  if (depth <= 1) return { planeSlots, strip };
  return { planeSlots, strip, windows: { windows: windowsOf(width, height, strip, height), capacity: strip * height, slots: pipelineSlots(threads) } };
}

/** Slow mode: a ring of planes; windows read back from DATA, sharing WINDOW_BYTES. */
export function slowBuffers(shape: Shape4, threads: number, tileSize?: number): PassBuffers {
  const { width, height, depth } = shape;
  const planeSlots = pipelineSlots(threads) + 1;
  if (depth <= 1) return { planeSlots };
  const slots = windowSlots(threads);
  const size = slowWindow(width, height, depth, tileSize, WINDOW_BYTES / slots);
  return { planeSlots, windows: { windows: windowsOf(width, height, size.width, size.height), capacity: size.width * size.height, slots } };
}

/**
 * verify's content check: a ring of planes as slow mode's; windows read back from DATA, as
 * many in flight as slow mode's, sharing `windowBytes`: 512 wide (DATA's chunks) or narrower,
 * as tall as each slot's share allows.
 */
export function verifyBuffers(shape: Shape4, threads: number, windowBytes: number): PassBuffers {
  const { width, height, depth } = shape;
  const planeSlots = pipelineSlots(threads) + 1;
  if (depth <= 1) return { planeSlots };
  const slots = windowSlots(threads);
  const pixels = Math.max(1, Math.floor(windowBytes / slots / (depth * 4)));
  const ww = Math.min(width, 512, pixels);
  const wh = Math.min(height, Math.max(1, Math.floor(pixels / ww)));
  const windows = windowsOf(width, height, ww, wh);
  const capacity = windows.reduce((m, w) => Math.max(m, w.width * w.height), 0);
  return { planeSlots, windows: { windows, capacity, slots } };
}

/** The plane results ring: `slots` results of resultStride(layout) bytes. */
export function resultsRing(layout: Layout, slots: number): SharedArrayBuffer {
  return new SharedArrayBuffer(slots * resultStride(layout));
}

/**
 * A plane pass over every plane through a ring of `slots` planes and their results (slow mode,
 * verify): plane p goes to slot p % slots.
 */
export function planeRing(layout: Layout, slots: number): Pick<PlanePass, "first" | "count" | "slots" | "buffer" | "offset" | "results" | "resultStride"> {
  const { width, height, depth, stokes } = layout.shape;
  const planeSize = width * height;
  return {
    first: 0,
    count: depth * stokes,
    slots,
    buffer: new SharedArrayBuffer(slots * planeSize * 4),
    offset: (_p, slot) => slot * planeSize,
    results: resultsRing(layout, slots),
    resultStride: resultStride(layout),
  };
}

/** A window pass's output buffers (rotation and Z statistics), one per window in flight. */
export function windowOutputBuffers(plan: WindowPlan, depth: number): SharedArrayBuffer[] {
  return Array.from({ length: plan.slots }, () => new SharedArrayBuffer(windowOutputBytes(depth, plan.capacity)));
}

/** A window pass's input buffers for windows read back from DATA, one per window in flight. */
export function windowInputBuffers(plan: WindowPlan, depth: number): SharedArrayBuffer[] {
  return Array.from({ length: plan.slots }, () => new SharedArrayBuffer(depth * plan.capacity * 4));
}

/** Settings shared by the engine and its memory model. */

export type Mode = "fast" | "slow";

/**
 * Bytes per batch of planes (fast mode's DATA writes) and per strip of the rotation: 16–64 MB
 * slabs write fastest through h5wasm, and every slab is copied once into the wasm heap, which
 * never shrinks, so larger ones only cost memory.
 */
export const DEFAULT_BATCH_BYTES = 64 * 2 ** 20;

/** Bytes of one window of the slow mode's tile pass (its values; the rotation doubles it). */
export const WINDOW_BYTES = 128 * 2 ** 20;

/**
 * The slow mode's windows: 512 pixels wide (one chunk of DATA), and as tall as fits
 * WINDOW_BYTES through every channel, at most 512 — so a deep cube's window stays bounded
 * (the reference's fixed 512×512 window needs 1 MiB per channel). `tileSize` forces a square;
 * `bytes` is the budget of one window (the pipeline divides WINDOW_BYTES among its slots).
 */
export function slowWindow(width: number, height: number, depth: number, tileSize?: number, bytes = WINDOW_BYTES): { width: number; height: number } {
  if (tileSize !== undefined) return { width: Math.min(tileSize, width), height: Math.min(tileSize, height) };
  const w = Math.min(512, width);
  const h = Math.max(1, Math.min(512, height, Math.floor(bytes / (w * depth * 4))));
  return { width: w, height: h };
}

/** Units in flight in a pipeline: one per thread, and one being read or written. */
export function pipelineSlots(threads: number): number {
  return threads + 1;
}

/**
 * Windows in flight in the slow mode's tile pass, at most. They share WINDOW_BYTES, so more of
 * them means shorter windows, and every window costs a read of DATA through HDF5 per channel:
 * with 16 threads (17 windows of 15 rows) the 1 GiB cube's tile pass took longer than with one
 * thread (measured on 16 cores: slow mode 11.1 s with 16 threads, 8.0 s with 1). The pass is
 * limited by the main thread's reads and writes, not by the units, so a few windows in flight
 * keep the threads busy enough.
 */
export const MAX_WINDOW_SLOTS = 4;

/** Windows in flight in the slow mode's tile pass. */
export function windowSlots(threads: number): number {
  return Math.min(pipelineSlots(threads), MAX_WINDOW_SLOTS);
}

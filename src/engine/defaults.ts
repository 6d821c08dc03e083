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

// The window geometry, slots and windows in flight built from these: src/engine/buffers.ts.

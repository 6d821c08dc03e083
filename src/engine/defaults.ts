/** Settings shared by the engine and its memory model. */

export type Mode = "fast" | "slow";

/**
 * Bytes per batch of planes (fast mode's DATA writes) and per strip of the rotation: 16–64 MB
 * slabs write fastest through h5wasm, and every slab is copied once into the wasm heap, which
 * never shrinks, so larger ones only cost memory.
 */
export const DEFAULT_BATCH_BYTES = 64 * 2 ** 20;

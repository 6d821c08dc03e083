/**
 * The memory model of fits2idia-ts (not the reference's): what each mode of this converter
 * allocates, component by component, for an image of a given shape. It follows the buffers of
 * engine/convert.ts; bench/memory.mjs compares it with the measured peak RSS.
 */
import { FitsImage, type ImageShape } from "../fits/image.js";
import type { HduSelector } from "../fits/hdu.js";
import type { FitsInput } from "../fits/source.js";
import { layoutOf } from "../schema/layout.js";
import { addressSpaceComponents, type ProcessAddressSpace } from "./address-space.js";
import { threadCount } from "./resources.js";
import type { Window } from "./tile-unit.js";
import { fastBuffers, slowBuffers } from "./buffers.js";
import { DEFAULT_BATCH_BYTES, type Mode } from "./defaults.js";

export interface MemoryComponent {
  readonly name: string;
  readonly bytes: number;
}

export interface MemoryBreakdown {
  readonly mode: Mode;
  readonly components: readonly MemoryComponent[];
  /** Predicted peak resident memory of the process, in bytes. */
  readonly total: number;
  /**
   * The address space (virtual memory) the mode needs, component by component: the limit
   * `ulimit -v` must allow (src/engine/address-space.ts).
   */
  readonly addressSpace?: { readonly components: readonly MemoryComponent[]; readonly total: number };
}

export interface MemoryPrediction {
  readonly shape: ImageShape;
  /** The threads predicted for. */
  readonly threads?: number;
  readonly fast: MemoryBreakdown;
  readonly slow: MemoryBreakdown;
}

export interface MemoryModelOptions {
  batchBytes?: number;
  tileSize?: number;
  /** Threads computing units (default 1: inline, no worker threads). */
  threads?: number;
  /**
   * What the file reader holds besides its read chunk: for a tile-compressed image, one row of
   * decoded tiles and its compressed bytes (FitsImage.readerBufferBytes; default 0).
   */
  readerBufferBytes?: number;
  /** The process the address space is predicted for (default: the command's, COMMAND_ADDRESS_SPACE). */
  addressSpace?: ProcessAddressSpace;
}

/**
 * Resident memory of the runtime before any image buffer: Node itself, the loaded modules and
 * h5wasm's initial WebAssembly heap (19 MB). Measured: 110–118 MB converting a 64×64 image
 * with one thread (peak RSS, bench/convert-child.mjs); and the same conversion's peak varies
 * from run to run by up to 8 MB (the garbage collector's timing: 300x200x40x4 fast, 1 thread,
 * 164–173 MB in six runs), which a small image's 8 % buffer slack does not cover. 132 MB
 * bounds both.
 */
export const RUNTIME_BYTES = 132e6;

/** Resident memory of one worker thread: its V8 isolate and the loaded kernels (measured). */
export const WORKER_BYTES = 12e6;

/** The slack added to every prediction, as a fraction of its buffers. */
const SLACK = 0.08;

/** Bytes the file reader keeps for decoding (one read chunk). */
const READ_SCRATCH = 8 * 2 ** 20;

/** Per-pixel bytes of a unit's own Z statistics: min, max (float32), sum, sumSq, count (float64). */
const Z_STATS_PER_PIXEL = 4 + 4 + 8 + 8 + 8;
/** Per-pixel bytes of a window's shared outputs besides the rotation: four float32, one int64. */
const Z_OUT_PER_PIXEL = 4 * 4 + 8;

export function predictMemoryForShape(shape: ImageShape, options: MemoryModelOptions = {}): MemoryPrediction {
  const layout = layoutOf(shape);
  const { width, height, depth } = shape;
  const plane = width * height * 4;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const requestedThreads = Math.max(1, options.threads ?? 1);
  const workers = requestedThreads > 1 ? requestedThreads : 0;
  // Units and slots that are never used are never touched, so they take no resident memory:
  // a 2-D image has one plane, hence one plane unit and one result slot.
  const planes = shape.depth * shape.stokes;
  const threads = Math.min(requestedThreads, planes);

  // One plane unit per thread: float64 sums and int32 counts per mipmap pixel plus the
  // accumulator's row buffers; its own histogram and mipmap outputs.
  const mipPixels = layout.mipLevels.reduce((n, l) => n + l.width * l.height, 0);
  const planeUnit = mipPixels * (8 + 4 + 4) + (layout.mipLevels.length > 0 ? width * (8 + 4) : 0) + layout.numBins * 8;
  // A plane's results in the shared ring (histogram and mipmaps), and the int64 copy written.
  const planeResults = layout.numBins * 8 + mipPixels * 4;
  const statistics = layout.numBins * 8 + shape.stokes * depth * 40;

  const common = (): MemoryComponent[] => [
    { name: "runtime", bytes: RUNTIME_BYTES },
    ...(workers > 0 ? [{ name: `worker threads (${workers})`, bytes: workers * WORKER_BYTES }] : []),
    { name: "plane units", bytes: threads * planeUnit },
    { name: "statistics", bytes: statistics },
    ...(options.readerBufferBytes ? [{ name: "tile-compressed reader (one row of tiles)", bytes: options.readerBufferBytes }] : []),
  ];

  // Fast: one stokes in a shared buffer; results ring; windows are strips of whole columns,
  // gathered by each unit into its own buffer, with threads + 1 output slots.
  const fast = common();
  const fastPlan = fastBuffers(shape, requestedThreads, batchBytes);
  const fastSlots = Math.min(fastPlan.planeSlots, depth);
  fast.push({ name: "cube (one stokes)", bytes: depth * plane }, { name: "plane results", bytes: fastSlots * planeResults });
  let fastHeap = plane;
  if (fastPlan.windows === undefined) fast.push({ name: "read buffer", bytes: Math.min(READ_SCRATCH, plane) });
  else {
    const { capacity } = fastPlan.windows;
    const values = capacity * depth * 4;
    const touched = touchedSlotPixels(fastPlan.windows.windows, fastPlan.windows.slots);
    fast.push(
      { name: "rotation outputs", bytes: touched * (depth * 4 + Z_OUT_PER_PIXEL) },
      { name: "window units", bytes: threads * (values + capacity * Z_STATS_PER_PIXEL) },
    );
    fastHeap = Math.max(fastHeap, Math.min(values, batchBytes));
  }
  fast.push({ name: "HDF5 write buffer", bytes: fastHeap });

  // Slow: a ring of planes; then windows read back from DATA, threads + 1 in flight (at most MAX_WINDOW_SLOTS).
  const slow = common();
  const slowPlan = slowBuffers(shape, requestedThreads, options.tileSize);
  const slowSlots = Math.min(slowPlan.planeSlots, planes);
  slow.push({ name: "plane ring", bytes: slowSlots * (plane + planeResults) });
  let slowHeap = plane;
  if (slowPlan.windows !== undefined) {
    const { capacity } = slowPlan.windows;
    const values = capacity * depth * 4;
    const touched = touchedSlotPixels(slowPlan.windows.windows, slowPlan.windows.slots);
    slow.push(
      { name: "windows (read back, rotated)", bytes: touched * (2 * depth * 4 + Z_OUT_PER_PIXEL) },
      { name: "window units", bytes: threads * capacity * Z_STATS_PER_PIXEL },
    );
    // Windows are read back and rotations written a batch at a time.
    slowHeap = Math.max(slowHeap, Math.min(values, batchBytes));
  }
  // One slab buffer in the wasm heap: the writer keeps it from one read or write to the next
  // (src/hdf5/writer.ts). Freed after each, it had HDF5's small allocations at its start and
  // the next slab went on top: the heap grew by a second slab (1024x1024x96: 139 MB, not 87).
  slow.push({ name: "HDF5 write buffer", bytes: slowHeap });

  // What the buffers above do not show: the allocator's and the garbage collector's slack.
  // Measured as 1–7 % of the buffers (bench/memory.mjs); 8 % makes the prediction an upper
  // bound, which is what a memory limit needs. The runtime and the workers are measured whole,
  // so the slack is on the buffers alone.
  const fixed = (c: MemoryComponent): boolean => c.name === "runtime" || c.name.startsWith("worker threads");
  for (const components of [fast, slow]) {
    const sum = components.filter((c) => !fixed(c)).reduce((n, c) => n + c.bytes, 0);
    components.push({ name: "allocator and GC slack", bytes: Math.round(sum * SLACK) });
  }
  const total = (components: readonly MemoryComponent[]): number => components.reduce((n, c) => n + c.bytes, 0);
  // The buffers are address space too; the runtime and the workers have their own figures there.
  const addressSpace = (components: readonly MemoryComponent[]): MemoryBreakdown["addressSpace"] => {
    const buffers = total(components.filter((c) => c.name !== "runtime" && !c.name.startsWith("worker threads") && c.name !== "allocator and GC slack"));
    const parts = addressSpaceComponents(buffers, workers, options.addressSpace);
    return { components: parts, total: total(parts) };
  };
  return {
    shape: { ...shape },
    threads: requestedThreads,
    fast: { mode: "fast", components: fast, total: total(fast), addressSpace: addressSpace(fast) },
    slow: { mode: "slow", components: slow, total: total(slow), addressSpace: addressSpace(slow) },
  };
}

/**
 * Pixels of the window slots that are ever written: window i goes to slot i % slots (for every
 * stokes alike), and a slot's pages are resident only as far as its largest window reaches.
 */
function touchedSlotPixels(windows: readonly Window[], slots: number): number {
  const largest = new Array<number>(slots).fill(0);
  windows.forEach((w, i) => {
    largest[i % slots] = Math.max(largest[i % slots]!, w.width * w.height);
  });
  return largest.reduce((a, b) => a + b, 0);
}

/**
 * Both modes' predictions for a FITS file (reads only its header). Without `threads`, for the
 * thread count a conversion would use in this environment (as `convert` resolves it).
 *
 * @returns for `fast` and `slow`: the total in bytes (an upper bound of the conversion's peak
 *   resident memory) and its components, as `-m` prints them.
 * @throws (rejects with) `FitsError` when the file is not a FITS image it can read;
 *   `ThreadsError` for a bad thread count. Reading a header needs no cancelling.
 */
export async function predictMemory(
  input: FitsInput,
  options: MemoryModelOptions & { hdu?: HduSelector; env?: NodeJS.ProcessEnv } = {},
): Promise<MemoryPrediction> {
  const image = await FitsImage.open(input, { hdu: options.hdu });
  try {
    const threads = options.threads ?? threadCount({ env: options.env ?? process.env }).threads;
    return predictMemoryForShape(image.shape, { ...options, threads, readerBufferBytes: image.readerBufferBytes });
  } finally {
    await image.close();
  }
}

/**
 * The memory model of fits2idia-ts (not the reference's): what each mode of this converter
 * allocates, component by component, for an image of a given shape. It follows the buffers of
 * engine/convert.ts; bench/memory.mjs compares it with the measured peak RSS.
 */
import { FitsImage, type ImageShape } from "../fits/image.js";
import type { HduSelector } from "../fits/hdu.js";
import { layoutOf } from "../schema/layout.js";
import { DEFAULT_BATCH_BYTES, slowWindow, type Mode } from "./defaults.js";

export interface MemoryComponent {
  readonly name: string;
  readonly bytes: number;
}

export interface MemoryBreakdown {
  readonly mode: Mode;
  readonly components: readonly MemoryComponent[];
  /** Predicted peak resident memory of the process, in bytes. */
  readonly total: number;
}

export interface MemoryPrediction {
  readonly shape: ImageShape;
  readonly fast: MemoryBreakdown;
  readonly slow: MemoryBreakdown;
}

export interface MemoryModelOptions {
  batchBytes?: number;
  tileSize?: number;
}

/**
 * Resident memory of the runtime before any image buffer: Node itself, the loaded modules and
 * h5wasm's initial WebAssembly heap (measured: bench/memory.mjs).
 */
export const RUNTIME_BYTES = 106e6;

/** Bytes the file reader keeps for decoding (one read chunk). */
const READ_SCRATCH = 8 * 2 ** 20;

/** Per-pixel bytes of the Z statistics of a window: min, max (float32), sum, sumSq, count (float64). */
const Z_STATS_PER_PIXEL = 4 + 4 + 8 + 8 + 8;
/** Per-pixel bytes of the Z statistics converted for writing: two float32 arrays of sums, int64 counts. */
const Z_WRITE_PER_PIXEL = 4 + 4 + 8;

export function predictMemoryForShape(shape: ImageShape, options: MemoryModelOptions = {}): MemoryPrediction {
  const layout = layoutOf(shape);
  const { width, height, depth, stokes } = shape;
  const plane = width * height * 4;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;

  // Mipmaps of one plane: float64 sums and int32 counts per mipmap pixel, the means written
  // (float32), and the accumulator's row buffers.
  const mipPixels = layout.mipLevels.reduce((n, l) => n + l.width * l.height, 0);
  const mipmaps = mipPixels * (8 + 4 + 4) + (layout.mipLevels.length > 0 ? width * (8 + 4) : 0);
  // Histograms of one plane (float64 counts, int64 copy) and the XY statistics of every plane.
  const statistics = layout.numBins * 16 * 2 + stokes * depth * 40;

  const fastComponents: MemoryComponent[] = [{ name: "runtime", bytes: RUNTIME_BYTES }];
  const slowComponents: MemoryComponent[] = [{ name: "runtime", bytes: RUNTIME_BYTES }];

  // Fast: one stokes, a batch of it copied into the wasm heap at a time, strips of the rotation.
  const cube = depth * plane;
  const batchPlanes = Math.max(1, Math.min(depth, Math.floor(batchBytes / plane)));
  const dataSlab = batchPlanes * plane;
  fastComponents.push(
    { name: "cube (one stokes)", bytes: cube },
    { name: "read buffer", bytes: Math.min(READ_SCRATCH, cube) },
    { name: "mipmaps", bytes: mipmaps },
    { name: "statistics", bytes: statistics },
  );
  let fastHeap = dataSlab;
  if (layout.hasDepth) {
    const strip = Math.max(1, Math.min(width, Math.floor(batchBytes / 2 / (height * depth * 4))));
    const stripValues = strip * height * depth * 4;
    const stripPixels = strip * height;
    fastComponents.push({
      name: "rotation strip",
      bytes: 2 * stripValues + stripPixels * (Z_STATS_PER_PIXEL + Z_WRITE_PER_PIXEL),
    });
    fastHeap = Math.max(fastHeap, stripValues);
  }
  fastComponents.push({ name: "HDF5 write buffer", bytes: fastHeap });

  // Slow: one plane; then windows of tile × tile pixels through every channel, read back.
  slowComponents.push(
    { name: "plane", bytes: plane },
    { name: "read buffer", bytes: Math.min(READ_SCRATCH, plane) },
    { name: "mipmaps", bytes: mipmaps },
    { name: "statistics", bytes: statistics },
  );
  let slowHeap = plane;
  if (layout.hasDepth) {
    const window = slowWindow(width, height, depth, options.tileSize);
    const windowPixels = window.width * window.height;
    const windowValues = windowPixels * depth * 4;
    slowComponents.push({
      name: "rotation window",
      bytes: 2 * windowValues + windowPixels * (Z_STATS_PER_PIXEL + Z_WRITE_PER_PIXEL),
    });
    // The window is read back and its rotation written a batch at a time.
    slowHeap = Math.max(slowHeap, Math.min(windowValues, batchBytes));
  }
  slowComponents.push({ name: "HDF5 write buffer", bytes: slowHeap });

  const total = (components: MemoryComponent[]): number => components.reduce((n, c) => n + c.bytes, 0);
  return {
    shape: { ...shape },
    fast: { mode: "fast", components: fastComponents, total: total(fastComponents) },
    slow: { mode: "slow", components: slowComponents, total: total(slowComponents) },
  };
}

/** Both modes' predictions for a FITS file (reads only its header). */
export async function predictMemory(input: string, options: MemoryModelOptions & { hdu?: HduSelector } = {}): Promise<MemoryPrediction> {
  const image = await FitsImage.open(input, { hdu: options.hdu });
  try {
    return predictMemoryForShape(image.shape, options);
  } finally {
    await image.close();
  }
}

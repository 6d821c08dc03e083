/**
 * The per-plane unit of work, the same in every mode: the XY statistics, the XY histogram and
 * the mipmaps of one full-resolution channel. Independent of every other plane, so planes can
 * be computed in any order or on any thread with identical results.
 */
import type { PlaneStats } from "../kernels/plane-stats.js";
import type { Layout } from "../schema/layout.js";
import { jsKernels, type KernelSet, type Mipmapper } from "./kernel-set.js";

export interface PlaneResult {
  readonly stats: PlaneStats;
  /** numBins counts (float64, exact integers). */
  readonly histogram: Float64Array;
  /** One float32 array per mipmap level, level order. */
  readonly mipmaps: readonly Float32Array[];
}

/**
 * Computes plane results with buffers of its own, reused from plane to plane (fresh memory is
 * slow to touch): a result's arrays are valid until the next `run`. One unit per thread.
 */
export class PlaneUnit {
  readonly #layout: Layout;
  readonly #kernels: KernelSet;
  readonly #accumulator: Mipmapper;
  readonly #histogram: Float64Array;
  readonly #mipmaps: Float32Array[];

  constructor(layout: Layout, kernels: KernelSet = jsKernels) {
    this.#layout = layout;
    this.#kernels = kernels;
    const { width, height } = layout.shape;
    this.#accumulator = kernels.mipmapAccumulator(width, height, layout.mipLevels.map((l) => ({ ...l })));
    this.#histogram = new Float64Array(layout.numBins);
    this.#mipmaps = layout.mipLevels.map((level) => new Float32Array(level.width * level.height));
  }

  /**
   * Results for the plane `data[offset .. offset + width*height)`, into `out` when given (e.g.
   * views of a shared buffer), else into the unit's own buffers.
   */
  run(data: Float32Array, offset = 0, out?: { histogram: Float64Array; mipmaps: readonly Float32Array[] }): PlaneResult {
    const size = this.#layout.shape.width * this.#layout.shape.height;
    const stats = this.#kernels.planeStats(data, offset, size);
    const histogram = (out?.histogram ?? this.#histogram).fill(0);
    this.#kernels.accumulateHistogram(data, offset, size, stats.min, stats.max, histogram);
    const mipmaps = out?.mipmaps ?? this.#mipmaps;
    if (mipmaps.length > 0) {
      this.#accumulator.addPlane(data, offset);
      mipmaps.forEach((target, i) => this.#accumulator.means(i, target));
    }
    return { stats, histogram, mipmaps };
  }
}

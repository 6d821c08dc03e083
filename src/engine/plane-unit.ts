/**
 * The per-plane unit of work, the same in every mode: the XY statistics, the XY histogram and
 * the mipmaps of one full-resolution channel. Independent of every other plane, so planes can
 * be computed in any order or on any thread with identical results.
 */
import { accumulateHistogram } from "../kernels/histogram.js";
import { MipmapAccumulator } from "../kernels/mipmap.js";
import { planeStats, type PlaneStats } from "../kernels/plane-stats.js";
import type { Layout } from "../schema/layout.js";

export interface PlaneResult {
  readonly stats: PlaneStats;
  /** numBins counts (float64, exact integers). */
  readonly histogram: Float64Array;
  /** One float32 array per mipmap level, level order. */
  readonly mipmaps: readonly Float32Array[];
}

/** Computes plane results; holds the reusable buffers of one thread. */
export class PlaneUnit {
  readonly #layout: Layout;
  readonly #mipmaps: MipmapAccumulator;

  constructor(layout: Layout) {
    this.#layout = layout;
    const { width, height } = layout.shape;
    this.#mipmaps = new MipmapAccumulator(width, height, layout.mipLevels.map((l) => ({ ...l })));
  }

  /** Results for the plane `data[offset .. offset + width*height)`. */
  run(data: Float32Array, offset = 0): PlaneResult {
    const size = this.#layout.shape.width * this.#layout.shape.height;
    const stats = planeStats(data, offset, size);
    const histogram = new Float64Array(this.#layout.numBins);
    accumulateHistogram(data, offset, size, stats.min, stats.max, histogram);
    const mipmaps: Float32Array[] = [];
    if (this.#layout.mipLevels.length > 0) {
      this.#mipmaps.addPlane(data, offset);
      this.#layout.mipLevels.forEach((level, i) => {
        const out = new Float32Array(level.width * level.height);
        this.#mipmaps.means(i, out);
        mipmaps.push(out);
      });
    }
    return { stats, histogram, mipmaps };
  }
}

import { checkRange } from "./plane-stats.js";

/** One mipmap level: `factor` (2, 4, 8, …) and its size ceil(width/factor) × ceil(height/factor). */
export interface MipmapLevel {
  factor: number;
  width: number;
  height: number;
}

/**
 * The schema's mipmap levels: starting from the image size, while the current size is wider
 * or taller than 128, halve both sizes (ceil) and double the factor; each halving is a level.
 * 128×128 or smaller: none. 5000×200: factors 2 … 64.
 */
export function mipmapLevels(width: number, height: number): MipmapLevel[] {
  const levels: MipmapLevel[] = [];
  let w = width;
  let h = height;
  let factor = 1;
  while (w > 128 || h > 128) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    factor *= 2;
    levels.push({ factor, width: w, height: h });
  }
  return levels;
}

/**
 * Computes the mipmaps of one full-resolution plane at a time.
 *
 * Each mipmap pixel is the mean of the finite values in its factor×factor block of the
 * full-resolution plane: the float64 sum of those values in raster order divided by their count,
 * rounded to float32; NaN when the block holds no finite value. Right and bottom blocks are
 * partial. Every level's sums are computed from the full-resolution plane (never from a coarser
 * level, which would change the rounding); only the integer counts, which are exact, are
 * derived level from level.
 *
 * Buffers: a float64 sum and an int32 count per mipmap pixel and level, reused between planes,
 * plus two rows of scratch.
 *
 * Use: `addPlane(plane)` (or `reset()` then `addRows(...)` for consecutive row strips, top to
 * bottom), then `means(level, out)` for each level. `addPlane` replaces the previous plane.
 *
 * Speed: one pass over the rows; each row is first copied into a float64 scratch row with the
 * non-finite values replaced by +0 (adding +0 never changes a sum that starts at +0, so this is
 * bit-identical to skipping them) and its finite flags, then each level adds the row to its
 * blocks, four blocks interleaved so that their float64 addition chains overlap.
 */
export class MipmapAccumulator {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly MipmapLevel[];
  private readonly sums: Float64Array[];
  private readonly counts: Int32Array[];
  /** The row's values with non-finite ones replaced by +0, and 1/0 finite flags. */
  private readonly rowValues: Float64Array;
  private readonly rowFinite: Int32Array;
  private nextRow = 0;
  /** Whether the counts of levels 1.. are up to date with level 0's. */
  private countsDerived = true;

  /**
   * `levels` defaults to {@link mipmapLevels}; a custom list must be factors 2, 4, 8, …
   * (consecutive, starting at 2) with sizes ceil(width/factor) × ceil(height/factor).
   */
  constructor(width: number, height: number, levels: readonly MipmapLevel[] = mipmapLevels(width, height)) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new RangeError(`bad plane size ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.levels = levels.map((l) => ({ factor: l.factor, width: l.width, height: l.height }));
    this.sums = [];
    this.counts = [];
    this.levels.forEach((l, k) => {
      if (l.factor !== 2 ** (k + 1) || k >= 30) {
        throw new RangeError(`mipmap level ${k} has factor ${l.factor}; expected ${2 ** (k + 1)}`);
      }
      if (l.width !== Math.ceil(width / l.factor) || l.height !== Math.ceil(height / l.factor)) {
        throw new RangeError(`mipmap level ${l.factor} has size ${l.width}x${l.height}, not ceil(${width}x${height} / ${l.factor})`);
      }
      this.sums.push(new Float64Array(l.width * l.height));
      this.counts.push(new Int32Array(l.width * l.height));
    });
    this.rowValues = new Float64Array(width);
    this.rowFinite = new Int32Array(width);
  }

  /** Clears the sums and counts, ready for a new plane. */
  reset(): void {
    for (let k = 0; k < this.sums.length; k++) {
      this.sums[k].fill(0);
      this.counts[k].fill(0);
    }
    this.nextRow = 0;
    this.countsDerived = true;
  }

  /** Computes the mipmaps of `plane[offset .. offset + width*height)` (raster order). */
  addPlane(plane: Float32Array, offset = 0): void {
    this.reset();
    this.addRows(plane, offset, this.height);
  }

  /**
   * Adds the next `rows` rows of the plane (rows must come top to bottom, after a reset()):
   * `data[offset .. offset + rows*width)`.
   */
  addRows(data: Float32Array, offset: number, rows: number): void {
    const width = this.width;
    if (!Number.isInteger(rows) || rows < 0 || this.nextRow + rows > this.height) {
      throw new RangeError(`adding ${rows} rows after row ${this.nextRow} of ${this.height}`);
    }
    checkRange(data.length, offset, rows * width);
    const nLevels = this.levels.length;
    if (nLevels === 0 || rows === 0) {
      this.nextRow += rows;
      return;
    }
    const vals = this.rowValues;
    const fin = this.rowFinite;
    for (let r = 0; r < rows; r++) {
      const y = this.nextRow + r;
      prepareRow(data, offset + r * width, width, vals, fin);
      addRowFactor2(vals, fin, width, this.sums[0], this.counts[0], (y >>> 1) * this.levels[0].width);
      for (let k = 1; k < nLevels; k++) {
        const shift = k + 1;
        addRowSums(vals, width, 1 << shift, this.sums[k], (y >>> shift) * this.levels[k].width);
      }
    }
    this.nextRow += rows;
    this.countsDerived = nLevels === 1;
  }

  /**
   * Writes level `levelIndex`'s means (mw × mh, raster order) to `out[outOffset ..]`,
   * rounded to float32; NaN where a block has no finite value.
   */
  means(levelIndex: number, out: Float32Array, outOffset = 0): void {
    const sums = this.sums[levelIndex];
    if (sums === undefined) throw new RangeError(`no mipmap level ${levelIndex}`);
    const n = sums.length;
    checkRange(out.length, outOffset, n);
    if (!this.countsDerived) this.deriveCounts();
    const counts = this.counts[levelIndex];
    for (let i = 0; i < n; i++) {
      const c = counts[i];
      out[outOffset + i] = c > 0 ? sums[i] / c : NaN;
    }
  }

  /** A new Float32Array with level `levelIndex`'s means. */
  level(levelIndex: number): Float32Array {
    const l = this.levels[levelIndex];
    if (l === undefined) throw new RangeError(`no mipmap level ${levelIndex}`);
    const out = new Float32Array(l.width * l.height);
    this.means(levelIndex, out, 0);
    return out;
  }

  /** Counts of level k = sums of the (up to) 2×2 counts of level k-1 below each block (exact). */
  private deriveCounts(): void {
    for (let k = 1; k < this.levels.length; k++) {
      const fine = this.counts[k - 1];
      const fw = this.levels[k - 1].width;
      const fh = this.levels[k - 1].height;
      const coarse = this.counts[k];
      const { width: cw, height: ch } = this.levels[k];
      for (let cy = 0; cy < ch; cy++) {
        const y0 = 2 * cy;
        const hasY1 = y0 + 1 < fh;
        for (let cx = 0; cx < cw; cx++) {
          const x0 = 2 * cx;
          const hasX1 = x0 + 1 < fw;
          const i = y0 * fw + x0;
          let c = fine[i];
          if (hasX1) c += fine[i + 1];
          if (hasY1) {
            c += fine[i + fw];
            if (hasX1) c += fine[i + fw + 1];
          }
          coarse[cy * cw + cx] = c;
        }
      }
    }
    this.countsDerived = true;
  }
}

/** Copies a row into float64 with non-finite values as +0, and its 1/0 finite flags. */
function prepareRow(data: Float32Array, base: number, width: number, vals: Float64Array, fin: Int32Array): void {
  for (let x = 0; x < width; x++) {
    const v = data[base + x];
    if (v - v === 0) {
      vals[x] = v;
      fin[x] = 1;
    } else {
      vals[x] = 0;
      fin[x] = 0;
    }
  }
}

/** Adds one prepared row to the 2×2 blocks: sums in raster order and counts. */
function addRowFactor2(
  vals: Float64Array,
  fin: Int32Array,
  width: number,
  sums: Float64Array,
  counts: Int32Array,
  rowBase: number,
): void {
  let m = rowBase;
  let x = 0;
  const full = width - (width & 1);
  for (; x < full; x += 2, m++) {
    sums[m] = sums[m] + vals[x] + vals[x + 1];
    counts[m] += fin[x] + fin[x + 1];
  }
  if (x < width) {
    sums[m] += vals[x];
    counts[m] += fin[x];
  }
}

/**
 * Adds one prepared row to the sums of the blocks of one level (factor >= 4): each block's sum
 * continues from its stored value through the row's values left to right (raster order).
 */
function addRowSums(vals: Float64Array, width: number, factor: number, sums: Float64Array, rowBase: number): void {
  let m = rowBase;
  let x = 0;
  const group = 4 * factor;
  const groupsEnd = width - (width % group);
  // Four blocks at a time: independent addition chains.
  while (x < groupsEnd) {
    let s0 = sums[m];
    let s1 = sums[m + 1];
    let s2 = sums[m + 2];
    let s3 = sums[m + 3];
    const x1 = x + factor;
    const x2 = x1 + factor;
    const x3 = x2 + factor;
    for (let j = 0; j < factor; j++) {
      s0 += vals[x + j];
      s1 += vals[x1 + j];
      s2 += vals[x2 + j];
      s3 += vals[x3 + j];
    }
    sums[m] = s0;
    sums[m + 1] = s1;
    sums[m + 2] = s2;
    sums[m + 3] = s3;
    m += 4;
    x += group;
  }
  // The remaining blocks, the last one possibly partial.
  while (x < width) {
    let s = sums[m];
    const end = x + factor < width ? x + factor : width;
    for (; x < end; x++) s += vals[x];
    sums[m] = s;
    m++;
  }
}

// Warm-up (see KERNEL_CHUNK in plane-stats.ts): every path once on a small plane.
{
  const w = 600;
  const h = 3;
  const plane = new Float32Array(w * h);
  for (let i = 0; i < plane.length; i++) plane[i] = i % 7 === 0 ? NaN : i;
  const acc = new MipmapAccumulator(w, h);
  acc.addPlane(plane);
  for (let k = 0; k < acc.levels.length; k++) acc.level(k);
}

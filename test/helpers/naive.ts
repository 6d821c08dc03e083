/**
 * A deliberately naive reference implementation of the IDIA schema's numbers, written straight
 * from ../shared/idia-schema.md with plain loops and no code shared with src/. The converter's
 * output is compared against it value by value.
 */

export interface Cube {
  width: number;
  height: number;
  depth: number;
  stokes: number;
  naxis: 2 | 3 | 4;
  /** [stokes][depth][height][width], float32 physical values. */
  values: Float32Array;
}

export interface Expected {
  datasets: Map<string, { shape: number[]; values: Float32Array | BigInt64Array }>;
}

const at = (c: Cube, s: number, z: number, y: number, x: number): number =>
  c.values[((s * c.depth + z) * c.height + y) * c.width + x]!;

const keepLast = (list: number[], n: number): number[] => list.slice(list.length - n);

interface Five {
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  nan: number;
}

function statsOf(values: number[]): Five {
  let min = NaN;
  let max = NaN;
  let sum = 0;
  let sumSq = 0;
  let nan = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      nan++;
      continue;
    }
    if (Number.isNaN(min) || v < min) min = v;
    if (Number.isNaN(max) || v > max) max = v;
    sum += v;
    sumSq += Math.fround(v * v);
  }
  return { min, max, sum, sumSq, nan };
}

function histogramOf(values: number[], min: number, max: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max - min > 0)) return counts;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const bin = Math.min(bins - 1, Math.floor((bins * (v - min)) / (max - min)));
    counts[bin]! += 1;
  }
  return counts;
}

export function naiveExpected(c: Cube): Expected {
  const { width, height, depth, stokes, naxis } = c;
  const datasets: Expected["datasets"] = new Map();
  const bins = Math.floor(Math.max(Math.sqrt(width * height), 2));
  const put = (path: string, shape: number[], values: number[], int = false): void => {
    datasets.set(path, {
      shape,
      values: int ? BigInt64Array.from(values.map((v) => BigInt(v))) : Float32Array.from(values),
    });
  };

  put("0/DATA", keepLast([stokes, depth, height, width], naxis), Array.from(c.values));

  // XY statistics and histograms, channel by channel.
  const xy: Five[] = [];
  const xyHist: number[] = [];
  for (let s = 0; s < stokes; s++) {
    for (let z = 0; z < depth; z++) {
      const plane: number[] = [];
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) plane.push(at(c, s, z, y, x));
      const st = statsOf(plane);
      xy.push(st);
      xyHist.push(...histogramOf(plane, st.min, st.max, bins));
    }
  }
  const xyShape = keepLast([stokes, depth], naxis - 2);
  const putFive = (group: string, shape: number[], list: Five[]): void => {
    put(`0/Statistics/${group}/MIN`, shape, list.map((f) => f.min));
    put(`0/Statistics/${group}/MAX`, shape, list.map((f) => f.max));
    put(`0/Statistics/${group}/SUM`, shape, list.map((f) => f.sum));
    put(`0/Statistics/${group}/SUM_SQ`, shape, list.map((f) => f.sumSq));
    put(`0/Statistics/${group}/NAN_COUNT`, shape, list.map((f) => f.nan), true);
  };
  putFive("XY", xyShape, xy);
  put("0/Statistics/XY/HISTOGRAM", [...xyShape, bins], xyHist, true);

  if (depth > 1) {
    // XYZ from the channels' numbers, as the schema defines it.
    const xyz: Five[] = [];
    const xyzHist: number[] = [];
    for (let s = 0; s < stokes; s++) {
      let min = NaN;
      let max = NaN;
      let sum = 0;
      let sumSq = 0;
      let nan = 0;
      const all: number[] = [];
      for (let z = 0; z < depth; z++) {
        const ch = xy[s * depth + z]!;
        if (!Number.isNaN(ch.max)) {
          if (Number.isNaN(min) || ch.min < min) min = ch.min;
          if (Number.isNaN(max) || ch.max > max) max = ch.max;
        }
        sum += ch.sum;
        sumSq += ch.sumSq;
        nan += ch.nan;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) all.push(at(c, s, z, y, x));
      }
      xyz.push({ min, max, sum, sumSq, nan });
      xyzHist.push(...histogramOf(all, min, max, bins));
    }
    const xyzShape = keepLast([stokes], naxis - 3);
    putFive("XYZ", xyzShape, xyz);
    put("0/Statistics/XYZ/HISTOGRAM", [...xyzShape, bins], xyzHist, true);

    // Z: per pixel over channels.
    const z5: Five[] = [];
    for (let s = 0; s < stokes; s++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const spectrum: number[] = [];
          for (let z = 0; z < depth; z++) spectrum.push(at(c, s, z, y, x));
          z5.push(statsOf(spectrum));
        }
      }
    }
    putFive("Z", keepLast([stokes, height, width], naxis - 1), z5);

    // The rotation: [stokes][x][y][z].
    const swz: number[] = [];
    for (let s = 0; s < stokes; s++)
      for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) for (let z = 0; z < depth; z++) swz.push(at(c, s, z, y, x));
    const name = naxis === 3 ? "0/SwizzledData/ZYX" : "0/SwizzledData/ZYXW";
    put(name, naxis === 3 ? [width, height, depth] : [stokes, width, height, depth], swz);
  }

  // Mipmaps: per block, from the full-resolution channel.
  let w = width;
  let h = height;
  let factor = 1;
  while (w > 128 || h > 128) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    factor *= 2;
    const mip: number[] = [];
    for (let s = 0; s < stokes; s++) {
      for (let z = 0; z < depth; z++) {
        for (let by = 0; by < h; by++) {
          for (let bx = 0; bx < w; bx++) {
            let sum = 0;
            let count = 0;
            for (let y = by * factor; y < Math.min(height, (by + 1) * factor); y++) {
              for (let x = bx * factor; x < Math.min(width, (bx + 1) * factor); x++) {
                const v = at(c, s, z, y, x);
                if (Number.isFinite(v)) {
                  sum += v;
                  count++;
                }
              }
            }
            mip.push(count > 0 ? sum / count : NaN);
          }
        }
      }
    }
    put(`0/MipMaps/DATA/DATA_XY_${factor}`, keepLast([stokes, depth, h, w], naxis), mip);
  }
  return { datasets };
}

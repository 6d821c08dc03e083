import { checkRange } from "./plane-stats.js";

/**
 * Rotates a cube from [depth][height][width] (x fastest) to [width][height][depth] (z fastest):
 * `dst[dstOffset + (x*height + y)*depth + z] = src[srcOffset + (z*height + y)*width + x]`.
 * For a tile column pass the tile's dims: a [depth][th][tw] buffer becomes [tw][th][depth].
 * Values are copied bit for bit (through Int32Array views, so NaN payloads are kept).
 * src and dst must not overlap. Block sizes come from {@link swizzleBlocks}.
 */
export function swizzle(
  src: Float32Array,
  depth: number,
  height: number,
  width: number,
  dst: Float32Array,
  srcOffset = 0,
  dstOffset = 0,
): void {
  const { blockZ, blockY } = swizzleBlocks(depth, height);
  swizzleBlocked(src, depth, height, width, dst, srcOffset, dstOffset, blockZ, blockY);
}

/**
 * The block sizes {@link swizzle} uses, measured with bench/kernels.mjs (x is always processed
 * 4 columns at a time):
 * - blockZ = 8 channels per pass (min(depth, 8)): each pass writes 8 consecutive values of 4
 *   destination rows while reading 8 source rows.
 * - blockY = 1, except for a shallow cube (depth < 8) whose destination x stride
 *   (height*depth*4 bytes) is a multiple of 1 KiB (power-of-two heights, e.g. 512-row tiles):
 *   there the destination lines of one source row all fall in a few cache sets and are evicted
 *   before they are filled, so ceil(32/depth) rows are processed together (4-8x faster there;
 *   slower on other strides, where it is not used).
 */
export function swizzleBlocks(depth: number, height: number): { blockZ: number; blockY: number } {
  const blockZ = depth < 8 ? Math.max(depth, 1) : 8;
  const strideBytes = height * depth * 4;
  const blockY = depth < 8 && strideBytes % 1024 === 0 ? Math.ceil(32 / Math.max(depth, 1)) : 1;
  return { blockZ, blockY };
}

/** Throws RangeError unless depth, height and width are whole numbers, at least 0 (shared with the native twin). */
export function checkCubeShape(depth: number, height: number, width: number): void {
  for (const [name, v] of [
    ["depth", depth],
    ["height", height],
    ["width", width],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`bad ${name} ${v}`);
  }
}

/** {@link swizzle} with explicit block sizes (channels per pass, rows per pass); for benchmarks. */
export function swizzleBlocked(
  src: Float32Array,
  depth: number,
  height: number,
  width: number,
  dst: Float32Array,
  srcOffset: number,
  dstOffset: number,
  blockZ: number,
  blockY: number,
): void {
  checkCubeShape(depth, height, width);
  if (!Number.isInteger(blockZ) || !Number.isInteger(blockY) || blockZ < 1 || blockY < 1) {
    throw new RangeError(`bad block sizes ${blockZ}, ${blockY}`);
  }
  const n = depth * height * width;
  checkRange(src.length, srcOffset, n);
  checkRange(dst.length, dstOffset, n);
  if (n === 0) return;
  const s = new Int32Array(src.buffer, src.byteOffset + srcOffset * 4, n);
  const d = new Int32Array(dst.buffer, dst.byteOffset + dstOffset * 4, n);
  transpose(s, depth, height, width, d, blockZ, blockY);
}

function transpose(
  s: Int32Array,
  depth: number,
  height: number,
  width: number,
  d: Int32Array,
  blockZ: number,
  blockY: number,
): void {
  // One call per block of rows (see KERNEL_CHUNK in plane-stats.ts).
  for (let y0 = 0; y0 < height; y0 += blockY) {
    transposeRows(s, depth, height, width, d, blockZ, y0, y0 + blockY < height ? y0 + blockY : height);
  }
}

/** Rows y0 .. y1-1 of every channel: 4 columns at a time, blockZ channels per pass. */
function transposeRows(
  s: Int32Array,
  depth: number,
  height: number,
  width: number,
  d: Int32Array,
  blockZ: number,
  y0: number,
  y1: number,
): void {
  const P = height * width; // source stride between channels
  const S = height * depth; // destination stride between columns
  const S2 = 2 * S;
  const S3 = 3 * S;
  const w4 = width - (width & 3);
  for (let z0 = 0; z0 < depth; z0 += blockZ) {
    const nz = z0 + blockZ < depth ? blockZ : depth - z0;
    let x = 0;
    for (; x < w4; x += 4) {
      for (let y = y0; y < y1; y++) {
        let si = z0 * P + y * width + x;
        let di = x * S + y * depth + z0;
        const dEnd = di + nz;
        for (; di < dEnd; di++, si += P) {
          d[di] = s[si];
          d[di + S] = s[si + 1];
          d[di + S2] = s[si + 2];
          d[di + S3] = s[si + 3];
        }
      }
    }
    for (; x < width; x++) {
      for (let y = y0; y < y1; y++) {
        let si = z0 * P + y * width + x;
        let di = x * S + y * depth + z0;
        const dEnd = di + nz;
        for (; di < dEnd; di++, si += P) d[di] = s[si];
      }
    }
  }
}

// Warm-up (see KERNEL_CHUNK in plane-stats.ts): both block shapes, with column tails.
{
  const src = new Float32Array(3 * 4 * 9);
  const dst = new Float32Array(src.length);
  swizzle(src, 3, 4, 9, dst);
  swizzleBlocked(src, 9, 4, 3, dst, 0, 0, 8, 1);
}

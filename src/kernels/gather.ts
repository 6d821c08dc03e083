/** A rectangle of a plane: columns x .. x+width-1, rows y .. y+height-1. */
export interface PlaneWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Copies a window out of a [depth][height][width] cube into a compact [depth][wh][ww] buffer
 * (`out`'s first depth*wh*ww values, returned as a view). Values are copied as 32-bit words:
 * a float copy quietens signalling NaNs in V8's interpreter but not in optimized code, so
 * the bits would depend on the JIT tier (and differ from slow mode, which reads them back).
 */
export function gatherWindow(
  cube: Float32Array,
  depth: number,
  height: number,
  width: number,
  window: PlaneWindow,
  out: Float32Array,
): Float32Array {
  const target = out.subarray(0, depth * window.width * window.height);
  const src = new Int32Array(cube.buffer, cube.byteOffset, cube.length);
  const dst = new Int32Array(target.buffer, target.byteOffset, target.length);
  // Plain loops: a subarray per row (262144 rows per strip of a 1024x1024x256 cube) made the
  // gather allocation-bound.
  const w = window.width;
  let o = 0;
  for (let z = 0; z < depth; z++) {
    for (let y = window.y; y < window.y + window.height; y++) {
      const from = (z * height + y) * width + window.x;
      for (let i = 0; i < w; i++) dst[o + i] = src[from + i]!;
      o += w;
    }
  }
  return target;
}

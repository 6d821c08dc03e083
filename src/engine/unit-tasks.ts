/**
 * The units of work as tasks that run anywhere: on a worker thread of the pool or inline on the
 * main thread, with the same code and the same results. Their inputs and outputs live in
 * SharedArrayBuffers owned by the main thread: a task receives views' coordinates, never a copy
 * of plane data, and writes its results in place. Only small things travel by message
 * (statistics, a window's share of the histogram).
 */
import type { Bitpix } from "../fits/hdu-info.js";
import type { PlaneStats } from "../kernels/plane-stats.js";
import { layoutOf, type Layout, type Shape4 } from "../schema/layout.js";
import { kernelSet, resolveKernels, type KernelSet, type KernelsName } from "./kernel-set.js";
import { PlaneUnit } from "./plane-unit.js";
import { TileUnit, type Window } from "./tile-unit.js";

/** A region of a shared buffer: float32 values starting at `offset` (in values). */
export interface SharedRegion {
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
}

export interface PlaneTask {
  readonly kind: "plane";
  readonly shape: Shape4;
  /** The plane's slot: width*height float32 values; if `raw` is set, it first holds the raw bytes. */
  readonly plane: SharedRegion;
  /** Decode in place from big-endian FITS bytes at the slot's start (BITPIX of at most 4 bytes). */
  readonly raw?: { bitpix: Bitpix; bscale: number; bzero: number; blank?: string };
  /** Where the histogram (numBins float64) and the mipmaps (float32, level after level) go. */
  readonly results: { buffer: SharedArrayBuffer; byteOffset: number };
}

export interface WindowTask {
  readonly kind: "window";
  readonly shape: Shape4;
  readonly window: Window;
  /** The window's values: either a compact [depth][h][w] region, or a stokes cube to gather from. */
  readonly values: SharedRegion;
  readonly gather: boolean;
  readonly xyzMin: number;
  readonly xyzMax: number;
  readonly numBins: number;
  /**
   * Outputs, for at most `capacity` pixels: the rotation ([w][h][depth] float32) and the Z
   * statistics as stored (MIN, MAX, SUM, SUM_SQ float32; NAN_COUNT int64).
   */
  readonly out: { buffer: SharedArrayBuffer; capacity: number };
}

/**
 * A task as the pool sends it: with the kernels chosen on the main thread (absent: resolved in
 * the thread that runs it, from FITS2IDIA_KERNELS and the addon, as resolveKernels does).
 */
export type UnitTask = (PlaneTask | WindowTask) & { readonly kernels?: KernelsName };

/** Bytes of one plane's results: its histogram and every mipmap level. */
export function planeResultBytes(layout: Layout): number {
  return layout.numBins * 8 + layout.mipLevels.reduce((n, l) => n + l.width * l.height, 0) * 4;
}

/** Views of one plane's results in a results buffer. */
export function planeResultViews(layout: Layout, buffer: SharedArrayBuffer, byteOffset: number): { histogram: Float64Array; mipmaps: Float32Array[] } {
  const histogram = new Float64Array(buffer, byteOffset, layout.numBins);
  let at = byteOffset + layout.numBins * 8;
  const mipmaps = layout.mipLevels.map((level) => {
    const view = new Float32Array(buffer, at, level.width * level.height);
    at += level.width * level.height * 4;
    return view;
  });
  return { histogram, mipmaps };
}

/** Bytes of a window output buffer for `capacity` pixels through `depth` channels. */
export function windowOutputBytes(depth: number, capacity: number): number {
  return capacity * depth * 4 + capacity * (4 * 4 + 8);
}

export interface WindowOutputViews {
  readonly swizzled: Float32Array;
  readonly min: Float32Array;
  readonly max: Float32Array;
  readonly sum: Float32Array;
  readonly sumSq: Float32Array;
  readonly nanCount: BigInt64Array;
}

/**
 * Views of a window's outputs for `pixels` pixels. Layout for `capacity` pixels: NAN_COUNT
 * (int64, first for alignment), MIN, MAX, SUM, SUM_SQ (float32), then the rotation.
 */
export function windowOutputViews(buffer: SharedArrayBuffer, depth: number, capacity: number, pixels: number): WindowOutputViews {
  const f32 = (slot: number): Float32Array => new Float32Array(buffer, capacity * (8 + 4 * slot), pixels);
  return {
    nanCount: new BigInt64Array(buffer, 0, pixels),
    min: f32(0),
    max: f32(1),
    sum: f32(2),
    sumSq: f32(3),
    swizzled: new Float32Array(buffer, capacity * 24, pixels * depth),
  };
}

// Units hold reusable buffers: one of each per thread, kept while the shape and kernels stay the same.
let planeUnit: { key: string; layout: Layout; unit: PlaneUnit } | undefined;
let tileUnit: { key: string; unit: TileUnit; gathered?: Float32Array } | undefined;
let defaultKernels: KernelsName | undefined;

function kernelsOf(task: UnitTask): KernelSet {
  return kernelSet(task.kernels ?? (defaultKernels ??= resolveKernels().name));
}

function planeUnitFor(shape: Shape4, kernels: KernelSet): { layout: Layout; unit: PlaneUnit } {
  const key = `${shape.naxis}:${shape.width}x${shape.height}x${shape.depth}x${shape.stokes}:${kernels.name}`;
  if (planeUnit?.key !== key) {
    const layout = layoutOf(shape);
    planeUnit = { key, layout, unit: new PlaneUnit(layout, kernels) };
  }
  return planeUnit;
}

function tileUnitFor(depth: number, capacity: number, kernels: KernelSet): { unit: TileUnit; gathered?: Float32Array } {
  const key = `${depth}:${capacity}:${kernels.name}`;
  if (tileUnit?.key !== key) tileUnit = { key, unit: new TileUnit(depth, capacity, false, kernels) };
  return tileUnit;
}

export function runPlaneTask(task: PlaneTask & { readonly kernels?: KernelsName }): PlaneStats {
  const kernels = kernelsOf(task);
  const { layout, unit } = planeUnitFor(task.shape, kernels);
  const size = task.shape.width * task.shape.height;
  const plane = new Float32Array(task.plane.buffer, task.plane.offset * 4, size);
  if (task.raw !== undefined) {
    const { bitpix, bscale, bzero, blank } = task.raw;
    const bytes = new Uint8Array(task.plane.buffer, task.plane.offset * 4, size * (Math.abs(bitpix) / 8));
    kernels.decodeToFloat32(bytes, bitpix, size, plane, 0, { bscale, bzero, blank: blank === undefined ? undefined : BigInt(blank) });
  }
  const out = planeResultViews(layout, task.results.buffer, task.results.byteOffset);
  const result = unit.run(plane, 0, out);
  return result.stats;
}

/** Runs a window; returns its share of the XYZ histogram. */
export function runWindowTask(task: WindowTask & { readonly kernels?: KernelsName }): Float64Array {
  const { shape, window } = task;
  const depth = shape.depth;
  const pixels = window.width * window.height;
  const kernels = kernelsOf(task);
  const units = tileUnitFor(depth, task.out.capacity, kernels);
  let values: Float32Array;
  if (task.gather) {
    const cube = new Float32Array(task.values.buffer, task.values.offset * 4, depth * shape.width * shape.height);
    units.gathered ??= new Float32Array(depth * task.out.capacity);
    values = kernels.gatherWindow(cube, depth, shape.height, shape.width, window, units.gathered);
  } else {
    values = new Float32Array(task.values.buffer, task.values.offset * 4, depth * pixels);
  }
  const histogram = new Float64Array(task.numBins);
  const out = windowOutputViews(task.out.buffer, depth, task.out.capacity, pixels);
  const result = units.unit.run(values, window, task.xyzMin, task.xyzMax, histogram, out.swizzled);
  kernels.storeZStats(result.zStats, pixels, out);
  return histogram;
}

/** The entry point of a task, wherever it runs. */
export function runTask(task: UnitTask): PlaneStats | Float64Array {
  if (task.kind === "plane") return runPlaneTask(task);
  return runWindowTask(task);
}

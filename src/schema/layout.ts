/**
 * The IDIA schema 0.3 layout of one image: dataset names, shapes, chunking and which parts
 * exist. Pure: a function of the image's shape only (see ../shared/idia-schema.md).
 */
import { mipmapLevels } from "../kernels/mipmap.js";
import { numBins } from "../kernels/histogram.js";

export const SCHEMA_VERSION = "0.3";
export const TILE = 512;

/** The image's group: CARTA reads a file's (first) image from group `0`, its attributes the FITS header. */
export const IMAGE_GROUP = "0";
/** The image itself, in FITS order reversed ([stokes, depth, height, width] trimmed to NAXIS). */
export const DATA_PATH = `${IMAGE_GROUP}/DATA`;
export const STATISTICS_GROUP = `${IMAGE_GROUP}/Statistics`;
/** The cube transposed for spectral profiles (only when there is more than one channel). */
export const SWIZZLED_GROUP = `${IMAGE_GROUP}/SwizzledData`;
/** The older name of SWIZZLED_GROUP, a hard link to it. */
export const PERMUTED_GROUP = `${IMAGE_GROUP}/PermutedData`;
export const MIPMAPS_GROUP = `${IMAGE_GROUP}/MipMaps`;
export const MIPMAP_DATA_GROUP = `${MIPMAPS_GROUP}/DATA`;
/** The start of every mipmap dataset's path; the downsampling factor follows. */
export const MIPMAP_PATH_PREFIX = `${MIPMAP_DATA_GROUP}/DATA_XY_`;

/** The statistics groups: per plane, per cube, per spectrum. */
export type StatisticsGroup = "XY" | "XYZ" | "Z";

export function statisticsGroup(group: StatisticsGroup): string {
  return `${STATISTICS_GROUP}/${group}`;
}

/** The path of a statistic (or the histogram) of one statistics group, e.g. "0/Statistics/XY/MIN". */
export function statisticsPath(group: StatisticsGroup, name: StatName | "HISTOGRAM"): string {
  return `${statisticsGroup(group)}/${name}`;
}

/** The swizzled dataset: ZYX for a cube, ZYXW with Stokes. */
export function swizzledPath(naxis: number): string {
  return `${SWIZZLED_GROUP}/${naxis === 3 ? "ZYX" : "ZYXW"}`;
}

/** The mipmap downsampled by `factor`. */
export function mipmapPath(factor: number): string {
  return `${MIPMAP_PATH_PREFIX}${factor}`;
}

/** A path relative to the root ("0/DATA") as the reader lists it ("/0/DATA"). */
export function absolutePath(path: string): string {
  return `/${path}`;
}

export interface Shape4 {
  readonly naxis: 2 | 3 | 4;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  readonly stokes: number;
}

export interface MipLevel {
  readonly factor: number;
  readonly width: number;
  readonly height: number;
}

export type DatasetType = "float32" | "int64";

export interface DatasetLayout {
  readonly path: string;
  readonly dtype: DatasetType;
  readonly shape: readonly number[];
  /** Chunk shape, or undefined for contiguous storage. */
  readonly chunks?: readonly number[];
}

export const STAT_NAMES = ["MIN", "MAX", "SUM", "SUM_SQ", "NAN_COUNT"] as const;
export type StatName = (typeof STAT_NAMES)[number];

export interface Layout {
  readonly shape: Shape4;
  readonly numBins: number;
  readonly mipLevels: readonly MipLevel[];
  /** True when the cube has more than one channel: swizzled data, XYZ and Z statistics exist. */
  readonly hasDepth: boolean;
  readonly data: DatasetLayout;
  readonly swizzled?: DatasetLayout;
  readonly mipmaps: readonly DatasetLayout[];
  /** Statistics datasets by group ("XY", "XYZ", "Z") and name, HISTOGRAM included. */
  readonly statistics: readonly DatasetLayout[];
  /** Every group to create, parents first. */
  readonly groups: readonly string[];
}

/** Keep the last `naxis` entries of a [stokes, depth, height, width]-style list. */
function trim<T>(full: readonly T[], keep: number): T[] {
  return full.slice(full.length - keep);
}

function chunksFor(naxis: number, width: number, height: number): number[] | undefined {
  return width >= TILE && height >= TILE ? trim([1, 1, TILE, TILE], naxis) : undefined;
}

export function layoutOf(shape: Shape4): Layout {
  const { naxis, width, height, depth, stokes } = shape;
  const bins = numBins(width, height);
  const levels = mipmapLevels(width, height);
  const hasDepth = depth > 1;

  const data: DatasetLayout = {
    path: DATA_PATH,
    dtype: "float32",
    shape: trim([stokes, depth, height, width], naxis),
    chunks: chunksFor(naxis, width, height),
  };

  const swizzled: DatasetLayout | undefined = hasDepth
    ? {
        path: swizzledPath(naxis),
        dtype: "float32",
        shape: naxis === 3 ? [width, height, depth] : [stokes, width, height, depth],
      }
    : undefined;

  const mipmaps = levels.map<DatasetLayout>((level) => ({
    path: mipmapPath(level.factor),
    dtype: "float32",
    shape: trim([stokes, depth, level.height, level.width], naxis),
    chunks: chunksFor(naxis, level.width, level.height),
  }));

  const statistics: DatasetLayout[] = [];
  const addGroup = (group: StatisticsGroup, dims: number[], histogram: boolean): void => {
    for (const name of STAT_NAMES) {
      statistics.push({ path: statisticsPath(group, name), dtype: name === "NAN_COUNT" ? "int64" : "float32", shape: dims });
    }
    if (histogram) statistics.push({ path: statisticsPath(group, "HISTOGRAM"), dtype: "int64", shape: [...dims, bins] });
  };
  addGroup("XY", trim([stokes, depth], naxis - 2), true);
  if (hasDepth) {
    addGroup("XYZ", trim([stokes], naxis - 3), true);
    addGroup("Z", trim([stokes, height, width], naxis - 1), false);
  }

  const groups = [IMAGE_GROUP, STATISTICS_GROUP, statisticsGroup("XY")];
  if (hasDepth) groups.push(statisticsGroup("XYZ"), statisticsGroup("Z"), SWIZZLED_GROUP);
  if (mipmaps.length > 0) groups.push(MIPMAPS_GROUP, MIPMAP_DATA_GROUP);

  return { shape, numBins: bins, mipLevels: levels, hasDepth, data, swizzled, mipmaps, statistics, groups };
}

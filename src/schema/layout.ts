/**
 * The IDIA schema 0.3 layout of one image: dataset names, shapes, chunking and which parts
 * exist. Pure: a function of the image's shape only (see ../shared/idia-schema.md).
 */
import { mipmapLevels } from "../kernels/mipmap.js";
import { numBins } from "../kernels/histogram.js";

export const SCHEMA_VERSION = "0.3";
export const TILE = 512;

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
    path: "0/DATA",
    dtype: "float32",
    shape: trim([stokes, depth, height, width], naxis),
    chunks: chunksFor(naxis, width, height),
  };

  const swizzled: DatasetLayout | undefined = hasDepth
    ? {
        path: naxis === 3 ? "0/SwizzledData/ZYX" : "0/SwizzledData/ZYXW",
        dtype: "float32",
        shape: naxis === 3 ? [width, height, depth] : [stokes, width, height, depth],
      }
    : undefined;

  const mipmaps = levels.map<DatasetLayout>((level) => ({
    path: `0/MipMaps/DATA/DATA_XY_${level.factor}`,
    dtype: "float32",
    shape: trim([stokes, depth, level.height, level.width], naxis),
    chunks: chunksFor(naxis, level.width, level.height),
  }));

  const statistics: DatasetLayout[] = [];
  const addGroup = (group: string, dims: number[], histogram: boolean): void => {
    for (const name of STAT_NAMES) {
      statistics.push({ path: `0/Statistics/${group}/${name}`, dtype: name === "NAN_COUNT" ? "int64" : "float32", shape: dims });
    }
    if (histogram) statistics.push({ path: `0/Statistics/${group}/HISTOGRAM`, dtype: "int64", shape: [...dims, bins] });
  };
  addGroup("XY", trim([stokes, depth], naxis - 2), true);
  if (hasDepth) {
    addGroup("XYZ", trim([stokes], naxis - 3), true);
    addGroup("Z", trim([stokes, height, width], naxis - 1), false);
  }

  const groups = ["0", "0/Statistics", "0/Statistics/XY"];
  if (hasDepth) groups.push("0/Statistics/XYZ", "0/Statistics/Z", "0/SwizzledData");
  if (mipmaps.length > 0) groups.push("0/MipMaps", "0/MipMaps/DATA");

  return { shape, numBins: bins, mipLevels: levels, hasDepth, data, swizzled, mipmaps, statistics, groups };
}

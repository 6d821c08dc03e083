/**
 * The dataset paths named in src/schema/layout.ts spell the IDIA schema's paths
 * (/work/shared/idia-schema.md), written out here by hand: every module takes its paths from
 * these names, so a misspelling would move a dataset in every file.
 */
import { describe, expect, it } from "vitest";
import { BEAMS_GROUP } from "../../src/schema/beams-layout.js";
import {
  absolutePath,
  DATA_PATH,
  IMAGE_GROUP,
  MIPMAP_DATA_GROUP,
  MIPMAP_PATH_PREFIX,
  MIPMAPS_GROUP,
  mipmapPath,
  PERMUTED_GROUP,
  STATISTICS_GROUP,
  statisticsGroup,
  statisticsPath,
  SWIZZLED_GROUP,
  swizzledPath,
} from "../../src/schema/layout.js";

describe("the schema's paths", () => {
  it("groups", () => {
    expect([IMAGE_GROUP, STATISTICS_GROUP, SWIZZLED_GROUP, PERMUTED_GROUP, MIPMAPS_GROUP, MIPMAP_DATA_GROUP, BEAMS_GROUP]).toEqual([
      "0",
      "0/Statistics",
      "0/SwizzledData",
      "0/PermutedData",
      "0/MipMaps",
      "0/MipMaps/DATA",
      "0/Beams",
    ]);
    expect(["XY", "XYZ", "Z"].map((g) => statisticsGroup(g as "XY"))).toEqual(["0/Statistics/XY", "0/Statistics/XYZ", "0/Statistics/Z"]);
  });

  it("datasets", () => {
    expect(DATA_PATH).toBe("0/DATA");
    expect(statisticsPath("XY", "MIN")).toBe("0/Statistics/XY/MIN");
    expect(statisticsPath("Z", "NAN_COUNT")).toBe("0/Statistics/Z/NAN_COUNT");
    expect(statisticsPath("XYZ", "HISTOGRAM")).toBe("0/Statistics/XYZ/HISTOGRAM");
    expect(swizzledPath(3)).toBe("0/SwizzledData/ZYX");
    expect(swizzledPath(4)).toBe("0/SwizzledData/ZYXW");
    expect(mipmapPath(4)).toBe("0/MipMaps/DATA/DATA_XY_4");
    expect(mipmapPath(16).startsWith(MIPMAP_PATH_PREFIX)).toBe(true);
    expect(absolutePath(DATA_PATH)).toBe("/0/DATA");
  });
});

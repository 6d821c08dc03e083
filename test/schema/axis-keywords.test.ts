import { describe, expect, it } from "vitest";
import { parseAxisKeyword, permuteAxisKeywords } from "../../src/schema/axis-keywords.js";
import type { Attribute } from "../../src/schema/header-attributes.js";

const num = (value: number): Attribute[1] => ({ type: "float", value });
const int = (value: number): Attribute[1] => ({ type: "int", value: BigInt(value) });

describe("parseAxisKeyword", () => {
  it.each([
    ["NAXIS3", [3], "NAXIS9"],
    ["CTYPE4", [4], "CTYPE9"],
    ["CRVAL3A", [3], "CRVAL9A"],
    ["CDELT12Z", [12], "CDELT9Z"],
    ["CRPIX1", [1], "CRPIX9"],
    ["CUNIT3B", [3], "CUNIT9B"],
    ["CROTA2", [2], "CROTA9"],
    ["CNAME4", [4], "CNAME9"],
    ["CRDER3", [3], "CRDER9"],
    ["CSYER3C", [3], "CSYER9C"],
    ["PC3_4", [3, 4], "PC9_8"],
    ["PC1_2B", [1, 2], "PC9_8B"],
    ["CD4_3A", [4, 3], "CD9_8A"],
    ["PV3_1", [3], "PV9_1"],
    ["PV2_12A", [2], "PV9_12A"],
    ["PS4_0", [4], "PS9_0"],
  ])("%s names axes %j", (keyword, axes, renamed) => {
    const parsed = parseAxisKeyword(keyword)!;
    expect(parsed.axes).toEqual(axes);
    expect(parsed.rename(axes.length === 2 ? [9, 8] : [9])).toBe(renamed);
  });

  it.each(["NAXIS", "NAXIS3A", "CTYPE", "CTYPE0", "CDELT3ab", "PC3", "PC3_", "CD1_1_", "OBSRA", "CRVAL3 X", "WCSAXES", "BUNIT", "PV3_1AB", "EQUINOX"])("%s is not an axis keyword", (keyword) => {
    expect(parseAxisKeyword(keyword)).toBeUndefined();
  });
});

describe("permuteAxisKeywords", () => {
  const header: Attribute[] = [
    ["SIMPLE", { type: "bool", value: true }],
    ["NAXIS", int(4)],
    ["NAXIS1", int(10)],
    ["NAXIS2", int(8)],
    ["NAXIS3", int(2)],
    ["NAXIS4", int(5)],
    ["WCSAXES", int(4)],
    ["CTYPE3", { type: "string", value: "STOKES" }],
    ["CRVAL3", num(1)],
    ["PC3_4", num(0.34)],
    ["PC4_3", num(0.43)],
    ["CTYPE4", { type: "string", value: "FREQ" }],
    ["CRVAL4", num(1.4e9)],
    ["PV4_1A", num(7)],
    ["CD3_4B", num(0.5)],
    ["OBJECT", { type: "string", value: "M83" }],
  ];

  it("renames in place, keeping the order, so a swap creates no duplicate", () => {
    const out = permuteAxisKeywords(header, { source: [0, 1, 3, 2], naxis: 4 });
    expect(out).toEqual([
      ["SIMPLE", { type: "bool", value: true }],
      ["NAXIS", int(4)],
      ["NAXIS1", int(10)],
      ["NAXIS2", int(8)],
      ["NAXIS4", int(2)],
      ["NAXIS3", int(5)],
      ["WCSAXES", int(4)],
      ["CTYPE4", { type: "string", value: "STOKES" }],
      ["CRVAL4", num(1)],
      ["PC4_3", num(0.34)],
      ["PC3_4", num(0.43)],
      ["CTYPE3", { type: "string", value: "FREQ" }],
      ["CRVAL3", num(1.4e9)],
      ["PV3_1A", num(7)],
      ["CD4_3B", num(0.5)],
      ["OBJECT", { type: "string", value: "M83" }],
    ]);
  });

  it("drops the keywords of dropped axes and adds NAXISn = 1 for an axis without one, after NAXIS(n-1)", () => {
    const three: Attribute[] = [
      ["NAXIS", int(3)],
      ["NAXIS1", int(10)],
      ["NAXIS2", int(8)],
      ["NAXIS3", int(4)],
      ["WCSAXES", int(3)],
      ["CTYPE3", { type: "string", value: "STOKES" }],
      ["PC2_3", num(0.1)],
      ["WCSAXESA", int(2)],
    ];
    expect(permuteAxisKeywords(three, { source: [0, 1, null, 2], naxis: 3 })).toEqual([
      ["NAXIS", int(3)],
      ["NAXIS1", int(10)],
      ["NAXIS2", int(8)],
      ["NAXIS3", int(1)],
      ["NAXIS4", int(4)],
      ["WCSAXES", int(4)],
      ["CTYPE4", { type: "string", value: "STOKES" }],
      ["PC2_4", num(0.1)],
      ["WCSAXESA", int(2)],
    ]);
    // A stray NAXIS4 beyond NAXIS = 3 whose axis the WCS describes: replaced, not duplicated.
    const stray: Attribute[] = [["NAXIS", int(3)], ["NAXIS1", int(10)], ["NAXIS2", int(8)], ["NAXIS3", int(5)], ["NAXIS4", int(1)], ["CTYPE4", { type: "string", value: "STOKES" }]];
    expect(permuteAxisKeywords(stray, { source: [0, 1, 2, 3], naxis: 3 })).toEqual([
      ["NAXIS", int(3)], ["NAXIS1", int(10)], ["NAXIS2", int(8)], ["NAXIS3", int(5)], ["NAXIS4", int(1)], ["CTYPE4", { type: "string", value: "STOKES" }],
    ]);
    const five: Attribute[] = [["NAXIS3", int(1)], ["NAXIS4", int(5)], ["NAXIS5", int(2)], ["CTYPE3", { type: "string", value: "X" }], ["PC3_4", num(1)], ["CRVAL5", num(1)], ["WCSAXES", int(5)]];
    expect(permuteAxisKeywords(five, { source: [0, 1, 3, 4], naxis: 5 })).toEqual([["NAXIS3", int(5)], ["NAXIS4", int(2)], ["CRVAL4", num(1)], ["WCSAXES", int(4)]]);
  });
});

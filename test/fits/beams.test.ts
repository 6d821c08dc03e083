/**
 * BEAMS tables (CASA's layout, written by the tests' own binary-table writer), their units and
 * formats, the median-area beam against a deliberately naive reference, and AIPS HISTORY beams.
 */
import { describe, expect, it } from "vitest";
import { beamOfRow, degreesPer, historyBeam, medianAreaBeam, readBeamTable, type BeamTable } from "../../src/fits/beams.js";
import { findColumn, readNumericColumn, tableLayout } from "../../src/fits/bintable.js";
import { parseHeaderBytes } from "../../src/fits/header.js";
import { beamsTableHdu, binaryTableHdu, type BeamRow, type BeamsTableOptions } from "../helpers/bintable.js";
import { mulberry32 } from "../helpers/fixtures.js";

/** Header and data of one table HDU written by the helpers. */
function split(hdu: Uint8Array): { header: ReturnType<typeof parseHeaderBytes>; data: Uint8Array } {
  const header = parseHeaderBytes(hdu);
  return { header, data: hdu.subarray(header.blockCount * 2880) };
}

function tableOf(rows: BeamRow[], options: BeamsTableOptions = {}): BeamTable {
  const { header, data } = split(beamsTableHdu(rows, options));
  const read = readBeamTable(header, data);
  if ("error" in read) throw new Error(read.error);
  return read.table;
}

/**
 * Naive median-area beam: the entry of the NCHAN × NPOL set (channel fastest; a missing entry
 * has area 0) that exactly ⌊n/2⌋ entries precede, an entry preceding another when its area is
 * smaller, or equal with a smaller position. No sorting.
 */
function naiveMedianRow(table: BeamTable): number | undefined {
  const n = table.nchan * table.npol;
  const rowAt: number[] = [];
  for (let i = 0; i < n; i++) rowAt.push(-1);
  for (let r = 0; r < table.chan.length; r++) {
    const c = table.chan[r]!;
    const p = table.pol[r]!;
    if (c >= 0 && c < table.nchan && p >= 0 && p < table.npol) rowAt[c + table.nchan * p] = r;
  }
  const area = (i: number): number => (rowAt[i]! < 0 ? 0 : table.bmaj[rowAt[i]!]! * table.bmin[rowAt[i]!]!);
  for (let i = 0; i < n; i++) {
    let before = 0;
    for (let j = 0; j < n; j++) if (area(j) < area(i) || (area(j) === area(i) && j < i)) before++;
    if (before === Math.floor(n / 2)) return rowAt[i]! < 0 ? undefined : rowAt[i];
  }
  throw new Error("no median");
}

function randomRows(nchan: number, npol: number, seed: number, ties = false): BeamRow[] {
  const random = mulberry32(seed);
  const rows: BeamRow[] = [];
  for (let p = 0; p < npol; p++) {
    for (let c = 0; c < nchan; c++) {
      const minor = ties ? 1 + Math.floor(random() * 3) : 1 + random() * 4;
      rows.push({ bmaj: minor * (ties ? 2 : 1 + random()), bmin: minor, bpa: (random() - 0.5) * 180, chan: c, pol: p });
    }
  }
  return rows;
}

describe("binary table reader", () => {
  it("reads E, D, I, J, K and B columns with TSCAL/TZERO, by name without case", () => {
    const { header, data } = split(
      binaryTableHdu([
        { name: "e", form: "E", values: [1.5, -2.25, 3] },
        { name: "D", form: "D", values: [0.1, 1e-300, -7] },
        { name: "I", form: "I", values: [-3, 0, 32767] },
        { name: "J", form: "J", values: [100000, -5, 7], scale: 0.5, zero: 10 },
        { name: "K", form: "K", values: [2 ** 40, -1, 0] },
        { name: "B", form: "B", values: [0, 255, 128], zero: -128 },
      ]),
    );
    const layout = tableLayout(header);
    if (typeof layout === "string") throw new Error(layout);
    expect(layout.rows).toBe(3);
    expect(layout.rowBytes).toBe(4 + 8 + 2 + 4 + 8 + 1);
    const col = (name: string): number[] => Array.from(readNumericColumn(layout, findColumn(layout, name)!, data) as Float64Array);
    expect(col("E")).toEqual([1.5, -2.25, 3]);
    expect(col("d")).toEqual([0.1, 1e-300, -7]);
    expect(col("I")).toEqual([-3, 0, 32767]);
    expect(col("J")).toEqual([0.5 * 100000 + 10, 0.5 * -5 + 10, 0.5 * 7 + 10]);
    expect(col("K")).toEqual([2 ** 40, -1, 0]);
    expect(col("B")).toEqual([-128, 127, 0]);
  });

  it("says why a table cannot be read", () => {
    const { header, data } = split(binaryTableHdu([{ name: "X", form: "E", values: [1, 2] }]));
    const layout = tableLayout(header);
    if (typeof layout === "string") throw new Error(layout);
    expect(readNumericColumn(layout, layout.columns[0]!, data.subarray(0, 4))).toBe("the table holds 4 bytes, not the 8 its header says");
  });
});

describe("BEAMS tables", () => {
  it("reads CASA's layout (E columns in arcsec and deg, J indices) into degrees", () => {
    const table = tableOf([
      { bmaj: 3.6, bmin: 1.8, bpa: 45, chan: 0, pol: 0 },
      { bmaj: 7.2, bmin: 3.6, bpa: -30, chan: 1, pol: 0 },
    ]);
    expect(table.nchan).toBe(2);
    expect(table.npol).toBe(1);
    expect(Array.from(table.bmaj)).toEqual([Math.fround(3.6) / 3600, Math.fround(7.2) / 3600]);
    expect(Array.from(table.bpa)).toEqual([45, -30]);
    expect(Array.from(table.chan)).toEqual([0, 1]);
  });

  it.each([
    ["arcsec", 1 / 3600],
    ["deg", 1],
    ["DEG", 1],
    ["rad", 180 / Math.PI],
    ["mas", 1 / 3.6e6],
    ["arcmin", 1 / 60],
  ])("converts %s", (unit, factor) => {
    const table = tableOf([{ bmaj: 2, bmin: 1, bpa: 0.5, chan: 0, pol: 0 }], { axisUnit: unit, paUnit: unit, angleForm: "D" });
    const deg = (v: number): number => (unit === "rad" ? v * factor : v / Math.round(1 / factor));
    expect(table.bmaj[0]).toBe(deg(2));
    expect(table.bpa[0]).toBe(deg(0.5));
    expect(degreesPer(unit)).toBe(factor);
  });

  it("reads D angles and I or K indices", () => {
    const table = tableOf([{ bmaj: 0.1, bmin: 0.05, bpa: 10, chan: 3, pol: 1 }], { angleForm: "D", indexForm: "K", nchan: 4, npol: 2 });
    expect(table.bmaj[0]).toBe(0.1 / 3600);
    expect([table.chan[0], table.pol[0], table.nchan, table.npol]).toEqual([3, 1, 4, 2]);
    expect(tableOf([{ bmaj: 1, bmin: 1, bpa: 0, chan: 2, pol: 0 }], { indexForm: "I", nchan: 3 }).chan[0]).toBe(2);
  });

  it("refuses a beam column without a unit or with a unit that is not an angle; takes NCHAN/NPOL from the columns when missing", () => {
    const noUnit = split(beamsTableHdu([{ bmaj: 1, bmin: 1, bpa: 0, chan: 0, pol: 0 }], { axisUnit: "" }));
    expect(readBeamTable(noUnit.header, noUnit.data)).toEqual({ error: "its BMAJ column has no unit (TUNITn)" });
    const jy = split(beamsTableHdu([{ bmaj: 1, bmin: 1, bpa: 0, chan: 0, pol: 0 }], { axisUnit: "Jy" }));
    expect(readBeamTable(jy.header, jy.data)).toEqual({ error: "its BMAJ column's unit 'Jy' is not an angle" });
    const missing = split(beamsTableHdu([{ bmaj: 1, bmin: 1, bpa: 0, chan: 4, pol: 0 }], { nchan: null }));
    const read = readBeamTable(missing.header, missing.data);
    if ("error" in read) throw new Error(read.error);
    expect(read.table.nchan).toBe(5);
    expect(read.warnings).toEqual(["its NCHAN keyword is missing: taken as 5, from the CHAN column"]);
  });
});

describe("the median-area beam (casacore's ImageBeamSet::getMedianAreaBeam)", () => {
  it.each([
    [1, 1], [2, 1], [3, 1], [4, 1], [7, 1], [10, 1], [1, 4], [5, 2], [6, 4], [33, 1], [64, 2],
  ])("matches the naive reference for %i channels × %i polarizations, random and with ties", (nchan, npol) => {
    for (const ties of [false, true]) {
      for (let seed = 1; seed <= 5; seed++) {
        const rows = randomRows(nchan, npol, seed * 31 + nchan, ties);
        // Rows in a shuffled order: the median is by position in the set, not in the table.
        const random = mulberry32(seed);
        rows.sort(() => random() - 0.5);
        const table = tableOf(rows, { nchan, npol });
        expect(medianAreaBeam(table).row).toBe(naiveMedianRow(table));
      }
    }
  });

  it("takes the upper middle of an even count, ties by channel", () => {
    // Areas 1, 4, 9, 16: the median is the third (area 9).
    const table = tableOf([4, 1, 3, 2].map((s, c) => ({ bmaj: s, bmin: s, bpa: c, chan: c, pol: 0 })));
    const { row } = medianAreaBeam(table);
    expect(beamOfRow(table, row!).bpa).toBe(2);
    // Four equal beams: the third in channel order (channel 2).
    const equal = tableOf([0, 1, 2, 3].map((c) => ({ bmaj: 2, bmin: 1, bpa: 10 * c, chan: c, pol: 0 })));
    expect(equal.chan[medianAreaBeam(equal).row!]).toBe(2);
  });

  it("counts missing channels as null beams and leaves out rows outside NCHAN × NPOL", () => {
    const gaps = tableOf([{ bmaj: 2, bmin: 1, bpa: 0, chan: 0, pol: 0 }], { nchan: 3 });
    expect(medianAreaBeam(gaps).row).toBeUndefined(); // areas 2, 0, 0: the median is a null beam
    const outside = tableOf([
      { bmaj: 2, bmin: 1, bpa: 0, chan: 0, pol: 0 },
      { bmaj: 9, bmin: 9, bpa: 0, chan: 5, pol: 0 },
    ], { nchan: 1 });
    expect(medianAreaBeam(outside)).toEqual({ row: 0, outside: [1] });
  });
});

describe("AIPS HISTORY beams", () => {
  it("reads the CLEAN card (degrees) and the RESTOR card (units given); the last wins", () => {
    expect(historyBeam(["AIPS   CLEAN BMAJ=  1.2500E-03 BMIN=  1.0000E-03 BPA=  45.00"])?.beam).toEqual({ bmaj: 1.25e-3, bmin: 1e-3, bpa: 45 });
    expect(historyBeam(["RESTOR Beam =  2.000E+00 x  1.800E+00 arcsec, pa =  8.000E+01 degrees"])?.beam).toEqual({ bmaj: 2 / 3600, bmin: 1.8 / 3600, bpa: 80 });
    const both = historyBeam([
      "AIPS   CLEAN BMAJ=  1.0000E-03 BMIN=  1.0000E-03 BPA=   0.00",
      "AIPS   IMAGR other text",
      "AIPS   CLEAN BMAJ=  2.0000E-03 BMIN=  1.5000E-03 BPA= -12.50",
      "AIPS   CLEAN BMAJ=  0.0000E+00 BMIN=  0.0000E+00 BPA=   0.00",
    ]);
    expect(both?.beam).toEqual({ bmaj: 2e-3, bmin: 1.5e-3, bpa: -12.5 });
    expect(both?.line).toBe("AIPS   CLEAN BMAJ=  2.0000E-03 BMIN=  1.5000E-03 BPA= -12.50");
    expect(historyBeam(["CONVL BMAJ=  5.0000 BMIN=  5.0000 BPA=   0.0/Output beam"])?.beam).toEqual({ bmaj: 5, bmin: 5, bpa: 0 });
    expect(historyBeam(["no beam here", "BMAJ= 1 BMIN= 2 BPA= 3"])).toBeUndefined(); // minor above major
  });
});

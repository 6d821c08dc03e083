/**
 * Multi-beam cubes through a whole conversion: CASA BEAMS tables (CASA's layout, in any
 * extension position, several units), AIPS HISTORY beams; what group 0 says (the beam CARTA
 * shows) next to what the FITS file says, 0/Beams read back, and verify catching a tampered table.
 */
import { gzipSync } from "node:zlib";
import * as h5wasm from "h5wasm/node";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { openReader } from "../../src/hdf5/reader.js";
import { verifyFile } from "../../src/verify/index.js";
import { beamsTableHdu, binaryTableHdu, type BeamRow, type BeamsTableOptions } from "../helpers/bintable.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, mulberry32, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

const CASA_CARDS = [
  valueCard("EXTEND", "T"),
  valueCard("BSCALE", "1.0"),
  valueCard("BZERO", "0.0"),
  card("CASAMBM =                    T / CASA multiple BEAMS table present"),
  card("BTYPE   = 'Intensity'"),
  card("OBJECT  = 'NGC253  '"),
  card("BUNIT   = 'Jy/beam '"),
  card("CTYPE3  = 'FREQ    '"),
];

/** Per-channel beams as tclean makes them: the beam shrinks with frequency; one row per channel and polarization. */
function tcleanRows(nchan: number, npol: number, seed: number): BeamRow[] {
  const random = mulberry32(seed);
  const rows: BeamRow[] = [];
  for (let p = 0; p < npol; p++) {
    for (let c = 0; c < nchan; c++) {
      const scale = 1 + 0.3 * random();
      rows.push({ bmaj: 2.5 * scale, bmin: 1.5 * scale * (0.9 + 0.1 * random()), bpa: -40 + 20 * random(), chan: c, pol: p });
    }
  }
  return rows;
}

/** The median-area beam the naive way: the row whose area (arcsec²) has ⌊n/2⌋ rows before it (ties by channel). */
function naiveMedian(rows: BeamRow[], nchan: number): BeamRow {
  const pos = (r: BeamRow): number => r.chan + nchan * r.pol;
  const f = Math.fround;
  const area = (r: BeamRow): number => f(r.bmaj) * f(r.bmin);
  for (const r of rows) {
    const before = rows.filter((o) => area(o) < area(r) || (area(o) === area(r) && pos(o) < pos(r))).length;
    if (before === Math.floor(rows.length / 2)) return r;
  }
  throw new Error("no median");
}

interface Converted {
  attrs: Map<string, unknown>;
  names: string[];
  beams: Map<string, unknown>;
  beamAttrs: Map<string, unknown>;
  warnings: string[];
  output: string;
  input: string;
}

async function convertBytes(name: string, bytes: Uint8Array, mode: "fast" | "slow" = "fast"): Promise<Converted> {
  const input = tmp.write(name, bytes);
  const output = tmp.file(name.replace(/\.fits(\.gz)?$/, `-${mode}.hdf5`));
  const report = await convert(input, output, { threads: 1, mode });
  const reader = await openReader(output);
  try {
    const list = reader.attributes("0");
    const beams = new Map<string, unknown>();
    const hasBeams = reader.kind("0/Beams") === "group";
    if (hasBeams) for (const n of ["BMAJ", "BMIN", "BPA", "CHAN", "POL"]) beams.set(n, reader.read(`0/Beams/${n}`));
    return {
      attrs: new Map(list.map((a) => [a.name, a.value])),
      names: list.map((a) => a.name),
      beams,
      beamAttrs: new Map(hasBeams ? reader.attributes("0/Beams").map((a) => [a.name, a.value]) : []),
      warnings: [...report.warnings],
      output,
      input,
    };
  } finally {
    reader.close();
  }
}

function casaCube(nchan: number, npol: number, seed: number, options: BeamsTableOptions = {}): { bytes: Uint8Array; rows: BeamRow[] } {
  const cube = makeCube(npol > 1 ? 4 : 3, 6, 5, nchan, npol, "random", seed);
  const rows = tcleanRows(nchan, npol, seed);
  const extra = npol > 1 ? [...CASA_CARDS, card("CTYPE4  = 'STOKES  '")] : CASA_CARDS;
  return { bytes: concat([cubeFile(cube, extra), beamsTableHdu(rows, options)]), rows };
}

describe("CASA per-channel beams", () => {
  it("writes the median-area beam into group 0 after CASAMBM, keeps the table in 0/Beams, and verifies", async () => {
    const { bytes, rows } = casaCube(9, 1, 3);
    const out = await convertBytes("casa-9.fits", bytes);
    const median = naiveMedian(rows, 9);
    const deg = (arcsec: number): number => Math.fround(arcsec) / 3600;
    expect(out.attrs.get("BMAJ")).toBe(deg(median.bmaj));
    expect(out.attrs.get("BMIN")).toBe(deg(median.bmin));
    expect(out.attrs.get("BPA")).toBe(Math.fround(median.bpa));
    const at = out.names.indexOf("CASAMBM");
    expect(out.names.slice(at, at + 5)).toEqual(["CASAMBM", "BMAJ", "BMIN", "BPA", "BTYPE"]);
    expect(out.names.filter((n) => n === "BMAJ")).toHaveLength(1);
    expect(Array.from(out.beams.get("BMAJ") as Float64Array)).toEqual(rows.map((r) => deg(r.bmaj)));
    expect(Array.from(out.beams.get("BPA") as Float64Array)).toEqual(rows.map((r) => Math.fround(r.bpa)));
    expect(Array.from(out.beams.get("CHAN") as BigInt64Array)).toEqual(rows.map((r) => BigInt(r.chan)));
    expect(Object.fromEntries(out.beamAttrs)).toEqual({ NCHAN: 9n, NPOL: 1n, UNIT: "deg", INPUT_HDU: 1n, MEDIAN_ROW: BigInt(rows.indexOf(median)) });
    expect(out.warnings.some((w) => w.startsWith("the cube has per-channel beams (BEAMS table, HDU 1, 9 rows, NCHAN × NPOL = 9 × 1), kept in 0/Beams; group 0's BMAJ, BMIN, BPA are the median-area beam (channel " + median.chan))).toBe(true);
    for (const fits of [out.input, undefined]) {
      const verdict = await verifyFile(out.output, fits, { threads: 1 });
      expect(verdict.problems).toEqual([]);
    }
  });

  it("gives identical files in fast and slow mode", async () => {
    const { bytes } = casaCube(4, 1, 8);
    const fast = await convertBytes("modes.fits", bytes, "fast");
    const slow = await convertBytes("modes.fits", bytes, "slow");
    expect(slow.attrs).toEqual(fast.attrs);
    expect(slow.beams).toEqual(fast.beams);
  });

  it("takes the median over every channel and polarization of a 4-D cube (even count: the upper middle)", async () => {
    const { bytes, rows } = casaCube(3, 2, 5);
    const out = await convertBytes("casa-4d.fits", bytes);
    const median = naiveMedian(rows, 3);
    expect(out.attrs.get("BMAJ")).toBe(Math.fround(median.bmaj) / 3600);
    expect(Object.fromEntries(out.beamAttrs)).toMatchObject({ NCHAN: 3n, NPOL: 2n });
    expect((await verifyFile(out.output, out.input, { threads: 1 })).problems).toEqual([]);
  });

  it.each([
    ["mas, D columns", { axisUnit: "mas", angleForm: "D" as const }, (v: number) => v / 3_600_000, (v: number) => v],
    ["arcmin axes", { axisUnit: "arcmin" }, (v: number) => Math.fround(v) / 60, (v: number) => Math.fround(v)],
    ["deg axes, rad PA", { axisUnit: "deg", paUnit: "rad" }, (v: number) => Math.fround(v), (v: number) => Math.fround(v) * (180 / Math.PI)],
  ])("converts the units of a table in %s", async (_label, options, axis, pa) => {
    const rows = [3, 1, 2].map((s, c) => ({ bmaj: s * 1e-3 * 2, bmin: s * 1e-3, bpa: 0.1 * c, chan: c, pol: 0 }));
    const cube = makeCube(3, 4, 4, 3, 1, "random", 2);
    const out = await convertBytes(`units-${options.axisUnit}.fits`, concat([cubeFile(cube, CASA_CARDS), beamsTableHdu(rows, options)]));
    // Areas 6, 1, 4 (×1e-6): the median is channel 2.
    expect(out.attrs.get("BMAJ")).toBe(axis(rows[2]!.bmaj));
    expect(out.attrs.get("BPA")).toBe(pa(rows[2]!.bpa));
    expect(Array.from(out.beams.get("BMIN") as Float64Array)).toEqual(rows.map((r) => axis(r.bmin)));
  });

  it("finds BEAMS in any extension: after another table, or before the image", async () => {
    const { rows } = casaCube(5, 1, 4);
    const cube = makeCube(3, 4, 3, 5, 1, "random", 4);
    const other = binaryTableHdu([{ name: "BMAJ", form: "E", unit: "arcsec", values: [99] }], [card("EXTNAME = 'OTHER   '")]);
    const later = await convertBytes("beams-hdu2.fits", concat([cubeFile(cube, CASA_CARDS), other, beamsTableHdu(rows)]));
    expect(later.beamAttrs.get("INPUT_HDU")).toBe(2n);
    expect(later.attrs.get("BMAJ")).toBe(Math.fround(naiveMedian(rows, 5).bmaj) / 3600);

    // Empty primary, the BEAMS table, then the image in an IMAGE extension.
    const image = concat([headerBytes(extensionCards(-32, [4, 3, 5], CASA_CARDS)), dataBytes(cube.values, -32)]);
    const before = await convertBytes("beams-first.fits", concat([headerBytes(primaryCards(-32, [], [valueCard("EXTEND", "T")])), beamsTableHdu(rows), image]));
    expect(before.beamAttrs.get("INPUT_HDU")).toBe(1n);
    expect(before.attrs.get("BMAJ")).toBe(later.attrs.get("BMAJ"));
    expect((await verifyFile(before.output, before.input, { threads: 1 })).problems).toEqual([]);
  });

  it("reads the table from a gzip file", async () => {
    const { bytes, rows } = casaCube(6, 1, 6);
    const out = await convertBytes("casa.fits.gz", gzipSync(bytes));
    expect(out.attrs.get("BMAJ")).toBe(Math.fround(naiveMedian(rows, 6).bmaj) / 3600);
    expect((await verifyFile(out.output, out.input, { threads: 1 })).problems).toEqual([]);
  });

  it("keeps the header's own BMAJ, BMIN, BPA (not duplicated) and still keeps the table", async () => {
    const { rows } = casaCube(3, 1, 7);
    const cube = makeCube(3, 4, 3, 3, 1, "random", 7);
    const own = [...CASA_CARDS, valueCard("BMAJ", "1.0E-3"), valueCard("BMIN", "5.0E-4"), valueCard("BPA", "10.0")];
    const out = await convertBytes("own-beam.fits", concat([cubeFile(cube, own), beamsTableHdu(rows)]));
    expect(out.names.filter((n) => n === "BMAJ")).toHaveLength(1);
    expect(out.attrs.get("BMAJ")).toBe(1e-3);
    expect(out.beams.size).toBe(5);
    expect(out.warnings.some((w) => w.includes("the header's own BMAJ, BMIN, BPA are kept in group 0"))).toBe(true);
    expect(out.beamAttrs.get("MEDIAN_ROW")).toBe(-1n);
    for (const fits of [out.input, undefined]) expect((await verifyFile(out.output, fits, { threads: 1 })).problems).toEqual([]);
  });

  it("warns when CASAMBM = T but there is no BEAMS table, and writes no beam", async () => {
    const cube = makeCube(3, 4, 3, 2, 1, "random", 9);
    const out = await convertBytes("no-table.fits", cubeFile(cube, CASA_CARDS));
    expect(out.attrs.has("BMAJ")).toBe(false);
    expect(out.beams.size).toBe(0);
    expect(out.warnings).toContain("CASAMBM = T, but the file has no BEAMS binary table: the cube has no beam in group 0");
  });

  it("verify catches a tampered beam table, a missing one, and a group 0 beam that is not the median", async () => {
    const { bytes } = casaCube(5, 1, 11);
    const out = await convertBytes("tamper.fits", bytes);
    await h5wasm.ready;
    const f = new h5wasm.File(out.output, "a");
    try {
      const d = f.get("0/Beams/BMIN") as h5wasm.Dataset;
      const values = d.value as Float64Array;
      values[3] = values[3]! * 1.5;
      d.write_slice([[0, values.length]], values);
    } finally {
      f.close();
    }
    const verdict = await verifyFile(out.output, out.input, { threads: 1 });
    expect(verdict.problems.some((p) => p.startsWith("0/Beams/BMIN[3] differs: expected "))).toBe(true);
    // --structure reads no values: the table's structure is fine.
    expect((await verifyFile(out.output, out.input, { threads: 1, structureOnly: true })).problems).toEqual([]);

    const g = new h5wasm.File(out.output, "a");
    try {
      (g.get("0") as h5wasm.Group).delete_attribute("BMAJ");
      (g.get("0") as h5wasm.Group).create_attribute("BMAJ", 1.0);
    } finally {
      g.close();
    }
    const second = await verifyFile(out.output, out.input, { threads: 1 });
    expect(second.problems.some((p) => p.startsWith("group 0's beam (BMAJ 1, BMIN"))).toBe(true);
    const internal = await verifyFile(out.output, undefined, { threads: 1 });
    expect(internal.problems.some((p) => p.startsWith("group 0's beam (BMAJ 1, BMIN") && p.includes("(MEDIAN_ROW)"))).toBe(true);

    // A file converted without the table, against the FITS file with it.
    const cube = makeCube(3, 6, 5, 5, 1, "random", 11);
    const without = await convertBytes("tamper-no-table.fits", cubeFile(cube, CASA_CARDS));
    const third = await verifyFile(without.output, out.input, { threads: 1 });
    expect(third.problems).toContain("0/Beams is missing: the FITS file has a BEAMS table (HDU 1) of 5 rows");
  });
});

describe("AIPS HISTORY beams", () => {
  it("writes the last CLEAN beam of the HISTORY into group 0 when the header has none", async () => {
    const cube = makeCube(3, 4, 3, 2, 1, "random", 13);
    const cards = [
      card("BUNIT   = 'JY/BEAM '"),
      card("ORIGIN  = 'AIPSNRAO'"),
      card("HISTORY AIPS   CLEAN BMAJ=  1.5000E-03 BMIN=  1.0000E-03 BPA=  30.00"),
      card("HISTORY AIPS   CLEAN NITER=  1000 PRODUCT=1   / NORMAL   "),
      card("HISTORY AIPS   CLEAN BMAJ=  1.2500E-03 BMIN=  1.0000E-03 BPA=  45.00"),
    ];
    const out = await convertBytes("aips.fits", cubeFile(cube, cards));
    expect([out.attrs.get("BMAJ"), out.attrs.get("BMIN"), out.attrs.get("BPA")]).toEqual([1.25e-3, 1e-3, 45]);
    // After the last NAXISn, before BUNIT: where a header's beam would be.
    expect(out.names.slice(out.names.indexOf("NAXIS3"), out.names.indexOf("NAXIS3") + 5)).toEqual(["NAXIS3", "BMAJ", "BMIN", "BPA", "BUNIT"]);
    expect(out.warnings).toContain(
      "the header has no BMAJ, BMIN, BPA; group 0's are the last HISTORY beam, 'AIPS   CLEAN BMAJ=  1.2500E-03 BMIN=  1.0000E-03 BPA=  45.00' (4.5\" × 3.6\", PA 45°)",
    );
    expect((await verifyFile(out.output, out.input, { threads: 1 })).problems).toEqual([]);
  });

  it("leaves the header's own beam alone", async () => {
    const cube = makeCube(2, 4, 3, 1, 1, "random", 14);
    const cards = [valueCard("BMAJ", "2.0E-3"), valueCard("BMIN", "1.0E-3"), valueCard("BPA", "0.0"), card("HISTORY AIPS   CLEAN BMAJ=  1.2500E-03 BMIN=  1.0000E-03 BPA=  45.00")];
    const out = await convertBytes("aips-own.fits", cubeFile(cube, cards));
    expect(out.attrs.get("BMAJ")).toBe(2e-3);
    expect(out.warnings.filter((w) => w.includes("beam"))).toEqual([]);
  });
});

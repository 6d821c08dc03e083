/**
 * Restoring beams beyond the header's BMAJ/BMIN/BPA cards, as CASA and AIPS write them, and the
 * one beam that represents them. Pure: header, table bytes and HISTORY lines in, beams out.
 *
 * - CASA (tclean, exportfits) flags per-channel beams with `CASAMBM = T` and writes them as a
 *   binary table `EXTNAME = 'BEAMS'` with columns BMAJ, BMIN, BPA, CHAN, POL (units in TUNITn)
 *   and keywords NCHAN, NPOL. CHAN and POL index the spectral and Stokes axes, whatever their
 *   order among the image's axes.
 * - AIPS writes the beam of each CLEAN into a HISTORY card,
 *   `AIPS   CLEAN BMAJ=  1.2500E-03 BMIN=  1.0000E-03 BPA=  45.00` (degrees), and RESTOR
 *   `Beam = 2.000E+00 x 1.800E+00 arcsec, pa = 8.000E+01 degrees`.
 */
import type { FitsHeader } from "./header.js";
import { findColumn, readNumericColumn, tableLayout } from "./bintable.js";

/** A restoring beam in degrees (FITS BMAJ, BMIN, BPA). */
export interface Beam {
  readonly bmaj: number;
  readonly bmin: number;
  readonly bpa: number;
}

/** A BEAMS table as read: one entry per row, angles in degrees. */
export interface BeamTable {
  /** NCHAN and NPOL: the beam set's shape (channels × polarizations). */
  readonly nchan: number;
  readonly npol: number;
  readonly bmaj: Float64Array;
  readonly bmin: Float64Array;
  readonly bpa: Float64Array;
  readonly chan: Int32Array;
  readonly pol: Int32Array;
  /** TUNITn of BMAJ, BMIN, BPA as written in the table (for the record). */
  readonly units: { readonly bmaj: string; readonly bmin: string; readonly bpa: string };
  /** BMAJ·BMIN in the BMAJ column's unit squared, per row: what the median's order is by (as casacore's). */
  readonly areas: Float64Array;
}

/**
 * Each angle unit a BEAMS table or HISTORY card may use (casacore's spellings, and FITS's), as
 * the operation that turns it into degrees: a division where the unit is a fraction of a degree
 * (so `v arcsec` becomes the correctly rounded v / 3600), else a product.
 */
const TO_DEGREES: Record<string, { divide?: number; multiply?: number }> = {
  deg: {},
  degree: {},
  degrees: {},
  arcmin: { divide: 60 },
  arcsec: { divide: 3600 },
  mas: { divide: 3_600_000 },
  rad: { multiply: 180 / Math.PI },
  radian: { multiply: 180 / Math.PI },
  radians: { multiply: 180 / Math.PI },
};

type AngleUnit = (typeof TO_DEGREES)[string];

function angleUnit(unit: string): AngleUnit | undefined {
  return TO_DEGREES[unit.trim().toLowerCase()];
}

/** Degrees per `unit` (case-insensitive), or undefined for a unit that is not an angle. */
export function degreesPer(unit: string): number | undefined {
  const u = angleUnit(unit);
  return u === undefined ? undefined : u.divide !== undefined ? 1 / u.divide : (u.multiply ?? 1);
}

/** An angle in `unit` as degrees: the value itself when the unit is degrees (no rounding). */
function toDegrees(value: number, unit: AngleUnit): number {
  return unit.divide !== undefined ? value / unit.divide : unit.multiply !== undefined ? value * unit.multiply : value;
}

/** Whether the header announces a BEAMS table (`CASAMBM = T`), as CASA and CARTA require before looking for one. */
export function hasBeamTableFlag(header: FitsHeader): boolean {
  const v = header.get("CASAMBM")?.value;
  return v?.type === "logical" && v.value;
}

/** Whether the header has any of its own beam cards. */
export function headerBeamKeywords(header: FitsHeader): string[] {
  return ["BMAJ", "BMIN", "BPA"].filter((k) => header.has(k));
}

/**
 * Read a BEAMS table from its header and data bytes. Returns the table, or why it cannot be
 * used (a missing column or unit, an unknown unit, a short data unit).
 */
export function readBeamTable(header: FitsHeader, bytes: Uint8Array): { table: BeamTable; warnings: string[] } | { error: string } {
  const layout = tableLayout(header);
  if (typeof layout === "string") return { error: layout };
  const warnings: string[] = [];
  const columns: Record<string, Float64Array> = {};
  const units: Record<string, string> = {};
  for (const name of ["BMAJ", "BMIN", "BPA", "CHAN", "POL"]) {
    const column = findColumn(layout, name);
    if (column === undefined) return { error: `it has no ${name} column` };
    const values = readNumericColumn(layout, column, bytes);
    if (typeof values === "string") return { error: values };
    columns[name] = values;
    units[name] = column.unit;
  }
  const factors: Record<string, AngleUnit> = {};
  for (const name of ["BMAJ", "BMIN", "BPA"]) {
    const factor = angleUnit(units[name]!);
    if (factor === undefined) {
      return { error: units[name] === "" ? `its ${name} column has no unit (TUNITn)` : `its ${name} column's unit '${units[name]}' is not an angle` };
    }
    factors[name] = factor;
  }
  const rows = layout.rows;
  const chan = Int32Array.from(columns.CHAN!);
  const pol = Int32Array.from(columns.POL!);
  const intKey = (keyword: string, fallback: number): number => {
    const v = header.get(keyword)?.value;
    if (v?.type === "integer" && v.value > 0n) return Number(v.value);
    warnings.push(`its ${keyword} keyword is ${v === undefined ? "missing" : "not a positive integer"}: taken as ${fallback}, from the ${keyword === "NCHAN" ? "CHAN" : "POL"} column`);
    return fallback;
  };
  const nchan = intKey("NCHAN", chan.reduce((m, c) => Math.max(m, c), 0) + 1);
  const npol = intKey("NPOL", pol.reduce((m, p) => Math.max(m, p), 0) + 1);
  const bmajRaw = columns.BMAJ!;
  const bminRaw = columns.BMIN!;
  // The median's order is by area in the unit of BMAJ squared, as casacore's ImageBeamSet has it.
  const minorInMajorUnit = degreesPer(units.BMIN!)! / degreesPer(units.BMAJ!)!;
  const areas = new Float64Array(rows);
  for (let r = 0; r < rows; r++) areas[r] = bmajRaw[r]! * (minorInMajorUnit === 1 ? bminRaw[r]! : bminRaw[r]! * minorInMajorUnit);
  const table: BeamTable = {
    nchan,
    npol,
    bmaj: bmajRaw.map((v) => toDegrees(v, factors.BMAJ!)),
    bmin: bminRaw.map((v) => toDegrees(v, factors.BMIN!)),
    bpa: columns.BPA!.map((v) => toDegrees(v, factors.BPA!)),
    chan,
    pol,
    units: { bmaj: units.BMAJ!, bmin: units.BMIN!, bpa: units.BPA! },
    areas,
  };
  return { table, warnings };
}

/**
 * The median-area beam, as casacore's `ImageBeamSet::getMedianAreaBeam` chooses it (CASA's and
 * CARTA's representative beam of a multi-beam image): the beams form an NCHAN × NPOL set (rows
 * with CHAN or POL outside it are left out; an entry no row gives is a null beam of area 0; a
 * later row for the same entry replaces an earlier one); they are sorted by area, ties by their
 * position in the set (channel fastest), and the one at position ⌊n/2⌋ of the n is chosen (for
 * an even n, the upper of the two middle ones). Returns the row it comes from, or undefined
 * when that entry is a null beam; and the rows left out.
 */
export function medianAreaBeam(table: BeamTable): { row: number | undefined; outside: number[] } {
  const size = table.nchan * table.npol;
  const rowAt = new Int32Array(size).fill(-1);
  const outside: number[] = [];
  for (let r = 0; r < table.chan.length; r++) {
    const c = table.chan[r]!;
    const p = table.pol[r]!;
    if (c < 0 || c >= table.nchan || p < 0 || p >= table.npol) outside.push(r);
    else rowAt[c + table.nchan * p] = r;
  }
  const area = (i: number): number => (rowAt[i]! < 0 ? 0 : table.areas[rowAt[i]!]!);
  const order = Array.from({ length: size }, (_, i) => i);
  order.sort((a, b) => area(a) - area(b) || a - b);
  const median = order[Math.floor(size / 2)];
  const row = median === undefined || rowAt[median]! < 0 ? undefined : rowAt[median]!;
  return { row, outside };
}

/** The beam of one row of the table, in degrees. */
export function beamOfRow(table: BeamTable, row: number): Beam {
  return { bmaj: table.bmaj[row]!, bmin: table.bmin[row]!, bpa: table.bpa[row]! };
}

const NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[EeDd][-+]?\\d+)?)";
const AIPS_CLEAN = new RegExp(`BMAJ\\s*=\\s*${NUMBER}\\s*BMIN\\s*=\\s*${NUMBER}\\s*BPA\\s*=\\s*${NUMBER}`);
const AIPS_RESTOR = new RegExp(`Beam\\s*=\\s*${NUMBER}\\s*x\\s*${NUMBER}\\s*([A-Za-z]*)\\s*,*\\s*pa\\s*=\\s*${NUMBER}\\s*([A-Za-z]*)`);

/**
 * The beam in the last HISTORY card that gives one (AIPS's CLEAN `BMAJ= … BMIN= … BPA= …` in
 * degrees, or RESTOR's `Beam = a x b arcsec, pa = c degrees`): the last is the beam of the last
 * CLEAN, which made the image (CARTA's AIPS beam support takes the last too; CASA's importfits
 * takes the first). Cards whose numbers are not a beam (axes not positive, minor above major)
 * are passed over.
 */
export function historyBeam(history: readonly string[]): { beam: Beam; line: string } | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const line = history[i]!;
    const beam = parseHistoryBeam(line);
    if (beam !== undefined) return { beam, line: line.trim() };
  }
  return undefined;
}

function parseHistoryBeam(line: string): Beam | undefined {
  const num = (s: string): number => Number(s.replace(/[dD]/, "E"));
  let bmaj: number, bmin: number, bpa: number;
  const clean = AIPS_CLEAN.exec(line);
  if (clean !== null) {
    [bmaj, bmin, bpa] = [num(clean[1]!), num(clean[2]!), num(clean[3]!)];
  } else {
    const restor = AIPS_RESTOR.exec(line);
    if (restor === null) return undefined;
    const axes = angleUnit(restor[3] === "" ? "deg" : restor[3]!);
    const pa = angleUnit(restor[5] === "" ? "deg" : restor[5]!);
    if (axes === undefined || pa === undefined) return undefined;
    [bmaj, bmin, bpa] = [toDegrees(num(restor[1]!), axes), toDegrees(num(restor[2]!), axes), toDegrees(num(restor[4]!), pa)];
  }
  if (![bmaj, bmin, bpa].every(Number.isFinite) || bmaj <= 0 || bmin <= 0 || bmin > bmaj) return undefined;
  return { bmaj, bmin, bpa };
}

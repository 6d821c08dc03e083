/**
 * The schema extension `0/Beams` (src/schema/beams-layout.ts) and the beam CARTA reads (group
 * 0's BMAJ, BMIN, BPA): the table's datasets, their types and lengths, and, with the FITS file,
 * every row against the FITS BEAMS table and the group 0 beam against its median-area beam (or
 * the AIPS HISTORY beam). Without the FITS file, the group 0 beam against the median of the
 * stored table.
 */
import type { Beam } from "../fits/beams.js";
import { medianAreaBeam, type BeamTable } from "../fits/beams.js";
import type { FitsImage } from "../fits/image.js";
import { readImageBeams } from "../fits/image-beams.js";
import type { Hdf5Reader } from "../hdf5/reader.js";
import { BEAMS_GROUP, beamDatasets } from "../schema/beams-layout.js";
import { IMAGE_GROUP } from "../schema/layout.js";

export async function checkBeams(reader: Hdf5Reader, image: FitsImage | undefined, structureOnly = false): Promise<string[]> {
  const problems: string[] = [];
  if (reader.kind(IMAGE_GROUP) !== "group") return problems; // not an IDIA file: the structure check says so
  const stored = readStoredTable(reader, problems, structureOnly);
  if (structureOnly) return problems;
  const group0 = group0Beam(reader);
  const medianRow = stored === undefined ? undefined : storedMedianRow(reader, stored, problems);
  if (image === undefined) {
    if (stored !== undefined && medianRow !== undefined && medianRow >= 0) {
      const { row } = medianAreaBeam(stored);
      const held = rowBeam(stored, medianRow);
      if (row !== undefined && row !== medianRow && !nearTie(stored, held)) {
        problems.push(`${BEAMS_GROUP} MEDIAN_ROW is ${medianRow}, but its median-area beam is row ${row}`);
      }
      if (group0 === undefined || !sameBeam(group0, held)) {
        const shown = group0 === undefined ? "group 0 has no BMAJ, BMIN, BPA" : `group 0's beam (BMAJ ${group0.bmaj}, BMIN ${group0.bmin}, BPA ${group0.bpa})`;
        problems.push(`${shown}, but ${BEAMS_GROUP} row ${medianRow} (MEDIAN_ROW) is BMAJ ${held.bmaj}, BMIN ${held.bmin}, BPA ${held.bpa}`);
      }
    }
    return problems;
  }
  const expected = await readImageBeams(image.path, image.header, { fromStream: image.fromStream });
  if (expected.table === undefined && stored !== undefined) problems.push(`${BEAMS_GROUP} exists, but the FITS file has no usable BEAMS table`);
  if (expected.table !== undefined && stored === undefined && reader.kind(BEAMS_GROUP) === null) {
    problems.push(`${BEAMS_GROUP} is missing: the FITS file has a BEAMS table (HDU ${expected.tableHdu}) of ${expected.table.chan.length} rows`);
  }
  if (expected.table !== undefined && stored !== undefined) {
    compareTables(expected.table, stored, problems);
    const want = expected.representativeRow ?? -1;
    if (medianRow !== undefined && medianRow !== want) problems.push(`${BEAMS_GROUP} MEDIAN_ROW is ${medianRow}, not ${want}`);
  }
  if (expected.representative !== undefined) {
    const what = expected.table !== undefined ? "the median-area beam of the FITS BEAMS table" : "the FITS file's HISTORY beam";
    if (group0 === undefined) problems.push(`group 0 has no BMAJ, BMIN, BPA, but the FITS file has ${what}`);
    else if (!sameBeam(group0, expected.representative)) {
      const e = expected.representative;
      problems.push(`group 0's beam (BMAJ ${group0.bmaj}, BMIN ${group0.bmin}, BPA ${group0.bpa}) is not ${what} (BMAJ ${e.bmaj}, BMIN ${e.bmin}, BPA ${e.bpa})`);
    }
  }
  return problems;
}

/** The stored table, when present and well formed; what is wrong with it otherwise. */
function readStoredTable(reader: Hdf5Reader, problems: string[], structureOnly: boolean): BeamTable | undefined {
  const kind = reader.kind(BEAMS_GROUP);
  if (kind === null) return undefined;
  if (kind !== "group") {
    problems.push(`${BEAMS_GROUP} is a ${kind}, not a group`);
    return undefined;
  }
  const attrs = new Map(reader.attributes(BEAMS_GROUP).map((a) => [a.name, a.value]));
  const positive = (name: string): number | undefined => {
    const v = attrs.get(name);
    if (typeof v === "bigint" && v > 0n) return Number(v);
    problems.push(`${BEAMS_GROUP} attribute ${name} is missing or not a positive integer`);
    return undefined;
  };
  const nchan = positive("NCHAN");
  const npol = positive("NPOL");
  const columns = new Map<string, Float64Array | BigInt64Array>();
  let rows: number | undefined;
  for (const d of beamDatasets(0)) {
    const name = d.path.split("/").pop()!;
    if (reader.kind(d.path) !== "dataset") {
      problems.push(`dataset ${d.path} is missing`);
      continue;
    }
    const info = reader.datasetInfo(d.path);
    const t = info.type;
    const type = t.class === "float" && t.size === 8 && t.littleEndian ? "float64" : t.class === "integer" && t.size === 8 && t.signed && t.littleEndian ? "int64" : "other";
    if (type !== d.dtype || info.shape.length !== 1) {
      problems.push(`dataset ${d.path} is not a 1-D ${d.dtype} LE dataset`);
      continue;
    }
    if (rows !== undefined && info.shape[0] !== rows) problems.push(`dataset ${d.path} has ${info.shape[0]} rows, the other beam datasets ${rows}`);
    rows ??= info.shape[0]!;
    if (!structureOnly) columns.set(name, reader.read(d.path) as Float64Array | BigInt64Array);
  }
  if (nchan === undefined || npol === undefined || columns.size < 5 || problems.length > 0) return undefined;
  const f = (name: string): Float64Array => columns.get(name) as Float64Array;
  const i = (name: string): Int32Array => Int32Array.from(columns.get(name) as BigInt64Array, Number);
  const bmaj = f("BMAJ");
  const bmin = f("BMIN");
  return {
    nchan,
    npol,
    bmaj,
    bmin,
    bpa: f("BPA"),
    chan: i("CHAN"),
    pol: i("POL"),
    units: { bmaj: "deg", bmin: "deg", bpa: "deg" },
    areas: bmaj.map((v, r) => v * bmin[r]!),
  };
}

/** MEDIAN_ROW: -1, or a row of the table. */
function storedMedianRow(reader: Hdf5Reader, table: BeamTable, problems: string[]): number | undefined {
  const v = reader.attributes(BEAMS_GROUP).find((a) => a.name === "MEDIAN_ROW")?.value;
  if (typeof v !== "bigint" || v < -1n || v >= BigInt(table.chan.length)) {
    problems.push(`${BEAMS_GROUP} attribute MEDIAN_ROW is missing or not -1 or a row of the table`);
    return undefined;
  }
  return Number(v);
}

function compareTables(fits: BeamTable, stored: BeamTable, problems: string[]): void {
  if (fits.nchan !== stored.nchan || fits.npol !== stored.npol) {
    problems.push(`${BEAMS_GROUP} says NCHAN × NPOL = ${stored.nchan} × ${stored.npol}, the FITS BEAMS table ${fits.nchan} × ${fits.npol}`);
  }
  if (fits.chan.length !== stored.chan.length) {
    problems.push(`${BEAMS_GROUP} has ${stored.chan.length} rows, the FITS BEAMS table ${fits.chan.length}`);
    return;
  }
  const columns: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ["BMAJ", fits.bmaj, stored.bmaj],
    ["BMIN", fits.bmin, stored.bmin],
    ["BPA", fits.bpa, stored.bpa],
    ["CHAN", fits.chan, stored.chan],
    ["POL", fits.pol, stored.pol],
  ];
  for (const [name, want, got] of columns) {
    let listed = 0;
    for (let r = 0; r < want.length && listed < 10; r++) {
      if (!Object.is(want[r], got[r])) {
        problems.push(`${BEAMS_GROUP}/${name}[${r}] differs: expected ${want[r]}, found ${got[r]}`);
        listed++;
      }
    }
  }
}

function group0Beam(reader: Hdf5Reader): Beam | undefined {
  const attrs = new Map(reader.attributes(IMAGE_GROUP).map((a) => [a.name, a.value]));
  const [bmaj, bmin, bpa] = ["BMAJ", "BMIN", "BPA"].map((k) => attrs.get(k));
  if (typeof bmaj !== "number" || typeof bmin !== "number" || typeof bpa !== "number") return undefined;
  return { bmaj, bmin, bpa };
}

function rowBeam(table: BeamTable, row: number): Beam {
  return { bmaj: table.bmaj[row]!, bmin: table.bmin[row]!, bpa: table.bpa[row]! };
}

function sameBeam(a: Beam, b: Beam): boolean {
  return Object.is(a.bmaj, b.bmaj) && Object.is(a.bmin, b.bmin) && Object.is(a.bpa, b.bpa);
}

/**
 * Without the FITS file the order is by area in degrees², while the converter ordered by the
 * table's own unit (as casacore does): near ties may then fall the other way. Accept a row of
 * (nearly) the median's area.
 */
function nearTie(table: BeamTable, beam: Beam): boolean {
  const { row } = medianAreaBeam(table);
  if (row === undefined) return false;
  const median = table.areas[row]!;
  for (let r = 0; r < table.chan.length; r++) {
    if (sameBeam(rowBeam(table, r), beam) && Math.abs(table.areas[r]! - median) <= 1e-12 * median) return true;
  }
  return false;
}

/**
 * The beams of an image beyond its header's BMAJ/BMIN/BPA: its CASA BEAMS table (found by
 * EXTNAME in any extension when the header says `CASAMBM = T`, as CASA and CARTA look for it)
 * or, without a BEAMS table or header beam, an AIPS HISTORY beam; and the beam that represents
 * them in group 0. The table is read through a source of its own, so the image's reads (and
 * the input's running hash) are not disturbed; for a gzip file that means decompressing up to
 * the table once more.
 */
import { beamOfRow, hasBeamTableFlag, headerBeamKeywords, historyBeam, medianAreaBeam, readBeamTable, type Beam, type BeamTable } from "./beams.js";
import { FitsError } from "./errors.js";
import type { FitsHeader } from "./header.js";
import { findHdu } from "./hdu.js";
import { openSource } from "./source.js";

export interface ImageBeams {
  /** The beam to write as BMAJ, BMIN, BPA in group 0 (undefined: none to add). */
  readonly representative?: Beam;
  /** The BEAMS table, to keep in the output. */
  readonly table?: BeamTable;
  /** The FITS HDU the table came from. */
  readonly tableHdu?: number;
  /** The table row (0-based) whose beam is the representative one; undefined when it is not from the table. */
  readonly representativeRow?: number;
  readonly warnings: readonly string[];
}

export async function readImageBeams(path: string, header: FitsHeader, options: { fromStream?: boolean } = {}): Promise<ImageBeams> {
  const own = headerBeamKeywords(header);
  if (hasBeamTableFlag(header)) {
    // The table is read through a source of its own, which a stream read once (standard input)
    // cannot give: converting without it would lose the beams CARTA shows for the FITS file.
    if (options.fromStream === true) {
      throw new FitsError("NEEDS_FILE", "CASAMBM = T: the per-channel beams are in a BEAMS table, which is read from the file itself, not from a stream; convert the file by its name", path);
    }
    const found = await findBeamTable(path);
    if (typeof found === "string") return { warnings: [`CASAMBM = T, but ${found}: the cube has no beam in group 0`] };
    const { table, hdu, warnings: tableWarnings } = found;
    const warnings = tableWarnings.map((w) => `the BEAMS table (HDU ${hdu}): ${w}`);
    const { row, outside } = medianAreaBeam(table);
    if (outside.length > 0) {
      warnings.push(`the BEAMS table (HDU ${hdu}): ${outside.length} row(s) with CHAN or POL outside NCHAN × NPOL = ${table.nchan} × ${table.npol} (the first is row ${outside[0]! + 1}): left out of the median, kept in 0/Beams`);
    }
    const where = `HDU ${hdu}, ${table.chan.length} rows, NCHAN × NPOL = ${table.nchan} × ${table.npol}`;
    if (own.length > 0) {
      warnings.push(`the cube has per-channel beams (BEAMS table, ${where}), kept in 0/Beams; the header's own ${own.join(", ")} are kept in group 0`);
      return { table, tableHdu: hdu, warnings };
    }
    if (row === undefined) {
      warnings.push(`the cube has per-channel beams (BEAMS table, ${where}), kept in 0/Beams; its median-area beam is a channel without a beam: no beam in group 0`);
      return { table, tableHdu: hdu, warnings };
    }
    const beam = beamOfRow(table, row);
    warnings.push(
      `the cube has per-channel beams (BEAMS table, ${where}), kept in 0/Beams; group 0's BMAJ, BMIN, BPA are the median-area beam ` +
        `(channel ${table.chan[row]}, polarization ${table.pol[row]}: ${describeBeam(beam)})`,
    );
    return { representative: beam, representativeRow: row, table, tableHdu: hdu, warnings };
  }
  if (own.length > 0) return { warnings: [] };
  const fromHistory = historyBeam(header.history());
  if (fromHistory === undefined) return { warnings: [] };
  return {
    representative: fromHistory.beam,
    warnings: [`the header has no BMAJ, BMIN, BPA; group 0's are the last HISTORY beam, '${fromHistory.line}' (${describeBeam(fromHistory.beam)})`],
  };
}

/** `2.5" × 2.0", PA 45°`. */
export function describeBeam(beam: Beam): string {
  const arcsec = (deg: number): string => `${Number((deg * 3600).toPrecision(6))}"`;
  return `${arcsec(beam.bmaj)} × ${arcsec(beam.bmin)}, PA ${Number(beam.bpa.toPrecision(6))}°`;
}

/** 256 MiB: millions of channels' beams. */
const MAX_TABLE_BYTES = 256 * 2 ** 20;

/** The first binary table named BEAMS, read; or why there is none to use. */
async function findBeamTable(path: string): Promise<{ table: BeamTable; hdu: number; warnings: string[] } | string> {
  const source = await openSource(path);
  try {
    const hdu = await findHdu(
      source,
      (h) => h.index > 0 && h.info.xtension === "BINTABLE" && h.info.extname?.trim().toUpperCase() === "BEAMS",
    );
    if (hdu === undefined) return "the file has no BEAMS binary table";
    const [rows, rowBytes] = [hdu.info.axes[1] ?? 0, hdu.info.axes[0] ?? 0];
    // A beam table is small (tens of bytes per channel): a header claiming more is not read.
    if (rows * rowBytes > MAX_TABLE_BYTES) return `its BEAMS table (HDU ${hdu.index}) claims ${rows * rowBytes} bytes, more than a beam table can need (${MAX_TABLE_BYTES})`;
    const bytes = await source.read(hdu.dataStart, rows * rowBytes);
    const read = readBeamTable(hdu.header, bytes);
    if ("error" in read) return `its BEAMS table (HDU ${hdu.index}) cannot be used: ${read.error}`;
    if (read.table.chan.length === 0) return `its BEAMS table (HDU ${hdu.index}) has no rows`;
    return { table: read.table, hdu: hdu.index, warnings: read.warnings };
  } catch (error) {
    // A damaged extension after the image: the image itself converts; its beams are lost, said so.
    if (error instanceof FitsError) return `its extensions cannot be read (${error.message})`;
    throw error;
  } finally {
    await source.close();
  }
}

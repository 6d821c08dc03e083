/**
 * A minimal binary-table writer for the tests (FITS 4.0 §7.3), independent of src/fits: a CASA
 * BEAMS table as CASA's exportfits lays it out (BMAJ, BMIN, BPA as E with TUNITn, CHAN and POL
 * as J, NCHAN and NPOL keywords, EXTNAME = 'BEAMS'), with every choice open to vary: column
 * formats (E, D, J, I, K), units, TSCAL/TZERO, column order, extra columns, keywords.
 */
import { card, concat, extensionCards, headerBytes, valueCard } from "./fixtures.js";

export type ColumnForm = "E" | "D" | "I" | "J" | "K" | "B";

export interface TableColumnSpec {
  name: string;
  form: ColumnForm;
  unit?: string;
  /** TSCALn / TZEROn written into the header; `values` are then the stored (raw) numbers. */
  scale?: number;
  zero?: number;
  values: readonly number[];
}

const BYTES: Record<ColumnForm, number> = { B: 1, I: 2, J: 4, K: 8, E: 4, D: 8 };

/** One BINTABLE HDU (header and padded data) from columns of equal length. */
export function binaryTableHdu(columns: readonly TableColumnSpec[], keywords: readonly string[] = []): Uint8Array {
  const rows = columns[0]?.values.length ?? 0;
  const rowBytes = columns.reduce((n, c) => n + BYTES[c.form], 0);
  const cards = [valueCard("TFIELDS", String(columns.length))];
  columns.forEach((c, i) => {
    const n = i + 1;
    cards.push(card(`TTYPE${n}`.padEnd(8) + `= '${c.name.padEnd(8)}'`));
    cards.push(card(`TFORM${n}`.padEnd(8) + `= '1${c.form}      '`));
    if (c.unit !== undefined) cards.push(card(`TUNIT${n}`.padEnd(8) + `= '${c.unit.padEnd(8)}'`));
    if (c.scale !== undefined) cards.push(valueCard(`TSCAL${n}`, String(c.scale)));
    if (c.zero !== undefined) cards.push(valueCard(`TZERO${n}`, String(c.zero)));
  });
  const data = new Uint8Array(Math.ceil((rows * rowBytes) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let r = 0; r < rows; r++) {
    let at = r * rowBytes;
    for (const c of columns) {
      const v = c.values[r]!;
      switch (c.form) {
        case "B": view.setUint8(at, v); break;
        case "I": view.setInt16(at, v); break;
        case "J": view.setInt32(at, v); break;
        case "K": view.setBigInt64(at, BigInt(v)); break;
        case "E": view.setFloat32(at, v); break;
        case "D": view.setFloat64(at, v); break;
      }
      at += BYTES[c.form];
    }
  }
  return concat([headerBytes(extensionCards(8, [rowBytes, rows], [...cards, ...keywords], "BINTABLE")), data]);
}

export interface BeamRow {
  bmaj: number;
  bmin: number;
  bpa: number;
  chan: number;
  pol: number;
}

export interface BeamsTableOptions {
  angleForm?: "E" | "D";
  indexForm?: "J" | "I" | "K";
  /** Units of BMAJ/BMIN and of BPA (default arcsec, deg). */
  axisUnit?: string;
  paUnit?: string;
  nchan?: number | null;
  npol?: number | null;
  extname?: string;
  /** Extra cards after the table keywords. */
  extra?: string[];
}

/** A BEAMS table in CASA's layout (exportfits: E columns, arcsec and deg, J indices). */
export function beamsTableHdu(rows: readonly BeamRow[], options: BeamsTableOptions = {}): Uint8Array {
  const angle = options.angleForm ?? "E";
  const index = options.indexForm ?? "J";
  const nchan = options.nchan === undefined ? new Set(rows.map((r) => r.chan)).size : options.nchan;
  const npol = options.npol === undefined ? new Set(rows.map((r) => r.pol)).size : options.npol;
  const keywords = [
    card(`EXTNAME = '${(options.extname ?? "BEAMS").padEnd(8)}'`),
    valueCard("EXTVER", "1"),
    ...(nchan === null ? [] : [valueCard("NCHAN", String(nchan))]),
    ...(npol === null ? [] : [valueCard("NPOL", String(npol))]),
    ...(options.extra ?? []),
  ];
  return binaryTableHdu(
    [
      { name: "BMAJ", form: angle, unit: options.axisUnit ?? "arcsec", values: rows.map((r) => r.bmaj) },
      { name: "BMIN", form: angle, unit: options.axisUnit ?? "arcsec", values: rows.map((r) => r.bmin) },
      { name: "BPA", form: angle, unit: options.paUnit ?? "deg", values: rows.map((r) => r.bpa) },
      { name: "CHAN", form: index, values: rows.map((r) => r.chan) },
      { name: "POL", form: index, values: rows.map((r) => r.pol) },
    ],
    keywords,
  );
}

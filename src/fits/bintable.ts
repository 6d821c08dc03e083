/**
 * A small reader of FITS binary tables (FITS 4.0 §7.3): the column layout from the header, and
 * numeric columns decoded from the table's bytes. Pure: header and bytes in, values out. Only
 * what small side tables (a CASA BEAMS table) need: scalar or first-element reads of the
 * numeric TFORMs B, I, J, K, E, D, with TSCALn/TZEROn applied.
 */
import type { FitsHeader } from "./header.js";

export interface TableColumn {
  /** TTYPEn, trimmed (may be ""). */
  readonly name: string;
  /** The TFORMn data type letter (L, X, B, I, J, K, A, E, D, C, M, P, Q). */
  readonly code: string;
  /** The repeat count of TFORMn (1 when absent). */
  readonly repeat: number;
  /** TUNITn, trimmed, or "" when absent. */
  readonly unit: string;
  readonly scale: number;
  readonly zero: number;
  /** Byte offset of the field within a row. */
  readonly offset: number;
}

export interface TableLayout {
  /** NAXIS1: bytes per row. */
  readonly rowBytes: number;
  /** NAXIS2: the number of rows. */
  readonly rows: number;
  readonly columns: readonly TableColumn[];
}

/** Bytes per element of each TFORM code (P and Q: array descriptors). */
const ELEMENT_BYTES: Record<string, number> = { L: 1, X: 1 / 8, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

/** The table's layout from its header, or why it cannot be read. */
export function tableLayout(header: FitsHeader): TableLayout | string {
  const int = (keyword: string): number | undefined => {
    const v = header.get(keyword)?.value;
    return v?.type === "integer" ? Number(v.value) : undefined;
  };
  const rowBytes = int("NAXIS1");
  const rows = int("NAXIS2");
  const fields = int("TFIELDS");
  if (header.string("XTENSION")?.trim() !== "BINTABLE") return "not a binary table (XTENSION is not 'BINTABLE')";
  if (rowBytes === undefined || rows === undefined || fields === undefined) return "NAXIS1, NAXIS2 or TFIELDS is missing or not an integer";
  const columns: TableColumn[] = [];
  let offset = 0;
  for (let n = 1; n <= fields; n++) {
    const tform = stringOf(header, `TFORM${n}`);
    const match = tform === undefined ? null : /^\s*(\d*)([LXBIJKAEDCMPQ])/.exec(tform);
    if (match === null) return `TFORM${n} ${tform === undefined ? "is missing" : `'${tform}' is not a binary table format`}`;
    const repeat = match[1] === "" ? 1 : Number(match[1]);
    const code = match[2]!;
    const real = (keyword: string, fallback: number): number => {
      const v = header.get(keyword)?.value;
      return v?.type === "real" ? v.value : v?.type === "integer" ? Number(v.value) : fallback;
    };
    columns.push({
      name: (stringOf(header, `TTYPE${n}`) ?? "").trim(),
      code,
      repeat,
      unit: (stringOf(header, `TUNIT${n}`) ?? "").trim(),
      scale: real(`TSCAL${n}`, 1),
      zero: real(`TZERO${n}`, 0),
      offset,
    });
    offset += code === "X" ? Math.ceil(repeat / 8) : repeat * ELEMENT_BYTES[code]!;
  }
  if (offset > rowBytes) return `the columns need ${offset} bytes per row, but NAXIS1 is ${rowBytes}`;
  return { rowBytes, rows, columns };
}

function stringOf(header: FitsHeader, keyword: string): string | undefined {
  const v = header.get(keyword)?.value;
  return v?.type === "string" ? v.value : undefined;
}

/** The column named `name` (TTYPE compared without case, as cfitsio's CASEINSEN does). */
export function findColumn(layout: TableLayout, name: string): TableColumn | undefined {
  return layout.columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
}

/**
 * The first element of a numeric column in every row, physical values (TSCAL·stored + TZERO)
 * in float64. `bytes` is the table's data (its main table: rows × NAXIS1 bytes, big-endian).
 */
export function readNumericColumn(layout: TableLayout, column: TableColumn, bytes: Uint8Array): Float64Array | string {
  if (!"BIJKED".includes(column.code)) return `column ${column.name} has TFORM code ${column.code}, not a number (B, I, J, K, E or D)`;
  if (column.repeat < 1) return `column ${column.name} has no elements (repeat count 0)`;
  if (bytes.length < layout.rows * layout.rowBytes) {
    return `the table holds ${bytes.length} bytes, not the ${layout.rows * layout.rowBytes} its header says`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(layout.rows);
  for (let r = 0; r < layout.rows; r++) {
    const at = r * layout.rowBytes + column.offset;
    let stored: number;
    switch (column.code) {
      case "B": stored = view.getUint8(at); break;
      case "I": stored = view.getInt16(at); break;
      case "J": stored = view.getInt32(at); break;
      case "K": stored = Number(view.getBigInt64(at)); break;
      case "E": stored = view.getFloat32(at); break;
      default: stored = view.getFloat64(at); break;
    }
    out[r] = column.scale === 1 && column.zero === 0 ? stored : column.scale * stored + column.zero;
  }
  return out;
}

/**
 * The binary table that holds a tile-compressed image (FITS 4.0 §7.3 and §10.1): its columns'
 * places in a row, and reads of fixed-width values and of variable-length-array descriptors
 * (`P` with 32-bit, `Q` with 64-bit count and heap offset) from a row's bytes. Pure.
 */
import { FitsError } from "../errors.js";
import type { FitsHeader } from "../header.js";

/** Element types of the columns a compressed image uses (bytes per element). */
const ELEMENT_BYTES: Readonly<Record<string, number>> = { L: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16 };

export type ElementType = "B" | "I" | "J" | "K" | "E" | "D";

export interface TableColumn {
  readonly name: string;
  /** Byte offset of the field within a row. */
  readonly offset: number;
  /** `P` or `Q`: a variable-length array whose elements are of `type`; undefined: fixed-width. */
  readonly descriptor?: "P" | "Q";
  /** The element type (of the array, for a descriptor column). */
  readonly type: string;
  /** Elements in the field (fixed-width columns). */
  readonly repeat: number;
}

export interface TileTable {
  /** Bytes in one row (NAXIS1). */
  readonly rowBytes: number;
  /** Rows (NAXIS2): one per tile. */
  readonly rows: number;
  /** Offset of the heap from the start of the data unit (THEAP, default NAXIS1 × NAXIS2). */
  readonly heapOffset: number;
  /** Bytes of the heap region after the rows, as PCOUNT counts them (gap included). */
  readonly heapBytes: number;
  readonly columns: ReadonlyMap<string, TableColumn>;
}

/** One variable-length array: its element count and its byte offset within the heap. */
export interface Descriptor {
  readonly count: number;
  readonly offset: number;
}

/** The table's layout from its header (TFIELDS, TTYPEn, TFORMn, NAXIS1, NAXIS2, PCOUNT, THEAP). */
export function tileTableOf(header: FitsHeader, file?: string): TileTable {
  const rowBytes = integer(header, "NAXIS1", file);
  const rows = integer(header, "NAXIS2", file);
  const pcount = header.has("PCOUNT") ? integer(header, "PCOUNT", file) : 0;
  const fields = integer(header, "TFIELDS", file);
  const columns = new Map<string, TableColumn>();
  let offset = 0;
  for (let n = 1; n <= fields; n++) {
    const form = header.get(`TFORM${n}`);
    if (form?.value?.type !== "string") throw bad(`TFORM${n} is missing or not a string`, file);
    const parsed = /^\s*(\d*)\s*([A-Z])\s*(?:([A-Z])\s*(?:\(\s*\d+\s*\))?)?\s*$/.exec(form.value.value.toUpperCase());
    if (parsed === null) throw bad(`TFORM${n} = '${form.value.value.trim()}' is not a binary-table format`, file);
    const repeat = parsed[1] === "" ? 1 : Number(parsed[1]);
    const letter = parsed[2]!;
    const element = parsed[3];
    let width: number;
    let column: TableColumn;
    const ttype = header.get(`TTYPE${n}`);
    const name = ttype?.value?.type === "string" ? ttype.value.value.trim().toUpperCase() : "";
    if (letter === "P" || letter === "Q") {
      if (element === undefined || ELEMENT_BYTES[element] === undefined) throw bad(`TFORM${n} = '${form.value.value.trim()}' has no element type`, file);
      width = repeat * (letter === "P" ? 8 : 16);
      column = { name, offset, descriptor: letter, type: element, repeat };
    } else if (letter === "X") {
      width = Math.ceil(repeat / 8);
      column = { name, offset, type: letter, repeat };
    } else {
      const bytes = ELEMENT_BYTES[letter];
      if (bytes === undefined || element !== undefined) throw bad(`TFORM${n} = '${form.value.value.trim()}' is not a binary-table format`, file);
      width = repeat * bytes;
      column = { name, offset, type: letter, repeat };
    }
    if (name !== "" && !columns.has(name)) columns.set(name, column);
    offset += width;
  }
  if (offset !== rowBytes) throw bad(`the columns' formats add up to ${offset} bytes a row, but NAXIS1 = ${rowBytes}`, file);
  const heapOffset = header.has("THEAP") ? integer(header, "THEAP", file) : rowBytes * rows;
  if (heapOffset < rowBytes * rows) throw bad(`THEAP = ${heapOffset} points inside the table's rows (${rowBytes * rows} bytes)`, file);
  return { rowBytes, rows, heapOffset, heapBytes: pcount - (heapOffset - rowBytes * rows), columns };
}

/** The descriptor in `row` (a row's bytes) of a variable-length-array column. */
export function readDescriptor(row: Uint8Array, column: TableColumn): Descriptor {
  const view = new DataView(row.buffer, row.byteOffset, row.length);
  if (column.descriptor === "P") {
    return { count: view.getInt32(column.offset), offset: view.getInt32(column.offset + 4) };
  }
  const count = view.getBigInt64(column.offset);
  const offset = view.getBigInt64(column.offset + 8);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return { count: count > max ? Number.MAX_SAFE_INTEGER : Number(count), offset: offset > max ? Number.MAX_SAFE_INTEGER : Number(offset) };
}

/** The first value of a fixed-width numeric column in `row`, as a number (K as a bigint-safe number). */
export function readScalar(row: Uint8Array, column: TableColumn): number {
  const view = new DataView(row.buffer, row.byteOffset, row.length);
  const at = column.offset;
  switch (column.type) {
    case "B": return view.getUint8(at);
    case "I": return view.getInt16(at);
    case "J": return view.getInt32(at);
    case "K": return Number(view.getBigInt64(at));
    case "E": return view.getFloat32(at);
    case "D": return view.getFloat64(at);
    default: throw new FitsError("BAD_KEYWORD", `column ${column.name} has format ${column.type}, not a number`);
  }
}

/** Bytes per element of a column's element type. */
export function elementBytes(type: string): number {
  return ELEMENT_BYTES[type] ?? 1;
}

function integer(header: FitsHeader, keyword: string, file?: string): number {
  const value = header.get(keyword)?.value;
  if (value?.type !== "integer" || value.value < 0n || value.value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw bad(`${keyword} is missing or not a non-negative integer`, file);
  }
  return Number(value.value);
}

function bad(what: string, file?: string): FitsError {
  return new FitsError("BAD_KEYWORD", `malformed tile-compressed image table: ${what}`, file);
}

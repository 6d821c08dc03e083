/**
 * Attributes as the converter types them (src/schema/header-attributes.ts: string, bool, int,
 * float, strings), read back from a file, compared list against list, and shown in messages.
 * Pure: attribute lists in, one problem line per difference out.
 */
import type { AttributeInfo } from "../hdf5/reader.js";
import type { Attribute, AttributeValue } from "../schema/header-attributes.js";

/**
 * The value as the converter would have written it (fixed-length string, uint8 boolean, int64,
 * float64, 1-D array of fixed-length strings), or undefined when the stored type is none of them.
 */
export function attributeValueOf(a: AttributeInfo): AttributeValue | undefined {
  const t = a.type;
  const scalar = a.shape !== null && a.shape.length === 0;
  if (t.class === "string" && !t.vlen) {
    if (scalar && typeof a.value === "string") return { type: "string", value: a.value };
    if (a.shape?.length === 1 && Array.isArray(a.value)) return { type: "strings", value: (a.value as unknown[]).map(String) };
    return undefined;
  }
  if (!scalar) return undefined;
  if (t.class === "integer" && t.size === 1 && !t.signed) return { type: "bool", value: Number(a.value) !== 0 };
  if (t.class === "integer" && t.size === 8 && t.signed) {
    return typeof a.value === "bigint" ? { type: "int", value: a.value } : typeof a.value === "number" ? { type: "int", value: BigInt(a.value) } : undefined;
  }
  if (t.class === "float" && t.size === 8 && typeof a.value === "number") return { type: "float", value: a.value };
  return undefined;
}

/** The stored type in words, for an attribute whose type is not one the converter writes. */
export function storedTypeName(a: AttributeInfo): string {
  const t = a.type;
  const shape = a.shape === null ? "null " : a.shape.length === 0 ? "" : `[${a.shape.join(", ")}] `;
  if (t.class === "string") return `${shape}${t.vlen ? "variable-length" : "fixed-length"} string`;
  if (t.class === "integer") return `${shape}${t.size * 8}-bit ${t.signed ? "signed" : "unsigned"} integer`;
  if (t.class === "float") return `${shape}${t.size * 8}-bit float`;
  return `${shape}HDF5 type ${t.dtype}`;
}

/** `'RA---SIN'`, `83.63`, `5`, `T`, `2 lines`. */
export function showValue(v: AttributeValue): string {
  switch (v.type) {
    case "string":
      return `'${v.value}'`;
    case "bool":
      return v.value ? "T" : "F";
    case "int":
      return v.value.toString();
    case "float":
      return showFloat(v.value);
    case "strings":
      return `${v.value.length} line${v.value.length === 1 ? "" : "s"}`;
  }
}

function showFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

/** The same type and the same value (floats bit for bit in meaning: NaN equals NaN, -0 differs from 0). */
export function sameValue(a: AttributeValue, b: AttributeValue): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "float":
      return Object.is(a.value, b.value as number);
    case "strings": {
      const other = b.value as string[];
      return a.value.length === other.length && a.value.every((line, i) => line === other[i]);
    }
    default:
      return a.value === b.value;
  }
}

/**
 * Each expected attribute against the one found: missing, of another type, of another value,
 * one line each (`<label> CRVAL1 differs: expected 83.63, found 84`).
 */
export function compareValues(expected: readonly Attribute[], found: readonly AttributeInfo[], label: string): string[] {
  const lines: string[] = [];
  const foundByName = new Map(found.map((a) => [a.name, a]));
  for (const [name, want] of expected) {
    const a = foundByName.get(name);
    if (a === undefined) {
      lines.push(`${label} ${name} is missing: expected ${want.type} ${showValue(want)}`);
      continue;
    }
    const got = attributeValueOf(a);
    if (got === undefined) lines.push(`${label} ${name} is a ${storedTypeName(a)}: expected ${want.type} ${showValue(want)}`);
    else if (got.type !== want.type) lines.push(`${label} ${name} is a ${got.type} (${showValue(got)}): expected ${want.type} ${showValue(want)}`);
    else if (!sameValue(got, want)) lines.push(`${label} ${name} differs: ${describeDifference(want, got)}`);
  }
  return lines;
}

/** `expected 83.63, found 84`; for lines of text, the first line that differs. */
function describeDifference(want: AttributeValue, got: AttributeValue): string {
  if (want.type === "strings" && got.type === "strings") {
    const i = want.value.findIndex((line, k) => line !== got.value[k]);
    if (i >= 0 && i < got.value.length) return `line ${i + 1} of ${want.value.length} expected '${want.value[i]}', found '${got.value[i]}'`;
    return `expected ${showValue(want)}, found ${showValue(got)}`;
  }
  return `expected ${showValue(want)}, found ${showValue(got)}`;
}

/** The attributes found that are not among `known`, one line each, saying what `source` is. */
export function extraAttributes(known: ReadonlySet<string>, found: readonly AttributeInfo[], label: string, source: string): string[] {
  return found
    .filter((a) => !known.has(a.name))
    .map((a) => {
      const got = attributeValueOf(a);
      return `${label} ${a.name} is not one ${source} gives (found ${got === undefined ? `a ${storedTypeName(a)}` : `${got.type} ${showValue(got)}`})`;
    });
}

/**
 * The attributes found in both lists that stand out of the expected order, one line each: those
 * outside a longest common subsequence of the two orders (two swapped attributes: one line).
 */
export function orderProblems(expected: readonly string[], found: readonly string[], label: string): string[] {
  const foundSet = new Set(found);
  const expectedSet = new Set(expected);
  const want = expected.filter((n) => foundSet.has(n));
  const got = found.filter((n) => expectedSet.has(n));
  if (want.length === got.length && want.every((n, i) => n === got[i])) return [];
  const inOrder = longestCommonSubsequence(want, got);
  const wantPosition = new Map(expected.map((n, i) => [n, i]));
  const gotPosition = new Map(found.map((n, i) => [n, i]));
  return got
    .filter((n) => !inOrder.has(n))
    .map((n) => {
      const i = want.indexOf(n);
      const after = i > 0 ? `after ${want[i - 1]}` : "first";
      return `${label} ${n} is out of order: attribute ${gotPosition.get(n)! + 1}, expected ${wantPosition.get(n)! + 1} (${after}; CARTA reads the header in creation order)`;
    });
}

/**
 * The names in a longest common subsequence of two orderings of the same distinct names: a
 * longest increasing subsequence of the second list's positions in the first (patience
 * sorting, O(n log n), so that a header of thousands of cards costs nothing).
 */
function longestCommonSubsequence(a: readonly string[], b: readonly string[]): Set<string> {
  const position = new Map(a.map((name, i) => [name, i]));
  const seq = b.map((name) => position.get(name)!);
  /** tails[k]: index in seq of the smallest tail of an increasing run of length k + 1. */
  const tails: number[] = [];
  const previous = new Int32Array(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const kept = new Set<string>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) kept.add(b[i]!);
  return kept;
}

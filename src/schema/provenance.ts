/**
 * The provenance's attribute table: the root attributes (not group `0`, which CARTA turns into
 * the FITS header) that record which software with which settings made the file from which
 * input, when — their names, order and HDF5 types; how the facts of a conversion are written as
 * them, and how they are read back (for `verify`). Pure. The engine gathers the facts of a run
 * (src/engine/provenance.ts).
 *
 * Every value is ASCII (HDF5 fixed-length strings here are ASCII): the options' JSON escapes
 * other characters as \uXXXX, and a path that is not ASCII is recorded as a `file:` URL.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AttributeInfo } from "../hdf5/reader.js";
import type { AttrValue } from "../hdf5/writer.js";

/** The facts of one conversion that the provenance records. */
export interface ProvenanceFacts {
  readonly converter: { readonly name: string; readonly version: string };
  /** Versions of h5wasm and of the HDF5 library inside it. */
  readonly libraries: { readonly h5wasm: string; readonly hdf5: string };
  /** The effective options (src/engine/provenance.ts: conversionOptions): JSON-serializable values only. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly input: {
    /** Absolute path of the FITS file (without a `[..]` HDU suffix), or the stream's name: "(standard input)". */
    readonly path: string;
    /** Index of the HDU converted (0 = primary). */
    readonly hdu: number;
    /** Size of the file as stored, bytes (for a stream: all the bytes it delivered). */
    readonly size: number;
    /** The file's modification time; undefined for a stream (INPUT_MTIME is then empty). */
    readonly mtime: Date | undefined;
    /** SHA-256 of the file as stored, lower-case hex. */
    readonly sha256: string;
  };
  readonly start: Date;
  readonly end: Date;
  /** The source's storage: BITPIX, and BSCALE, BZERO, BLANK when its header has them. */
  readonly source: { readonly bitpix: number; readonly bscale?: number; readonly bzero?: number; readonly blank?: bigint };
  /**
   * When the schema's axes are not the FITS axes in order: for each axis of DATA (FITS order),
   * the FITS axis it is, e.g. "1 2 4 3" (0: a degenerate axis added). See src/schema/axes.ts.
   */
  readonly axisPermutation?: string;
}

/** The root attributes written, in this order (the SOURCE_B* ones only when present). */
export const PROVENANCE_ATTRIBUTES = [
  "FITS2IDIA_CONVERTER",
  "FITS2IDIA_VERSION",
  "H5WASM_VERSION",
  "HDF5_VERSION",
  "CONVERSION_OPTIONS",
  "INPUT_PATH",
  "INPUT_HDU",
  "INPUT_SIZE",
  "INPUT_MTIME",
  "INPUT_SHA256",
  "CONVERSION_START",
  "CONVERSION_END",
  "SOURCE_BITPIX",
  "SOURCE_BSCALE",
  "SOURCE_BZERO",
  "SOURCE_BLANK",
  "AXIS_PERMUTATION",
] as const;

export type ProvenanceAttribute = (typeof PROVENANCE_ATTRIBUTES)[number];

const OPTIONAL: ReadonlySet<ProvenanceAttribute> = new Set(["SOURCE_BSCALE", "SOURCE_BZERO", "SOURCE_BLANK", "AXIS_PERMUTATION"]);

type Kind = "string" | "int" | "float";
const KIND: Record<ProvenanceAttribute, Kind> = {
  FITS2IDIA_CONVERTER: "string",
  FITS2IDIA_VERSION: "string",
  H5WASM_VERSION: "string",
  HDF5_VERSION: "string",
  CONVERSION_OPTIONS: "string",
  INPUT_PATH: "string",
  INPUT_HDU: "int",
  INPUT_SIZE: "int",
  INPUT_MTIME: "string",
  INPUT_SHA256: "string",
  CONVERSION_START: "string",
  CONVERSION_END: "string",
  SOURCE_BITPIX: "int",
  SOURCE_BSCALE: "float",
  SOURCE_BZERO: "float",
  SOURCE_BLANK: "int",
  AXIS_PERMUTATION: "string",
};

/** The provenance as root attributes, typed for the writer, in {@link PROVENANCE_ATTRIBUTES} order. */
export function provenanceAttributes(facts: ProvenanceFacts): Array<[string, AttrValue]> {
  const str = (value: string): AttrValue => ({ type: "string", value });
  const int = (value: number | bigint): AttrValue => ({ type: "int", value: BigInt(value) });
  const { input, source } = facts;
  const attrs: Array<[string, AttrValue]> = [
    ["FITS2IDIA_CONVERTER", str(asciiText(facts.converter.name))],
    ["FITS2IDIA_VERSION", str(asciiText(facts.converter.version))],
    ["H5WASM_VERSION", str(asciiText(facts.libraries.h5wasm))],
    ["HDF5_VERSION", str(asciiText(facts.libraries.hdf5))],
    ["CONVERSION_OPTIONS", str(asciiJson(facts.options))],
    ["INPUT_PATH", str(encodePath(input.path))],
    ["INPUT_HDU", int(input.hdu)],
    ["INPUT_SIZE", int(input.size)],
    ["INPUT_MTIME", str(input.mtime?.toISOString() ?? "")],
    ["INPUT_SHA256", str(input.sha256)],
    ["CONVERSION_START", str(facts.start.toISOString())],
    ["CONVERSION_END", str(facts.end.toISOString())],
    ["SOURCE_BITPIX", int(source.bitpix)],
  ];
  if (source.bscale !== undefined) attrs.push(["SOURCE_BSCALE", { type: "float", value: source.bscale }]);
  if (source.bzero !== undefined) attrs.push(["SOURCE_BZERO", { type: "float", value: source.bzero }]);
  if (source.blank !== undefined) attrs.push(["SOURCE_BLANK", int(source.blank)]);
  if (facts.axisPermutation !== undefined) attrs.push(["AXIS_PERMUTATION", str(facts.axisPermutation)]);
  return attrs;
}

/** The provenance read back from a file's root attributes. */
export interface Provenance {
  readonly converter?: string;
  readonly version?: string;
  readonly h5wasmVersion?: string;
  readonly hdf5Version?: string;
  /** CONVERSION_OPTIONS parsed (undefined when absent or not JSON). */
  readonly options?: unknown;
  readonly inputPath?: string;
  readonly inputHdu?: number;
  readonly inputSize?: number;
  readonly inputMtime?: string;
  readonly inputSha256?: string;
  readonly conversionStart?: string;
  readonly conversionEnd?: string;
  readonly sourceBitpix?: number;
  readonly sourceBscale?: number;
  readonly sourceBzero?: number;
  readonly sourceBlank?: bigint;
  /** AXIS_PERMUTATION: each DATA axis's FITS axis, e.g. "1 2 4 3" (absent: the file's order). */
  readonly axisPermutation?: string;
  /** Every provenance attribute present, by name, as text (for printing). */
  readonly text: ReadonlyArray<readonly [name: ProvenanceAttribute, value: string]>;
}

/**
 * The provenance among a root group's attributes, and what is wrong with it: a missing or
 * wrongly typed attribute, a digest that is not 64 hex digits, a time that is not ISO 8601,
 * options that are not JSON, an end before the start. Undefined (and no problems) when the
 * file records none of it (e.g. it was written by another converter).
 */
export function readProvenance(attributes: readonly AttributeInfo[]): { provenance?: Provenance; problems: string[] } {
  const byName = new Map(attributes.map((a) => [a.name, a]));
  if (!PROVENANCE_ATTRIBUTES.some((name) => byName.has(name))) return { problems: [] };
  const problems: string[] = [];
  const values = new Map<ProvenanceAttribute, string | number | bigint>();
  const text: Array<readonly [ProvenanceAttribute, string]> = [];
  for (const name of PROVENANCE_ATTRIBUTES) {
    const a = byName.get(name);
    if (a === undefined) {
      if (!OPTIONAL.has(name)) problems.push(`provenance: root attribute ${name} is missing`);
      continue;
    }
    const value = typedValue(a, KIND[name]);
    if (value === undefined) {
      problems.push(`provenance: root attribute ${name} is not a scalar ${describeKind(KIND[name])} (found ${describeType(a)})`);
      continue;
    }
    values.set(name, value);
    text.push([name, String(value)]);
  }
  const s = (name: ProvenanceAttribute): string | undefined => values.get(name) as string | undefined;
  const n = (name: ProvenanceAttribute): number | undefined => {
    const v = values.get(name);
    return v === undefined ? undefined : Number(v);
  };
  const sha = s("INPUT_SHA256");
  if (sha !== undefined && !/^[0-9a-f]{64}$/.test(sha)) problems.push(`provenance: INPUT_SHA256 is not a SHA-256 in hex: "${sha}"`);
  for (const name of ["INPUT_MTIME", "CONVERSION_START", "CONVERSION_END"] as const) {
    const t = s(name);
    // An empty INPUT_MTIME: the input was a stream (standard input), which has none.
    if (name === "INPUT_MTIME" && t === "") continue;
    if (t !== undefined && !isIsoTime(t)) problems.push(`provenance: ${name} is not an ISO 8601 time: "${t}"`);
  }
  const start = s("CONVERSION_START");
  const end = s("CONVERSION_END");
  if (start !== undefined && end !== undefined && isIsoTime(start) && isIsoTime(end) && Date.parse(end) < Date.parse(start)) {
    problems.push(`provenance: CONVERSION_END ${end} is before CONVERSION_START ${start}`);
  }
  let options: unknown;
  const json = s("CONVERSION_OPTIONS");
  if (json !== undefined) {
    try {
      options = JSON.parse(json);
    } catch {
      problems.push("provenance: CONVERSION_OPTIONS is not JSON");
    }
  }
  const rawPath = s("INPUT_PATH");
  const blank = values.get("SOURCE_BLANK");
  const provenance: Provenance = {
    converter: s("FITS2IDIA_CONVERTER"),
    version: s("FITS2IDIA_VERSION"),
    h5wasmVersion: s("H5WASM_VERSION"),
    hdf5Version: s("HDF5_VERSION"),
    options,
    inputPath: rawPath === undefined ? undefined : decodePath(rawPath),
    inputHdu: n("INPUT_HDU"),
    inputSize: n("INPUT_SIZE"),
    inputMtime: s("INPUT_MTIME"),
    inputSha256: sha,
    conversionStart: start,
    conversionEnd: end,
    sourceBitpix: n("SOURCE_BITPIX"),
    sourceBscale: n("SOURCE_BSCALE"),
    sourceBzero: n("SOURCE_BZERO"),
    sourceBlank: typeof blank === "bigint" ? blank : undefined,
    axisPermutation: s("AXIS_PERMUTATION"),
    text,
  };
  return { provenance, problems };
}

/** One line per provenance attribute present, `NAME = value` (the path decoded). */
export function provenanceLines(provenance: Provenance): string[] {
  return provenance.text.map(([name, value]) => `${name} = ${name === "INPUT_PATH" ? decodePath(value) : value}`);
}

/** A path as ASCII: itself when it is ASCII, else its `file:` URL (an absolute path never starts with "file:"). */
export function encodePath(path: string): string {
  return isAscii(path) ? path : pathToFileURL(path).href;
}

/** The inverse of {@link encodePath}. */
export function decodePath(text: string): string {
  if (!text.startsWith("file:")) return text;
  try {
    return fileURLToPath(text);
  } catch {
    return text;
  }
}

// -------------------------------------------------------------------------------------------

function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(text);
}

/** Text as ASCII: other characters as \uXXXX (only names and versions, which are ASCII in practice). */
function asciiText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x01-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** JSON with every character outside ASCII escaped (still the same JSON value). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function isIsoTime(text: string): boolean {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text) && !Number.isNaN(Date.parse(text));
}

/** The attribute's value when it is a scalar of the expected kind (fixed-length string, int64, float64). */
function typedValue(a: AttributeInfo, kind: Kind): string | number | bigint | undefined {
  if (a.shape === null || a.shape.length !== 0) return undefined;
  const t = a.type;
  if (kind === "string") return t.class === "string" && !t.vlen && typeof a.value === "string" ? a.value : undefined;
  if (kind === "int") {
    if (t.class !== "integer" || t.size !== 8 || !t.signed) return undefined;
    return typeof a.value === "bigint" ? a.value : typeof a.value === "number" ? BigInt(a.value) : undefined;
  }
  return t.class === "float" && t.size === 8 && typeof a.value === "number" ? a.value : undefined;
}

function describeKind(kind: Kind): string {
  return kind === "string" ? "fixed-length string" : kind === "int" ? "64-bit integer" : "64-bit float";
}

function describeType(a: AttributeInfo): string {
  const shape = a.shape === null ? "null" : a.shape.length === 0 ? "scalar" : `shape [${a.shape.join(", ")}]`;
  const t = a.type;
  const what = t.class === "string" ? `${t.vlen ? "variable-length" : "fixed-length"} string` : `${t.size}-byte ${t.class}`;
  return `${shape} ${what}`;
}

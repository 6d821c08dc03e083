/**
 * The structure of an IDIA file against the schema (shared/idia-schema.md), without reading
 * any values: group `0` and its attributes as CARTA reads them, every dataset the image's
 * shape calls for with its exact shape, type and storage, the PermutedData hard link, no
 * object the schema does not have, and the provenance on the root group.
 */
import type { AttributeInfo, DatasetInfo, Hdf5Reader } from "../hdf5/reader.js";
import { readProvenance, type Provenance } from "../schema/provenance.js";
import { BEAM_PATHS } from "../schema/beams-layout.js";
import { absolutePath, DATA_PATH, IMAGE_GROUP, layoutOf, MIPMAP_PATH_PREFIX, PERMUTED_GROUP, SCHEMA_VERSION, SWIZZLED_GROUP, type DatasetLayout, type Layout, type Shape4 } from "../schema/layout.js";

export interface StructureResult {
  /** The layout the file should have, when its shape could be told (from NAXISn, else DATA). */
  readonly layout?: Layout;
  /** Datasets present with the right shape and type: those whose values can be compared. */
  readonly usable: ReadonlySet<string>;
  readonly provenance?: Provenance;
  readonly problems: string[];
}

const STORAGE_KEYWORDS = ["BSCALE", "BZERO", "BLANK"];

export function checkStructure(reader: Hdf5Reader): StructureResult {
  const problems: string[] = [];
  const usable = new Set<string>();
  const { provenance, problems: provenanceProblems } = readProvenance(reader.attributes("/"));

  if (reader.kind(IMAGE_GROUP) !== "group") {
    problems.push("group 0 is missing: this is not an IDIA file");
    problems.push(...provenanceProblems);
    return { usable, provenance, problems };
  }
  const attributes = reader.attributes(IMAGE_GROUP);
  problems.push(...checkGroup0Attributes(attributes));

  const shape = imageShape(reader, attributes, problems);
  if (shape === undefined) {
    problems.push(...provenanceProblems);
    return { usable, provenance, problems };
  }
  const layout = layoutOf(shape);

  const expected = [layout.data, ...(layout.swizzled ? [layout.swizzled] : []), ...layout.mipmaps, ...layout.statistics];
  for (const dataset of expected) {
    if (checkDataset(reader, dataset, problems)) usable.add(dataset.path);
  }
  checkLinkAndExtras(reader, layout, expected, problems);
  problems.push(...provenanceProblems);
  return { layout, usable, provenance, problems };
}

/** SCHEMA_VERSION and the converter first, types CARTA can read, and a header that describes DATA. */
function checkGroup0Attributes(attributes: readonly AttributeInfo[]): string[] {
  const problems: string[] = [];
  const byName = new Map(attributes.map((a) => [a.name, a]));
  const first = ["SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION"];
  first.forEach((name, i) => {
    const a = byName.get(name);
    if (a === undefined) problems.push(`group 0 attribute ${name} is missing`);
    else if (attributes[i]?.name !== name) problems.push(`group 0 attribute ${name} is not attribute ${i + 1} (CARTA reads them in creation order)`);
  });
  const schema = byName.get("SCHEMA_VERSION");
  if (schema !== undefined && schema.value !== SCHEMA_VERSION) problems.push(`group 0 SCHEMA_VERSION is ${JSON.stringify(schema.value)}, not "${SCHEMA_VERSION}"`);
  for (const a of attributes) {
    const why = cartaUnreadable(a);
    if (why !== undefined) problems.push(`group 0 attribute ${a.name}: ${why}`);
  }
  const bitpix = byName.get("BITPIX");
  if (bitpix !== undefined && bitpix.value !== -32n) problems.push(`group 0 BITPIX is ${String(bitpix.value)}, not -32 (DATA is float32)`);
  for (const name of STORAGE_KEYWORDS) {
    if (byName.has(name)) problems.push(`group 0 has ${name}: DATA holds physical values, so the header must not scale them again`);
  }
  return problems;
}

/** Why CARTA cannot turn this attribute into a header card, or undefined when it can. */
function cartaUnreadable(a: AttributeInfo): string | undefined {
  if (a.shape === null || a.shape.length !== 0) return "not a scalar (CARTA leaves an empty card)";
  const t = a.type;
  switch (t.class) {
    case "string":
      return t.vlen ? "a variable-length string (CARTA reads it as '')" : undefined;
    case "integer":
      if (t.size === 8 && t.signed) return undefined;
      if (t.size === 1 && !t.signed) return undefined; // a boolean
      return `a ${t.size}-byte ${t.signed ? "signed" : "unsigned"} integer (CARTA reads int64, and uint8 as a boolean)`;
    case "float":
      return undefined;
    default:
      return `of HDF5 type ${t.dtype}, which makes CARTA fail to open the file`;
  }
}

/** The image's shape from NAXIS/NAXISn (cross-checked with DATA), else from DATA alone. */
function imageShape(reader: Hdf5Reader, attributes: readonly AttributeInfo[], problems: string[]): Shape4 | undefined {
  const byName = new Map(attributes.map((a) => [a.name, a]));
  const intOf = (name: string): number | undefined => {
    const v = byName.get(name)?.value;
    return typeof v === "bigint" ? Number(v) : typeof v === "number" && Number.isInteger(v) ? v : undefined;
  };
  let fromHeader: number[] | undefined;
  const naxis = intOf("NAXIS");
  if (naxis === undefined) problems.push("group 0 attribute NAXIS is missing or not an integer");
  else if (naxis < 2 || naxis > 4) problems.push(`group 0 NAXIS is ${naxis}: the schema has 2 to 4 axes`);
  else {
    const axes: number[] = [];
    for (let i = 1; i <= naxis; i++) {
      const n = intOf(`NAXIS${i}`);
      if (n === undefined || n < 1) {
        problems.push(`group 0 attribute NAXIS${i} is missing or not a positive integer`);
        break;
      }
      axes.push(n);
    }
    if (axes.length === naxis) fromHeader = axes.reverse(); // HDF5 order
    for (const a of attributes) {
      const m = /^NAXIS(\d+)$/.exec(a.name);
      if (m !== null && Number(m[1]) > naxis) problems.push(`group 0 has ${a.name} but NAXIS is ${naxis}`);
    }
  }

  let fromData: number[] | undefined;
  const kind = reader.kind(DATA_PATH);
  if (kind === "dataset") {
    const info = reader.datasetInfo(DATA_PATH);
    if (info.shape.length >= 2 && info.shape.length <= 4 && info.shape.every((n) => n >= 1)) fromData = info.shape;
  }
  if (fromHeader !== undefined && fromData !== undefined && !sameList(fromHeader, fromData)) {
    problems.push(`${DATA_PATH} has shape [${fromData.join(", ")}] but the header (NAXISn) says [${fromHeader.join(", ")}]`);
  }
  const dims = fromHeader ?? fromData;
  if (dims === undefined) {
    if (kind !== "dataset") problems.push("dataset 0/DATA is missing");
    problems.push("the image's shape cannot be told (no valid NAXISn attributes or 0/DATA): nothing more is checked");
    return undefined;
  }
  const n = dims.length as 2 | 3 | 4;
  return {
    naxis: n,
    width: dims[n - 1]!,
    height: dims[n - 2]!,
    depth: n >= 3 ? dims[n - 3]! : 1,
    stokes: n === 4 ? dims[0]! : 1,
  };
}

/** One dataset against its layout; true when its values can be compared (right shape and type). */
function checkDataset(reader: Hdf5Reader, want: DatasetLayout, problems: string[]): boolean {
  const kind = reader.kind(want.path);
  if (kind === null) {
    problems.push(`dataset ${want.path} is missing${cartaUse(want.path)}`);
    return false;
  }
  if (kind !== "dataset") {
    problems.push(`${want.path} is a ${kind}, not a dataset`);
    return false;
  }
  const info = reader.datasetInfo(want.path);
  let ok = true;
  const type = describeType(info);
  const wantType = want.dtype === "float32" ? "float32 LE" : "int64 LE";
  if (type !== wantType) {
    problems.push(`dataset ${want.path} is ${type}, not ${wantType}`);
    ok = false;
  }
  if (!sameList(info.shape, want.shape)) {
    problems.push(`dataset ${want.path} has shape [${info.shape.join(", ")}], not [${want.shape.join(", ")}]`);
    ok = false;
  }
  const chunks = info.chunks ?? undefined;
  const wantChunks = want.chunks;
  if (wantChunks === undefined ? chunks !== undefined : chunks === undefined || !sameList(chunks, wantChunks)) {
    const describe = (c: readonly number[] | undefined): string => (c === undefined ? "contiguous" : `chunked [${c.join(", ")}]`);
    problems.push(`dataset ${want.path} is ${describe(chunks)}, not ${describe(wantChunks)}`);
  }
  if (info.filters.length > 0) problems.push(`dataset ${want.path} has filters (${info.filters.join(", ")}); the schema has none`);
  return ok;
}

/** What CARTA does without a dataset that it looks for at this path (carta-backend Hdf5Loader.cc). */
function cartaUse(path: string): string {
  if (path.startsWith(MIPMAP_PATH_PREFIX)) return " (CARTA reads downsampled tiles from there, else computes them from DATA: slowly)";
  if (path.startsWith(`${SWIZZLED_GROUP}/`)) return " (CARTA reads spectral profiles from there, else from DATA: slowly)";
  return "";
}

function describeType(info: DatasetInfo): string {
  const t = info.type;
  const order = t.littleEndian ? "LE" : "BE";
  if (t.class === "float") return `float${t.size * 8} ${order}`;
  if (t.class === "integer") return `${t.signed ? "int" : "uint"}${t.size * 8} ${order}`;
  if (t.class === "string") return "a string";
  return `of type ${t.dtype}`;
}

/**
 * PermutedData: present exactly for cubes, as a hard link to SwizzledData (HDF5 lists a
 * hard-linked group's members once, under one of its names; a copy lists them twice).
 * And no object under group 0 that the schema does not have.
 */
function checkLinkAndExtras(reader: Hdf5Reader, layout: Layout, expected: readonly DatasetLayout[], problems: string[]): void {
  const objects = reader.list();
  const paths = new Set(objects.map((o) => o.path));
  const permuted = reader.kind(PERMUTED_GROUP);
  if (layout.hasDepth) {
    if (permuted === null) problems.push(`${PERMUTED_GROUP} is missing (a hard link to ${SWIZZLED_GROUP})`);
    else if (permuted !== "group") problems.push(`${PERMUTED_GROUP} is a ${permuted}, not a hard link to the group ${SWIZZLED_GROUP}`);
    else {
      const name = layout.swizzled!.path.split("/").pop()!;
      const swizzledMembers = reader.kind(SWIZZLED_GROUP) === "group" ? reader.members(SWIZZLED_GROUP) : [];
      const permutedMembers = reader.members(PERMUTED_GROUP);
      if (!sameList(swizzledMembers, permutedMembers)) {
        problems.push(`${PERMUTED_GROUP} holds [${permutedMembers.join(", ")}], ${SWIZZLED_GROUP} [${swizzledMembers.join(", ")}]: not the same group`);
      } else if (paths.has(absolutePath(`${PERMUTED_GROUP}/${name}`)) && paths.has(absolutePath(`${SWIZZLED_GROUP}/${name}`))) {
        problems.push(`${PERMUTED_GROUP} is a copy of ${SWIZZLED_GROUP}, not a hard link to it`);
      }
    }
  } else if (permuted !== null) {
    problems.push(`${PERMUTED_GROUP} exists, but the image has one channel (no swizzled data)`);
  }

  const allowed = new Set<string>([absolutePath(IMAGE_GROUP)]);
  for (const g of layout.groups) allowed.add(absolutePath(g));
  for (const d of expected) allowed.add(absolutePath(d.path));
  for (const p of BEAM_PATHS) allowed.add(p); // the per-channel beams, a documented extension (src/verify/beams.ts checks them)
  if (layout.hasDepth) {
    allowed.add(absolutePath(PERMUTED_GROUP));
    const swizzled = absolutePath(`${SWIZZLED_GROUP}/`);
    for (const p of [...allowed]) if (p.startsWith(swizzled)) allowed.add(p.replace(swizzled, absolutePath(`${PERMUTED_GROUP}/`)));
  }
  for (const o of objects) {
    if (o.path.startsWith(absolutePath(`${IMAGE_GROUP}/`)) && !allowed.has(o.path)) problems.push(`${o.path.slice(1)} (a ${o.kind}) is not part of the schema for this image`);
  }
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Damaging converted files on purpose, for verify's tests: one value changed in place with
 * h5wasm directly, or the whole file rebuilt object by object with a dataset dropped, retyped
 * or reshaped, attributes edited, or the PermutedData link replaced.
 */
import { copyFileSync } from "node:fs";
import * as h5wasm from "h5wasm/node";
import { openReader, type AttributeInfo } from "../../src/hdf5/reader.js";
import { captured } from "../../src/hdf5/runtime.js";
import { openWriter, type AttrValue, type DatasetSpec } from "../../src/hdf5/writer.js";
import { card, valueCard } from "../helpers/fixtures.js";

/** Overwrite one value of a dataset in place (a float32 given as its bits when `bits` is true). */
export async function setValue(file: string, dataset: string, index: number[], value: number | bigint, bits = false): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "a");
  try {
    const d = f.get(dataset) as h5wasm.Dataset;
    let data: Float32Array | BigInt64Array;
    if (typeof value === "bigint") data = BigInt64Array.of(value);
    else if (bits) data = new Float32Array(Uint32Array.of(value).buffer);
    else data = Float32Array.of(value);
    if (index.length === 0) {
      // A scalar dataset: h5wasm first tries a hyperslab (HDF5 complains on stderr, silenced
      // here) and then writes the whole value.
      const c = captured(() => d.write_slice([], data));
      if (c.thrown !== undefined) throw c.thrown;
    } else {
      d.write_slice(index.map((i) => [i, i + 1] as [number, number]), data);
    }
  } finally {
    f.close();
  }
}

/** Read one value (a float32 as a number, an int64 as a bigint). */
export async function getValue(file: string, dataset: string, index: number[]): Promise<number | bigint> {
  const r = await openReader(file);
  try {
    const v = r.read(dataset, index.length === 0 ? undefined : index, index.map(() => 1)) as Float32Array | BigInt64Array;
    return v[0]!;
  } finally {
    r.close();
  }
}

/** A copy of `file` at `to`. */
export function copy(file: string, to: string): string {
  copyFileSync(file, to);
  return to;
}

export interface RebuildEdits {
  /** A dataset's new spec (values converted to its dtype, truncated or zero-padded), or null to drop it. */
  dataset?: (spec: DatasetSpec) => DatasetSpec | null;
  /** Attributes of an object ("/" or "/0"), edited. */
  attributes?: (object: string, attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>;
  /** false: no PermutedData at all; "copy": a group of its own with copies of the datasets. */
  permuted?: false | "copy";
}

/** Rebuild `from` as `to` with the project's writer, applying `edits`. */
export async function rebuild(from: string, to: string, edits: RebuildEdits = {}): Promise<void> {
  const r = await openReader(from);
  const w = await openWriter(to);
  try {
    const objects = r.list();
    const hadPermuted = objects.some((o) => o.path === "/0/PermutedData");
    // A hard-linked group is listed once: its members may appear under either name.
    const canonical = (p: string): string => p.replace(/^\/0\/PermutedData(?=\/|$)/, "/0/SwizzledData");
    const seen = new Set<string>();
    const groups: string[] = [];
    const datasets: string[] = [];
    for (const o of objects) {
      const p = canonical(o.path);
      if (seen.has(p)) continue;
      seen.add(p);
      if (o.kind === "group") groups.push(p);
      else if (o.kind === "dataset") datasets.push(p);
    }
    groups.sort((a, b) => a.split("/").length - b.split("/").length);
    for (const g of groups) w.createGroup(g, g === "/0");
    for (const object of ["/", "/0"]) {
      let attrs = r.attributes(object).map((a) => [a.name, toAttrValue(a)] as [string, AttrValue]);
      if (edits.attributes) attrs = edits.attributes(object, attrs);
      if (attrs.length > 0) w.setAttributes(object, attrs);
    }
    for (const p of datasets) {
      const info = r.datasetInfo(p);
      const dtype = info.type.class === "float" ? "float32" : "int64";
      const original: DatasetSpec = { path: p, shape: info.shape, dtype, ...(info.chunks ? { chunks: info.chunks } : {}) };
      const spec = edits.dataset ? edits.dataset(original) : original;
      if (spec === null) continue;
      w.createDataset(spec);
      const values = r.read(p) as Float32Array | BigInt64Array;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const out = spec.dtype === "float32" ? new Float32Array(n) : new BigInt64Array(n);
      for (let i = 0; i < Math.min(n, values.length); i++) {
        const v = values[i]!;
        if (out instanceof Float32Array) out[i] = Number(v);
        else out[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
      }
      w.writeAll(spec.path, out);
    }
    if (hadPermuted && edits.permuted === undefined) w.hardLink("/0/SwizzledData", "/0/PermutedData");
    if (hadPermuted && edits.permuted === "copy") {
      w.createGroup("/0/PermutedData");
      for (const p of datasets.filter((d) => d.startsWith("/0/SwizzledData/"))) {
        const info = r.datasetInfo(p);
        const q = p.replace("/0/SwizzledData/", "/0/PermutedData/");
        w.createDataset({ path: q, shape: info.shape, dtype: "float32" });
        w.writeAll(q, r.read(p) as Float32Array);
      }
    }
  } finally {
    w.close();
    r.close();
  }
}

function toAttrValue(a: AttributeInfo): AttrValue {
  const t = a.type;
  if (t.class === "string") {
    return Array.isArray(a.value) ? { type: "strings", value: a.value as string[] } : { type: "string", value: String(a.value) };
  }
  if (t.class === "integer") return t.size === 1 ? { type: "bool", value: Number(a.value) === 1 } : { type: "int", value: BigInt(a.value as bigint) };
  if (t.class === "float") return { type: "float", value: Number(a.value) };
  throw new Error(`attribute ${a.name}: unsupported type ${t.dtype}`);
}

/** Add a dataset with any h5wasm dtype (e.g. "<d" float64, "<i" int32). */
export async function addRawDataset(file: string, path: string, data: Float64Array | Float32Array | Int32Array, shape: number[], dtype: string): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "a");
  try {
    f.create_dataset({ name: path, data, shape, dtype });
  } finally {
    f.close();
  }
}

/** Add an attribute with h5wasm's own typing (a JS string becomes a variable-length string). */
export async function addRawAttribute(file: string, object: string, name: string, value: string): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, "a");
  try {
    (f.get(object) as h5wasm.Group).create_attribute(name, value);
  } finally {
    f.close();
  }
}

const str = (keyword: string, value: string): string => card(`${keyword.padEnd(8)}= '${value}'`);

/** A header as a radio cube has it: celestial axes, a spectral axis (and Stokes), a beam, commentary. */
export function wcsCards(naxis: 3 | 4, overrides: { bunit?: string; beam?: boolean } = {}): string[] {
  const cards = [
    str("CTYPE1", "RA---SIN"), valueCard("CRVAL1", "83.63"), valueCard("CDELT1", "-0.001"), valueCard("CRPIX1", "100"), str("CUNIT1", "deg"),
    str("CTYPE2", "DEC--SIN"), valueCard("CRVAL2", "22.01"), valueCard("CDELT2", "0.001"), valueCard("CRPIX2", "75"), str("CUNIT2", "deg"),
    str("CTYPE3", "FREQ"), valueCard("CRVAL3", "1.4E9"), valueCard("CDELT3", "1000000.0"), valueCard("CRPIX3", "1"),
  ];
  if (naxis === 4) cards.push(str("CTYPE4", "STOKES"), valueCard("CRVAL4", "1"), valueCard("CDELT4", "1"), valueCard("CRPIX4", "1"));
  cards.push(str("BUNIT", overrides.bunit ?? "Jy/beam"));
  if (overrides.beam !== false) cards.push(valueCard("BMAJ", "0.001"), valueCard("BMIN", "0.0008"), valueCard("BPA", "30.0"));
  cards.push(str("OBJECT", "CRAB"), card("COMMENT a test cube"), card("HISTORY first step"), card("HISTORY second step"));
  return cards;
}


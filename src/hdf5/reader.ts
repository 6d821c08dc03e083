/**
 * Read-back helpers over h5wasm, for tests and for a `verify` command: the objects of a file,
 * datasets' shapes, types, layouts and values (whole or sliced), and attributes with their exact
 * HDF5 types, in the order HDF5 iterates them (creation order where the object tracks it).
 */

import path from "node:path";
import { Hdf5Error, type Hdf5ErrorCode } from "./errors.js";
import { captured, h5, h5wasm, loadH5, summarizeErrorStack } from "./runtime.js";
import { absPath } from "./writer.js";

export type TypeClass = "integer" | "float" | "string" | "other";

/** An HDF5 datatype as stored in the file. */
export interface Hdf5Type {
  class: TypeClass;
  /** Size in bytes (for a variable-length string, the size of its in-memory handle). */
  size: number;
  /** Integers: whether signed. */
  signed: boolean;
  littleEndian: boolean;
  /** Strings: whether variable-length. */
  vlen: boolean;
  /** Strings: padding. */
  strpad?: "nullterm" | "nullpad" | "spacepad";
  /** Strings: character set. */
  cset?: "ascii" | "utf8";
  /** h5wasm's short name for the type, e.g. "<f", "<q", "<B", "A256", "S". */
  dtype: string;
}

export interface AttributeInfo {
  name: string;
  type: Hdf5Type;
  /** [] for a scalar, null for a null dataspace. */
  shape: number[] | null;
  /**
   * The value as h5wasm reads it: scalars as number / bigint / string, arrays as typed arrays
   * or string arrays.
   */
  value: unknown;
}

export interface DatasetInfo {
  path: string;
  type: Hdf5Type;
  /** Dimensions ([] for a scalar). */
  shape: number[];
  maxshape: number[];
  /** Chunk dimensions, or null when the dataset is not chunked (contiguous here). */
  chunks: number[] | null;
  /** Filters (compression...) applied to the chunks; empty for none. */
  filters: string[];
}

export type ObjectKind = "group" | "dataset" | "datatype" | "softlink" | "externallink";

export interface ObjectEntry {
  /** Absolute path, e.g. "/0/DATA". */
  path: string;
  kind: ObjectKind;
}

const STRPAD = ["nullterm", "nullpad", "spacepad"] as const;
const CSET = ["ascii", "utf8"] as const;

interface RawMetadata {
  type: number;
  size: number;
  signed: boolean;
  littleEndian: boolean;
  vlen: boolean;
  strpad?: number;
  cset?: number;
  shape: number[] | null;
  maxshape: number[] | null;
  chunks: number[] | null;
}

function toType(meta: RawMetadata, dtype: unknown): Hdf5Type {
  const cls: TypeClass = meta.type === 0 ? "integer" : meta.type === 1 ? "float" : meta.type === 3 ? "string" : "other";
  const t: Hdf5Type = {
    class: cls,
    size: meta.size,
    signed: meta.signed,
    littleEndian: meta.littleEndian,
    vlen: meta.vlen,
    dtype: typeof dtype === "string" ? dtype : JSON.stringify(dtype),
  };
  if (cls === "string") {
    if (meta.strpad !== undefined) t.strpad = STRPAD[meta.strpad] ?? undefined;
    if (meta.cset !== undefined) t.cset = CSET[meta.cset] ?? undefined;
  }
  return t;
}

/** A one-element typed array of the dataset's own type holding a scalar value. */
function scalarArray(meta: RawMetadata, v: number | bigint): ArrayBufferView {
  if (meta.type === 1) return meta.size === 4 ? Float32Array.of(Number(v)) : Float64Array.of(Number(v));
  if (meta.size === 8) return meta.signed ? BigInt64Array.of(BigInt(v)) : BigUint64Array.of(BigInt(v));
  const n = Number(v);
  if (meta.size === 4) return meta.signed ? Int32Array.of(n) : Uint32Array.of(n);
  if (meta.size === 2) return meta.signed ? Int16Array.of(n) : Uint16Array.of(n);
  return meta.signed ? Int8Array.of(n) : Uint8Array.of(n);
}

/** Opens an HDF5 file read-only. */
export async function openReader(filePath: string): Promise<Hdf5Reader> {
  await loadH5();
  return Hdf5Reader.open(filePath);
}

export class Hdf5Reader {
  readonly file: string;
  private readonly f: h5wasm.File;
  private closed = false;
  /** readInto's buffer in the WebAssembly heap. */
  private heapBuffer: { ptr: number; size: number } | undefined;

  private constructor(file: string, f: h5wasm.File) {
    this.file = file;
    this.f = f;
  }

  /** @internal Use `openReader`. */
  static open(filePath: string): Hdf5Reader {
    const file = path.resolve(filePath);
    const c = captured(() => new h5wasm.File(file, "r"));
    if (c.thrown !== undefined || c.stderr !== "" || c.result === undefined || c.result.file_id < 0n) {
      const cause = c.stderr !== "" ? summarizeErrorStack(c.stderr) : String(c.thrown ?? "unknown error");
      throw new Hdf5Error("OPEN", `cannot open the HDF5 file: ${cause}`, {
        file,
        hdf5Stack: c.stderr || undefined,
        cause: c.thrown,
      });
    }
    return new Hdf5Reader(file, c.result);
  }

  /** Every object below the root (recursive; a hard-linked group is listed once), by name. */
  list(): ObjectEntry[] {
    const names = this.call("READ", "/", "list objects", () => h5().get_names(this.f.file_id, "/", true));
    return names.map((n) => {
      const p = absPath(n);
      return { path: p, kind: this.kind(p) ?? "softlink" };
    });
  }

  /** The kind of the object at `objectPath`, or null when there is none. */
  kind(objectPath: string): ObjectKind | null {
    const p = absPath(objectPath);
    const M = h5();
    const t = this.call("READ", p, `look up ${p}`, () => M.get_type(this.f.file_id, p));
    if (t === M.H5G_GROUP) return "group";
    if (t === M.H5G_DATASET) return "dataset";
    if (t === M.H5G_TYPE) return "datatype";
    if (t === M.H5G_LINK) return "softlink";
    if (t === M.H5G_UDLINK) return "externallink";
    return null;
  }

  /** The names of a group's members (creation order where tracked, else name order). */
  members(groupPath: string): string[] {
    const p = absPath(groupPath);
    return this.call("READ", p, `list ${p}`, () => h5().get_names(this.f.file_id, p, false));
  }

  /** Shape, type and layout of a dataset. */
  datasetInfo(datasetPath: string): DatasetInfo {
    const p = absPath(datasetPath);
    const d = this.dataset(p);
    return this.call("READ", p, `read the metadata of ${p}`, () => {
      const meta = d.metadata as unknown as RawMetadata;
      return {
        path: p,
        type: toType(meta, d.dtype),
        shape: meta.shape ?? [],
        maxshape: meta.maxshape ?? [],
        chunks: meta.chunks,
        filters: d.filters.map((f) => f.name),
      };
    });
  }

  /**
   * Reads a dataset, whole or the hyperslab [start, start + count). Returns the typed array
   * h5wasm produces (Float32Array for float32, BigInt64Array for int64...).
   */
  read(datasetPath: string, start?: readonly number[], count?: readonly number[]): unknown {
    const p = absPath(datasetPath);
    const d = this.dataset(p);
    return this.call("READ", p, `read ${p}`, () => {
      if (start === undefined) {
        const v = d.value;
        // A scalar comes back as a bare number / bigint: wrap it so callers always get an array.
        if (typeof v === "number" || typeof v === "bigint") return scalarArray(d.metadata as unknown as RawMetadata, v);
        return v;
      }
      const c = count ?? start.map(() => 1);
      return d.slice(start.map((s, i) => [s, s + c[i]!] as [number, number]));
    });
  }

  /**
   * Reads the hyperslab [start, start + count) (all of a scalar: [] and []) of a float32 or
   * int64 dataset into `out`, whose length must be the product of count. Through a buffer in
   * the WebAssembly heap kept from call to call, so a large slab is copied once and nothing is
   * allocated: several times faster than read() for slabs of megabytes (read() allocates the
   * heap buffer and a new array each time). For streaming checks (fits2idia-ts verify).
   */
  readInto<T extends Float32Array | BigInt64Array>(datasetPath: string, start: readonly number[], count: readonly number[], out: T): T {
    const p = absPath(datasetPath);
    const d = this.dataset(p);
    return this.call("READ", p, `read ${p}`, () => {
      const meta = d.metadata as unknown as RawMetadata;
      const float32 = meta.type === 1 && meta.size === 4;
      const int64 = meta.type === 0 && meta.size === 8 && meta.signed;
      if (!(out instanceof Float32Array ? float32 : int64)) {
        throw new Hdf5Error("READ", `${p} is not ${out instanceof Float32Array ? "float32" : "int64"}`, { file: this.file, object: p });
      }
      const rank = (meta.shape ?? []).length;
      const n = count.reduce((a, b) => a * b, 1);
      if (start.length !== rank || count.length !== rank || out.length !== n) {
        throw new Hdf5Error("READ", `slab start [${start.join(", ")}], count [${count.join(", ")}] and ${out.length} values do not fit ${p}`, { file: this.file, object: p });
      }
      if (n === 0) return out;
      const M = h5();
      const ptr = this.heap(out.byteLength);
      const status =
        rank === 0
          ? M.get_dataset_data(this.f.file_id, p, null, null, null, BigInt(ptr))
          : M.get_dataset_data(this.f.file_id, p, count.map(BigInt), start.map(BigInt), count.map(() => 1n), BigInt(ptr));
      if (status < 0) throw new Hdf5Error("READ", `cannot read ${p}`, { file: this.file, object: p });
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(M.HEAPU8.subarray(ptr, ptr + out.byteLength));
      return out;
    });
  }

  /** The attributes of an object, in HDF5's iteration order, with their types and values. */
  attributes(objectPath: string): AttributeInfo[] {
    const p = absPath(objectPath);
    const obj = this.object(p);
    return this.call("READ", p, `read the attributes of ${p}`, () => {
      const attrs = obj.attrs;
      return Object.keys(attrs).map((name) => {
        const a = attrs[name]!;
        return {
          name,
          type: toType(a.metadata as unknown as RawMetadata, a.dtype),
          shape: a.shape,
          value: a.value,
        };
      });
    });
  }

  /** Attribute names in HDF5's iteration order (creation order when tracked). */
  attributeNames(objectPath: string): string[] {
    const p = absPath(objectPath);
    return this.call("READ", p, `list the attributes of ${p}`, () => h5().get_attribute_names(this.f.file_id, p));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heapBuffer !== undefined) h5()._free(this.heapBuffer.ptr);
    this.heapBuffer = undefined;
    this.call("CLOSE", undefined, "close the file", () => this.f.close(), true);
  }

  // ---------------------------------------------------------------------------------------------

  /** A heap buffer of at least `bytes` bytes, kept for the next call. */
  private heap(bytes: number): number {
    if (this.heapBuffer !== undefined && this.heapBuffer.size >= bytes) return this.heapBuffer.ptr;
    const M = h5();
    if (this.heapBuffer !== undefined) M._free(this.heapBuffer.ptr);
    this.heapBuffer = undefined;
    const ptr = M._malloc(bytes);
    if (!ptr) {
      throw new Hdf5Error("MEMORY", `cannot allocate ${bytes} bytes in the WebAssembly heap (shared with HDF5): read smaller slabs`, { file: this.file });
    }
    this.heapBuffer = { ptr, size: bytes };
    return ptr;
  }

  private object(p: string): h5wasm.Group | h5wasm.Dataset {
    const o = this.call("READ", p, `open ${p}`, () => this.f.get(p));
    if (o instanceof h5wasm.Group || o instanceof h5wasm.Dataset) return o;
    throw new Hdf5Error("READ", `no group or dataset ${p}`, { file: this.file, object: p });
  }

  private dataset(p: string): h5wasm.Dataset {
    const o = this.object(p);
    if (o instanceof h5wasm.Dataset) return o;
    throw new Hdf5Error("READ", `${p} is not a dataset`, { file: this.file, object: p });
  }

  private call<T>(code: Hdf5ErrorCode, object: string | undefined, what: string, fn: () => T, closing = false): T {
    if (this.closed && !closing) {
      throw new Hdf5Error("STATE", "the HDF5 reader is closed", { file: this.file, object });
    }
    const c = captured(fn);
    if (c.thrown !== undefined || c.stderr !== "" || (typeof c.result === "number" && c.result < 0 && closing)) {
      if (c.thrown instanceof Hdf5Error) throw c.thrown;
      const cause =
        c.stderr !== "" ? summarizeErrorStack(c.stderr) : c.thrown instanceof Error ? c.thrown.message : String(c.thrown);
      throw new Hdf5Error(code, `cannot ${what}: ${cause}`, {
        file: this.file,
        object,
        hdf5Stack: c.stderr || undefined,
        cause: c.thrown,
      });
    }
    return c.result as T;
  }
}

/**
 * A small HDF5 writer over h5wasm: the only code of the project (with reader.ts) that touches
 * h5wasm. It writes exactly the HDF5 types the IDIA schema and CARTA need:
 *
 * - attributes: fixed-length NULLTERM ASCII strings (256 bytes, longer when needed), uint8
 *   booleans, int64 and float64 scalars, and 1-D fixed-length string arrays;
 * - datasets: float32 LE or int64 LE, contiguous or chunked, scalar or N-D, created WITHOUT data
 *   (their storage is allocated by HDF5 when first written, so they can be far larger than the
 *   2 GiB WebAssembly heap) and filled by hyperslab writes;
 * - groups (optionally tracking attribute creation order) and hard links.
 *
 * Every failure throws an `Hdf5Error` naming the file, the object and the cause; HDF5's error
 * stacks are captured, never printed.
 */

import path from "node:path";
import { Hdf5Error, type Hdf5ErrorCode } from "./errors.js";
import { captured, h5, loadH5, summarizeErrorStack } from "./runtime.js";
import { hdf5Versions, type Hdf5Versions } from "./versions.js";

/** An attribute value with its HDF5 type. */

/** Reads and writes of at least this many bytes go through the writer's kept slab buffer. */
const SLAB_MIN_BYTES = 2 ** 20;
export type AttrValue =
  /** Fixed-length NULLTERM ASCII string: 256 bytes, or byte length + 1 when longer than 255. */
  | { type: "string"; value: string }
  /** H5T_STD_U8LE 0/1 (CARTA reads a 1-byte unsigned integer as a boolean). */
  | { type: "bool"; value: boolean }
  /** H5T_STD_I64LE. */
  | { type: "int"; value: bigint }
  /** H5T_IEEE_F64LE. */
  | { type: "float"; value: number }
  /** 1-D array of fixed-length NULLTERM ASCII strings, sized to the longest + 1 byte. */
  | { type: "strings"; value: string[] };

export type DatasetDtype = "float32" | "float64" | "int64";

export interface DatasetSpec {
  /** Path of the dataset, e.g. "0/DATA" (relative to the root; a leading "/" is allowed). */
  path: string;
  /** Dimensions in HDF5 (C) order; [] makes a scalar dataset. */
  shape: number[];
  dtype: DatasetDtype;
  /** Chunk dimensions (same rank as shape, each 1..shape[i]); undefined = contiguous. */
  chunks?: number[];
}

export type DatasetData = Float32Array | Float64Array | BigInt64Array;

/** The fixed string size of the reference converter. */
export const STRING_ATTR_SIZE = 256;

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_CSET_ASCII = 0;

interface TypeMeta {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  littleEndian: boolean;
  cset?: number;
}

interface DatasetRecord {
  shape: number[];
  dtype: DatasetDtype;
  chunks: number[] | undefined;
}

const DTYPE_META: Record<DatasetDtype, TypeMeta> = {
  float32: { type: H5T_FLOAT, size: 4, signed: false, vlen: false, littleEndian: true },
  float64: { type: H5T_FLOAT, size: 8, signed: false, vlen: false, littleEndian: true },
  int64: { type: H5T_INTEGER, size: 8, signed: true, vlen: false, littleEndian: true },
};

/** Normalizes "0/DATA", "/0/DATA", "0//DATA/" to "/0/DATA". */
export function absPath(p: string): string {
  const parts = p.split("/").filter((s) => s !== "");
  return "/" + parts.join("/");
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function isDimList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);
}

/** Whether every character is 7-bit ASCII and not NUL (HDF5 NULLTERM would cut at a NUL). */
function isStorableAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(s);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Creates (or truncates) an HDF5 file for writing. */
export async function openWriter(filePath: string): Promise<Hdf5Writer> {
  await loadH5();
  return Hdf5Writer.create(filePath);
}

export class Hdf5Writer {
  /** The file's absolute path. */
  readonly file: string;
  private fileId: bigint;
  private closed = false;
  /**
   * The slab buffer in the wasm heap, kept from one large read or write to the next: freed and
   * malloc'ed again per call, HDF5's own small allocations took the start of the freed block,
   * the next slab no longer fitted there and the heap (which never shrinks) grew by a second
   * slab (measured: 139 MB instead of 87 MB for 1024x1024x96 in slow mode).
   */
  private slab: { ptr: number; bytes: number } | undefined;
  private readonly datasets = new Map<string, DatasetRecord>();

  private constructor(file: string, fileId: bigint) {
    this.file = file;
    this.fileId = fileId;
  }

  /** @internal Use `openWriter`, which loads h5wasm first. */
  static create(filePath: string): Hdf5Writer {
    const file = path.resolve(filePath);
    const M = h5();
    const c = captured(() => M.open(file, M.H5F_ACC_TRUNC, false, -1, -1));
    const id = c.result;
    if (c.thrown !== undefined || c.stderr !== "" || typeof id !== "bigint" || id < 0n) {
      // A failed H5Fcreate has opened nothing: no identifier to release.
      const cause = c.stderr !== "" ? summarizeErrorStack(c.stderr) : describeThrown(c.thrown);
      throw new Hdf5Error("OPEN", `cannot create the HDF5 file: ${cause}`, {
        file,
        hdf5Stack: c.stderr || undefined,
        cause: c.thrown,
      });
    }
    return new Hdf5Writer(file, id);
  }

  /** The versions of h5wasm and of the HDF5 library inside it, for provenance attributes. */
  static versions(): Hdf5Versions {
    return hdf5Versions();
  }

  /**
   * Creates a group. `trackOrder` tracks (and indexes) the creation order of its attributes and
   * links: group "0" needs it, as CARTA reads its attributes in creation order.
   * Intermediate groups must exist already.
   */
  createGroup(groupPath: string, trackOrder = false): void {
    const p = absPath(groupPath);
    this.call("CREATE", p, `create group ${p}`, (M) => M.create_group(this.fileId, p, trackOrder));
  }

  /**
   * Creates attributes on a group (or dataset), in the order given, each exactly once: an
   * attribute that already exists, or a name given twice, is an error.
   */
  setAttributes(objectPath: string, attrs: ReadonlyArray<readonly [name: string, value: AttrValue]>): void {
    const p = absPath(objectPath);
    this.ensureOpen(p);
    const seen = new Set<string>();
    // Validate everything first, so that a bad value writes nothing of the batch.
    const prepared = attrs.map(([name, value]) => {
      if (typeof name !== "string" || name === "" || name === "." || name.includes("\0")) {
        throw this.argError(p, `invalid attribute name ${JSON.stringify(name)}`);
      }
      if (seen.has(name)) throw this.argError(p, `attribute ${name} given twice`);
      seen.add(name);
      return { name, ...this.encodeAttr(p, name, value) };
    });
    for (const a of prepared) {
      this.call("CREATE", p, `create attribute ${a.name} on ${p}`, (M) =>
        this.withHeap(p, a.bytes, (ptr) =>
          M.create_attribute(this.fileId, p, a.name, BigInt(ptr), {
            ...a.meta,
            shape: a.shape.map(BigInt),
            maxshape: a.shape.map(BigInt),
            total_size: product(a.shape),
          }),
        ),
      );
    }
  }

  /**
   * Creates a dataset without writing data: HDF5 allocates contiguous storage at the first write
   * (late allocation, unwritten parts are not filled) and chunks as they are written.
   */
  createDataset(spec: DatasetSpec): void {
    const p = absPath(spec.path);
    this.ensureOpen(p);
    if (this.datasets.has(p)) throw this.argError(p, "dataset created twice");
    if (!(spec.dtype in DTYPE_META)) throw this.argError(p, `unsupported dtype ${String(spec.dtype)}`);
    if (!isDimList(spec.shape)) throw this.argError(p, `invalid shape ${JSON.stringify(spec.shape)}`);
    const shape = [...spec.shape];
    const meta = DTYPE_META[spec.dtype];
    const M = h5();
    if (spec.chunks !== undefined) {
      const chunks = [...spec.chunks];
      if (
        !isDimList(chunks) ||
        chunks.length !== shape.length ||
        shape.length === 0 ||
        chunks.some((c, i) => c < 1 || c > shape[i]!)
      ) {
        throw this.argError(p, `invalid chunks ${JSON.stringify(spec.chunks)} for shape ${JSON.stringify(shape)}`);
      }
      // Create with a zero-length first axis (nothing to write, so a null buffer is fine and
      // HDF5 reports no error), maximum shape = the final shape, then extend to it.
      const initial = [0, ...shape.slice(1)];
      this.call("CREATE", p, `create dataset ${p}`, () =>
        M.create_dataset(this.fileId, p, 0n, {
          ...meta,
          shape: initial.map(BigInt),
          maxshape: shape.map(BigInt),
          chunks: chunks.map(BigInt),
          compression: 0,
          compression_opts: [],
          track_order: false,
          total_size: 0,
        } as Parameters<typeof M.create_dataset>[3]),
      );
      this.call("CREATE", p, `extend dataset ${p} to its shape`, () =>
        M.resize_dataset(this.fileId, p, shape.map(BigInt)),
      );
      this.datasets.set(p, { shape, dtype: spec.dtype, chunks });
      return;
    }
    // Contiguous (or scalar): h5wasm's create_dataset always writes the whole dataset from the
    // given buffer. With a null buffer H5Dcreate succeeds and only the H5Dwrite that follows
    // fails ("no input buffer"), leaving the dataset created with its storage unallocated. That
    // one expected error is recognized and ignored; anything else is an error.
    const c = captured(() =>
      M.create_dataset(this.fileId, p, 0n, {
        ...meta,
        shape: shape.map(BigInt),
        maxshape: shape.map(BigInt),
        chunks: null,
        compression: 0,
        compression_opts: [],
        track_order: false,
        total_size: product(shape),
      } as Parameters<typeof M.create_dataset>[3]),
    );
    const expectedOnly = c.thrown === undefined && (isOnlyNullBufferWrite(c.stderr) || (c.stderr === "" && product(shape) === 0));
    if (!expectedOnly) {
      throw this.fail("CREATE", p, `create dataset ${p}`, c.stderr, c.thrown);
    }
    // Make sure the dataset is really there with the shape asked for.
    const check = captured(() => M.get_dataset_metadata(this.fileId, p));
    const got = check.result?.shape;
    if (check.thrown !== undefined || check.stderr !== "" || !Array.isArray(got) || got.join() !== shape.join()) {
      throw this.fail("CREATE", p, `create dataset ${p}`, check.stderr || c.stderr, check.thrown);
    }
    this.datasets.set(p, { shape, dtype: spec.dtype, chunks: undefined });
  }

  /**
   * Writes `data` (C order, length = product of count) into the hyperslab [start, start + count)
   * of a dataset created by this writer. Each call copies `data` into the WebAssembly heap (at
   * most 2 GiB, shared with HDF5): write large datasets in slabs of tens of MB. For chunked
   * datasets, slabs made of whole chunks (e.g. whole rows of 512×512 chunks) avoid HDF5 reading
   * back and rewriting partly written chunks.
   */
  writeSlab(datasetPath: string, start: readonly number[], count: readonly number[], data: DatasetData): void {
    const p = absPath(datasetPath);
    const rec = this.record(p);
    const rank = rec.shape.length;
    if (!isDimList(start) || !isDimList(count) || start.length !== rank || count.length !== rank) {
      throw this.argError(p, `start ${JSON.stringify(start)} and count ${JSON.stringify(count)} must both have rank ${rank}`);
    }
    for (let i = 0; i < rank; i++) {
      if (start[i]! + count[i]! > rec.shape[i]!) {
        throw this.argError(
          p,
          `slab [${slabText(start, count)}] is outside the dataset's shape [${rec.shape.join(", ")}]`,
        );
      }
    }
    this.checkData(p, rec, data, product(count));
    if (rank === 0) {
      this.writeAll(p, data);
      return;
    }
    if (product(count) === 0) return;
    const M = h5();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.call("WRITE", p, `write slab [${slabText(start, count)}] of ${p}`, () =>
      this.withHeap(p, bytes, (ptr) =>
        M.set_dataset_data(
          this.fileId,
          p,
          count.map(BigInt),
          start.map(BigInt),
          count.map(() => 1n),
          BigInt(ptr),
        ),
      ),
    );
  }

  /**
   * Reads back the hyperslab [start, start + count) of a float32 dataset written by this writer
   * (slow mode re-reads DATA tile column by tile column). Into `out` when given (its length must
   * be the product of count), else into a new array. Parts never written read as 0.
   */
  readSlab(datasetPath: string, start: readonly number[], count: readonly number[], out?: Float32Array): Float32Array {
    const p = absPath(datasetPath);
    const rec = this.record(p);
    if (rec.dtype !== "float32") throw this.argError(p, `readSlab reads float32 datasets; ${p} is ${rec.dtype}`);
    const rank = rec.shape.length;
    if (!isDimList(start) || !isDimList(count) || start.length !== rank || count.length !== rank) {
      throw this.argError(p, `start ${JSON.stringify(start)} and count ${JSON.stringify(count)} must both have rank ${rank}`);
    }
    for (let i = 0; i < rank; i++) {
      if (start[i]! + count[i]! > rec.shape[i]!) {
        throw this.argError(p, `slab [${slabText(start, count)}] is outside the dataset's shape [${rec.shape.join(", ")}]`);
      }
    }
    const n = product(count);
    const result = out ?? new Float32Array(n);
    if (result.length !== n) throw this.argError(p, `output has ${result.length} elements, the selection ${n}`);
    if (n === 0) return result;
    const M = h5();
    const bytes = n * 4;
    this.call("READ", p, `read slab [${slabText(start, count)}] of ${p}`, () => {
      const ptr = this.heapBuffer(bytes);
      if (!ptr) {
        throw new Hdf5Error(
          "MEMORY",
          `cannot allocate ${bytes} bytes in the WebAssembly heap (limit ${M.MAXIMUM_MEMORY} bytes, shared with HDF5): read smaller slabs`,
          { file: this.file, object: p },
        );
      }
      try {
        const status =
          rank === 0
            ? M.get_dataset_data(this.fileId, p, null, null, null, BigInt(ptr))
            : M.get_dataset_data(this.fileId, p, count.map(BigInt), start.map(BigInt), count.map(() => 1n), BigInt(ptr));
        if (status >= 0) {
          new Uint8Array(result.buffer, result.byteOffset, bytes).set(M.HEAPU8.subarray(ptr, ptr + bytes));
        }
        return status;
      } finally {
        this.releaseHeapBuffer(ptr);
      }
    });
    return result;
  }

  /** Writes a whole dataset (small ones: statistics, scalars). */
  writeAll(datasetPath: string, data: DatasetData): void {
    const p = absPath(datasetPath);
    const rec = this.record(p);
    const n = product(rec.shape);
    this.checkData(p, rec, data, n);
    if (n === 0) return;
    const M = h5();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.call("WRITE", p, `write ${p}`, () =>
      this.withHeap(p, bytes, (ptr) => M.set_dataset_data(this.fileId, p, null, null, null, BigInt(ptr))),
    );
  }

  /** Creates a hard link `linkPath` to the existing object `target` (e.g. a group). */
  hardLink(target: string, linkPath: string): void {
    const t = absPath(target);
    const l = absPath(linkPath);
    this.call("CREATE", l, `create hard link ${l} -> ${t}`, (M) => M.create_hard_link(this.fileId, t, l));
  }

  /** Flushes HDF5's buffers to the file. */
  flush(): void {
    this.call("WRITE", undefined, "flush the file", (M) => M.flush(this.fileId));
  }

  /**
   * Closes the file. The file is released even when this throws (for example when the final
   * flush fails on a full disk); a second call does nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const M = h5();
    if (this.slab !== undefined) M._free(this.slab.ptr);
    this.slab = undefined;
    const c = captured(() => M.close_file(this.fileId));
    if (c.thrown !== undefined || c.stderr !== "" || (typeof c.result === "number" && c.result < 0)) {
      throw this.fail("CLOSE", undefined, "close the file", c.stderr, c.thrown);
    }
  }

  /** Whether close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  // ---------------------------------------------------------------------------------------------

  private ensureOpen(object: string | undefined): void {
    if (this.closed) {
      throw new Hdf5Error("STATE", `the HDF5 writer is closed${object ? ` (${object})` : ""}`, {
        file: this.file,
        object,
      });
    }
  }

  private record(p: string): DatasetRecord {
    this.ensureOpen(p);
    const rec = this.datasets.get(p);
    if (rec === undefined) throw this.argError(p, `no dataset ${p} was created by this writer`);
    return rec;
  }

  private checkData(p: string, rec: DatasetRecord, data: DatasetData, n: number): void {
    const needs = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array }[rec.dtype];
    if (!(data instanceof needs)) {
      const got = (data as object | null)?.constructor?.name ?? typeof data;
      throw this.argError(p, `${rec.dtype} dataset needs ${needs.name} data, got ${got}`);
    }
    if (data.length !== n) throw this.argError(p, `data has ${data.length} elements, the selection ${n}`);
  }

  private argError(object: string | undefined, message: string): Hdf5Error {
    return new Hdf5Error("ARGUMENT", message, { file: this.file, object });
  }

  private fail(code: Hdf5ErrorCode, object: string | undefined, what: string, stderr: string, thrown: unknown): Hdf5Error {
    if (thrown instanceof Hdf5Error) return thrown;
    const cause = stderr !== "" ? summarizeErrorStack(stderr) : describeThrown(thrown);
    return new Hdf5Error(code, `cannot ${what}: ${cause}`, {
      file: this.file,
      object,
      hdf5Stack: stderr || undefined,
      cause: thrown,
    });
  }

  /** Runs one h5wasm call; any HDF5 error output, exception or negative status is an error. */
  private call<T>(code: Hdf5ErrorCode, object: string | undefined, what: string, fn: (M: ReturnType<typeof h5>) => T): T {
    this.ensureOpen(object);
    const M = h5();
    const c = captured(() => fn(M));
    if (c.thrown !== undefined || c.stderr !== "" || (typeof c.result === "number" && c.result < 0)) {
      throw this.fail(code, object, what, c.stderr, c.thrown);
    }
    return c.result as T;
  }

  /**
   * A heap buffer of at least `bytes`: small ones are malloc'ed, large ones (SLAB_MIN_BYTES and
   * more) are the kept slab buffer, enlarged when needed. 0 when the heap is full.
   */
  private heapBuffer(bytes: number): number {
    const M = h5();
    if (bytes < SLAB_MIN_BYTES) return M._malloc(bytes);
    if (this.slab !== undefined && this.slab.bytes >= bytes) return this.slab.ptr;
    if (this.slab !== undefined) M._free(this.slab.ptr);
    this.slab = undefined;
    const ptr = M._malloc(bytes);
    if (ptr) this.slab = { ptr, bytes };
    return ptr;
  }

  /** Gives back a buffer of heapBuffer (the slab buffer stays, for the next large call). */
  private releaseHeapBuffer(ptr: number): void {
    if (ptr !== this.slab?.ptr) h5()._free(ptr);
  }

  /** Copies `bytes` into a heap buffer, runs `fn` with its address, releases it. */
  private withHeap<T>(object: string, bytes: Uint8Array, fn: (ptr: number) => T): T {
    const M = h5();
    const n = Math.max(bytes.byteLength, 1);
    const ptr = this.heapBuffer(n);
    if (!ptr) {
      throw new Hdf5Error(
        "MEMORY",
        `cannot allocate ${bytes.byteLength} bytes in the WebAssembly heap (limit ${M.MAXIMUM_MEMORY} bytes, shared with HDF5): write smaller slabs`,
        { file: this.file, object },
      );
    }
    try {
      M.HEAPU8.set(bytes, ptr);
      return fn(ptr);
    } finally {
      this.releaseHeapBuffer(ptr);
    }
  }

  private encodeAttr(
    p: string,
    name: string,
    value: AttrValue,
  ): { meta: TypeMeta; shape: number[]; bytes: Uint8Array } {
    const bad = (why: string) => this.argError(p, `attribute ${name}: ${why}`);
    switch (value?.type) {
      case "string": {
        if (typeof value.value !== "string") throw bad("string value expected");
        if (!isStorableAscii(value.value)) throw bad("only ASCII characters (and no NUL) can be stored");
        const size = Math.max(STRING_ATTR_SIZE, value.value.length + 1);
        const bytes = new Uint8Array(size);
        bytes.set(Buffer.from(value.value, "latin1"));
        return { meta: stringMeta(size), shape: [], bytes };
      }
      case "strings": {
        if (!Array.isArray(value.value) || value.value.some((s) => typeof s !== "string")) {
          throw bad("array of strings expected");
        }
        if (!value.value.every(isStorableAscii)) throw bad("only ASCII characters (and no NUL) can be stored");
        const size = Math.max(1, ...value.value.map((s) => s.length + 1));
        const bytes = new Uint8Array(size * value.value.length);
        value.value.forEach((s, i) => bytes.set(Buffer.from(s, "latin1"), i * size));
        return { meta: stringMeta(size), shape: [value.value.length], bytes };
      }
      case "bool": {
        if (typeof value.value !== "boolean") throw bad("boolean value expected");
        return {
          meta: { type: H5T_INTEGER, size: 1, signed: false, vlen: false, littleEndian: true },
          shape: [],
          bytes: new Uint8Array([value.value ? 1 : 0]),
        };
      }
      case "int": {
        if (typeof value.value !== "bigint") throw bad("bigint value expected");
        if (value.value < INT64_MIN || value.value > INT64_MAX) throw bad(`${value.value} is outside the int64 range`);
        const a = new BigInt64Array([value.value]);
        return { meta: DTYPE_META.int64, shape: [], bytes: new Uint8Array(a.buffer) };
      }
      case "float": {
        if (typeof value.value !== "number") throw bad("number value expected");
        const a = new Float64Array([value.value]);
        return {
          meta: { type: H5T_FLOAT, size: 8, signed: false, vlen: false, littleEndian: true },
          shape: [],
          bytes: new Uint8Array(a.buffer),
        };
      }
      default:
        throw bad(`unknown attribute type ${JSON.stringify((value as { type?: unknown } | undefined)?.type)}`);
    }
  }
}

function stringMeta(size: number): TypeMeta {
  // cset ASCII makes h5wasm use H5T_C_S1: NULLTERM padding, ASCII character set.
  return { type: H5T_STRING, size, signed: false, vlen: false, littleEndian: true, cset: H5T_CSET_ASCII };
}

function slabText(start: readonly number[], count: readonly number[]): string {
  return start.map((s, i) => `${s}:${s + count[i]!}`).join(", ");
}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (thrown === undefined) return "unknown HDF5 failure (negative status)";
  return String(thrown);
}

/**
 * Whether `stderr` holds only the error stack(s) of an H5Dwrite refused for its null buffer, as
 * h5wasm's create_dataset produces when given no data.
 */
function isOnlyNullBufferWrite(stderr: string): boolean {
  if (stderr === "") return false;
  const stacks = stderr.split(/HDF5-DIAG: Error detected in HDF5[^\n]*\n/).filter((s) => s.trim() !== "");
  return (
    stacks.length > 0 &&
    stacks.every((s) => /^\s*#000: [^\n]* in H5Dwrite\(\)/.test(s) && /no (input|output) buffer/.test(s))
  );
}

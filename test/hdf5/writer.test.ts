import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as h5wasm from "h5wasm/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Hdf5Error, Hdf5Writer, openReader, openWriter, STRING_ATTR_SIZE, type AttrValue } from "../../src/hdf5/index.js";
import { summarizeErrorStack } from "../../src/hdf5/runtime.js";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "fits2idia-hdf5-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Records everything written on fd 2 (where HDF5 prints error stacks) during each test. */
let fd2Writes: string[] = [];
let originalWriteSync: typeof fs.writeSync;
beforeEach(() => {
  fd2Writes = [];
  originalWriteSync = fs.writeSync;
  const spy = function (this: unknown, ...args: unknown[]): number {
    if (args[0] === 2) fd2Writes.push(String(args[1]));
    return (originalWriteSync as (...a: unknown[]) => number).apply(this, args);
  };
  (fs as { writeSync: unknown }).writeSync = spy;
});
afterEach(() => {
  (fs as { writeSync: unknown }).writeSync = originalWriteSync;
  // Nothing from HDF5 may reach the terminal: errors are thrown, expected ones swallowed.
  expect(fd2Writes).toEqual([]);
});

function file(name: string): string {
  return path.join(dir, name);
}

/** The file descriptors of this process open on `p` (Linux only; [] elsewhere). */
function openFds(p: string): string[] {
  const fdDir = "/proc/self/fd";
  if (!fs.existsSync(fdDir)) return [];
  const real = fs.realpathSync(p);
  return fs.readdirSync(fdDir).filter((fd) => {
    try {
      return fs.readlinkSync(path.join(fdDir, fd)) === real;
    } catch {
      return false;
    }
  });
}

/** Byte-exact comparison of typed arrays (fast, unlike toEqual on millions of elements). */
function sameBytes(a: unknown, b: ArrayBufferView): boolean {
  if (!ArrayBuffer.isView(a) || a.constructor !== b.constructor) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

async function catchErrorAsync(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

// C-order index of [s, z, y, x] in a [S, Z, Y, X] array.
function idx(shape: number[], pos: number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + pos[d]!;
  return i;
}

/** The C-order sub-array [start, start + count) of `full` (shape `shape`). */
function sub(full: Float32Array, shape: number[], start: number[], count: number[]): Float32Array {
  const out = new Float32Array(count.reduce((a, b) => a * b, 1));
  const last = shape.length - 1;
  let k = 0;
  const pos = [...start];
  const rec = (d: number): void => {
    if (d === last) {
      const i = idx(shape, pos);
      out.set(full.subarray(i, i + count[last]!), k);
      k += count[last]!;
      return;
    }
    for (let i = 0; i < count[d]!; i++) {
      pos[d] = start[d]! + i;
      rec(d + 1);
    }
  };
  rec(0);
  return out;
}

describe("Hdf5Writer: attributes", () => {
  it("writes the exact HDF5 types, in creation order, on a tracked group", async () => {
    const p = file("attrs.h5");
    const w = await openWriter(p);
    w.createGroup("0", true);
    const long = "L".repeat(300);
    // Deliberately not in name order, and more than 8 (dense attribute storage).
    const attrs: Array<[string, AttrValue]> = [
      ["SCHEMA_VERSION", { type: "string", value: "0.3" }],
      ["HDF5_CONVERTER", { type: "string", value: "fits2idia-ts" }],
      ["HDF5_CONVERTER_VERSION", { type: "string", value: "0.1.0" }],
      ["SIMPLE", { type: "bool", value: true }],
      ["EXTEND", { type: "bool", value: false }],
      ["BITPIX", { type: "int", value: -32n }],
      ["NAXIS", { type: "int", value: 2n }],
      ["BIGINT", { type: "int", value: 9007199254740993n }],
      ["MININT", { type: "int", value: -(2n ** 63n) }],
      ["CDELT1", { type: "float", value: -2.5e-5 }],
      ["BADFLT", { type: "float", value: Number.NaN }],
      ["EMPTY", { type: "string", value: "" }],
      ["LONGSTR", { type: "string", value: long }],
      ["A_LAST", { type: "string", value: "it's last" }],
    ];
    for (let i = 0; i < 200; i++) attrs.push([`K${(i * 37) % 200}_${i}`, { type: "int", value: BigInt(i) }]);
    w.setAttributes("0", attrs);
    const history = Array.from({ length: 2000 }, (_, i) => `HISTORY line ${i}`.padEnd(72, "."));
    w.setAttributes("/", [
      ["COMMENT", { type: "strings", value: ["first comment", "", "third"] }],
      ["HISTORY", { type: "strings", value: history }],
    ]);
    w.close();

    const r = await openReader(p);
    try {
      const got = r.attributes("0");
      expect(got.map((a) => a.name)).toEqual(attrs.map(([n]) => n));
      const byName = new Map(got.map((a) => [a.name, a]));

      const sv = byName.get("SCHEMA_VERSION")!;
      expect(sv.shape).toEqual([]);
      expect(sv.value).toBe("0.3");
      expect(sv.type).toMatchObject({ class: "string", size: STRING_ATTR_SIZE, vlen: false, strpad: "nullterm", cset: "ascii" });
      expect(byName.get("EMPTY")!.value).toBe("");
      expect(byName.get("EMPTY")!.type.size).toBe(256);
      expect(byName.get("LONGSTR")!.value).toBe(long);
      expect(byName.get("LONGSTR")!.type).toMatchObject({ class: "string", size: 301, strpad: "nullterm", cset: "ascii" });
      expect(byName.get("A_LAST")!.value).toBe("it's last");

      for (const [name, value] of [["SIMPLE", 1], ["EXTEND", 0]] as const) {
        const a = byName.get(name)!;
        expect(a.type).toMatchObject({ class: "integer", size: 1, signed: false, littleEndian: true });
        expect(a.shape).toEqual([]);
        expect(a.value).toBe(value);
      }
      expect(byName.get("BITPIX")!.type).toMatchObject({ class: "integer", size: 8, signed: true, littleEndian: true });
      expect(byName.get("BITPIX")!.value).toBe(-32n);
      expect(byName.get("BIGINT")!.value).toBe(9007199254740993n);
      expect(byName.get("MININT")!.value).toBe(-(2n ** 63n));
      expect(byName.get("CDELT1")!.type).toMatchObject({ class: "float", size: 8, littleEndian: true });
      expect(byName.get("CDELT1")!.value).toBe(-2.5e-5);
      expect(Number.isNaN(byName.get("BADFLT")!.value)).toBe(true);
      expect(byName.get(`K${(81 * 37) % 200}_81`)!.value).toBe(81n);

      const root = r.attributes("/");
      const comment = root.find((a) => a.name === "COMMENT")!;
      expect(comment.shape).toEqual([3]);
      expect(comment.value).toEqual(["first comment", "", "third"]);
      expect(comment.type).toMatchObject({ class: "string", vlen: false, strpad: "nullterm", cset: "ascii", size: 14 });
      const hist = root.find((a) => a.name === "HISTORY")!;
      expect(hist.shape).toEqual([2000]);
      expect(hist.value).toEqual(history);
    } finally {
      r.close();
    }

    // Cross-check the raw types with h5wasm directly (independently of the reader).
    const M = await h5wasm.ready;
    const f = new h5wasm.File(p, "r");
    try {
      const meta = (name: string) => M.get_attribute_metadata(f.file_id, "/0", name);
      expect(meta("SIMPLE")).toMatchObject({ type: 0, size: 1, signed: false });
      expect(meta("NAXIS")).toMatchObject({ type: 0, size: 8, signed: true, littleEndian: true });
      expect(meta("CDELT1")).toMatchObject({ type: 1, size: 8 });
      expect(meta("SCHEMA_VERSION")).toMatchObject({ type: 3, size: 256, vlen: false, strpad: 0, cset: 0 });
      expect(M.get_attribute_names(f.file_id, "/0").slice(0, 3)).toEqual(["SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION"]);
    } finally {
      f.close();
    }
  });

  it("iterates in name order on a group without tracking (so the tracking is what keeps the order)", async () => {
    const p = file("untracked.h5");
    const w = await openWriter(p);
    w.createGroup("g", false);
    w.createGroup("t", true);
    const attrs: Array<[string, AttrValue]> = ["Z", "A", "M", "B", "Y", "C", "X", "D", "W", "E"].map((n) => [
      n,
      { type: "float", value: 1 },
    ]);
    w.setAttributes("g", attrs);
    w.setAttributes("t", attrs);
    w.close();
    const r = await openReader(p);
    try {
      expect(r.attributeNames("t")).toEqual(attrs.map(([n]) => n));
      expect(r.attributeNames("g")).toEqual(attrs.map(([n]) => n).sort());
    } finally {
      r.close();
    }
  });

  it("refuses values it cannot store exactly, before writing anything of the batch", async () => {
    const p = file("badattrs.h5");
    const w = await openWriter(p);
    try {
      w.createGroup("0", true);
      const cases: Array<Array<[string, AttrValue]>> = [
        [["OK", { type: "int", value: 1n }], ["OVER", { type: "int", value: 2n ** 63n }]],
        [["OK", { type: "int", value: 1n }], ["UTF", { type: "string", value: "café" }]],
        [["OK", { type: "int", value: 1n }], ["NUL", { type: "string", value: "a\0b" }]],
        [["OK", { type: "int", value: 1n }], ["OK", { type: "int", value: 2n }]],
        [["", { type: "int", value: 1n }]],
        [["BAD", { type: "int", value: 1 as unknown as bigint }]],
        [["BAD", { type: "weird" } as unknown as AttrValue]],
      ];
      for (const batch of cases) {
        const e = catchError(() => w.setAttributes("0", batch));
        expect(e).toBeInstanceOf(Hdf5Error);
        expect((e as Hdf5Error).code).toBe("ARGUMENT");
      }
      // A name already present: HDF5 refuses, the writer throws (never overwrites).
      w.setAttributes("0", [["OK", { type: "int", value: 1n }]]);
      const dup = catchError(() => w.setAttributes("0", [["OK", { type: "int", value: 2n }]])) as Hdf5Error;
      expect(dup).toBeInstanceOf(Hdf5Error);
      expect(dup.code).toBe("CREATE");
      expect(dup.message).toMatch(/attribute OK on \/0.*already exists/);
      expect(dup.hdf5Stack).toMatch(/HDF5-DIAG/);
    } finally {
      w.close();
    }
    const r = await openReader(p);
    try {
      const a = r.attributes("0");
      expect(a.map((x) => [x.name, x.value])).toEqual([["OK", 1n]]);
    } finally {
      r.close();
    }
  });
});

describe("Hdf5Writer: datasets", () => {
  // A small cube laid out like the schema: DATA chunked, swizzled contiguous, statistics.
  const S = 1;
  const Z = 3;
  const Y = 530; // partial edge chunks in y and x
  const X = 700;
  const shape = [S, Z, Y, X];
  const full = new Float32Array(S * Z * Y * X).map((_, i) => (i % 9973) - 0.25 * (i % 7));

  it("creates chunked / contiguous / scalar datasets with the right types and layouts", async () => {
    const p = file("datasets.h5");
    const w = await openWriter(p);
    w.createGroup("0", true);
    w.createGroup("0/SwizzledData");
    w.createGroup("0/Statistics");
    w.createGroup("0/Statistics/XY");
    w.createDataset({ path: "0/DATA", shape, dtype: "float32", chunks: [1, 1, 512, 512] });
    w.createDataset({ path: "0/SwizzledData/ZYXW", shape: [S, X, Y, Z], dtype: "float32" });
    w.createDataset({ path: "/0/Statistics/XY/HISTOGRAM", shape: [S, Z, 23], dtype: "int64" });
    w.createDataset({ path: "0/Statistics/XY/MIN", shape: [], dtype: "float32" });
    w.createDataset({ path: "0/Statistics/XY/NAN_COUNT", shape: [], dtype: "int64" });
    w.createDataset({ path: "0/EMPTY", shape: [0, 4], dtype: "float32" });
    w.hardLink("0/SwizzledData", "0/PermutedData");

    // DATA: slabs of whole chunk rows, one unaligned slab, one plane left partly unwritten.
    w.writeSlab("0/DATA", [0, 0, 0, 0], [1, 1, Y, X], sub(full, shape, [0, 0, 0, 0], [1, 1, Y, X]));
    w.writeSlab("0/DATA", [0, 1, 0, 0], [1, 1, 512, X], sub(full, shape, [0, 1, 0, 0], [1, 1, 512, X]));
    w.writeSlab("0/DATA", [0, 1, 512, 0], [1, 1, Y - 512, X], sub(full, shape, [0, 1, 512, 0], [1, 1, Y - 512, X]));
    w.writeSlab("0/DATA", [0, 2, 100, 33], [1, 1, 7, 500], sub(full, shape, [0, 2, 100, 33], [1, 1, 7, 500]));

    // Swizzled: written by tile columns [x0:x1, y0:y1, all z].
    const swShape = [S, X, Y, Z];
    const swizzled = new Float32Array(full.length);
    for (let x = 0; x < X; x++)
      for (let y = 0; y < Y; y++)
        for (let z = 0; z < Z; z++) swizzled[idx(swShape, [0, x, y, z])] = full[idx(shape, [0, z, y, x])]!;
    for (let x0 = 0; x0 < X; x0 += 512)
      for (let y0 = 0; y0 < Y; y0 += 512) {
        const count = [1, Math.min(512, X - x0), Math.min(512, Y - y0), Z];
        w.writeSlab("0/SwizzledData/ZYXW", [0, x0, y0, 0], count, sub(swizzled, swShape, [0, x0, y0, 0], count));
      }

    const hist = new BigInt64Array(S * Z * 23).map((_, i) => BigInt(i) * 1_000_000_000_007n - 5n);
    w.writeAll("0/Statistics/XY/HISTOGRAM", hist);
    w.writeAll("0/Statistics/XY/MIN", new Float32Array([-1.5]));
    w.writeSlab("0/Statistics/XY/NAN_COUNT", [], [], new BigInt64Array([2n ** 62n + 1n]));
    w.flush();
    // Read-back through the writer (slow mode re-reads DATA).
    expect(w.readSlab("0/DATA", [0, 1, 510, 600], [1, 1, 4, 3])).toEqual(sub(full, shape, [0, 1, 510, 600], [1, 1, 4, 3]));
    const into = new Float32Array(2);
    expect(w.readSlab("0/DATA", [0, 2, 0, 0], [1, 1, 1, 2], into)).toBe(into);
    expect([...into]).toEqual([0, 0]); // never written: HDF5's default fill value
    w.close();

    const r = await openReader(p);
    try {
      const data = r.datasetInfo("0/DATA");
      expect(data.type).toMatchObject({ class: "float", size: 4, littleEndian: true, dtype: "<f" });
      expect(data.shape).toEqual(shape);
      expect(data.maxshape).toEqual(shape);
      expect(data.chunks).toEqual([1, 1, 512, 512]);
      expect(data.filters).toEqual([]);

      const sw = r.datasetInfo("0/SwizzledData/ZYXW");
      expect(sw.type).toMatchObject({ class: "float", size: 4, littleEndian: true });
      expect(sw.shape).toEqual([S, X, Y, Z]);
      expect(sw.chunks).toBeNull();

      const h = r.datasetInfo("0/Statistics/XY/HISTOGRAM");
      expect(h.type).toMatchObject({ class: "integer", size: 8, signed: true, littleEndian: true, dtype: "<q" });
      expect(h.shape).toEqual([S, Z, 23]);
      expect(h.chunks).toBeNull();
      expect(r.read("0/Statistics/XY/HISTOGRAM")).toEqual(hist);

      expect(r.datasetInfo("0/Statistics/XY/MIN")).toMatchObject({ shape: [], chunks: null, type: { class: "float", size: 4 } });
      expect(r.read("0/Statistics/XY/MIN")).toEqual(new Float32Array([-1.5]));
      expect(r.datasetInfo("0/Statistics/XY/NAN_COUNT")).toMatchObject({ shape: [], type: { class: "integer", size: 8, signed: true } });
      expect(r.read("0/Statistics/XY/NAN_COUNT")).toEqual(new BigInt64Array([2n ** 62n + 1n]));
      expect(r.datasetInfo("0/EMPTY").shape).toEqual([0, 4]);

      // Values: planes 0 and 1 completely, plane 2 only the small slab, zeros elsewhere.
      const got = r.read("0/DATA") as Float32Array;
      const want = new Float32Array(full.length);
      want.set(full.subarray(0, 2 * Y * X));
      for (let y = 100; y < 107; y++)
        for (let x = 33; x < 533; x++) want[idx(shape, [0, 2, y, x])] = full[idx(shape, [0, 2, y, x])]!;
      expect(sameBytes(got, want)).toBe(true);
      expect(r.read("0/DATA", [0, 2, 100, 33], [1, 1, 1, 3])).toEqual(sub(full, shape, [0, 2, 100, 33], [1, 1, 1, 3]));

      const gotSw = r.read("0/SwizzledData/ZYXW") as Float32Array;
      expect(sameBytes(gotSw, swizzled)).toBe(true);

      // Hard link: a group (not a soft link) holding the very same dataset.
      expect(r.kind("0/PermutedData")).toBe("group");
      expect(r.members("0/PermutedData")).toEqual(["ZYXW"]);
      expect(sameBytes(r.read("0/PermutedData/ZYXW"), swizzled)).toBe(true);
    } finally {
      r.close();
    }
  });

  it("makes a hard link, not a copy: what is added through one name shows through the other", async () => {
    const p = file("link.h5");
    const w = await openWriter(p);
    w.createGroup("0");
    w.createGroup("0/SwizzledData");
    w.hardLink("0/SwizzledData", "0/PermutedData");
    w.createDataset({ path: "0/PermutedData/ZYX", shape: [2, 2, 2], dtype: "float32" });
    w.writeAll("0/PermutedData/ZYX", new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
    w.setAttributes("0/SwizzledData", [["X", { type: "int", value: 7n }]]);
    w.close();
    const r = await openReader(p);
    try {
      expect(r.read("0/SwizzledData/ZYX")).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
      expect(r.attributes("0/PermutedData").map((a) => a.value)).toEqual([7n]);
    } finally {
      r.close();
    }
  });

  it("creates datasets far larger than the WebAssembly heap without allocating them", async () => {
    const p = file("huge.h5");
    const w = await openWriter(p);
    try {
      // 32 GiB contiguous + 32 GiB chunked: nothing is allocated until written.
      w.createDataset({ path: "C", shape: [8, 1024, 1024, 1024], dtype: "float32" });
      w.createDataset({ path: "K", shape: [8, 1024, 1024, 1024], dtype: "float32", chunks: [1, 1, 512, 512] });
      w.flush();
      expect(fs.statSync(p).size).toBeLessThan(1 << 20);
      // A chunked write allocates only the chunks written.
      w.writeSlab("K", [7, 1023, 512, 0], [1, 1, 512, 1024], new Float32Array(512 * 1024).fill(3));
      w.flush();
      expect(fs.statSync(p).size).toBeLessThan(3 << 20);
      expect(w.readSlab("K", [7, 1023, 1023, 1022], [1, 1, 1, 2])).toEqual(new Float32Array([3, 3]));
      expect(w.readSlab("K", [0, 0, 0, 0], [1, 1, 1, 2])).toEqual(new Float32Array([0, 0]));
    } finally {
      w.close();
    }
    expect(openFds(p)).toEqual([]);
  });

  it("writes past 4 GiB in the file (64-bit offsets through 32-bit WebAssembly)", async () => {
    // The contiguous dataset's storage is allocated at its first write but never filled, so
    // this needs a filesystem with sparse files; skip where there is not room for the worst case.
    const free = fs.statfsSync(dir);
    if (free.bavail * free.bsize < 8 * 2 ** 30) return;
    const p = file("offsets.h5");
    const w = await openWriter(p);
    const last = new Float32Array(1 << 20).map((_, i) => i);
    try {
      w.createDataset({ path: "C", shape: [5, 256, 1 << 20], dtype: "float32" }); // 5 GiB
      w.writeSlab("C", [4, 255, 0], [1, 1, 1 << 20], last);
    } finally {
      w.close();
    }
    expect(fs.statSync(p).size).toBeGreaterThan(5 * 2 ** 30);
    const r = await openReader(p);
    try {
      expect(sameBytes(r.read("C", [4, 255, 0], [1, 1, 1 << 20]), last)).toBe(true);
      expect(r.read("C", [4, 254, 0], [1, 1, 4])).toEqual(new Float32Array(4));
    } finally {
      r.close();
    }
    fs.rmSync(p);
  });

  it("checks slabs and data against the dataset", async () => {
    const p = file("checks.h5");
    const w = await openWriter(p);
    try {
      w.createDataset({ path: "F", shape: [4, 5], dtype: "float32" });
      w.createDataset({ path: "I", shape: [3], dtype: "int64" });
      const bad: Array<() => unknown> = [
        () => w.writeSlab("F", [0, 0], [2, 2], new Float32Array(3)), // wrong length
        () => w.writeSlab("F", [3, 0], [2, 5], new Float32Array(10)), // outside
        () => w.writeSlab("F", [0], [4], new Float32Array(4)), // wrong rank
        () => w.writeSlab("F", [0, 0], [1, 1], new BigInt64Array(1) as unknown as Float32Array), // wrong type
        () => w.writeAll("I", new Float32Array(3) as unknown as BigInt64Array), // wrong type
        () => w.writeAll("nothing", new Float32Array(1)), // not created by this writer
        () => w.readSlab("I", [0], [1]), // not float32
        () => w.createDataset({ path: "F", shape: [1], dtype: "float32" }), // twice
        () => w.createDataset({ path: "Z", shape: [10, 10], dtype: "float32", chunks: [20, 5] }), // chunk > dim
        () => w.createDataset({ path: "Z", shape: [10, 1.5], dtype: "float32" }), // not integral
        () => w.createDataset({ path: "Z", shape: [10], dtype: "int8" as "float32" }), // unsupported dtype
      ];
      for (const fn of bad) {
        const e = catchError(fn) as Hdf5Error;
        expect(e).toBeInstanceOf(Hdf5Error);
        expect(e.code).toBe("ARGUMENT");
        expect(e.file).toBe(p);
      }
      // HDF5-level refusals surface as Hdf5Error too.
      const noParent = catchError(() => w.createDataset({ path: "no/such/group/D", shape: [1], dtype: "float32" })) as Hdf5Error;
      expect(noParent).toBeInstanceOf(Hdf5Error);
      expect(noParent.code).toBe("CREATE");
      expect(noParent.object).toBe("/no/such/group/D");
      const noChunkedParent = catchError(() =>
        w.createDataset({ path: "no/D", shape: [4], dtype: "float32", chunks: [2] }),
      ) as Hdf5Error;
      expect(noChunkedParent.code).toBe("CREATE");
      const badLink = catchError(() => w.hardLink("missing", "L")) as Hdf5Error;
      expect(badLink.code).toBe("CREATE");
      expect(badLink.message).toMatch(/doesn't exist/);
    } finally {
      w.close();
    }
  });
});

describe("Hdf5Writer: files and errors", () => {
  it("throws Hdf5Error for a file it cannot create", async () => {
    const p = file("no/such/folder/x.h5");
    const e = (await catchErrorAsync(() => openWriter(p))) as Hdf5Error;
    expect(e).toBeInstanceOf(Hdf5Error);
    expect(e.code).toBe("OPEN");
    expect(e.file).toBe(p);
    expect(e.message).toMatch(/No such file or directory/);
    expect(e.describe()).toContain(p);
    expect(fs.existsSync(path.dirname(p))).toBe(false);
  });

  it.skipIf(!fs.existsSync("/dev/full"))("throws Hdf5Error when the device is full at creation", async () => {
    const p = file("full.h5");
    fs.symlinkSync("/dev/full", p);
    try {
      const e = (await catchErrorAsync(() => openWriter(p))) as Hdf5Error;
      expect(e).toBeInstanceOf(Hdf5Error);
      expect(e.code).toBe("OPEN");
      expect(e.message).toMatch(/No space left on device/);
      expect(openFds("/dev/full")).toEqual([]);
    } finally {
      fs.unlinkSync(p);
    }
  });

  it("throws Hdf5Error when a write fails (disk full), and still releases the file on close", async () => {
    const p = file("enospc.h5");
    const w = await openWriter(p);
    w.createDataset({ path: "C", shape: [64, 1024], dtype: "float32" });
    w.writeSlab("C", [0, 0], [1, 1024], new Float32Array(1024)); // allocates the storage
    w.flush();
    // Every later write to the file fails as on a full disk (the spy of beforeEach sits below).
    const below = fs.writeSync;
    (fs as { writeSync: unknown }).writeSync = function (this: unknown, ...args: unknown[]): number {
      if (typeof args[0] === "number" && args[0] > 2) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
      }
      return (below as (...a: unknown[]) => number).apply(this, args);
    };
    try {
      const e = catchError(() => w.writeSlab("C", [8, 0], [32, 1024], new Float32Array(32 * 1024))) as Hdf5Error;
      expect(e).toBeInstanceOf(Hdf5Error);
      expect(e.code).toBe("WRITE");
      expect(e.object).toBe("/C");
      expect(e.message).toMatch(/cannot write slab \[8:40, 0:1024\] of \/C: No space left on device/);
      expect(e.hdf5Stack).toMatch(/H5Dwrite/);
      w.createGroup("g"); // metadata only: cached, not written yet
      // Closing must flush metadata: that fails too, but the file is released.
      const c = catchError(() => w.close()) as Hdf5Error;
      expect(c).toBeInstanceOf(Hdf5Error);
      expect(c.code).toBe("CLOSE");
      expect(c.message).toMatch(/No space left on device/);
    } finally {
      (fs as { writeSync: unknown }).writeSync = below;
    }
    expect(w.isClosed).toBe(true);
    expect(openFds(p)).toEqual([]);
    w.close(); // idempotent
  });

  it("releases the file on close (it can be renamed and reopened) and refuses use after close", async () => {
    const p = file("release.tmp");
    const w = await openWriter(p);
    w.createGroup("0", true);
    w.createDataset({ path: "0/D", shape: [2], dtype: "float32" });
    w.writeAll("0/D", new Float32Array([1, 2]));
    if (fs.existsSync("/proc/self/fd")) expect(openFds(p).length).toBe(1);
    w.close();
    expect(openFds(p)).toEqual([]);
    const final = file("release.h5");
    fs.renameSync(p, final);
    const e = catchError(() => w.writeAll("0/D", new Float32Array([3, 4]))) as Hdf5Error;
    expect(e.code).toBe("STATE");
    expect(catchError(() => w.createGroup("x"))).toBeInstanceOf(Hdf5Error);

    // Truncates an existing file.
    const w2 = await openWriter(final);
    w2.createGroup("other");
    w2.close();
    const r = await openReader(final);
    try {
      expect(r.list()).toEqual([{ path: "/other", kind: "group" }]);
    } finally {
      r.close();
    }
    expect(openFds(final)).toEqual([]);
  });

  it("reports the h5wasm and HDF5 versions", () => {
    const v = Hdf5Writer.versions();
    expect(v.h5wasm).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.hdf5).toMatch(/^\d+\.\d+\.\d+/);
    const pkg = JSON.parse(fs.readFileSync(path.join("node_modules", "h5wasm", "package.json"), "utf8")) as { version: string };
    expect(v.h5wasm).toBe(pkg.version);
  });

  it("reader: errors are Hdf5Error too", async () => {
    const e = (await catchErrorAsync(() => openReader(file("missing.h5")))) as Hdf5Error;
    expect(e).toBeInstanceOf(Hdf5Error);
    expect(e.code).toBe("OPEN");
    const p = file("r.h5");
    const w = await openWriter(p);
    w.createGroup("g");
    w.close();
    const r = await openReader(p);
    try {
      expect(r.kind("nothing")).toBeNull();
      expect((catchError(() => r.datasetInfo("g")) as Hdf5Error).code).toBe("READ");
      expect((catchError(() => r.attributes("nothing")) as Hdf5Error).code).toBe("READ");
    } finally {
      r.close();
    }
  });
});

describe("summarizeErrorStack", () => {
  it("keeps the operating system's message and the failing API call of the first stack", () => {
    const stack = [
      "HDF5-DIAG: Error detected in HDF5 (2.0.0):",
      "  #000: /src/H5D.c line 1360 in H5Dwrite(): can't synchronously write data",
      "    major: Dataset",
      "    minor: Write failed",
      "  #001: /src/H5FDsec2.c line 775 in H5FD__sec2_write(): file write failed: time = Thu Nov 26 02:33:47 2026",
      ", filename = '/x.h5', file descriptor = 3, errno = 51, error message = 'No space left on device', buf = 0x5e8bf0",
      "    major: Low-level I/O",
      "    minor: Write failed",
      "HDF5-DIAG: Error detected in HDF5 (2.0.0):",
      "  #000: /src/H5D.c line 1 in H5Dclose(): not a dataset ID",
      "    major: Dataset",
      "    minor: Inappropriate type",
      "",
    ].join("\n");
    expect(summarizeErrorStack(stack)).toBe(
      "No space left on device (HDF5: H5Dwrite(): can't synchronously write data)",
    );
    expect(summarizeErrorStack("something odd\nmore")).toBe("something odd");
  });
});

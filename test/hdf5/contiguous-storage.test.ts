/**
 * Finding a contiguous dataset's storage in the file, and filling it with positional writes
 * beside HDF5: the file stays valid and reads back as written (h5wasm reading it), and the
 * reader refuses what it does not know rather than guessing.
 */
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { contiguousStorage, FileFormatError } from "../../src/hdf5/contiguous-storage.js";
import { lookup3 } from "../../src/hdf5/lookup3.js";
import { openReader } from "../../src/hdf5/reader.js";
import { openWriter } from "../../src/hdf5/writer.js";
import { convert } from "../../src/engine/convert.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";

const temp = tempFolder("fits2idia-storage-");
afterAll(() => temp.cleanup());

function storageOf(path: string, dataset: string) {
  const fd = openSync(path, "r");
  try {
    return contiguousStorage(fd, dataset);
  } finally {
    closeSync(fd);
  }
}

describe("lookup3, HDF5's metadata checksum", () => {
  it("gives Bob Jenkins' published values", () => {
    const text = new TextEncoder().encode("Four score and seven years ago");
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    expect(lookup3(text)).toBe(0x17770551);
    expect(lookup3(text, 1)).toBe(0xcd628161);
  });
});

describe("contiguousStorage", () => {
  it("is undefined until HDF5 allocates the dataset, then the run its bytes fill", async () => {
    const path = temp.file("alloc.hdf5");
    const writer = await openWriter(path);
    const shape = [3, 200, 300]; // 720 kB: larger than HDF5's 64 kB sieve buffer
    writer.createGroup("/0", true);
    writer.createGroup("/0/Inner");
    writer.createDataset({ path: "/0/Inner/CUBE", shape, dtype: "float32" });
    writer.createDataset({ path: "/0/CHUNKED", shape: [1, 600, 600], dtype: "float32", chunks: [1, 512, 512] });
    writer.flush();
    expect(storageOf(path, "/0/Inner/CUBE")).toBeUndefined();

    // HDF5 writes the first row (allocating all of the storage), then other code fills all of it.
    writer.writeSlab("/0/Inner/CUBE", [0, 0, 0], [1, 1, 300], new Float32Array(300).fill(-1));
    writer.flush();
    const storage = storageOf(path, "/0/Inner/CUBE")!;
    expect(storage.size).toBe(3 * 200 * 300 * 4);
    const values = Float32Array.from({ length: 3 * 200 * 300 }, (_, i) => i * 0.5 - 7);
    const fd = openSync(path, "r+");
    // In pieces, as worker threads would write their windows.
    const bytes = new Uint8Array(values.buffer);
    for (let offset = 0; offset < bytes.length; offset += 100_000) {
      const piece = bytes.subarray(offset, Math.min(bytes.length, offset + 100_000));
      expect(writeSync(fd, piece, 0, piece.length, storage.address + offset)).toBe(piece.length);
    }
    closeSync(fd);
    writer.close();

    const reader = await openReader(path);
    try {
      expect(reader.read("/0/Inner/CUBE")).toEqual(values);
    } finally {
      reader.close();
    }
    expect(() => storageOf(path, "/0/CHUNKED")).toThrow(/not contiguous/);
    expect(() => storageOf(path, "/0/Missing")).toThrow(/no link "Missing" in \/0/);
    expect(() => storageOf(path, "/0/Inner")).toThrow(/not a dataset/);
  });

  it("finds every contiguous dataset of a converted file where h5wasm reads it", async () => {
    const input = temp.write("cube.fits", cubeFile(makeCube(3, 260, 70, 3, 1, "nan-inf", 3)));
    const output = temp.file("cube.hdf5");
    await convert(input, output, { env: { FITS2IDIA_RC: temp.write("empty.rc", new Uint8Array(0)) }, threads: 1 });
    const file = readFileSync(output);
    const reader = await openReader(output);
    try {
      for (const path of ["/0/DATA", "/0/SwizzledData/ZYX", "/0/PermutedData/ZYX", "/0/Statistics/XY/MIN", "/0/Statistics/Z/SUM", "/0/MipMaps/DATA/DATA_XY_2"]) {
        const storage = storageOf(output, path)!;
        const values = reader.read(path) as Float32Array;
        expect(storage.size, path).toBe(values.byteLength);
        const stored = new Float32Array(file.buffer.slice(file.byteOffset + storage.address, file.byteOffset + storage.address + storage.size));
        expect(new Uint8Array(stored.buffer), path).toEqual(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      }
    } finally {
      reader.close();
    }
  });

  it("refuses a damaged header rather than guessing", async () => {
    const path = temp.file("damaged.hdf5");
    const writer = await openWriter(path);
    writer.createGroup("/0", true);
    writer.createDataset({ path: "/0/X", shape: [10], dtype: "float32" });
    writer.writeAll("/0/X", new Float32Array(10));
    writer.close();
    const bytes = readFileSync(path);
    bytes[20] = bytes[20]! ^ 0xff; // inside the superblock, under its checksum
    writeFileSync(path, bytes);
    expect(() => storageOf(path, "/0/X")).toThrow(FileFormatError);
    expect(() => storageOf(path, "/0/X")).toThrow(/superblock: checksum mismatch/);
    writeFileSync(path, new TextEncoder().encode("not HDF5"));
    expect(() => storageOf(path, "/0/X")).toThrow(/no HDF5 signature|ends at/);
  });
});

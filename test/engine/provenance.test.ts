/**
 * Provenance: the root attributes a conversion records (names, HDF5 types, values checked
 * independently), and the input's SHA-256 computed while it streams — equal to a hash of the
 * whole file for plain, gzip and multi-HDU inputs in both modes, reading afterwards only what
 * the conversion did not (counted), and never corrupted by reads that go back or jump.
 */
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { PROVENANCE_ATTRIBUTES, readProvenance } from "../../src/schema/provenance.js";
import { FitsImage } from "../../src/fits/image.js";
import { openSource } from "../../src/fits/source.js";
import { openReader, type AttributeInfo } from "../../src/hdf5/reader.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, mulberry32, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-provenance-");
afterAll(() => tmp.cleanup());
const env = { FITS2IDIA_RC: "" };
const root = fileURLToPath(new URL("../..", import.meta.url));
let serial = 0;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

async function rootAttributes(file: string): Promise<Map<string, AttributeInfo>> {
  const r = await openReader(file);
  try {
    return new Map(r.attributes("/").map((a) => [a.name, a]));
  } finally {
    r.close();
  }
}

async function group0Names(file: string): Promise<string[]> {
  const r = await openReader(file);
  try {
    return r.attributeNames("0");
  } finally {
    r.close();
  }
}

function randomBytes(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

describe("the root attributes of a conversion", () => {
  const cube = makeCube(3, 140, 90, 4, 1, "nan-inf", 3);
  const bytes = cubeFile(cube);
  const input = tmp.write("prov.fits", bytes);

  it("name, type and value of each, checked independently", async () => {
    const before = Date.now();
    const output = tmp.file("prov.hdf5");
    const report = await convert(input, output, { mode: "slow", env, memoryLimit: 10e9, tileSize: 64 });
    const after = Date.now();
    const attrs = await rootAttributes(output);
    for (const name of PROVENANCE_ATTRIBUTES.filter((n) => !n.startsWith("SOURCE_B") && n !== "AXIS_PERMUTATION")) expect(attrs.has(name), name).toBe(true);
    for (const name of ["SOURCE_BSCALE", "SOURCE_BZERO", "SOURCE_BLANK"]) expect(attrs.has(name), name).toBe(false);

    const str = (name: string): string => {
      const a = attrs.get(name)!;
      expect([a.type.class, a.type.vlen, a.shape], name).toEqual(["string", false, []]);
      return a.value as string;
    };
    const int = (name: string): bigint => {
      const a = attrs.get(name)!;
      expect([a.type.class, a.type.size, a.type.signed, a.shape], name).toEqual(["integer", 8, true, []]);
      return a.value as bigint;
    };
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
    const h5wasmPkg = JSON.parse(readFileSync(join(root, "node_modules", "h5wasm", "package.json"), "utf8")) as { version: string };
    expect(str("FITS2IDIA_CONVERTER")).toBe(pkg.name);
    expect(str("FITS2IDIA_VERSION")).toBe(pkg.version);
    expect(str("H5WASM_VERSION")).toBe(h5wasmPkg.version);
    expect(str("HDF5_VERSION")).toMatch(/^\d+\.\d+\.\d+/);
    expect(str("INPUT_PATH")).toBe(resolve(input));
    expect(int("INPUT_HDU")).toBe(0n);
    expect(int("INPUT_SIZE")).toBe(BigInt(bytes.length));
    expect(str("INPUT_MTIME")).toBe(statSync(input).mtime.toISOString());
    expect(str("INPUT_SHA256")).toBe(sha256(bytes));
    expect(report.inputSha256).toBe(sha256(bytes));
    expect(int("SOURCE_BITPIX")).toBe(-32n);

    const start = Date.parse(str("CONVERSION_START"));
    const end = Date.parse(str("CONVERSION_END"));
    expect(str("CONVERSION_START")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(before).toBeLessThanOrEqual(start);
    expect(start).toBeLessThanOrEqual(end);
    expect(end).toBeLessThanOrEqual(after);

    const options = JSON.parse(str("CONVERSION_OPTIONS"));
    expect(options).toMatchObject({
      input,
      output,
      mode: "slow",
      requestedMode: "slow",
      threads: report.threads,
      memoryLimit: 10e9,
      limit: { bytes: 10e9, from: "the run's memory limit" },
      hdu: null,
      tileSize: 64,
      batchBytes: null,
      predictedBytes: report.predictedBytes,
    });
    expect(options.reason).toBe(report.reason);

    // Nothing of it in group 0, which CARTA turns into the FITS header.
    const group0 = await group0Names(output);
    for (const name of PROVENANCE_ATTRIBUTES) expect(group0).not.toContain(name);
  });

  it("the source's storage: BITPIX, BSCALE, BZERO and BLANK of an integer image", async () => {
    const values = Array.from({ length: 30 * 20 }, (_, i) => (i % 7 === 0 ? -32768 : i - 300));
    const header = headerBytes(primaryCards(16, [30, 20], [valueCard("BSCALE", "0.5"), valueCard("BZERO", "100.0"), valueCard("BLANK", "-32768")]));
    const input = tmp.write("int16.fits", concat([header, dataBytes(values, 16)]));
    const output = tmp.file("int16.hdf5");
    await convert(input, output, { env });
    const attrs = await rootAttributes(output);
    expect(attrs.get("SOURCE_BITPIX")!.value).toBe(16n);
    expect([attrs.get("SOURCE_BSCALE")!.type.class, attrs.get("SOURCE_BSCALE")!.type.size, attrs.get("SOURCE_BSCALE")!.value]).toEqual(["float", 8, 0.5]);
    expect(attrs.get("SOURCE_BZERO")!.value).toBe(100);
    expect([attrs.get("SOURCE_BLANK")!.type.size, attrs.get("SOURCE_BLANK")!.value]).toEqual([8, -32768n]);
    expect(await group0Names(output)).not.toContain("BSCALE");
  });

  it("a path that is not ASCII is recorded as a file: URL, and read back as the path", async () => {
    const dir = tmp.file("données");
    mkdirSync(dir);
    const input = join(dir, "cube ½.fits");
    appendFileSync(input, bytes);
    const output = join(dir, "out.hdf5");
    await convert(input, output, { env });
    const attrs = await rootAttributes(output);
    expect(attrs.get("INPUT_PATH")!.value).toBe(`file://${encodeURI(resolve(input))}`);
    const { provenance, problems } = readProvenance([...attrs.values()]);
    expect(problems).toEqual([]);
    expect(provenance!.inputPath).toBe(resolve(input));
    // The options' JSON is ASCII, with the characters escaped, and parses back to the path.
    expect(attrs.get("CONVERSION_OPTIONS")!.value as string).toMatch(/^[\x20-\x7e]+$/);
    expect((provenance!.options as { input: string }).input).toBe(input);
  });

  it("an input that changes while it is converted: a warning", async () => {
    const input = tmp.write("changing.fits", bytes);
    let appended = false;
    const report = await convert(input, tmp.file("changing.hdf5"), {
      env,
      batchBytes: 140 * 90 * 4,
      onProgress: (p) => {
        if (p.stage === "planes" && !appended) {
          appended = true;
          appendFileSync(input, new Uint8Array(2880));
        }
      },
    });
    expect(report.warnings).toContainEqual(expect.stringContaining("changed while it was converted"));
  });
});

describe("the input's SHA-256 while streaming", () => {
  // 300x200x6 float32: 1.44 MB of data.
  const cube = makeCube(3, 300, 200, 6, 1, "random", 11);
  const plain = cubeFile(cube);
  const dataEnd = 2880 + cube.values.length * 4;

  it.each(["fast", "slow"] as const)("plain file, %s mode: the digest of the whole file, and only the padding read for it", async (mode) => {
    const input = tmp.write(`plain-${serial++}.fits`, plain);
    const report = await convert(input, tmp.file(`plain-${serial++}.hdf5`), { mode, env, batchBytes: 300 * 200 * 4 * 2 });
    expect(report.inputSha256).toBe(sha256(plain));
    expect(report.bytesReadForHash).toBe(plain.length - dataEnd);
  });

  it.each(["fast", "slow"] as const)("gzip file, %s mode: the digest of the compressed bytes", async (mode) => {
    const gz = gzipSync(plain);
    const input = tmp.write(`plain-${serial++}.fits.gz`, gz);
    const report = await convert(input, tmp.file(`gz-${serial++}.hdf5`), { mode, env });
    expect(report.inputSha256).toBe(sha256(gz));
    expect(report.bytesReadForHash).toBeLessThanOrEqual(gz.length);
  });

  // [primary image 20x10][image extension: the cube][binary table of 3 MB of random bytes]
  const primary = makeCube(2, 20, 10, 1, 1, "random", 5);
  const tableBytes = 3 * 2 ** 20;
  const multi = concat([
    headerBytes(primaryCards(-32, [20, 10])),
    dataBytes(primary.values, -32),
    headerBytes(extensionCards(-32, [300, 200, 6], [card("EXTNAME = 'SCI'")])),
    dataBytes(cube.values, -32),
    headerBytes(extensionCards(8, [1024, 3072], [], "BINTABLE")),
    randomBytes(tableBytes, 9),
  ]);
  const primaryData = 2880; // 800 bytes padded
  const extData = Math.ceil((cube.values.length * 4) / 2880) * 2880;

  it.each(["fast", "slow"] as const)("multi-HDU, the extension converted, %s mode: the skipped primary data and the tail read for it", async (mode) => {
    const input = tmp.write(`multi-${serial++}.fits`, multi);
    const report = await convert(input, tmp.file(`multi-${serial++}.hdf5`), { mode, env, hdu: { extname: "SCI" } });
    expect(report.inputSha256).toBe(sha256(multi));
    const skipped = primaryData;
    const tail = extData - cube.values.length * 4 + 2880 + tableBytes;
    expect(report.bytesReadForHash).toBe(skipped + tail);
  });

  it("multi-HDU, the primary converted: everything after its data is read for the hash only", async () => {
    const input = tmp.write(`multi-${serial++}.fits`, multi);
    const report = await convert(input, tmp.file(`multi-${serial++}.hdf5`), { env, hdu: 0 });
    expect(report.inputSha256).toBe(sha256(multi));
    expect(report.bytesReadForHash).toBe(multi.length - 2880 - 800);
  });

  it("multi-HDU gzip: the compressed tail after the image is read (and decompressed, to check it) for the digest", async () => {
    const gz = gzipSync(multi);
    const input = tmp.write(`multi-${serial++}.fits.gz`, gz);
    const report = await convert(input, tmp.file(`multi-${serial++}.hdf5`), { env, hdu: 1 });
    expect(report.inputSha256).toBe(sha256(gz));
    // The 3 MB table does not compress: it is read after the image, for the digest and the gzip
    // trailer, but for what the file stream had read ahead (at most two of its 1 MiB reads).
    const throughImage = gzipSync(multi.subarray(0, 2 * 2880 + primaryData + extData)).length;
    expect(report.bytesReadForHash).toBeGreaterThanOrEqual(gz.length - throughImage - 2 * 2 ** 20);
    expect(report.bytesReadForHash).toBeLessThanOrEqual(gz.length - throughImage);
  });

  it("sources: reads out of order, backwards, overlapping and past the end never corrupt the digest", async () => {
    const bytes = randomBytes(3 * 2880 + 1234, 4);
    for (const file of [tmp.write(`src-${serial++}.bin`, bytes), tmp.write(`src-${serial++}.gz`, gzipSync(bytes))]) {
      const expected = file.endsWith(".gz") ? sha256(gzipSync(bytes)) : sha256(bytes);
      const source = await openSource(file, { hash: true });
      try {
        for (const [position, length] of [[0, 100], [50, 200], [0, 10], [5000, 100], [300, 4000], [9000, 100000], [2, 3]] as const) {
          const got = await source.read(position, length);
          expect(Buffer.compare(Buffer.from(got), Buffer.from(bytes.subarray(position, position + length))), `${file} ${position}`).toBe(0);
        }
        const digest = await source.finishHash();
        expect(digest.sha256).toBe(expected);
        expect(await source.finishHash()).toBe(digest);
        // Reads after the digest still work.
        expect((await source.read(10, 5)).length).toBe(5);
      } finally {
        await source.close();
      }
    }
  });

  it("sources: a plain file read in order is hashed without a second read; a jump reads the bytes skipped", async () => {
    const bytes = randomBytes(100_000, 6);
    const file = tmp.write(`order-${serial++}.bin`, bytes);
    const source = await openSource(file, { hash: true });
    try {
      await source.read(0, 40_000);
      await source.read(60_000, 10_000); // skips 20 000 bytes: read for the hash at the jump
      await source.read(1_000, 500); // backwards: nothing
      const digest = await source.finishHash();
      expect(digest).toEqual({ sha256: sha256(bytes), bytes: 100_000, bytesReadForHash: 20_000 + 30_000 });
    } finally {
      await source.close();
    }
  });

  it("without hash: true, finishHash reads the whole file", async () => {
    const file = tmp.write(`whole-${serial++}.fits`, plain);
    const image = await FitsImage.open(file);
    try {
      await image.readPlanes(0, 6);
      expect(await image.fileDigest()).toEqual({ sha256: sha256(plain), bytes: plain.length, bytesReadForHash: plain.length });
    } finally {
      await image.close();
    }
  });
});

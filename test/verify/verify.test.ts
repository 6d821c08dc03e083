/**
 * verifyFile: OK on fresh conversions (fast and slow, 2-D to 4-D, gzip input, with and without
 * the FITS file), and each kind of damage found and named: values of every dataset, the
 * structure (datasets missing, retyped, reshaped or stored otherwise, the PermutedData link, extra
 * objects, group 0's attributes), the provenance, and a FITS file that is not the one converted.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { verifyFile } from "../../src/verify/index.js";
import { cubeFile, makeCube, tempFolder, type Pattern } from "../helpers/fixtures.js";
import { addRawAttribute, addRawDataset, copy, getValue, rebuild, setValue } from "./helpers.js";

const tmp = tempFolder("fits2idia-verify-");
afterAll(() => tmp.cleanup());
const env = { FITS2IDIA_RC: "" };
let serial = 0;
const name = (base: string): string => tmp.file(`${serial++}-${base}`);

interface Case {
  title: string;
  naxis: 2 | 3 | 4;
  size: [number, number, number, number];
  pattern: Pattern;
  gzip?: boolean;
}

const cases: Case[] = [
  { title: "2-D 600x520 (chunked, mipmaps)", naxis: 2, size: [600, 520, 1, 1], pattern: "nan-inf" },
  { title: "2-D 40x30 (no mipmaps)", naxis: 2, size: [40, 30, 1, 1], pattern: "random" },
  { title: "3-D 131x67x5", naxis: 3, size: [131, 67, 5, 1], pattern: "nan-inf" },
  { title: "3-D 520x515x3 across tiles", naxis: 3, size: [520, 515, 3, 1], pattern: "integers" },
  { title: "3-D all-NaN channel", naxis: 3, size: [70, 260, 4, 1], pattern: "nan-channel" },
  { title: "4-D 150x97x3x2", naxis: 4, size: [150, 97, 3, 2], pattern: "nan-inf" },
  { title: "3-D gzip input", naxis: 3, size: [200, 150, 6, 1], pattern: "random", gzip: true },
];

describe.each(cases)("fresh conversions verify OK: $title", ({ naxis, size, pattern, gzip }) => {
  const [width, height, depth, stokes] = size;
  const bytes = cubeFile(makeCube(naxis, width, height, depth, stokes, pattern, width + height));
  const input = gzip ? tmp.write(`${serial++}.fits.gz`, gzipSync(bytes)) : tmp.write(`${serial++}.fits`, bytes);

  it.each(["fast", "slow"] as const)("%s mode: with the FITS file, and without", async (mode) => {
    const output = name(`${mode}.hdf5`);
    await convert(input, output, { mode, env, tileSize: mode === "slow" ? 64 : undefined });
    const withFits = await verifyFile(output, input);
    expect(withFits.problems).toEqual([]);
    expect(withFits.ok).toBe(true);
    expect(withFits.checked).toBe("fits");
    expect(withFits.sha256).toBe("match");
    expect(withFits.shape).toEqual({ naxis, width, height, depth, stokes });
    expect(withFits.provenance?.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(withFits.bytesChecked).toBeGreaterThan(width * height * depth * stokes * 4 * 2);
    const alone = await verifyFile(output);
    expect(alone.problems).toEqual([]);
    expect(alone.checked).toBe("internal");
    // Tiny batches and windows: planes read a band of rows at a time, many windows.
    const small = await verifyFile(output, input, { batchBytes: width * 4 * 7, windowBytes: depth * 4 * 3000 });
    expect(small.problems).toEqual([]);
  });
});

describe("other BITPIX: decoded as the converter does (on the workers up to 32 bits, else on the main thread)", () => {
  it.each([
    [16, ["BSCALE  =                 0.25", "BZERO   =              32768.0", "BLANK   =               -32768"]],
    [8, []],
    [-64, []],
    [64, ["BZERO   =  9223372036854775808"]],
  ] as const)("BITPIX %i", async (bitpix, extra) => {
    const { card, concat, dataBytes, headerBytes, primaryCards } = await import("../helpers/fixtures.js");
    const n = 90 * 70 * 3;
    const values = Array.from({ length: n }, (_, i) => (bitpix === 8 ? i % 256 : bitpix === 16 ? (i % 9 === 0 ? -32768 : (i * 37) % 60000 - 30000) : bitpix === 64 ? BigInt(i * 1_000_003) - 2n ** 40n : Math.sin(i) * 1e3));
    const input = tmp.write(`bitpix${bitpix}.fits`, concat([headerBytes(primaryCards(bitpix, [90, 70, 3], extra.map((c) => card(c)))), dataBytes(values, bitpix)]));
    const output = name(`bitpix${bitpix}.hdf5`);
    await convert(input, output, { env });
    const report = await verifyFile(output, input);
    expect(report.problems).toEqual([]);
    expect(report.provenance?.sourceBitpix).toBe(bitpix);
  });
});

describe("damage is found and named", () => {
  // 600x520: DATA chunked, mipmaps at 2, 4, 8; 4 channels: swizzled data, XYZ and Z statistics.
  const cube = makeCube(3, 600, 520, 4, 1, "nan-inf", 77);
  const input = tmp.write("damage.fits", cubeFile(cube));
  let good = "";
  beforeAll(async () => {
    good = name("good.hdf5");
    await convert(input, good, { env });
  });

  async function damaged(dataset: string, index: number[], value: (old: number | bigint) => number | bigint): Promise<string> {
    const file = copy(good, name("damaged.hdf5"));
    await setValue(file, dataset, index, value(await getValue(file, dataset, index)));
    return file;
  }
  /** A different value: counts + 1, floats scaled (so that large sums change in float32 too), NaN and 0 → 1. */
  const plusOne = (v: number | bigint): number | bigint => (typeof v === "bigint" ? v + 1n : Number.isNaN(v) || v === 0 ? 1 : v * 1.25);

  it.each([
    ["0/DATA", [2, 100, 7]],
    ["0/Statistics/XY/MIN", [1]],
    ["0/Statistics/XY/SUM_SQ", [3]],
    ["0/Statistics/XY/NAN_COUNT", [0]],
    ["0/Statistics/XY/HISTOGRAM", [2, 5]],
    ["0/Statistics/XYZ/HISTOGRAM", [17]],
    ["0/Statistics/Z/MAX", [300, 599]],
    ["0/Statistics/Z/NAN_COUNT", [0, 0]],
    ["0/MipMaps/DATA/DATA_XY_2", [1, 10, 20]],
    ["0/MipMaps/DATA/DATA_XY_8", [3, 64, 74]],
    ["0/SwizzledData/ZYX", [599, 519, 3]],
  ])("%s%j changed: named with its index, expected and found values", async (dataset, index) => {
    const file = await damaged(dataset, index, plusOne);
    const report = await verifyFile(file, input);
    expect(report.ok).toBe(false);
    expect(report.sha256).toBe("match");
    const at = `${dataset}[${index.join(", ")}] differs: expected `;
    expect(report.problems.find((p) => p.startsWith(at)), report.problems.join("\n")).toBeDefined();
    expect(report.differences[0]).toMatchObject({ dataset, index });
  });

  it("a statistic changed is found without the FITS file too (recomputed from DATA)", async () => {
    const file = await damaged("0/Statistics/XY/MAX", [2], plusOne);
    const report = await verifyFile(file);
    expect(report.checked).toBe("internal");
    expect(report.problems[0]).toMatch(/^0\/Statistics\/XY\/MAX\[2\] differs: expected [-\d.e+]+, found [-\d.e+]+$/);
  });

  it("XYZ statistics (scalars for a 3-D cube) are compared", async () => {
    const file = copy(good, name("xyz.hdf5"));
    await setValue(file, "0/Statistics/XYZ/SUM", [], 12345.5);
    const report = await verifyFile(file, input);
    expect(report.problems).toContainEqual(expect.stringMatching(/^0\/Statistics\/XYZ\/SUM differs: expected [-\d.e+]+, found 12345\.5$/));
  });

  it("a NaN with another payload in DATA is a difference (DATA is compared bit for bit)", async () => {
    const i = cube.values.findIndex((v) => Number.isNaN(v));
    const index = [Math.floor(i / (600 * 520)), Math.floor(i / 600) % 520, i % 600];
    const file = copy(good, name("payload.hdf5"));
    await setValue(file, "0/DATA", index, 0x7fc00123, true);
    const report = await verifyFile(file, input);
    expect(report.problems[0]).toBe(`0/DATA[${index.join(", ")}] differs: expected NaN (0x7fc00000), found NaN (0x7fc00123)`);
  });

  it("stops listing a dataset's differences after the limit", async () => {
    const file = copy(good, name("many.hdf5"));
    for (let x = 0; x < 12; x++) await setValue(file, "0/Statistics/Z/SUM", [5, x], 1e6 + x);
    const report = await verifyFile(file, input, { maxDifferences: 4 });
    const lines = report.problems.filter((p) => p.startsWith("0/Statistics/Z/SUM"));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe("0/Statistics/Z/SUM: not compared further after 4 differences");
  });

  it("a different FITS file (one value changed): not the one converted, first; then the value", async () => {
    const other = makeCube(3, 600, 520, 4, 1, "nan-inf", 77);
    other.values[1234] = 0.5;
    const fits = tmp.write("other.fits", cubeFile(other));
    const report = await verifyFile(good, fits);
    expect(report.sha256).toBe("mismatch");
    expect(report.problems[0]).toMatch(/^the FITS file is not the one converted: its SHA-256 is [0-9a-f]{64}, the conversion's input had [0-9a-f]{64}$/);
    expect(report.problems[1]).toMatch(/^0\/DATA\[0, 2, 34\] differs: expected 0\.5, found /);
  });

  it("a FITS file with bytes appended: its size differs", async () => {
    const fits = tmp.write("longer.fits", readFileSync(input));
    appendFileSync(fits, new Uint8Array(2880));
    const report = await verifyFile(good, fits);
    expect(report.problems).toEqual([`the FITS file is not the one converted: it has ${readFileSync(input).length + 2880} bytes, the conversion's input had ${readFileSync(input).length}`]);
  });

  it("a FITS file of another shape: said, and values not compared", async () => {
    const fits = tmp.write("smaller.fits", cubeFile(makeCube(3, 60, 52, 4, 1, "random")));
    const report = await verifyFile(good, fits);
    expect(report.problems).toContain("the FITS image is 3-D 60×52×4, the file holds 3-D 600×520×4: values not compared");
    expect(report.checked).toBe("structure");
  });

  describe("structure", () => {
    async function rebuilt(edits: Parameters<typeof rebuild>[2]): Promise<string> {
      const file = name("rebuilt.hdf5");
      await rebuild(good, file, edits);
      return file;
    }

    it("a faithful rebuild verifies OK (the helper itself)", async () => {
      const report = await verifyFile(await rebuilt({}), input);
      expect(report.problems).toEqual([]);
    });

    it("a missing dataset", async () => {
      const file = await rebuilt({ dataset: (d) => (d.path === "/0/Statistics/XY/MIN" ? null : d) });
      const report = await verifyFile(file, input);
      expect(report.problems).toContain("dataset 0/Statistics/XY/MIN is missing");
      // The other datasets are still compared, and match.
      expect(report.differences).toEqual([]);
    });

    it("a wrong shape (one histogram bin too many)", async () => {
      const file = await rebuilt({ dataset: (d) => (d.path === "/0/Statistics/XY/HISTOGRAM" ? { ...d, shape: [4, d.shape[1]! + 1] } : d) });
      const report = await verifyFile(file, input);
      // numBins = floor(sqrt(600 × 520)) = 558
      expect(report.problems).toEqual(["dataset 0/Statistics/XY/HISTOGRAM has shape [4, 559], not [4, 558]"]);
    });

    it("a wrong dtype: int64 where float32 belongs, float64 and int32 written with h5wasm", async () => {
      const file = await rebuilt({
        dataset: (d) =>
          d.path === "/0/Statistics/XY/MAX" ? { ...d, dtype: "int64" } : d.path === "/0/Statistics/XY/SUM" || d.path === "/0/Statistics/Z/MIN" ? null : d,
      });
      await addRawDataset(file, "0/Statistics/XY/SUM", new Float64Array(4), [4], "<d");
      await addRawDataset(file, "0/Statistics/Z/MIN", new Int32Array(520 * 600), [520, 600], "<i");
      const report = await verifyFile(file, input);
      expect(report.problems).toEqual([
        "dataset 0/Statistics/XY/MAX is int64 LE, not float32 LE",
        "dataset 0/Statistics/XY/SUM is float64 LE, not float32 LE",
        "dataset 0/Statistics/Z/MIN is int32 LE, not float32 LE",
      ]);
    });

    it("DATA contiguous where the schema chunks it", async () => {
      const file = await rebuilt({ dataset: (d) => (d.path === "/0/DATA" ? { path: d.path, shape: d.shape, dtype: d.dtype } : d) });
      const report = await verifyFile(file, input);
      expect(report.problems).toEqual(["dataset 0/DATA is contiguous, not chunked [1, 512, 512]"]);
    });

    it("PermutedData missing, or a copy rather than a hard link", async () => {
      expect((await verifyFile(await rebuilt({ permuted: false }))).problems).toEqual(["0/PermutedData is missing (a hard link to 0/SwizzledData)"]);
      expect((await verifyFile(await rebuilt({ permuted: "copy" }))).problems).toEqual(["0/PermutedData is a copy of 0/SwizzledData, not a hard link to it"]);
    });

    it("an object the schema does not have", async () => {
      const file = await rebuilt({});
      await addRawDataset(file, "0/MipMaps/DATA/DATA_XY_16", new Float32Array(4 * 33 * 38), [4, 33, 38], "<f");
      expect((await verifyFile(file, input)).problems).toEqual(["0/MipMaps/DATA/DATA_XY_16 (a dataset) is not part of the schema for this image"]);
    });

    it("group 0's attributes: schema version, order, storage keywords, types CARTA cannot read", async () => {
      const file = await rebuilt({
        attributes: (object, attrs) => {
          if (object !== "/0") return attrs;
          const edited = attrs.map(([n, v]): [string, typeof v] => (n === "SCHEMA_VERSION" ? [n, { type: "string", value: "0.2" }] : [n, v]));
          return [...edited, ["BSCALE", { type: "float", value: 2 }]];
        },
      });
      await addRawAttribute(file, "0", "OBSERVER", "variable-length");
      const report = await verifyFile(file);
      expect(report.problems).toEqual([
        'group 0 SCHEMA_VERSION is "0.2", not "0.3"',
        "group 0 attribute OBSERVER: a variable-length string (CARTA reads it as '')",
        "group 0 has BSCALE: DATA holds physical values, so the header must not scale them again",
      ]);
    });

    it("no provenance: a note, not a problem; the FITS file's identity cannot be checked", async () => {
      const file = await rebuilt({ attributes: (object, attrs) => (object === "/" ? [] : attrs) });
      const report = await verifyFile(file, input);
      expect(report.ok).toBe(true);
      expect(report.provenance).toBeUndefined();
      expect(report.sha256).toBe("not recorded");
      expect(report.notes).toContainEqual(expect.stringMatching(/^the file records no INPUT_SHA256/));
    });

    it("incomplete or malformed provenance is a problem", async () => {
      const file = await rebuilt({
        attributes: (object, attrs) =>
          object !== "/" ? attrs : attrs.filter(([n]) => n !== "INPUT_SIZE").map(([n, v]) => (n === "CONVERSION_END" ? [n, { type: "string", value: "yesterday" }] : [n, v])),
      });
      const report = await verifyFile(file);
      expect(report.problems).toEqual(["provenance: root attribute INPUT_SIZE is missing", 'provenance: CONVERSION_END is not an ISO 8601 time: "yesterday"']);
    });

    it("structure only: no values read", async () => {
      const file = await damaged("0/DATA", [0, 0, 0], plusOne);
      const report = await verifyFile(file, input, { structureOnly: true });
      expect(report.ok).toBe(true);
      expect(report.checked).toBe("structure");
      expect(report.sha256).toBe("match");
    });

    it("not an IDIA file", async () => {
      const file = name("empty.hdf5");
      const { openWriter } = await import("../../src/hdf5/writer.js");
      (await openWriter(file)).close();
      expect((await verifyFile(file)).problems).toEqual(["group 0 is missing: this is not an IDIA file"]);
    });
  });
});

describe("the HDU recorded is the HDU compared", () => {
  it("an image in an extension after a primary image: INPUT_HDU picks it", async () => {
    const { concat, dataBytes, extensionCards, headerBytes, primaryCards } = await import("../helpers/fixtures.js");
    const first = makeCube(2, 20, 10, 1, 1, "random", 1);
    const second = makeCube(3, 30, 20, 3, 1, "random", 2);
    const file = tmp.write(
      "two.fits",
      concat([headerBytes(primaryCards(-32, [20, 10])), dataBytes(first.values, -32), headerBytes(extensionCards(-32, [30, 20, 3])), dataBytes(second.values, -32)]),
    );
    const output = name("two.hdf5");
    await convert(file, output, { hdu: 1, env });
    const report = await verifyFile(output, file);
    expect(report.problems).toEqual([]);
    expect(report.provenance?.inputHdu).toBe(1);
    const wrong = await verifyFile(output, file, { hdu: 0 });
    expect(wrong.problems[0]).toBe("the FITS file's HDU 0 is not the one converted (HDU 1)");
  });
});

describe("write helper sanity", () => {
  it("setValue on a scalar dataset", async () => {
    const input = tmp.write("scalar.fits", cubeFile(makeCube(2, 20, 10, 1, 1, "random")));
    const output = name("scalar.hdf5");
    await convert(input, output, { env });
    await setValue(output, "0/Statistics/XY/MIN", [], -123);
    expect(await getValue(output, "0/Statistics/XY/MIN", [])).toBe(-123);
    writeFileSync(name("unused"), "");
  });
});

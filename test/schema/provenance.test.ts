/**
 * The provenance's attribute table, pure: the facts of a conversion written as root attributes
 * and read back, and what reading reports about attributes that are missing or wrongly typed.
 * (Moved from test/engine/provenance.test.ts with the table, src/schema/provenance.ts.)
 */
import { describe, expect, it } from "vitest";
import type { AttributeInfo } from "../../src/hdf5/reader.js";
import { PROVENANCE_ATTRIBUTES, provenanceAttributes, readProvenance, type ProvenanceFacts } from "../../src/schema/provenance.js";

describe("readProvenance and provenanceAttributes (pure)", () => {
  const facts: ProvenanceFacts = {
    converter: { name: "fits2idia-ts", version: "9.9.9" },
    libraries: { h5wasm: "0.10.3", hdf5: "2.0.0" },
    options: { mode: "fast", note: "a × b — c" },
    input: { path: "/data/x.fits", hdu: 2, size: 5760, mtime: new Date("2025-01-02T03:04:05.678Z"), sha256: "ab".repeat(32) },
    start: new Date("2025-02-01T00:00:00.000Z"),
    end: new Date("2025-02-01T00:00:01.500Z"),
    source: { bitpix: 32, bzero: 2147483648 },
  };

  /** The attributes as a reader would return them. */
  function asRead(attrs: ReturnType<typeof provenanceAttributes>): AttributeInfo[] {
    return attrs.map(([name, v]) => {
      const type =
        v.type === "string"
          ? { class: "string" as const, size: 256, signed: false, littleEndian: true, vlen: false, dtype: "A256" }
          : v.type === "int"
            ? { class: "integer" as const, size: 8, signed: true, littleEndian: true, vlen: false, dtype: "<q" }
            : { class: "float" as const, size: 8, signed: false, littleEndian: true, vlen: false, dtype: "<d" };
      return { name, type, shape: [], value: v.value };
    });
  }

  it("writes in order, typed, ASCII; reads back the same facts", () => {
    const attrs = provenanceAttributes(facts);
    expect(attrs.map(([n]) => n)).toEqual([...PROVENANCE_ATTRIBUTES.filter((n) => n !== "SOURCE_BSCALE" && n !== "SOURCE_BLANK" && n !== "AXIS_PERMUTATION")]);
    expect(attrs.find(([n]) => n === "CONVERSION_OPTIONS")![1]).toEqual({ type: "string", value: '{"mode":"fast","note":"a \\u00d7 b \\u2014 c"}' });
    const { provenance, problems } = readProvenance(asRead(attrs));
    expect(problems).toEqual([]);
    expect(provenance).toMatchObject({
      converter: "fits2idia-ts",
      version: "9.9.9",
      options: { mode: "fast", note: "a × b — c" },
      inputPath: "/data/x.fits",
      inputHdu: 2,
      inputSize: 5760,
      inputMtime: "2025-01-02T03:04:05.678Z",
      inputSha256: "ab".repeat(32),
      conversionEnd: "2025-02-01T00:00:01.500Z",
      sourceBitpix: 32,
      sourceBzero: 2147483648,
    });
  });

  it("none of it: no provenance and no problem; parts of it: each missing or mistyped one named", () => {
    expect(readProvenance([])).toEqual({ problems: [] });
    const attrs = asRead(provenanceAttributes(facts)).filter((a) => a.name !== "HDF5_VERSION");
    const size = attrs.find((a) => a.name === "INPUT_SIZE")!;
    size.type = { ...size.type, size: 4 };
    const sha = attrs.find((a) => a.name === "INPUT_SHA256")!;
    sha.value = "not a digest";
    const start = attrs.find((a) => a.name === "CONVERSION_START")!;
    start.value = "2025-02-02T00:00:00.000Z";
    expect(readProvenance(attrs).problems).toEqual([
      "provenance: root attribute HDF5_VERSION is missing",
      "provenance: root attribute INPUT_SIZE is not a scalar 64-bit integer (found scalar 4-byte integer)",
      'provenance: INPUT_SHA256 is not a SHA-256 in hex: "not a digest"',
      "provenance: CONVERSION_END 2025-02-01T00:00:01.500Z is before CONVERSION_START 2025-02-02T00:00:00.000Z",
    ]);
  });
});

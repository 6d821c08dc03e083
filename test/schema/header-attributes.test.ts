import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { openReader } from "../../src/hdf5/reader.js";
import { parseHeaderBytes } from "../../src/fits/header.js";
import type { Shape4 } from "../../src/schema/layout.js";
import { fitStringToCard, headerAttributes, MAX_CARD_STRING } from "../../src/schema/header-attributes.js";
import { card, concat, dataBytes, extensionCards, headerBytes, makeCube, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

const converter = { name: "fits2idia-ts", version: "9.9.9" };
const shape3 = { naxis: 3 as const, width: 4, height: 3, depth: 2, stokes: 1 };

function attrsOf(cards: string[], shape: Shape4 = shape3) {
  return headerAttributes(parseHeaderBytes(headerBytes(cards)), shape, converter);
}

describe("header attributes (pure)", () => {
  it("puts the schema and converter first, then the header's keywords in order, typed from their text", () => {
    const { group0, root, warnings } = attrsOf([
      ...primaryCards(-32, [4, 3, 2]),
      valueCard("BIGINT", "123456789012345"),
      valueCard("EXPREAL", "1E5"),
      valueCard("DREAL", "1.0D+03"),
      valueCard("REAL", "-2.5"),
      valueCard("FLAG", "F"),
      card("OBJECT  = 'M83 field '           / trailing spaces trimmed"),
      card("COMMENT first comment"),
      card("HISTORY step one"),
      card("        blank keyword commentary"),
      valueCard("CPLX", "(1.0, 2.0)"),
    ]);
    expect(group0.map(([n]) => n)).toEqual([
      "SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION",
      "SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "NAXIS3",
      "BIGINT", "EXPREAL", "DREAL", "REAL", "FLAG", "OBJECT", "CPLX",
    ]);
    const get = (name: string) => group0.find(([n]) => n === name)![1];
    expect(get("SCHEMA_VERSION")).toEqual({ type: "string", value: "0.3" });
    expect(get("HDF5_CONVERTER")).toEqual({ type: "string", value: "fits2idia-ts" });
    expect(get("SIMPLE")).toEqual({ type: "bool", value: true });
    expect(get("BITPIX")).toEqual({ type: "int", value: -32n });
    expect(get("BIGINT")).toEqual({ type: "int", value: 123456789012345n });
    expect(get("EXPREAL")).toEqual({ type: "float", value: 1e5 });
    expect(get("DREAL")).toEqual({ type: "float", value: 1000 });
    expect(get("REAL")).toEqual({ type: "float", value: -2.5 });
    expect(get("FLAG")).toEqual({ type: "bool", value: false });
    expect(get("OBJECT")).toEqual({ type: "string", value: "M83 field" });
    expect(get("CPLX")).toEqual({ type: "string", value: "(1.0, 2.0)" });
    expect(warnings.some((w) => w.includes("CPLX"))).toBe(true);
    expect(root).toEqual([
      ["COMMENT", { type: "strings", value: ["first comment"] }],
      ["HISTORY", { type: "strings", value: ["step one"] }],
    ]);
  });

  it("says BITPIX = -32 and drops BSCALE, BZERO and BLANK: DATA is physical float32", () => {
    const { group0 } = attrsOf([...primaryCards(16, [4, 3, 2]), valueCard("BSCALE", "2.0"), valueCard("BZERO", "10.0"), valueCard("BLANK", "-1")]);
    const names = group0.map(([n]) => n);
    expect(names).not.toContain("BSCALE");
    expect(names).not.toContain("BZERO");
    expect(names).not.toContain("BLANK");
    expect(group0.find(([n]) => n === "BITPIX")![1]).toEqual({ type: "int", value: -32n });
  });

  it("turns an IMAGE extension's header into a primary one", () => {
    const { group0 } = attrsOf(extensionCards(-32, [4, 3, 2], [card("EXTNAME = 'SCI     '")]));
    const names = group0.map(([n]) => n);
    expect(names.slice(3, 5)).toEqual(["SIMPLE", "BITPIX"]);
    expect(names).not.toContain("XTENSION");
    expect(names).not.toContain("PCOUNT");
    expect(names).not.toContain("GCOUNT");
    expect(names).toContain("EXTNAME");
  });

  it("drops degenerate axes beyond the fourth and says NAXIS = 4", () => {
    const shape = { naxis: 4 as const, width: 4, height: 3, depth: 2, stokes: 1 };
    const { group0 } = attrsOf(primaryCards(-32, [4, 3, 2, 1, 1, 1]), shape);
    const names = group0.map(([n]) => n);
    expect(group0.find(([n]) => n === "NAXIS")![1]).toEqual({ type: "int", value: 4n });
    expect(names).toContain("NAXIS4");
    expect(names).not.toContain("NAXIS5");
    expect(names).not.toContain("NAXIS6");
  });

  it("keeps the first of a duplicated keyword, with a warning", () => {
    const { group0, warnings } = attrsOf([...primaryCards(-32, [4, 3, 2]), valueCard("DUP", "1"), valueCard("DUP", "2")]);
    expect(group0.filter(([n]) => n === "DUP")).toEqual([["DUP", { type: "int", value: 1n }]]);
    expect(warnings.join()).toContain("DUP");
  });

  it("joins CONTINUE strings, shortens them to one card in group 0 and keeps the full value on the root", () => {
    const long = "x".repeat(60) + "y".repeat(60);
    const { group0, root, warnings } = attrsOf([
      ...primaryCards(-32, [4, 3, 2]),
      card(`LONGKEY = '${long.slice(0, 66)}&'`),
      card(`CONTINUE  '${long.slice(66)}'`),
    ]);
    expect(group0.map(([n]) => n)).not.toContain("CONTINUE");
    expect(group0.find(([n]) => n === "LONGKEY")![1]).toEqual({ type: "string", value: long.slice(0, MAX_CARD_STRING) });
    expect(root.find(([n]) => n === "LONGSTRN.LONGKEY")![1]).toEqual({ type: "string", value: long });
    expect(warnings.join()).toContain("LONGKEY");
  });

  it("a long HIERARCH name leaves less room: the shortened string still fits CARTA's 80-column card", () => {
    const long = "z".repeat(120);
    const { group0, root } = attrsOf([
      ...primaryCards(-32, [4, 3, 2]),
      card(`HIERARCH ESO OBS NAME = '${long.slice(0, 52)}&'`),
      card(`CONTINUE  '${long.slice(52)}'`),
    ]);
    const name = "HIERARCH ESO OBS NAME";
    const value = (group0.find(([n]) => n === name)![1] as { value: string }).value;
    expect(value).toBe(long.slice(0, 80 - name.length - 4));
    expect(`${name}= '${value}'`).toHaveLength(80);
    expect(root.find(([n]) => n === `LONGSTRN.${name}`)![1]).toEqual({ type: "string", value: long });
  });

  it("doubles quotes so CARTA's card stays valid, never splitting a doubled quote", () => {
    expect(fitStringToCard("O'Brien")).toBe("O''Brien");
    const value = "a".repeat(MAX_CARD_STRING - 1) + "'b";
    const fitted = fitStringToCard(value);
    expect(fitted).toBe("a".repeat(MAX_CARD_STRING - 1));
    expect(fitStringToCard("a".repeat(MAX_CARD_STRING))).toBe("a".repeat(MAX_CARD_STRING));
  });

  it("keeps integers beyond 64 bits as text, with a warning", () => {
    const { group0, warnings } = attrsOf([...primaryCards(-32, [4, 3, 2]), valueCard("HUGE", "123456789012345678901234567890")]);
    expect(group0.find(([n]) => n === "HUGE")![1]).toEqual({ type: "string", value: "123456789012345678901234567890" });
    expect(warnings.join()).toContain("HUGE");
  });
});

describe("header attributes in the written file, as CARTA reads them", () => {
  it("has only scalars of the right HDF5 types in group 0, in creation order; COMMENT and HISTORY on the root", async () => {
    const cube = makeCube(3, 5, 4, 2, 1, "random");
    const cards = [
      ...primaryCards(-32, [5, 4, 2]),
      valueCard("BIGINT", "9007199254740993"),
      valueCard("FLAG", "T"),
      valueCard("CRVAL3", "1.42E9"),
      card("CTYPE3  = 'FREQ    '"),
      card("COMMENT a comment"),
      card("HISTORY a history line"),
    ];
    const input = tmp.write("attrs.fits", concat([headerBytes(cards), dataBytes(cube.values, -32)]));
    const output = tmp.file("attrs.hdf5");
    await convert(input, output);
    const reader = await openReader(output);
    try {
      const attrs = reader.attributes("0");
      expect(attrs.map((a) => a.name)).toEqual([
        "SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION",
        "SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "NAXIS3", "BIGINT", "FLAG", "CRVAL3", "CTYPE3",
      ]);
      for (const a of attrs) expect(a.shape, a.name).toEqual([]);
      const byName = new Map(attrs.map((a) => [a.name, a]));
      const simple = byName.get("SIMPLE")!;
      expect([simple.type.class, simple.type.size, simple.type.signed]).toEqual(["integer", 1, false]);
      const big = byName.get("BIGINT")!;
      expect([big.type.class, big.type.size, big.type.signed]).toEqual(["integer", 8, true]);
      expect(big.value).toBe(9007199254740993n);
      const crval = byName.get("CRVAL3")!;
      expect([crval.type.class, crval.type.size]).toEqual(["float", 8]);
      const ctype = byName.get("CTYPE3")!;
      expect([ctype.type.class, ctype.type.size, ctype.type.vlen]).toEqual(["string", 256, false]);
      expect(ctype.value).toBe("FREQ");
      const root = new Map(reader.attributes("/").map((a) => [a.name, a.value]));
      expect(Array.from(root.get("COMMENT") as string[])).toEqual(["a comment"]);
      expect(Array.from(root.get("HISTORY") as string[])).toEqual(["a history line"]);
    } finally {
      reader.close();
    }
  });
});

describe("header attributes: an added beam (per-channel or HISTORY beams)", () => {
  const beam = { bmaj: 1.25e-3, bmin: 1e-3, bpa: 45 };
  const names = (cards: string[]) => headerAttributes(parseHeaderBytes(headerBytes(cards)), shape3, converter, undefined, { beam }).group0.map(([n]) => n);

  it("goes right after CASAMBM, else after EXTEND or the last NAXISn, as float64 degrees", () => {
    const casa = names([...primaryCards(-32, [4, 3, 2]), valueCard("EXTEND", "T"), valueCard("CASAMBM", "T"), card("BUNIT   = 'Jy/beam'")]);
    expect(casa.slice(-5)).toEqual(["CASAMBM", "BMAJ", "BMIN", "BPA", "BUNIT"]);
    const extend = names([...primaryCards(-32, [4, 3, 2]), valueCard("EXTEND", "T"), card("BUNIT   = 'Jy/beam'")]);
    expect(extend.slice(-5)).toEqual(["EXTEND", "BMAJ", "BMIN", "BPA", "BUNIT"]);
    const plain = names([...primaryCards(-32, [4, 3, 2]), card("BUNIT   = 'Jy/beam'")]);
    expect(plain.slice(-5)).toEqual(["NAXIS3", "BMAJ", "BMIN", "BPA", "BUNIT"]);
    const last = names(primaryCards(-32, [4, 3, 2]));
    expect(last.slice(-3)).toEqual(["BMAJ", "BMIN", "BPA"]);
    const { group0 } = headerAttributes(parseHeaderBytes(headerBytes(primaryCards(-32, [4, 3, 2]))), shape3, converter, undefined, { beam });
    expect(group0.find(([n]) => n === "BPA")![1]).toEqual({ type: "float", value: 45 });
  });

  it("never duplicates a keyword", () => {
    const got = names([...primaryCards(-32, [4, 3, 2]), valueCard("BMAJ", "2.0E-3")]);
    expect(got.filter((n) => n === "BMAJ")).toHaveLength(1);
  });
});

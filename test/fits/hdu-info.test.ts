import { describe, it, expect } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { type FitsHeader, parseHeaderBytes } from "../../src/fits/header.js";
import { describeHdu } from "../../src/fits/hdu-info.js";

/** Pad a card image to 80 characters. */
function card(text: string): string {
  if (text.length > 80) throw new Error(`test card longer than 80 characters: ${text}`);
  return text.padEnd(80, " ");
}

function kv(keyword: string, rest: string): string {
  return card(`${keyword.padEnd(8)}= ${rest}`);
}

function header(cards: string[], file?: string): FitsHeader {
  const text = cards.join("") + card("END");
  const bytes = Uint8Array.from(text.padEnd(Math.ceil(text.length / 2880) * 2880, " "), (ch) => ch.charCodeAt(0));
  return parseHeaderBytes(bytes, file);
}

function errorOf(fn: () => unknown): FitsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FitsError);
    return e as FitsError;
  }
  throw new Error("expected an error");
}

/** A primary header: SIMPLE, BITPIX, NAXIS, NAXISn, then `extra`. */
function primary(bitpix: string, axes: string[], extra: string[] = []): FitsHeader {
  return header([
    kv("SIMPLE", "T"),
    kv("BITPIX", bitpix),
    kv("NAXIS", `${axes.length}`),
    ...axes.map((n, i) => kv(`NAXIS${i + 1}`, n)),
    ...extra,
  ]);
}

function primaryError(cards: string[], file = "x.fits"): FitsError {
  return errorOf(() => describeHdu(header(cards), { primary: true, file }));
}

describe("describeHdu: valid HDUs", () => {
  it("describes a primary image", () => {
    const info = describeHdu(primary("-32", ["100", "200"]), { primary: true });
    expect(info).toStrictEqual({
      kind: "primary",
      bitpix: -32,
      axes: [100, 200],
      pcount: 0,
      gcount: 1,
      dataBytes: 80000,
      paddedDataBytes: 80640,
      bscale: 1,
      bzero: 0,
    });
  });

  it("describes a primary HDU without data", () => {
    const info = describeHdu(primary("8", [], [kv("EXTEND", "T")]), { primary: true });
    expect(info.axes).toEqual([]);
    expect(info.dataBytes).toBe(0);
    expect(info.paddedDataBytes).toBe(0);
    expect(info.kind).toBe("primary");
  });

  it("gives a data size that is already a multiple of 2880 unchanged", () => {
    const info = describeHdu(primary("16", ["1440", "2"]), { primary: true });
    expect(info.dataBytes).toBe(5760);
    expect(info.paddedDataBytes).toBe(5760);
  });

  it("counts a zero-length axis as no data", () => {
    const info = describeHdu(primary("32", ["10", "0"]), { primary: true });
    expect(info.axes).toEqual([10, 0]);
    expect(info.dataBytes).toBe(0);
    expect(info.paddedDataBytes).toBe(0);
  });

  it("ignores PCOUNT and GCOUNT in a primary header", () => {
    const info = describeHdu(primary("8", ["10"], [kv("PCOUNT", "7"), kv("GCOUNT", "3")]), { primary: true });
    expect(info.pcount).toBe(0);
    expect(info.gcount).toBe(1);
    expect(info.dataBytes).toBe(10);
  });

  it("describes an IMAGE extension with PCOUNT, GCOUNT, scaling, BLANK and names", () => {
    const h = header([
      kv("XTENSION", "'IMAGE   '           / image extension"),
      kv("BITPIX", "16"),
      kv("NAXIS", "3"),
      kv("NAXIS1", "10"),
      kv("NAXIS2", "20"),
      kv("NAXIS3", "3"),
      kv("PCOUNT", "0"),
      kv("GCOUNT", "1"),
      kv("BSCALE", "2.5"),
      kv("BZERO", "32768"),
      kv("BLANK", "-32768"),
      kv("EXTNAME", "'SCI'"),
      kv("EXTVER", "2"),
    ]);
    expect(describeHdu(h, { primary: false })).toStrictEqual({
      kind: "image",
      xtension: "IMAGE",
      bitpix: 16,
      axes: [10, 20, 3],
      pcount: 0,
      gcount: 1,
      dataBytes: 1200,
      paddedDataBytes: 2880,
      bscale: 2.5,
      bzero: 32768,
      blank: -32768n,
      extname: "SCI",
      extver: 2,
    });
  });

  it("uses PCOUNT and GCOUNT in the data size of an extension", () => {
    const h = header([
      kv("XTENSION", "'IMAGE'"),
      kv("BITPIX", "-64"),
      kv("NAXIS", "2"),
      kv("NAXIS1", "3"),
      kv("NAXIS2", "4"),
      kv("PCOUNT", "6"),
      kv("GCOUNT", "2"),
    ]);
    const info = describeHdu(h, { primary: false });
    expect(info.pcount).toBe(6);
    expect(info.gcount).toBe(2);
    expect(info.dataBytes).toBe(8 * 2 * (6 + 12));
  });

  it("assumes PCOUNT = 0 and GCOUNT = 1 when an extension omits them", () => {
    const h = header([kv("XTENSION", "'IMAGE'"), kv("BITPIX", "8"), kv("NAXIS", "1"), kv("NAXIS1", "5")]);
    const info = describeHdu(h, { primary: false });
    expect(info.pcount).toBe(0);
    expect(info.gcount).toBe(1);
    expect(info.dataBytes).toBe(5);
  });

  it("describes a BINTABLE as kind other, heap included", () => {
    const h = header([
      kv("XTENSION", "'BINTABLE'"),
      kv("BITPIX", "8"),
      kv("NAXIS", "2"),
      kv("NAXIS1", "24"),
      kv("NAXIS2", "1000"),
      kv("PCOUNT", "500"),
      kv("GCOUNT", "1"),
      kv("TFIELDS", "2"),
      kv("EXTNAME", "'EVENTS'"),
    ]);
    expect(describeHdu(h, { primary: false })).toStrictEqual({
      kind: "other",
      xtension: "BINTABLE",
      bitpix: 8,
      axes: [24, 1000],
      pcount: 500,
      gcount: 1,
      dataBytes: 24500,
      paddedDataBytes: 25920,
      bscale: 1,
      bzero: 0,
      extname: "EVENTS",
      extver: 1,
    });
  });

  it("describes an ASCII TABLE as kind other", () => {
    const h = header([
      kv("XTENSION", "'TABLE   '"),
      kv("BITPIX", "8"),
      kv("NAXIS", "2"),
      kv("NAXIS1", "80"),
      kv("NAXIS2", "2"),
      kv("PCOUNT", "0"),
      kv("GCOUNT", "1"),
    ]);
    const info = describeHdu(h, { primary: false });
    expect(info.kind).toBe("other");
    expect(info.xtension).toBe("TABLE");
    expect(info.dataBytes).toBe(160);
  });

  it("gives EXTVER default 1 only when EXTNAME is present", () => {
    const named = describeHdu(primary("8", [], [kv("EXTNAME", "'PRIMARY'")]), { primary: true });
    expect(named.extname).toBe("PRIMARY");
    expect(named.extver).toBe(1);
    const unnamed = describeHdu(primary("8", []), { primary: true });
    expect(unnamed.extname).toBeUndefined();
    expect(unnamed.extver).toBeUndefined();
    const verOnly = describeHdu(primary("8", [], [kv("EXTVER", "4")]), { primary: true });
    expect(verOnly.extname).toBeUndefined();
    expect(verOnly.extver).toBe(4);
  });

  it("reads integer and real BSCALE/BZERO, and BZERO = 2^63 for unsigned 64-bit", () => {
    const info = describeHdu(primary("64", ["2"], [kv("BSCALE", "1"), kv("BZERO", "9223372036854775808")]), {
      primary: true,
    });
    expect(info.bscale).toBe(1);
    expect(info.bzero).toBe(2 ** 63);
    const d = describeHdu(primary("16", ["2"], [kv("BSCALE", "1.0D-2"), kv("BZERO", "-1.5E3")]), { primary: true });
    expect(d.bscale).toBe(0.01);
    expect(d.bzero).toBe(-1500);
    expect(d.dataBytes).toBe(4);
  });

  it("ignores BLANK for floating-point BITPIX, even a malformed one", () => {
    expect(describeHdu(primary("-32", ["2"], [kv("BLANK", "-1")]), { primary: true }).blank).toBeUndefined();
    expect(describeHdu(primary("-64", ["2"], [kv("BLANK", "1.5")]), { primary: true }).blank).toBeUndefined();
  });

  it("keeps a BLANK beyond 53 bits exact", () => {
    const info = describeHdu(primary("64", ["2"], [kv("BLANK", "-9223372036854775808")]), { primary: true });
    expect(info.blank).toBe(-9223372036854775808n);
  });

  it("handles random groups in the primary HDU", () => {
    const h = primary("-32", ["0", "3", "4"], [kv("GROUPS", "T"), kv("PCOUNT", "5"), kv("GCOUNT", "10")]);
    const info = describeHdu(h, { primary: true });
    expect(info.kind).toBe("other");
    expect(info.axes).toEqual([0, 3, 4]);
    expect(info.pcount).toBe(5);
    expect(info.gcount).toBe(10);
    expect(info.dataBytes).toBe(4 * 10 * (5 + 12));
    expect(info.paddedDataBytes).toBe(2880);
  });

  it("accepts HDUs that reach the largest safe data size", () => {
    // 2880 * 3127499708593 = 9007199160747840 <= 2^53 - 1
    const info = describeHdu(primary("8", ["2880", "3127499708593"]), { primary: true });
    expect(info.dataBytes).toBe(9007199160747840);
    expect(info.paddedDataBytes).toBe(9007199160747840);
  });
});

describe("describeHdu: SIMPLE and XTENSION", () => {
  it("rejects a primary header whose first card is not SIMPLE", () => {
    const e = primaryError([kv("BITPIX", "8"), kv("SIMPLE", "T"), kv("NAXIS", "0")]);
    expect(e.code).toBe("NOT_FITS");
    expect(e.message).toBe("not a FITS file: the first card must be SIMPLE = T, found keyword BITPIX");
    expect(e.file).toBe("x.fits");
  });

  it("rejects an empty primary header and one starting with a blank card", () => {
    expect(primaryError([]).message).toBe("not a FITS file: the first card must be SIMPLE = T, found an empty header");
    expect(primaryError([card(""), kv("SIMPLE", "T")]).message).toBe(
      "not a FITS file: the first card must be SIMPLE = T, found a blank keyword",
    );
  });

  it("rejects SIMPLE = F as not standard FITS", () => {
    const e = primaryError([kv("SIMPLE", "F"), kv("BITPIX", "8"), kv("NAXIS", "0")]);
    expect(e.code).toBe("NOT_FITS");
    expect(e.message).toBe("SIMPLE = F: this is not a standard FITS file");
  });

  it("rejects a SIMPLE that is not logical", () => {
    const e = primaryError([kv("SIMPLE", "1"), kv("BITPIX", "8"), kv("NAXIS", "0")]);
    expect(e.code).toBe("NOT_FITS");
    expect(e.message).toBe("not a FITS file: SIMPLE = 1, expected T");
    expect(primaryError([kv("SIMPLE", "")]).message).toBe("not a FITS file: SIMPLE = (no value), expected T");
  });

  it("rejects an extension whose first card is not XTENSION", () => {
    const e = errorOf(() => describeHdu(primary("8", []), { primary: false, file: "ext.fits" }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe(
      "malformed mandatory keyword XTENSION: an extension header must start with XTENSION, found keyword SIMPLE",
    );
    expect(e.file).toBe("ext.fits");
  });

  it("rejects a non-string or blank XTENSION", () => {
    const num = errorOf(() =>
      describeHdu(header([kv("XTENSION", "5"), kv("BITPIX", "8"), kv("NAXIS", "0")]), { primary: false }),
    );
    expect(num.code).toBe("BAD_KEYWORD");
    expect(num.message).toBe("malformed mandatory keyword XTENSION: value 5 is not a string");
    const blank = errorOf(() =>
      describeHdu(header([kv("XTENSION", "'   '"), kv("BITPIX", "8"), kv("NAXIS", "0")]), { primary: false }),
    );
    expect(blank.message).toBe("malformed mandatory keyword XTENSION: value is blank");
  });

  it("checks the first card before BITPIX", () => {
    const e = primaryError([kv("SIMPLE", "F"), kv("BITPIX", "7")]);
    expect(e.code).toBe("NOT_FITS");
  });
});

describe("describeHdu: BITPIX", () => {
  it("rejects a missing BITPIX", () => {
    const e = primaryError([kv("SIMPLE", "T"), kv("NAXIS", "0")]);
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword BITPIX: missing");
    expect(e.file).toBe("x.fits");
  });

  it("rejects a non-integer BITPIX", () => {
    const s = primaryError([kv("SIMPLE", "T"), kv("BITPIX", "'16'"), kv("NAXIS", "0")]);
    expect(s.code).toBe("BAD_KEYWORD");
    expect(s.message).toBe("malformed mandatory keyword BITPIX: value '16' is not an integer");
    const r = primaryError([kv("SIMPLE", "T"), kv("BITPIX", "16.0"), kv("NAXIS", "0")]);
    expect(r.message).toBe("malformed mandatory keyword BITPIX: value 16.0 is not an integer");
    const u = primaryError([kv("SIMPLE", "T"), kv("BITPIX", " / none"), kv("NAXIS", "0")]);
    expect(u.message).toBe("malformed mandatory keyword BITPIX: has no value");
  });

  it.each(["12", "0", "-16", "128", "99999999999999999999"])("rejects BITPIX = %s", (v) => {
    const e = primaryError([kv("SIMPLE", "T"), kv("BITPIX", v), kv("NAXIS", "0")]);
    expect(e.code).toBe("UNSUPPORTED_BITPIX");
    expect(e.message).toBe(`BITPIX = ${v} is not a valid FITS BITPIX (8, 16, 32, 64, -32 or -64)`);
  });

  it.each([8, 16, 32, 64, -32, -64])("accepts BITPIX = %i", (bitpix) => {
    const info = describeHdu(primary(`${bitpix}`, ["3"]), { primary: true });
    expect(info.bitpix).toBe(bitpix);
    expect(info.dataBytes).toBe((3 * Math.abs(bitpix)) / 8);
  });

  it("checks BITPIX before NAXIS", () => {
    const e = primaryError([kv("SIMPLE", "T"), kv("BITPIX", "7"), kv("NAXIS", "-1")]);
    expect(e.code).toBe("UNSUPPORTED_BITPIX");
  });
});

describe("describeHdu: NAXIS and NAXISn", () => {
  it("rejects a missing or malformed NAXIS", () => {
    expect(primaryError([kv("SIMPLE", "T"), kv("BITPIX", "8")]).message).toBe(
      "malformed mandatory keyword NAXIS: missing",
    );
    expect(primaryError([kv("SIMPLE", "T"), kv("BITPIX", "8"), kv("NAXIS", "'two'")]).message).toBe(
      "malformed mandatory keyword NAXIS: value 'two' is not an integer",
    );
    const neg = primaryError([kv("SIMPLE", "T"), kv("BITPIX", "8"), kv("NAXIS", "-1")]);
    expect(neg.code).toBe("BAD_KEYWORD");
    expect(neg.message).toBe("malformed mandatory keyword NAXIS: value -1 is negative");
    expect(primaryError([kv("SIMPLE", "T"), kv("BITPIX", "8"), kv("NAXIS", "1000")]).message).toBe(
      "malformed mandatory keyword NAXIS: value 1000 is more than 999",
    );
  });

  it("rejects a missing NAXISn", () => {
    const e = primaryError([kv("SIMPLE", "T"), kv("BITPIX", "8"), kv("NAXIS", "2"), kv("NAXIS1", "4")]);
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword NAXIS2: missing (NAXIS = 2)");
  });

  it("rejects a negative NAXISn", () => {
    const e = errorOf(() => describeHdu(primary("8", ["4", "-5"]), { primary: true }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword NAXIS2: value -5 is negative");
  });

  it("rejects a non-numeric NAXISn", () => {
    expect(errorOf(() => describeHdu(primary("8", ["'abc'"]), { primary: true })).message).toBe(
      "malformed mandatory keyword NAXIS1: value 'abc' is not an integer",
    );
    expect(errorOf(() => describeHdu(primary("8", ["4", "1.5"]), { primary: true })).message).toBe(
      "malformed mandatory keyword NAXIS2: value 1.5 is not an integer",
    );
    expect(errorOf(() => describeHdu(primary("8", ["T"]), { primary: true })).message).toBe(
      "malformed mandatory keyword NAXIS1: value T is not an integer",
    );
  });

  it("rejects an NAXISn beyond the safe integer range", () => {
    const e = errorOf(() => describeHdu(primary("8", ["9007199254740992"]), { primary: true }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword NAXIS1: value 9007199254740992 is too large");
  });

  it("rejects a data size beyond the safe integer range", () => {
    const e = errorOf(() => describeHdu(primary("-64", ["1000000", "1000000", "1000000"]), { primary: true, file: "big.fits" }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe(
      "the data size given by BITPIX, NAXISn, PCOUNT and GCOUNT (8000000000000000000 bytes) is larger than " +
        "the supported maximum of 9007199254740991 bytes",
    );
    expect(e.file).toBe("big.fits");
  });

  it("rejects a data size that overflows only once padded to whole blocks", () => {
    // 9007199254740991 bytes fits, but padded to a multiple of 2880 it does not
    const e = errorOf(() => describeHdu(primary("8", ["9007199254740991"]), { primary: true }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toContain("(9007199254740991 bytes) is larger than");
  });

  it("rejects malformed PCOUNT and GCOUNT in an extension", () => {
    const base = [kv("XTENSION", "'IMAGE'"), kv("BITPIX", "8"), kv("NAXIS", "1"), kv("NAXIS1", "5")];
    const p = errorOf(() => describeHdu(header([...base, kv("PCOUNT", "-1")]), { primary: false }));
    expect(p.code).toBe("BAD_KEYWORD");
    expect(p.message).toBe("malformed mandatory keyword PCOUNT: value -1 is negative");
    const g = errorOf(() => describeHdu(header([...base, kv("PCOUNT", "0"), kv("GCOUNT", "'x'")]), { primary: false }));
    expect(g.message).toBe("malformed mandatory keyword GCOUNT: value 'x' is not an integer");
  });
});

describe("describeHdu: BSCALE, BZERO, BLANK, EXTNAME, EXTVER", () => {
  it("rejects a non-numeric BSCALE or BZERO", () => {
    const s = errorOf(() => describeHdu(primary("16", ["2"], [kv("BSCALE", "'a'")]), { primary: true }));
    expect(s.code).toBe("BAD_KEYWORD");
    expect(s.message).toBe("malformed mandatory keyword BSCALE: value 'a' is not a number");
    const z = errorOf(() => describeHdu(primary("16", ["2"], [kv("BZERO", "T")]), { primary: true }));
    expect(z.message).toBe("malformed mandatory keyword BZERO: value T is not a number");
    const u = errorOf(() => describeHdu(primary("16", ["2"], [kv("BZERO", "")]), { primary: true }));
    expect(u.message).toBe("malformed mandatory keyword BZERO: value (no value) is not a number");
  });

  it("rejects BSCALE = 0", () => {
    const e = errorOf(() => describeHdu(primary("16", ["2"], [kv("BSCALE", "0")]), { primary: true }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword BSCALE: value 0 is invalid: BSCALE must not be 0");
    expect(errorOf(() => describeHdu(primary("16", ["2"], [kv("BSCALE", "0.0E0")]), { primary: true })).message).toBe(
      "malformed mandatory keyword BSCALE: value 0.0E0 is invalid: BSCALE must not be 0",
    );
  });

  it("rejects a non-integer BLANK for integer BITPIX", () => {
    const e = errorOf(() => describeHdu(primary("16", ["2"], [kv("BLANK", "1.5")]), { primary: true }));
    expect(e.code).toBe("BAD_KEYWORD");
    expect(e.message).toBe("malformed mandatory keyword BLANK: value 1.5 is not an integer");
  });

  it("rejects a non-string EXTNAME and a non-integer EXTVER", () => {
    const n = errorOf(() => describeHdu(primary("8", [], [kv("EXTNAME", "5")]), { primary: true }));
    expect(n.code).toBe("BAD_KEYWORD");
    expect(n.message).toBe("malformed mandatory keyword EXTNAME: value 5 is not a string");
    const v = errorOf(() => describeHdu(primary("8", [], [kv("EXTVER", "'one'")]), { primary: true }));
    expect(v.message).toBe("malformed mandatory keyword EXTVER: value 'one' is not an integer");
  });

  it("names the header's file when no file option is given", () => {
    const h = header([kv("SIMPLE", "T"), kv("BITPIX", "5"), kv("NAXIS", "0")], "from-header.fits");
    const e = errorOf(() => describeHdu(h, { primary: true }));
    expect(e.file).toBe("from-header.fits");
    expect(e.describe()).toBe(
      "from-header.fits: BITPIX = 5 is not a valid FITS BITPIX (8, 16, 32, 64, -32 or -64)",
    );
  });
});

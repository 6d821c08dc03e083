import { describe, it, expect } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { FitsHeader, HeaderParser, parseHeaderBytes } from "../../src/fits/header.js";

/** Pad a card image to 80 characters. */
function card(text: string): string {
  if (text.length > 80) throw new Error(`test card longer than 80 characters: ${text}`);
  return text.padEnd(80, " ");
}

function kv(keyword: string, rest: string): string {
  return card(`${keyword.padEnd(8)}= ${rest}`);
}

const END = card("END");

/** Bytes of a header: the cards, END (unless `end` is false), padded with spaces to whole blocks. */
function headerBytes(cards: string[], end = true): Uint8Array {
  let text = cards.join("") + (end ? END : "");
  const padded = Math.ceil(text.length / 2880) * 2880;
  text = text.padEnd(padded, " ");
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
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

const BASIC = [
  kv("SIMPLE", "                   T / conforms"),
  kv("BITPIX", "                 -32"),
  kv("NAXIS", "                   2"),
  kv("NAXIS1", "                 100"),
  kv("NAXIS2", "                 200"),
  kv("OBJECT", "'M31     '"),
  kv("BSCALE", "1.5"),
  kv("EXPTIME", "30"),
  kv("HUGE", "123456789012345678901234"),
  kv("UNDEF", "  / nothing"),
];

describe("FitsHeader lookups", () => {
  const header = parseHeaderBytes(headerBytes(BASIC), "basic.fits");

  it("keeps the cards in order without END", () => {
    expect(header.cards.map((c) => c.keyword)).toEqual([
      "SIMPLE",
      "BITPIX",
      "NAXIS",
      "NAXIS1",
      "NAXIS2",
      "OBJECT",
      "BSCALE",
      "EXPTIME",
      "HUGE",
      "UNDEF",
    ]);
    expect(header.cards.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(header.blockCount).toBe(1);
    expect(header.file).toBe("basic.fits");
  });

  it("gets cards and typed values", () => {
    expect(header.has("NAXIS1")).toBe(true);
    expect(header.has("NAXIS3")).toBe(false);
    expect(header.get("SIMPLE")?.comment).toBe("conforms");
    expect(header.get("NAXIS3")).toBeUndefined();
    expect(header.logical("SIMPLE")).toBe(true);
    expect(header.integer("BITPIX")).toBe(-32n);
    expect(header.integer("HUGE")).toBe(123456789012345678901234n);
    expect(header.string("OBJECT")).toBe("M31");
    expect(header.real("BSCALE")).toBe(1.5);
    expect(header.real("EXPTIME")).toBe(30);
    expect(header.string("MISSING")).toBeUndefined();
    expect(header.integer("MISSING")).toBeUndefined();
    expect(header.real("MISSING")).toBeUndefined();
    expect(header.logical("MISSING")).toBeUndefined();
  });

  it("returns undefined for a keyword with an undefined value", () => {
    expect(header.has("UNDEF")).toBe(true);
    expect(header.get("UNDEF")?.value).toEqual({ type: "undefined" });
    expect(header.string("UNDEF")).toBeUndefined();
    expect(header.real("UNDEF")).toBeUndefined();
  });

  it("throws BAD_KEYWORD for a value of the wrong type", () => {
    const s = errorOf(() => header.string("NAXIS"));
    expect(s.code).toBe("BAD_KEYWORD");
    expect(s.file).toBe("basic.fits");
    expect(s.message).toBe("keyword NAXIS should have a string value, not the integer value 2");
    expect(errorOf(() => header.integer("BSCALE")).message).toBe(
      "keyword BSCALE should have an integer value, not the real value 1.5",
    );
    expect(errorOf(() => header.real("OBJECT")).message).toBe(
      "keyword OBJECT should have a number value, not the string value 'M31     '",
    );
    expect(errorOf(() => header.logical("NAXIS1")).message).toBe(
      "keyword NAXIS1 should have a logical (T or F) value, not the integer value 100",
    );
  });

  it("returns the original text", () => {
    expect(header.toString()).toBe(BASIC.join("") + END);
    expect(header.toString().length).toBe(11 * 80);
  });
});

describe("FitsHeader commentary and duplicates", () => {
  const cards = [
    kv("SIMPLE", "T"),
    card("COMMENT   first comment"),
    card("HISTORY step 1"),
    card(""),
    kv("DUP", "1 / first"),
    card("        blank keyword text"),
    card("COMMENT second / comment"),
    kv("DUP", "2 / second"),
    card("HISTORY step 2"),
  ];
  const header = parseHeaderBytes(headerBytes(cards));

  it("keeps COMMENT, HISTORY and blank cards in order", () => {
    expect(header.comments()).toEqual(["  first comment", "second / comment"]);
    expect(header.history()).toEqual(["step 1", "step 2"]);
    expect(header.cards.map((c) => `${c.kind}:${c.keyword}`)).toEqual([
      "value:SIMPLE",
      "commentary:COMMENT",
      "commentary:HISTORY",
      "commentary:",
      "value:DUP",
      "commentary:",
      "commentary:COMMENT",
      "value:DUP",
      "commentary:HISTORY",
    ]);
    expect(header.cards[5]!.valueText).toBe("blank keyword text");
  });

  it("keeps duplicated keywords; get returns the first", () => {
    expect(header.integer("DUP")).toBe(1n);
    expect(header.get("DUP")?.comment).toBe("first");
    expect(header.getAll("DUP").map((c) => c.value)).toEqual([
      { type: "integer", value: 1n },
      { type: "integer", value: 2n },
    ]);
    expect(header.getAll("NOPE")).toEqual([]);
  });

  it("does not find commentary cards by keyword", () => {
    expect(header.has("COMMENT")).toBe(false);
    expect(header.get("HISTORY")).toBeUndefined();
  });
});

describe("CONTINUE long strings", () => {
  it("joins a string continued on one CONTINUE card", () => {
    const first = kv("LONGSTR", "'This is a long string &' / first part");
    const cont = card("CONTINUE  'that ends here' / second part");
    const header = parseHeaderBytes(headerBytes([kv("SIMPLE", "T"), first, cont, kv("AFTER", "1")]));
    expect(header.cards.length).toBe(3);
    const c = header.get("LONGSTR")!;
    expect(c.kind).toBe("value");
    expect(c.index).toBe(1);
    expect(c.value).toEqual({ type: "string", value: "This is a long string that ends here" });
    expect(header.string("LONGSTR")).toBe("This is a long string that ends here");
    expect(c.comment).toBe("first part second part");
    expect(c.text).toBe(first + cont);
    expect(c.valueText).toBe("'This is a long string that ends here'");
    expect(header.get("AFTER")?.index).toBe(3);
    expect(header.toString()).toBe(kv("SIMPLE", "T") + first + cont + kv("AFTER", "1") + END);
  });

  it("joins three cards, keeps quotes and spaces, and only present comments", () => {
    const a = kv("LONG", "'it''s &'");
    const b = card("CONTINUE  '  middle &' / mid");
    const c = card("CONTINUE  'end  '");
    const header = parseHeaderBytes(headerBytes([a, b, c]));
    expect(header.cards.length).toBe(1);
    const merged = header.cards[0]!;
    expect(merged.value).toEqual({ type: "string", value: "it's   middle end" });
    expect(merged.valueText).toBe("'it''s   middle end'");
    expect(merged.comment).toBe("mid");
    expect(merged.text).toBe(a + b + c);
    expect(merged.text.length).toBe(240);
  });

  it("has no comment when no part has one", () => {
    const header = parseHeaderBytes(headerBytes([kv("LONG", "'a&'"), card("CONTINUE  'b'")]));
    expect(header.cards[0]!.comment).toBeUndefined();
    expect(header.string("LONG")).toBe("ab");
  });

  it("joins HIERARCH long strings", () => {
    const header = parseHeaderBytes(
      headerBytes([card("HIERARCH ESO OBS NAME = 'part one &'"), card("CONTINUE  'part two'")]),
    );
    expect(header.string("ESO OBS NAME")).toBe("part one part two");
    expect(header.string("HIERARCH ESO OBS NAME")).toBe("part one part two");
    expect(header.cards[0]!.hierarch).toBe(true);
  });

  it("keeps a final '&' when no CONTINUE card follows", () => {
    const header = parseHeaderBytes(headerBytes([kv("AMP", "'rock & roll &'"), kv("NEXT", "1")]));
    expect(header.string("AMP")).toBe("rock & roll &");
    expect(header.cards.length).toBe(2);
  });

  it("keeps the last piece's '&' when the CONTINUE chain ends", () => {
    const header = parseHeaderBytes(
      headerBytes([kv("LONG", "'a&'"), card("CONTINUE  'b&'"), card("COMMENT   done")]),
    );
    expect(header.string("LONG")).toBe("ab&");
    expect(header.comments()).toEqual(["  done"]);
  });

  it("keeps a CONTINUE card that continues nothing as a card of kind continue", () => {
    const orphan = card("CONTINUE  'stray'");
    const header = parseHeaderBytes(headerBytes([kv("NOAMP", "'no ampersand'"), orphan, kv("X", "1")]));
    expect(header.cards.length).toBe(3);
    expect(header.string("NOAMP")).toBe("no ampersand");
    expect(header.cards[1]!.kind).toBe("continue");
    expect(header.cards[1]!.value).toEqual({ type: "string", value: "stray" });
    expect(header.cards[1]!.text).toBe(orphan);
    expect(header.has("CONTINUE")).toBe(false);
  });

  it("does not merge a CONTINUE card without a string into a continued string", () => {
    const header = parseHeaderBytes(headerBytes([kv("LONG", "'a&'"), card("CONTINUE  123")]));
    expect(header.string("LONG")).toBe("a&");
    expect(header.cards[1]!.kind).toBe("continue");
    expect(header.cards[1]!.value).toEqual({ type: "integer", value: 123n });
  });

  it("does not continue a non-string value", () => {
    const header = parseHeaderBytes(headerBytes([kv("NUM", "5"), card("CONTINUE  'x'")]));
    expect(header.integer("NUM")).toBe(5n);
    expect(header.cards[1]!.kind).toBe("continue");
  });
});

describe("HeaderParser", () => {
  it("parses a header spread over several blocks", () => {
    const cards = [kv("SIMPLE", "T")];
    for (let i = 0; i < 40; i++) cards.push(kv(`KEY${i}`, `${i}`));
    const bytes = headerBytes(cards);
    expect(bytes.length).toBe(2 * 2880);
    const parser = new HeaderParser({ file: "two.fits" });
    expect(parser.push(bytes.subarray(0, 2880))).toBe(false);
    expect(parser.done).toBe(false);
    expect(parser.push(bytes.subarray(2880))).toBe(true);
    expect(parser.done).toBe(true);
    const header = parser.finish();
    expect(header.blockCount).toBe(2);
    expect(header.cards.length).toBe(41);
    expect(header.integer("KEY39")).toBe(39n);
    expect(header.get("KEY39")?.index).toBe(40);
  });

  it("needs exactly one more block when END is the first card of a block", () => {
    const cards = [kv("SIMPLE", "T")];
    for (let i = 0; i < 35; i++) cards.push(kv(`K${i}`, "1"));
    const bytes = headerBytes(cards);
    expect(bytes.length).toBe(5760);
    const header = parseHeaderBytes(bytes);
    expect(header.blockCount).toBe(2);
    expect(header.cards.length).toBe(36);
  });

  it("throws MISSING_END from finish() when END was not seen", () => {
    const parser = new HeaderParser({ file: "noend.fits" });
    expect(parser.push(headerBytes([kv("SIMPLE", "T")], false))).toBe(false);
    const e = errorOf(() => parser.finish());
    expect(e.code).toBe("MISSING_END");
    expect(e.message).toBe("no END card in the header (1 blocks read)");
    expect(e.file).toBe("noend.fits");
  });

  it("stops at maxBlocks without END", () => {
    const parser = new HeaderParser({ maxBlocks: 3, file: "hostile.fits" });
    const blank = headerBytes([card("")], false);
    expect(parser.push(blank)).toBe(false);
    expect(parser.push(blank)).toBe(false);
    const e = errorOf(() => parser.push(blank));
    expect(e.code).toBe("MISSING_END");
    expect(e.message).toBe("no END card in the first 3 header blocks (the limit is 3 blocks)");
    expect(e.file).toBe("hostile.fits");
  });

  it("accepts END in the last allowed block", () => {
    const parser = new HeaderParser({ maxBlocks: 2 });
    expect(parser.push(headerBytes([card("")], false))).toBe(false);
    expect(parser.push(headerBytes([card("COMMENT last")]))).toBe(true);
    expect(parser.finish().blockCount).toBe(2);
  });

  it("applies the default limit of 10000 blocks", () => {
    const parser = new HeaderParser();
    const blank = new Uint8Array(2880).fill(32);
    for (let i = 0; i < 9999; i++) parser.push(blank);
    expect(parser.blockCount).toBe(9999);
    const e = errorOf(() => parser.push(blank));
    expect(e.code).toBe("MISSING_END");
    expect(e.message).toBe("no END card in the first 10000 header blocks (the limit is 10000 blocks)");
  });

  it("rejects an invalid maxBlocks", () => {
    expect(() => new HeaderParser({ maxBlocks: 0 })).toThrow(RangeError);
  });

  it("rejects a block that is not 2880 bytes", () => {
    const parser = new HeaderParser({ file: "short.fits" });
    const e = errorOf(() => parser.push(new Uint8Array(1000).fill(32)));
    expect(e.code).toBe("TRUNCATED_HEADER");
    expect(e.message).toBe("truncated header: header block 1 holds 1000 bytes, not 2880");
    expect(e.file).toBe("short.fits");
  });

  it("refuses blocks after END", () => {
    const parser = new HeaderParser();
    parser.push(headerBytes([kv("SIMPLE", "T")]));
    expect(() => parser.push(new Uint8Array(2880).fill(32))).toThrow("END card has already been seen");
  });

  it("ignores non-blank bytes after END in the last block", () => {
    const text = (kv("SIMPLE", "T") + END + "garbage \u00ff\u0001 not a card").padEnd(2880, "x");
    const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    const header = parseHeaderBytes(bytes);
    expect(header.cards.length).toBe(1);
    expect(header.toString()).toBe(kv("SIMPLE", "T") + END);
  });

  it("refuses a malformed mandatory card with its number and the file", () => {
    const cards = [kv("SIMPLE", "T")];
    for (let i = 0; i < 38; i++) cards.push(kv(`K${i}`, "1"));
    cards.push(kv("NAXIS2", "10 oops"));
    const e = errorOf(() => parseHeaderBytes(headerBytes(cards), "bad.fits"));
    expect(e.code).toBe("BAD_CARD");
    expect(e.message).toBe("card 40 (NAXIS2): unparsable value '10 oops'");
    expect(e.file).toBe("bad.fits");
    expect(e.describe()).toBe("bad.fits: card 40 (NAXIS2): unparsable value '10 oops'");
  });

  it.each([
    [kv("bitpix", "-32"), "card 2 (BITPIX): keyword 'bitpix' is not upper case"],
    [kv("BSCALE", "NaN"), "card 2 (BSCALE): 'NaN' is not a FITS number"],
    [kv("BZERO", "'0'  x"), "card 2 (BZERO): unexpected text 'x' after the string value"],
    [kv("BLANK", "-1 2"), "card 2 (BLANK): unparsable value '-1 2'"],
    [kv("NAXIS", "2\t"), "card 2 (NAXIS): character 0x09 at column 12 is not printable ASCII (32..126)"],
  ])("refuses the malformed mandatory card %s", (bad, message) => {
    const e = errorOf(() => parseHeaderBytes(headerBytes([kv("SIMPLE", "T"), bad])));
    expect(e.code).toBe("BAD_CARD");
    expect(e.message).toBe(message);
  });

  it("reads a byte outside printable ASCII in another card as '?', with a problem", () => {
    const bytes = headerBytes([kv("SIMPLE", "T"), kv("OBJECT", "'abc'")]);
    bytes[80 + 12] = 0xe9;
    const header = parseHeaderBytes(bytes, "latin.fits");
    expect(header.string("OBJECT")).toBe("a?c");
    expect(header.get("OBJECT")!.problems?.[0]?.what).toBe("character 0xE9 at column 13 is not printable ASCII (32..126)");
  });

  it("accepts a Uint8Array view at an offset into a larger buffer", () => {
    const inner = headerBytes([kv("SIMPLE", "T"), kv("NAXIS", "0")]);
    const big = new Uint8Array(inner.length + 100);
    big.set(inner, 100);
    const parser = new HeaderParser();
    expect(parser.push(big.subarray(100, 100 + 2880))).toBe(true);
    expect(parser.finish().integer("NAXIS")).toBe(0n);
  });
});

describe("parseHeaderBytes", () => {
  it("ignores bytes after the header (data, further HDUs, partial blocks)", () => {
    const head = headerBytes([kv("SIMPLE", "T")]);
    const bytes = new Uint8Array(head.length + 4000);
    bytes.set(head);
    const header = parseHeaderBytes(bytes);
    expect(header.blockCount).toBe(1);
    expect(header.logical("SIMPLE")).toBe(true);
  });

  it("rejects bytes that are not whole blocks and lack END", () => {
    const bytes = headerBytes([kv("SIMPLE", "T")], false).subarray(0, 2000);
    const e = errorOf(() => parseHeaderBytes(bytes, "cut.fits"));
    expect(e.code).toBe("TRUNCATED_HEADER");
    expect(e.message).toBe(
      "truncated header: 2000 bytes is not a whole number of 2880-byte blocks and no END card was found in the 0 complete blocks",
    );
    expect(e.file).toBe("cut.fits");
  });

  it("rejects whole blocks without END", () => {
    const bytes = headerBytes([kv("SIMPLE", "T"), ...Array.from({ length: 40 }, () => card(""))], false);
    const e = errorOf(() => parseHeaderBytes(bytes));
    expect(e.code).toBe("TRUNCATED_HEADER");
    expect(e.message).toBe("truncated header: no END card in 5760 bytes (2 blocks)");
  });

  it("rejects an empty input", () => {
    const e = errorOf(() => parseHeaderBytes(new Uint8Array(0)));
    expect(e.code).toBe("TRUNCATED_HEADER");
    expect(e.message).toBe("truncated header: no END card in 0 bytes (0 blocks)");
  });

  it("also builds from parsed cards directly", () => {
    const header = new FitsHeader([], 0);
    expect(header.cards).toEqual([]);
    expect(header.toString()).toBe("");
    expect(header.comments()).toEqual([]);
  });
});

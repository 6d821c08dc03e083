import { describe, it, expect } from "vitest";
import { type Card, isCommentary, parseCard } from "../../src/fits/card.js";
import { FitsError } from "../../src/fits/errors.js";

/** Pad a card image to 80 characters (it must not be longer). */
function card(text: string): string {
  if (text.length > 80) throw new Error(`test card longer than 80 characters: ${text}`);
  return text.padEnd(80, " ");
}

/** `KEYWORD = value` with the keyword padded to 8 columns. */
function kv(keyword: string, rest: string): string {
  return card(`${keyword.padEnd(8)}= ${rest}`);
}

function parse(text: string, index = 0): Card {
  return parseCard(text, index);
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

describe("parseCard: strings", () => {
  it("removes quotes and trims trailing spaces", () => {
    const c = parse(kv("OBJECT", "'M31     '           / the target"));
    expect(c.kind).toBe("value");
    expect(c.keyword).toBe("OBJECT");
    expect(c.hierarch).toBe(false);
    expect(c.value).toEqual({ type: "string", value: "M31" });
    expect(c.valueText).toBe("'M31     '");
    expect(c.comment).toBe("the target");
  });

  it("keeps leading spaces", () => {
    const c = parse(kv("OBJECT", "'  lead  '"));
    expect(c.value).toEqual({ type: "string", value: "  lead" });
    expect(c.comment).toBeUndefined();
  });

  it("turns doubled quotes into one quote", () => {
    const c = parse(kv("OBSERVER", "'O''HARA'"));
    expect(c.value).toEqual({ type: "string", value: "O'HARA" });
    expect(c.valueText).toBe("'O''HARA'");
  });

  it("handles a string that is only an escaped quote, and quotes at the end", () => {
    expect(parse(kv("A", "''''")).value).toEqual({ type: "string", value: "'" });
    expect(parse(kv("A", "'it'''")).value).toEqual({ type: "string", value: "it'" });
  });

  it("reads the null string '' as an empty string", () => {
    const c = parse(kv("EMPTY", "'' / null"));
    expect(c.value).toEqual({ type: "string", value: "" });
    expect(c.valueText).toBe("''");
    expect(c.comment).toBe("null");
  });

  it("reads a string of blanks as a single space (FITS 4.0 §4.2.1.1)", () => {
    expect(parse(kv("BLANKS", "'        '")).value).toEqual({ type: "string", value: " " });
  });

  it("does not treat a slash inside a string as a comment", () => {
    const c = parse(kv("PATH", "'a/b/c' / real comment / with slash"));
    expect(c.value).toEqual({ type: "string", value: "a/b/c" });
    expect(c.comment).toBe("real comment / with slash");
  });

  it("accepts a free-format string starting after column 11", () => {
    const c = parse(kv("FREE", "     'x'"));
    expect(c.value).toEqual({ type: "string", value: "x" });
    expect(c.valueText).toBe("'x'");
  });

  it("keeps a string that fills the card to column 80", () => {
    const body = "x".repeat(68);
    const c = parse(kv("LONG", `'${body}'`));
    expect(c.text.length).toBe(80);
    expect(c.value).toEqual({ type: "string", value: body });
  });

  it("reads an unterminated string to the end of the card, with a problem", () => {
    const c = parse(kv("OBJECT", "'M31 / oops"), 4);
    expect(c.value).toEqual({ type: "string", value: "M31 / oops" });
    expect(c.problems).toEqual([{ what: "unterminated string value (no closing quote)", fix: "read to the end of the card" }]);
  });

  it("reads text after the closing quote that is not a comment as the comment, with a problem", () => {
    const c = parse(kv("DATE", "'2020-01-01' extra"));
    expect(c.value).toEqual({ type: "string", value: "2020-01-01" });
    expect(c.comment).toBe("extra");
    expect(c.problems).toEqual([{ what: "unexpected text 'extra' after the string value", fix: "read as a comment" }]);
  });

  it("has no problems on a standard card", () => {
    expect(parse(kv("OBJECT", "'M31' / fine")).problems).toBeUndefined();
    expect(parse(kv("NAXIS", "2")).problems).toBeUndefined();
  });
});

describe("parseCard: logical, integer, real, complex, undefined", () => {
  it("reads logicals", () => {
    expect(parse(kv("SIMPLE", "                   T")).value).toEqual({ type: "logical", value: true });
    const f = parse(kv("EXTEND", "F / no"));
    expect(f.value).toEqual({ type: "logical", value: false });
    expect(f.valueText).toBe("F");
    expect(f.comment).toBe("no");
  });

  it("reads integers as bigint, including negative and signed", () => {
    expect(parse(kv("NAXIS", "                   2")).value).toEqual({ type: "integer", value: 2n });
    expect(parse(kv("NEG", "-17")).value).toEqual({ type: "integer", value: -17n });
    expect(parse(kv("POS", "+42")).value).toEqual({ type: "integer", value: 42n });
    expect(parse(kv("ZERO", "0")).value).toEqual({ type: "integer", value: 0n });
  });

  it("keeps integers beyond 32 and 53 bits exact", () => {
    expect(parse(kv("BIG32", "4294967297")).value).toEqual({ type: "integer", value: 4294967297n });
    // 2^53 + 1 is not representable as a double
    expect(parse(kv("BIG53", "9007199254740993")).value).toEqual({ type: "integer", value: 9007199254740993n });
    const huge = parse(kv("HUGE", "123456789012345678901234 / big"));
    expect(huge.value).toEqual({ type: "integer", value: 123456789012345678901234n });
    expect(huge.valueText).toBe("123456789012345678901234");
    expect(parse(kv("NEGBIG", "-9223372036854775808")).value).toEqual({
      type: "integer",
      value: -9223372036854775808n,
    });
  });

  it.each([
    ["1.5", 1.5],
    ["-1.", -1],
    [".5", 0.5],
    ["1E5", 100000],
    ["1.0D+03", 1000],
    ["1e-7", 1e-7],
    ["-2.5E-3", -0.0025],
    ["+.25d2", 25],
    ["3.", 3],
  ])("reads the real %s", (text, expected) => {
    const c = parse(kv("REAL", `${text} / r`));
    expect(c.value).toEqual({ type: "real", value: expected });
    expect(c.valueText).toBe(text);
    expect(c.comment).toBe("r");
  });

  it("keeps a real outside the double range as its text", () => {
    const c = parse(kv("HUGE", "1E400"));
    expect(c.value).toEqual({ type: "string", value: "1E400" });
    expect(c.problems).toEqual([{ what: "real value '1E400' is outside the range of a double", fix: "kept as the text" }]);
  });

  it.each([["NaN", NaN], ["nan", NaN], ["-Inf", -Infinity], ["+INFINITY", Infinity]])("reads %s as a non-finite real", (text, expected) => {
    const c = parse(kv("CRVAL3", text));
    expect(c.value).toEqual({ type: "real", value: expected });
    expect(c.problems).toEqual([{ what: `'${text}' is not a FITS number`, fix: `read as the real ${expected}` }]);
  });

  it("reads complex values with integer and real parts", () => {
    const i = parse(kv("CINT", "(1, 2) / ints"));
    expect(i.value).toEqual({ type: "complex", re: 1, im: 2 });
    expect(i.valueText).toBe("(1, 2)");
    expect(i.comment).toBe("ints");
    expect(parse(kv("CREAL", "(1.0, -2.5E1)")).value).toEqual({ type: "complex", re: 1, im: -25 });
    expect(parse(kv("CTIGHT", "(.5,1D2)")).value).toEqual({ type: "complex", re: 0.5, im: 100 });
  });

  it("keeps malformed complex values as their text", () => {
    const c = parse(kv("CBAD", "(1, x)"));
    expect(c.value).toEqual({ type: "string", value: "(1, x)" });
    expect(c.problems?.[0]?.what).toBe("unparsable complex value '(1, x)'");
    expect(parse(kv("CBAD", "(1, 2")).problems?.[0]?.what).toBe("unparsable value '(1, 2'");
  });

  it("reads an undefined value, with or without a comment", () => {
    const bare = parse(card("UNDEF   ="));
    expect(bare.kind).toBe("value");
    expect(bare.value).toEqual({ type: "undefined" });
    expect(bare.valueText).toBe("");
    expect(bare.comment).toBeUndefined();
    const commented = parse(kv("UNDEF", "      / nothing here"));
    expect(commented.value).toEqual({ type: "undefined" });
    expect(commented.comment).toBe("nothing here");
  });

  it("keeps an empty comment as an empty string", () => {
    const c = parse(kv("NAXIS", "2 /"));
    expect(c.comment).toBe("");
  });

  it.each([["1 2"], ["abc"], ["t"], ["1.2.3"], ["E5"], ["1.0E"], ["."], ["--1"]])(
    "keeps the unparsable value %s as its text",
    (text) => {
      const c = parse(kv("BAD", text), 9);
      expect(c.kind).toBe("value");
      expect(c.value).toEqual({ type: "string", value: text });
      expect(c.valueText).toBe(text);
      expect(c.problems).toEqual([{ what: `unparsable value '${text}'`, fix: "kept as the text" }]);
    },
  );
});

describe("parseCard: keywords and card kinds", () => {
  it("keeps the original text and index", () => {
    const text = kv("BITPIX", "16");
    const c = parse(text, 7);
    expect(c.text).toBe(text);
    expect(c.index).toBe(7);
  });

  it("reads keywords with digits, hyphen and underscore", () => {
    expect(parse(kv("DATE-OBS", "'2020-01-01'")).keyword).toBe("DATE-OBS");
    expect(parse(kv("MY_KEY1", "1")).keyword).toBe("MY_KEY1");
  });

  it("reads a lowercase keyword in upper case, with a problem", () => {
    const c = parse(kv("bunit", "'Jy/beam'"), 2);
    expect(c.kind).toBe("value");
    expect(c.keyword).toBe("BUNIT");
    expect(c.value).toEqual({ type: "string", value: "Jy/beam" });
    expect(c.problems).toEqual([{ what: "keyword 'bunit' is not upper case", fix: "read as BUNIT" }]);
  });

  it.each([["A.B"], [" NAXIS"], ["NA XIS"]])("drops the card of the invalid keyword '%s'", (keyword) => {
    const c = parse(kv(keyword, "2"));
    expect(c.kind).toBe("commentary");
    expect(c.value).toBeUndefined();
    expect(c.problems).toEqual([
      { what: `keyword '${keyword.trimEnd()}' may only hold A-Z, 0-9, '-' and '_', left-justified in columns 1-8`, fix: "the card is dropped" },
    ]);
  });

  it("reads characters outside ASCII 32..126 as '?' (a tab as a space), naming the column", () => {
    const tab = parse(kv("OBJECT", "'M31' /\ta comment"), 11);
    expect(tab.value).toEqual({ type: "string", value: "M31" });
    expect(tab.comment).toBe("a comment");
    expect(tab.problems).toEqual([{ what: "character 0x09 at column 18 is not printable ASCII (32..126)", fix: "read as a space" }]);
    const latin = parse(kv("OBSERVER", "'Jos\u00e9'"), 0);
    expect(latin.value).toEqual({ type: "string", value: "Jos?" });
    expect(latin.text).toBe(kv("OBSERVER", "'Jos\u00e9'"));
    expect(latin.problems).toEqual([{ what: "character 0xE9 at column 15 is not printable ASCII (32..126)", fix: "read as '?' (a tab as a space)" }]);
    const two = parse(kv("OBSERVER", "'\u00c5ngstr\u00f6m'"), 0);
    expect(two.value).toEqual({ type: "string", value: "?ngstr?m" });
    expect(two.problems?.[0]?.what).toBe("character 0xC5 at column 12 (and 1 more) is not printable ASCII (32..126)");
    const inKeyword = parse(card("OBJ\u0000CT = 1"), 0);
    expect(inKeyword.kind).toBe("commentary");
    expect(inKeyword.problems?.map((p) => p.fix)).toEqual(["read as '?' (a tab as a space)", "the card is dropped"]);
    const del = parse(card("COMMENT \u007f"), 0);
    expect(del.kind).toBe("commentary");
    expect(del.valueText).toBe("?");
  });

  it("rejects a card that is not 80 characters long", () => {
    const e = errorOf(() => parse("SIMPLE  =                    T", 0));
    expect(e.code).toBe("BAD_CARD");
    expect(e.message).toBe("card 1: a card must be 80 characters long, not 30");
  });

  it("reads END", () => {
    const c = parse(card("END"), 12);
    expect(c.kind).toBe("end");
    expect(c.keyword).toBe("END");
    expect(c.value).toBeUndefined();
  });

  it("reads COMMENT, HISTORY and blank-keyword cards as commentary", () => {
    const comment = parse(card("COMMENT   This is a comment / with a slash 'and quote"));
    expect(comment.kind).toBe("commentary");
    expect(comment.keyword).toBe("COMMENT");
    expect(comment.valueText).toBe("  This is a comment / with a slash 'and quote");
    expect(comment.value).toBeUndefined();
    expect(comment.comment).toBeUndefined();
    expect(isCommentary(comment)).toBe(true);

    const history = parse(card("HISTORY created"));
    expect(history.kind).toBe("commentary");
    expect(history.valueText).toBe("created");

    const blank = parse(card(""));
    expect(blank.kind).toBe("commentary");
    expect(blank.keyword).toBe("");
    expect(blank.valueText).toBe("");

    const blankText = parse(card("          some text"));
    expect(blankText.keyword).toBe("");
    expect(blankText.valueText).toBe("  some text");
  });

  it("treats COMMENT with '= ' as commentary, not a value", () => {
    const c = parse(card("COMMENT = 'not a value"));
    expect(c.kind).toBe("commentary");
    expect(c.valueText).toBe("= 'not a value");
  });

  it("treats a keyword without the value indicator as commentary", () => {
    const noEq = parse(card("DATE    '2020'"));
    expect(noEq.kind).toBe("commentary");
    expect(noEq.keyword).toBe("DATE");
    expect(noEq.valueText).toBe("'2020'");
    // "=" not followed by a space in column 10 is no value indicator; the value is read as cfitsio does
    const tight = parse(card("EXPTIME =2"));
    expect(tight.kind).toBe("value");
    expect(tight.value).toEqual({ type: "integer", value: 2n });
    expect(tight.problems).toEqual([{ what: "no value indicator ('= ' in columns 9-10)", fix: "the value after the '=' is read" }]);
    const late = parse(card("ABCDEFGH = word"));
    expect(late.keyword).toBe("ABCDEFGH");
    expect(late.value).toEqual({ type: "string", value: "word" });
  });

  it("value cards are not commentary", () => {
    expect(isCommentary(parse(kv("NAXIS", "2")))).toBe(false);
    expect(isCommentary(parse(card("END")))).toBe(false);
  });

  it("reads CONTINUE cards with a string value", () => {
    const c = parse(card("CONTINUE  'more text&'  / cont comment"));
    expect(c.kind).toBe("continue");
    expect(c.keyword).toBe("CONTINUE");
    expect(c.value).toEqual({ type: "string", value: "more text&" });
    expect(c.valueText).toBe("'more text&'");
    expect(c.comment).toBe("cont comment");
    expect(isCommentary(c)).toBe(true);
  });

  it("keeps a CONTINUE card with unparsable text, without a value", () => {
    const c = parse(card("CONTINUE  free text here"));
    expect(c.kind).toBe("continue");
    expect(c.value).toBeUndefined();
    expect(c.valueText).toBe("  free text here");
  });

  it("reads HIERARCH cards", () => {
    const c = parse(card("HIERARCH ESO DET CHIP ID = 'CCD-44' / chip name"));
    expect(c.kind).toBe("value");
    expect(c.hierarch).toBe(true);
    expect(c.keyword).toBe("ESO DET CHIP ID");
    expect(c.value).toEqual({ type: "string", value: "CCD-44" });
    expect(c.comment).toBe("chip name");

    const tight = parse(card("HIERARCH ESO TEL AIRM START=1.234"));
    expect(tight.keyword).toBe("ESO TEL AIRM START");
    expect(tight.value).toEqual({ type: "real", value: 1.234 });

    const int = parse(card("HIERARCH ESO DET NDIT = 12345678901234567890"));
    expect(int.value).toEqual({ type: "integer", value: 12345678901234567890n });
  });

  it("reads HIERARCH without '=' as commentary", () => {
    const c = parse(card("HIERARCH just some words"));
    expect(c.kind).toBe("commentary");
    expect(c.hierarch).toBe(false);
    expect(c.keyword).toBe("HIERARCH");
    expect(c.valueText).toBe(" just some words");
  });

  it("drops HIERARCH cards without a name or with a quoted name; reads a bad value leniently", () => {
    const noName = parse(card("HIERARCH = 5"), 1);
    expect(noName.kind).toBe("commentary");
    expect(noName.problems).toEqual([{ what: "HIERARCH card without a keyword name before '='", fix: "the card is dropped" }]);
    const badValue = parse(card("HIERARCH ESO X = 'open"), 1);
    expect(badValue.value).toEqual({ type: "string", value: "open" });
    expect(badValue.problems?.[0]?.what).toBe("unterminated string value (no closing quote)");
    const quoted = parse(card("HIERARCH 'ESO' X = 1"), 1);
    expect(quoted.problems?.[0]?.what).toBe("HIERARCH keyword name ''ESO' X' holds a quote or a slash");
  });

  it("errors (only for the card length) carry no file name (the header parser adds it)", () => {
    const e = errorOf(() => parse("SHORT", 0));
    expect(e.file).toBeUndefined();
    expect(e.describe()).toBe("card 1: a card must be 80 characters long, not 5");
  });
});

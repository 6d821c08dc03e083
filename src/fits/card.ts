/**
 * One FITS header card (an 80-character keyword record), parsed according to the
 * FITS standard 4.0, §4.1 (keyword records) and §4.2 (values).
 */

import { FitsError } from "./errors.js";

/** The length of a card (keyword record) in characters. */
export const CARD_LENGTH = 80;

export type CardValue =
  /** Quotes removed, `''` turned into `'`, trailing spaces trimmed (leading spaces kept). */
  | { type: "string"; value: string }
  | { type: "logical"; value: boolean }
  /** Any size, without loss. */
  | { type: "integer"; value: bigint }
  /** Fixed or exponent notation; a `D` exponent is accepted. */
  | { type: "real"; value: number }
  | { type: "complex"; re: number; im: number }
  /** `KEY     =` followed by nothing (or only a comment). */
  | { type: "undefined" };

export type CardKind = "value" | "commentary" | "continue" | "end";

export interface Card {
  /** 0-based card number in its header. */
  readonly index: number;
  /** Trimmed keyword; for HIERARCH cards the name after `HIERARCH ` (e.g. `ESO DET CHIP ID`). */
  readonly keyword: string;
  readonly hierarch: boolean;
  /**
   * `value`: `= ` in columns 9-10 (or HIERARCH with `=`); `commentary`: COMMENT, HISTORY, blank
   * keyword or any keyword without a value indicator; `continue`: CONTINUE; `end`: END.
   */
  readonly kind: CardKind;
  /** Present on `value` cards, and on `continue` cards whose text parses as a value. */
  readonly value?: CardValue;
  /**
   * The raw value text as it appears (trimmed), e.g. `'abc  '` or `1.0D+03`; `""` for an
   * undefined value. For commentary cards (and CONTINUE cards without a parsable value) the
   * text after column 8 with trailing spaces removed (leading spaces kept).
   */
  readonly valueText: string;
  /** The inline comment after `/`, trimmed, when present. */
  readonly comment?: string;
  /** The original 80 characters (several cards' texts for a merged CONTINUE string). */
  readonly text: string;
}

const COMMENTARY_KEYWORDS = new Set(["COMMENT", "HISTORY", ""]);
/** Columns 1-8: A-Z, 0-9, hyphen, underscore, left-justified and padded with spaces. */
const KEYWORD_FIELD = /^[A-Z0-9_-]*[ ]*$/;
const INTEGER = /^[+-]?[0-9]+$/;
/** Integer, fixed or exponent form; anything with a `.` or an exponent is a real. */
const REAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[EeDd][+-]?[0-9]+)?$/;
const COMPLEX = /^\(\s*([^,()\s]+)\s*,\s*([^,()\s]+)\s*\)$/;

/** A BAD_CARD error; `index` is 0-based, the message numbers cards from 1. */
export function badCard(index: number, keyword: string | undefined, what: string): FitsError {
  const where = keyword === undefined ? `card ${index + 1}` : `card ${index + 1} (${keyword})`;
  return new FitsError("BAD_CARD", `${where}: ${what}`);
}

/** True for COMMENT, HISTORY and blank-keyword cards and for CONTINUE cards that were not merged. */
export function isCommentary(card: Card): boolean {
  return card.kind === "commentary" || card.kind === "continue";
}

/** Parse one 80-character card. `index` is the 0-based card number in its header. */
export function parseCard(text: string, index: number): Card {
  if (text.length !== CARD_LENGTH) {
    throw badCard(index, undefined, `a card must be ${CARD_LENGTH} characters long, not ${text.length}`);
  }
  const keywordField = text.slice(0, 8);
  const keyword = keywordField.trimEnd();
  for (let i = 0; i < CARD_LENGTH; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code > 126) {
      const hex = code.toString(16).toUpperCase().padStart(2, "0");
      const name = /^[\x20-\x7e]{8}$/.test(keywordField) && keyword !== "" ? keyword : undefined;
      throw badCard(index, name, `character 0x${hex} at column ${i + 1} is not printable ASCII (32..126)`);
    }
  }
  if (!KEYWORD_FIELD.test(keywordField)) {
    throw badCard(
      index,
      keyword,
      `keyword '${keyword}' may only hold A-Z, 0-9, '-' and '_', left-justified in columns 1-8`,
    );
  }

  if (keyword === "END") {
    return { index, keyword, hierarch: false, kind: "end", valueText: "", text };
  }
  if (keyword === "HIERARCH") {
    const eq = text.indexOf("=", 8);
    if (eq >= 0) {
      const name = text.slice(8, eq).trim();
      if (name === "") throw badCard(index, keyword, "HIERARCH card without a keyword name before '='");
      if (/['/]/.test(name)) {
        throw badCard(index, keyword, `HIERARCH keyword name '${name}' holds a quote or a slash`);
      }
      return valueCard(text, index, name, true, "value", eq + 1);
    }
    // HIERARCH without "=" is plain commentary.
  }
  if (keyword === "CONTINUE") {
    // FITS 4.0 §4.2.1.2: columns 9-10 are blank and the string starts in column 11 or later.
    // A CONTINUE card whose text is not a value is kept without one (the header treats it as
    // commentary) rather than rejected.
    try {
      return valueCard(text, index, keyword, false, "continue", 8);
    } catch (e) {
      if (!(e instanceof FitsError)) throw e;
      return { index, keyword, hierarch: false, kind: "continue", valueText: text.slice(8).trimEnd(), text };
    }
  }
  if (!COMMENTARY_KEYWORDS.has(keyword) && text.startsWith("= ", 8)) {
    return valueCard(text, index, keyword, false, "value", 10);
  }
  return { index, keyword, hierarch: false, kind: "commentary", valueText: text.slice(8).trimEnd(), text };
}

interface ParsedValue {
  value: CardValue;
  valueText: string;
  comment?: string;
}

function valueCard(
  text: string,
  index: number,
  keyword: string,
  hierarch: boolean,
  kind: "value" | "continue",
  start: number,
): Card {
  const parsed = parseValueField(text.slice(start), index, keyword);
  const card: Card = { index, keyword, hierarch, kind, value: parsed.value, valueText: parsed.valueText, text };
  return parsed.comment === undefined ? card : { ...card, comment: parsed.comment };
}

/** Parse the value field (the text after the value indicator): value, then optional `/ comment`. */
function parseValueField(field: string, index: number, keyword: string): ParsedValue {
  let pos = 0;
  while (pos < field.length && field[pos] === " ") pos++;
  if (pos === field.length) return { value: { type: "undefined" }, valueText: "" };
  if (field[pos] === "'") return parseString(field, pos, index, keyword);

  const slash = field.indexOf("/", pos);
  const token = (slash < 0 ? field.slice(pos) : field.slice(pos, slash)).trim();
  const comment = slash < 0 ? undefined : field.slice(slash + 1).trim();
  const value = parseScalar(token, index, keyword);
  return comment === undefined ? { value, valueText: token } : { value, valueText: token, comment };
}

function parseString(field: string, open: number, index: number, keyword: string): ParsedValue {
  let content = "";
  let pos = open + 1;
  for (;;) {
    if (pos >= field.length) throw badCard(index, keyword, "unterminated string value (no closing quote)");
    const ch = field[pos]!;
    if (ch === "'") {
      if (field[pos + 1] === "'") {
        content += "'";
        pos += 2;
        continue;
      }
      break;
    }
    content += ch;
    pos++;
  }
  const close = pos;
  const valueText = field.slice(open, close + 1);
  // Trailing spaces are not significant (§4.2.1.1), but a string of blanks is an "empty" string
  // (nominally one space), distinct from the null string ''.
  let value = content.trimEnd();
  if (value === "" && content !== "") value = " ";

  const rest = field.slice(close + 1);
  const restTrimmed = rest.trimStart();
  if (restTrimmed === "") return { value: { type: "string", value }, valueText };
  if (restTrimmed[0] !== "/") {
    throw badCard(index, keyword, `unexpected text '${restTrimmed.trimEnd()}' after the string value`);
  }
  return { value: { type: "string", value }, valueText, comment: restTrimmed.slice(1).trim() };
}

function parseScalar(token: string, index: number, keyword: string): CardValue {
  if (token === "") return { type: "undefined" };
  if (token === "T") return { type: "logical", value: true };
  if (token === "F") return { type: "logical", value: false };
  if (INTEGER.test(token)) return { type: "integer", value: BigInt(token) };
  if (REAL.test(token)) return { type: "real", value: parseReal(token, index, keyword) };
  const complex = COMPLEX.exec(token);
  if (complex) {
    const [re, im] = [complex[1]!, complex[2]!].map((part) => {
      if (INTEGER.test(part) || REAL.test(part)) return parseReal(part, index, keyword);
      throw badCard(index, keyword, `unparsable complex value '${token}'`);
    }) as [number, number];
    return { type: "complex", re, im };
  }
  throw badCard(index, keyword, `unparsable value '${token}'`);
}

function parseReal(token: string, index: number, keyword: string): number {
  const value = Number(token.replace(/[dD]/, "E"));
  if (!Number.isFinite(value)) {
    throw badCard(index, keyword, `real value '${token}' is outside the range of a double`);
  }
  return value;
}

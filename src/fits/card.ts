/**
 * One FITS header card (an 80-character keyword record), parsed according to the
 * FITS standard 4.0, §4.1 (keyword records) and §4.2 (values).
 *
 * Parsing never fails on a malformed card: real archives hold cards that break the standard
 * (DSS's unquoted `SKEW = a, b`, lowercase keywords, Latin-1 bytes, `NaN`) and cfitsio opens
 * them. Each departure is recorded in the card's `problems`, with what was made of it; the
 * header parser refuses only the mandatory keywords' problems (see MANDATORY_KEYWORD).
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
  /** How the card departs from the standard, and what was read instead; absent when it does not. */
  readonly problems?: readonly CardProblem[];
}

export interface CardProblem {
  /** What is wrong, e.g. `unparsable value 'M31'`. */
  readonly what: string;
  /** What was made of it, e.g. `kept as the text`, `the card is dropped`. */
  readonly fix: string;
}

/**
 * Keywords whose problems refuse the file: they say where the data is and what its bytes mean
 * (FITS 4.0 §4.4.1: SIMPLE/XTENSION, BITPIX, NAXIS, NAXISn, PCOUNT, GCOUNT) or change its values
 * (BSCALE, BZERO, BLANK). Every other card is read leniently.
 */
export const MANDATORY_KEYWORD = /^(?:SIMPLE|XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK)$/;

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
  const problems: CardProblem[] = [];
  const clean = printable(text, problems);
  const keywordField = clean.slice(0, 8);
  let keyword = keywordField.trimEnd();
  if (!KEYWORD_FIELD.test(keywordField)) {
    const upper = keywordField.toUpperCase();
    if (KEYWORD_FIELD.test(upper) && upper.trimEnd() !== "END") {
      problems.push({ what: `keyword '${keyword}' is not upper case`, fix: `read as ${upper.trimEnd()}` });
      keyword = upper.trimEnd();
    } else {
      problems.push({
        what: `keyword '${keyword}' may only hold A-Z, 0-9, '-' and '_', left-justified in columns 1-8`,
        fix: "the card is dropped",
      });
      return withProblems({ index, keyword, hierarch: false, kind: "commentary", valueText: clean.slice(8).trimEnd(), text }, problems);
    }
  }

  if (keyword === "END" && problems.length === 0) {
    return { index, keyword, hierarch: false, kind: "end", valueText: "", text };
  }
  if (keyword === "HIERARCH") {
    const eq = clean.indexOf("=", 8);
    if (eq >= 0) {
      const name = clean.slice(8, eq).trim();
      const bad =
        name === "" ? "HIERARCH card without a keyword name before '='" :
        /['/]/.test(name) ? `HIERARCH keyword name '${name}' holds a quote or a slash` :
        undefined;
      if (bad !== undefined) {
        problems.push({ what: bad, fix: "the card is dropped" });
        return withProblems({ index, keyword, hierarch: false, kind: "commentary", valueText: clean.slice(8).trimEnd(), text }, problems);
      }
      return valueCard(clean, text, index, name, true, "value", eq + 1, problems);
    }
    // HIERARCH without "=" is plain commentary.
  }
  if (keyword === "CONTINUE") {
    // FITS 4.0 §4.2.1.2: columns 9-10 are blank and the string starts in column 11 or later.
    // A CONTINUE card whose text is not a clean value is kept without one (the header treats
    // it as commentary).
    const card = valueCard(clean, text, index, keyword, false, "continue", 8, []);
    if (card.problems === undefined) return withProblems(card, problems);
    return withProblems({ index, keyword, hierarch: false, kind: "continue", valueText: clean.slice(8).trimEnd(), text }, problems);
  }
  if (!COMMENTARY_KEYWORDS.has(keyword) && clean.startsWith("= ", 8)) {
    return valueCard(clean, text, index, keyword, false, "value", 10, problems);
  }
  const eq = /^ *=/.exec(clean.slice(8));
  if (!COMMENTARY_KEYWORDS.has(keyword) && keyword !== "HIERARCH" && eq !== null) {
    // `ABCDEFGH = value` or `KEY     =value`: the standard reads it as commentary, but it is
    // meant as a value, and cfitsio reads the value after the '='.
    problems.push({ what: "no value indicator ('= ' in columns 9-10)", fix: "the value after the '=' is read" });
    return valueCard(clean, text, index, keyword, false, "value", 8 + eq[0].length, problems);
  }
  return withProblems({ index, keyword, hierarch: false, kind: "commentary", valueText: clean.slice(8).trimEnd(), text }, problems);
}

/**
 * The card with every byte outside printable ASCII replaced: a tab by a space, anything else
 * (a Latin-1 letter, a control byte) by '?', so that every value read from it is ASCII, as
 * CARTA's header cards (fixed-length ASCII strings) must be.
 */
function printable(text: string, problems: CardProblem[]): string {
  let out = "";
  let first: string | undefined;
  let count = 0;
  let tabsOnly = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 32 && code <= 126) {
      out += text[i];
      continue;
    }
    first ??= `character 0x${code.toString(16).toUpperCase().padStart(2, "0")} at column ${i + 1}`;
    count++;
    if (code !== 9) tabsOnly = false;
    out += code === 9 ? " " : "?";
  }
  if (first !== undefined) {
    const more = count > 1 ? ` (and ${count - 1} more)` : "";
    problems.push({
      what: `${first}${more} is not printable ASCII (32..126)`,
      fix: tabsOnly ? "read as a space" : "read as '?' (a tab as a space)",
    });
  }
  return out;
}

function withProblems(card: Card, problems: readonly CardProblem[]): Card {
  return problems.length === 0 ? card : { ...card, problems: [...(card.problems ?? []), ...problems] };
}

interface ParsedValue {
  value: CardValue;
  valueText: string;
  comment?: string;
}

function valueCard(
  clean: string,
  text: string,
  index: number,
  keyword: string,
  hierarch: boolean,
  kind: "value" | "continue",
  start: number,
  problems: CardProblem[],
): Card {
  const own: CardProblem[] = [];
  const parsed = parseValueField(clean.slice(start), own);
  const card: Card = { index, keyword, hierarch, kind, value: parsed.value, valueText: parsed.valueText, text };
  const withComment = parsed.comment === undefined ? card : { ...card, comment: parsed.comment };
  return withProblems(withComment, [...problems, ...own]);
}

/** Parse the value field (the text after the value indicator): value, then optional `/ comment`. */
function parseValueField(field: string, problems: CardProblem[]): ParsedValue {
  let pos = 0;
  while (pos < field.length && field[pos] === " ") pos++;
  if (pos === field.length) return { value: { type: "undefined" }, valueText: "" };
  if (field[pos] === "'") return parseString(field, pos, problems);

  const slash = field.indexOf("/", pos);
  const token = (slash < 0 ? field.slice(pos) : field.slice(pos, slash)).trim();
  const comment = slash < 0 ? undefined : field.slice(slash + 1).trim();
  const value = parseScalar(token, problems);
  return comment === undefined ? { value, valueText: token } : { value, valueText: token, comment };
}

function parseString(field: string, open: number, problems: CardProblem[]): ParsedValue {
  let content = "";
  let pos = open + 1;
  let closed = false;
  while (pos < field.length) {
    const ch = field[pos]!;
    if (ch === "'") {
      if (field[pos + 1] === "'") {
        content += "'";
        pos += 2;
        continue;
      }
      closed = true;
      break;
    }
    content += ch;
    pos++;
  }
  // Trailing spaces are not significant (§4.2.1.1), but a string of blanks is an "empty" string
  // (nominally one space), distinct from the null string ''.
  let value = content.trimEnd();
  if (value === "" && content !== "") value = " ";
  if (!closed) {
    // cfitsio reads an unterminated string to the end of the card.
    problems.push({ what: "unterminated string value (no closing quote)", fix: "read to the end of the card" });
    return { value: { type: "string", value }, valueText: `'${value.replace(/'/g, "''")}'` };
  }
  const valueText = field.slice(open, pos + 1);
  const rest = field.slice(pos + 1).trim();
  if (rest === "") return { value: { type: "string", value }, valueText };
  if (rest[0] === "/") return { value: { type: "string", value }, valueText, comment: rest.slice(1).trim() };
  problems.push({ what: `unexpected text '${rest}' after the string value`, fix: "read as a comment" });
  return { value: { type: "string", value }, valueText, comment: rest };
}

/** Not-a-number and infinity as some writers put them (not FITS numbers). */
const NON_FINITE = /^([+-]?)(nan|inf|infinity)$/i;

function parseScalar(token: string, problems: CardProblem[]): CardValue {
  if (token === "") return { type: "undefined" };
  if (token === "T") return { type: "logical", value: true };
  if (token === "F") return { type: "logical", value: false };
  if (INTEGER.test(token)) return { type: "integer", value: BigInt(token) };
  if (REAL.test(token)) {
    const value = Number(token.replace(/[dD]/, "E"));
    if (Number.isFinite(value)) return { type: "real", value };
    return asText(token, `real value '${token}' is outside the range of a double`, problems);
  }
  const nonFinite = NON_FINITE.exec(token);
  if (nonFinite !== null) {
    const value = nonFinite[2]!.toLowerCase() === "nan" ? NaN : nonFinite[1] === "-" ? -Infinity : Infinity;
    problems.push({ what: `'${token}' is not a FITS number`, fix: `read as the real ${value}` });
    return { type: "real", value };
  }
  const complex = COMPLEX.exec(token);
  if (complex) {
    const parts = [complex[1]!, complex[2]!];
    if (parts.every((part) => (INTEGER.test(part) || REAL.test(part)) && Number.isFinite(Number(part.replace(/[dD]/, "E"))))) {
      const [re, im] = parts.map((part) => Number(part.replace(/[dD]/, "E"))) as [number, number];
      return { type: "complex", re, im };
    }
    return asText(token, `unparsable complex value '${token}'`, problems);
  }
  return asText(token, `unparsable value '${token}'`, problems);
}

/** A value that is none of the FITS types (an unquoted word, `1.0, 2.0`): kept as its text. */
function asText(token: string, what: string, problems: CardProblem[]): CardValue {
  problems.push({ what, fix: "kept as the text" });
  return { type: "string", value: token };
}

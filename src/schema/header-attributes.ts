/**
 * The FITS header as attributes of group `0`, typed as the schema says and as CARTA reads them
 * (CARTA rebuilds the header from these attributes, in creation order, one 80-column card each).
 * Pure: header in, attribute list and warnings out.
 */
import type { Beam } from "../fits/beams.js";
import type { Card } from "../fits/card.js";
import type { FitsHeader } from "../fits/header.js";
import { permuteAxisKeywords, type AxisMapping } from "./axis-keywords.js";
import { SCHEMA_VERSION, type Shape4 } from "./layout.js";

export type AttributeValue =
  | { type: "string"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "int"; value: bigint }
  | { type: "float"; value: number }
  | { type: "strings"; value: string[] };

export type Attribute = readonly [name: string, value: AttributeValue];

export interface HeaderAttributes {
  /** Attributes of group `0`, in creation order. */
  readonly group0: Attribute[];
  /** Attributes of the root group: COMMENT, HISTORY, full values of shortened strings, the source header. */
  readonly root: Attribute[];
  readonly warnings: string[];
}

/**
 * Longest string that fits a card as CARTA writes it: `KEYWORD = 'value'` in 80 columns,
 * the keyword padded to 8, so 80 - 10 - 2 quotes = 68 characters inside the quotes.
 */
export const MAX_CARD_STRING = 68;

/** Keywords that describe the source's storage, not DATA's: DATA is physical float32. */
const STORAGE_KEYWORDS = new Set(["BSCALE", "BZERO", "BLANK"]);
/** Extension-only mandatory keywords, not part of a primary header. */
const EXTENSION_KEYWORDS = new Set(["XTENSION", "PCOUNT", "GCOUNT"]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export interface HeaderExtras {
  /**
   * A beam to add as BMAJ, BMIN, BPA (degrees, float64) when the header has none of its own:
   * the median-area beam of a BEAMS table, or an AIPS HISTORY beam (src/fits/image-beams.ts).
   * CARTA reads a beam from an HDF5 file only through these cards.
   */
  readonly beam?: Beam;
}

export function headerAttributes(
  header: FitsHeader,
  shape: Shape4,
  converter: { name: string; version: string },
  /** Which FITS axes the shape's axes are (src/schema/axes.ts): axis keywords are renamed to match. */
  axes?: AxisMapping,
  extras: HeaderExtras = {},
): HeaderAttributes {
  const group0: Attribute[] = [
    ["SCHEMA_VERSION", { type: "string", value: SCHEMA_VERSION }],
    ["HDF5_CONVERTER", { type: "string", value: converter.name }],
    ["HDF5_CONVERTER_VERSION", { type: "string", value: converter.version }],
  ];
  const root: Attribute[] = [];
  const warnings: string[] = [];
  const seen = new Set(group0.map(([name]) => name));
  const add = (name: string, value: AttributeValue): void => {
    if (seen.has(name)) {
      warnings.push(`header keyword ${name} appears more than once: only the first is kept`);
      return;
    }
    seen.add(name);
    group0.push([name, value]);
  };

  let beam = extras.beam;
  const beamAfter = beam === undefined ? -1 : beamPlace(header);
  for (const card of header.cards) {
    if (beam !== undefined && card.index > beamAfter) {
      addBeam(beam, add);
      beam = undefined;
    }
    for (const problem of card.problems ?? []) warnings.push(`${cardName(card)}: ${problem.what}; ${problem.fix}`);
    if (card.kind !== "value") continue; // COMMENT, HISTORY, blank and orphan CONTINUE: kept on the root group
    const name = card.hierarch ? `HIERARCH ${card.keyword}` : card.keyword;
    const axis = /^NAXIS(\d+)$/.exec(name);
    if (name === "XTENSION" && card.index === 0) {
      add("SIMPLE", { type: "bool", value: true });
      continue;
    }
    if (EXTENSION_KEYWORDS.has(name) || STORAGE_KEYWORDS.has(name)) continue;
    if (name === "BITPIX") {
      add(name, { type: "int", value: -32n });
      continue;
    }
    if (name === "NAXIS") {
      add(name, { type: "int", value: BigInt(shape.naxis) });
      continue;
    }
    if (axes === undefined && axis !== null && Number(axis[1]) > shape.naxis) continue; // degenerate axes dropped
    const typed = typedValue(card, warnings);
    if (typed.type === "string") {
      const fitted = fitStringToCard(typed.value, cardStringRoom(name));
      if (fitted !== typed.value.replace(/'/g, "''")) {
        warnings.push(`header keyword ${name}: its ${typed.value.length}-character string is shortened in group 0 to fit one card; the full value is kept in the root attribute LONGSTRN.${name}`);
        root.push([`LONGSTRN.${name}`, { type: "string", value: typed.value }]);
      }
      add(name, { type: "string", value: fitted });
    } else {
      add(name, typed);
    }
  }

  if (beam !== undefined) addBeam(beam, add);

  const comments = header.comments();
  const history = header.history();
  if (comments.length > 0) root.push(["COMMENT", { type: "strings", value: comments }]);
  if (history.length > 0) root.push(["HISTORY", { type: "strings", value: history }]);
  return { group0: axes === undefined ? group0 : permuteAxisKeywords(group0, axes), root, warnings };
}

/**
 * Where the beam cards go: after CASAMBM (which announces the beams), else after EXTEND or the
 * last NAXISn: where CASA's exportfits puts BMAJ, BMIN, BPA. The card index they follow.
 */
function beamPlace(header: FitsHeader): number {
  const casambm = header.get("CASAMBM");
  if (casambm !== undefined) return casambm.index;
  let last = 0;
  for (const card of header.cards) if (card.kind === "value" && /^(?:NAXIS\d*|EXTEND)$/.test(card.keyword)) last = card.index;
  return last;
}

function addBeam(beam: Beam, add: (name: string, value: AttributeValue) => void): void {
  add("BMAJ", { type: "float", value: beam.bmaj });
  add("BMIN", { type: "float", value: beam.bmin });
  add("BPA", { type: "float", value: beam.bpa });
}

/** `card 12 (OBSERVER)`: the card number from 1, as FITS readers count them. */
function cardName(card: Card): string {
  return card.keyword === "" ? `header card ${card.index + 1}` : `header card ${card.index + 1} (${card.keyword})`;
}

/**
 * The type of a value card's attribute: quoted → string, T/F → bool, a real (a dot or an
 * exponent) → float64, an integer → int64. Deliberate fixes over the reference: exponent forms
 * without a dot are reals, and integers beyond 32 bits stay exact int64. Values that cannot be
 * one of those (complex numbers, integers beyond 64 bits, undefined values) are kept as their
 * raw text, with a warning.
 */
function typedValue(card: Card, warnings: string[]): AttributeValue {
  const value = card.value;
  switch (value?.type) {
    case "string":
      return { type: "string", value: value.value };
    case "logical":
      return { type: "bool", value: value.value };
    case "real":
      return { type: "float", value: value.value };
    case "integer":
      if (value.value >= INT64_MIN && value.value <= INT64_MAX) return { type: "int", value: value.value };
      warnings.push(`header keyword ${card.keyword}: integer ${card.valueText} does not fit 64 bits; kept as text`);
      return { type: "string", value: card.valueText };
    case "complex":
      warnings.push(`header keyword ${card.keyword}: complex value ${card.valueText} kept as text`);
      return { type: "string", value: card.valueText };
    default:
      return { type: "string", value: card.valueText };
  }
}

/**
 * Characters that fit between the quotes of CARTA's card for this attribute name: the name
 * takes at least 8 columns, then `= '` and the closing quote (68 for a standard keyword; less
 * for a longer HIERARCH name, which CARTA writes in full).
 */
export function cardStringRoom(name: string): number {
  return Math.max(0, 80 - Math.max(8, name.length) - 4);
}

/**
 * The string as it must stand between quotes in CARTA's card: quotes doubled (CARTA does not
 * escape them, so an undoubled quote would end the string early), cut to fit the card (`room`
 * characters: {@link cardStringRoom}) without splitting a doubled quote, trailing spaces dropped.
 */
export function fitStringToCard(value: string, room = MAX_CARD_STRING): string {
  const escaped = value.replace(/'/g, "''");
  if (escaped.length <= room) return escaped;
  let cut = escaped.slice(0, room);
  // An odd run of quotes at the end means a doubled quote was split: drop its first half.
  const run = /'+$/.exec(cut)?.[0].length ?? 0;
  if (run % 2 === 1) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Group `0`'s attributes as the header cards CARTA rebuilds from them (carta-backend
 * Hdf5Attributes::ReadAttributes): in creation order, one card per scalar attribute, the name
 * left-justified in 8 columns, then `= ` and the value: an integer in decimal, a boolean
 * (uint8, or a signed 32-bit integer) as T or F, a float as C's `%#.13G`, a string between
 * single quotes exactly as stored (no escaping), padded with spaces to 80 columns and never
 * cut: a longer card stays longer. A non-scalar attribute leaves an empty card. Pure.
 */
import type { AttributeInfo } from "../hdf5/reader.js";

/** CARTA's card for an attribute, or undefined where CARTA leaves an empty one (non-scalar, unknown type). */
export function cartaCard(a: AttributeInfo): string | undefined {
  if (a.shape === null || a.shape.length !== 0) return undefined;
  const t = a.type;
  let value: string;
  if (t.class === "integer") {
    const bool = (t.size === 1 && !t.signed) || (t.size === 4 && t.signed);
    value = bool ? (Number(a.value) !== 0 ? "T" : "F") : BigInt(a.value as bigint | number).toString();
  } else if (t.class === "float") {
    value = formatG13(Number(a.value));
  } else if (t.class === "string") {
    // A variable-length string reads as '' (CARTA reads fixed-length strings only).
    value = `'${t.vlen ? "" : String(a.value)}'`;
  } else {
    return undefined;
  }
  return `${a.name.padEnd(8)}= ${value}`.padEnd(80);
}

/**
 * C's `%#.13G`: 13 significant digits, trailing zeros and the point kept; exponent form (`E+05`,
 * at least two digits) when the exponent is below -4 or at least 13; `NAN`, `INF`, `-INF`.
 */
export function formatG13(x: number): string {
  if (Number.isNaN(x)) return "NAN";
  if (!Number.isFinite(x)) return x > 0 ? "INF" : "-INF";
  const precision = 13;
  const [mantissa, exponentText] = x.toExponential(precision - 1).split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= precision) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa.toUpperCase()}E${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const fixed = (Object.is(x, -0) ? "-" : "") + x.toFixed(precision - 1 - exponent);
  return fixed.includes(".") ? fixed : `${fixed}.`;
}

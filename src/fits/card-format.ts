/**
 * Formatting of header cards, the inverse of parsing: used to write FITS files (sample data,
 * test fixtures, benchmark cubes). Values follow FITS 4.0 fixed format where it applies.
 */

export type CardInput = string | number | bigint | boolean | null;

const CARD = 80;

/** Right-justify a value in columns 11–30 as the fixed format asks for numbers and logicals. */
function fixed(text: string): string {
  return text.length >= 20 ? text : text.padStart(20);
}

/** A real number written so that it parses back to the same float64, always with a dot or exponent. */
export function formatReal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`FITS cannot hold the real value ${value}`);
  let text = String(value).toUpperCase();
  if (!/[.E]/.test(text)) text += ".0";
  return text;
}

export function formatValue(value: CardInput): string {
  if (value === null) return "";
  if (typeof value === "boolean") return fixed(value ? "T" : "F");
  if (typeof value === "bigint") return fixed(value.toString());
  if (typeof value === "number") return fixed(Number.isInteger(value) && Math.abs(value) < 1e21 && !Object.is(value, -0) ? String(value) : formatReal(value));
  // Strings: quotes doubled, at least 8 characters inside the quotes (FITS 4.0 §4.2.1.1).
  return `'${value.replace(/'/g, "''").padEnd(8)}'`;
}

/**
 * One card of 80 characters. A string value too long for one card is written with the
 * CONTINUE long-string convention and comes back as several cards joined into one string.
 */
export function formatCard(keyword: string, value: CardInput, comment?: string): string {
  if (!/^[A-Z0-9_-]{0,8}$/.test(keyword)) throw new RangeError(`invalid FITS keyword '${keyword}'`);
  if (typeof value === "string" && formatValue(value).length > 70) return formatLongString(keyword, value, comment);
  let card = `${keyword.padEnd(8)}= ${formatValue(value)}`;
  if (comment !== undefined && comment !== "") card += ` / ${comment}`;
  if (card.length > CARD) card = card.slice(0, CARD);
  return card.padEnd(CARD);
}

/** A commentary card: COMMENT, HISTORY or a blank keyword, text cut at 72 characters. */
export function formatCommentary(keyword: "COMMENT" | "HISTORY" | "", text: string): string {
  return (keyword.padEnd(8) + text).slice(0, CARD).padEnd(CARD);
}

function formatLongString(keyword: string, value: string, comment?: string): string {
  // Each piece ends with '&' except the last; doubled quotes must not be split.
  const pieces: string[] = [];
  let rest = value;
  const firstRoom = CARD - 10 - 3; // 'text&'
  const nextRoom = CARD - 10 - 3;
  let room = firstRoom;
  while (rest.length > 0) {
    let take = Math.min(rest.length, room);
    let escaped = rest.slice(0, take).replace(/'/g, "''");
    while (escaped.length > room) {
      take -= 1;
      escaped = rest.slice(0, take).replace(/'/g, "''");
    }
    pieces.push(escaped);
    rest = rest.slice(take);
    room = nextRoom;
  }
  const cards = pieces.map((piece, i) => {
    const last = i === pieces.length - 1;
    const head = i === 0 ? `${keyword.padEnd(8)}= ` : "CONTINUE  ";
    let card = `${head}'${piece}${last ? "" : "&"}'`;
    if (last && comment) card += ` / ${comment}`;
    return card.slice(0, CARD).padEnd(CARD);
  });
  return cards.join("");
}

/**
 * The header of the image a tile-compressed table holds, as cfitsio presents it
 * (fits_img_decompress_header into an empty file, imcomp_copy_comp2img): the Z-keywords that
 * preserve the original image's mandatory keywords take their names back (ZSIMPLE → SIMPLE,
 * ZTENSION → XTENSION, ZBITPIX → BITPIX, ZNAXISn → NAXISn, ZPCOUNT/ZGCOUNT, ZEXTEND, ZBLOCKED,
 * ZHECKSUM/ZDATASUM → CHECKSUM/DATASUM of the uncompressed image); the table's own structure
 * and compression keywords are dropped, as is the default EXTNAME 'COMPRESSED_IMAGE'. Every
 * other card is kept in its place. Pure.
 */
import { CARD_LENGTH, parseCard, type Card } from "../card.js";
import { CARDS_PER_BLOCK, FitsHeader } from "../header.js";

/** Z-keywords restored to the original image's keyword. */
const RESTORED: ReadonlyMap<string, string> = new Map([
  ["ZSIMPLE", "SIMPLE"],
  ["ZTENSION", "XTENSION"],
  ["ZBITPIX", "BITPIX"],
  ["ZNAXIS", "NAXIS"],
  ["ZEXTEND", "EXTEND"],
  ["ZBLOCKED", "BLOCKED"],
  ["ZPCOUNT", "PCOUNT"],
  ["ZGCOUNT", "GCOUNT"],
  ["ZHECKSUM", "CHECKSUM"],
  ["ZDATASUM", "DATASUM"],
]);

/** The table's keywords, which describe the compressed storage and not the image. */
const DROPPED = new Set([
  "XTENSION", "BITPIX", "NAXIS", "PCOUNT", "GCOUNT", "TFIELDS", "THEAP", "ZIMAGE", "ZQUANTIZ",
  "ZDITHER0", "ZCMPTYPE", "ZBLANK", "CHECKSUM", "DATASUM",
]);
/** Indexed table keywords dropped likewise (NAXISn, TTYPEn, TFORMn, ZTILEn, ZNAMEn, ZVALn). */
const DROPPED_INDEXED = /^(NAXIS|TTYPE|TFORM|ZTILE|ZNAME|ZVAL)\d+$/;

/** The image's header from the compressed-image table's header. */
export function compressedImageHeader(table: FitsHeader): FitsHeader {
  const restoresStructure = table.has("ZSIMPLE") || table.has("ZTENSION");
  const texts: string[] = [];
  if (!restoresStructure) {
    // Neither ZSIMPLE nor ZTENSION: cfitsio writes a primary header from ZBITPIX and ZNAXISn
    // and drops the Z-keywords that would restore them (ZHECKSUM/ZDATASUM included).
    const naxis = Number(table.get("ZNAXIS")?.valueText ?? 0);
    texts.push(valueCard("SIMPLE", "T", "file does conform to FITS standard"));
    texts.push(valueCard("BITPIX", table.get("ZBITPIX")?.valueText ?? "8", "number of bits per data pixel"));
    texts.push(valueCard("NAXIS", String(naxis), "number of data axes"));
    for (let j = 1; j <= naxis; j++) texts.push(valueCard(`NAXIS${j}`, table.get(`ZNAXIS${j}`)?.valueText ?? "0", `length of data axis ${j}`));
  }
  let keepContinuation = false;
  for (const card of table.rawCards) {
    if (card.kind === "end") break;
    if (card.kind === "continue") {
      if (keepContinuation) texts.push(card.text);
      continue;
    }
    const name = translated(card, restoresStructure);
    keepContinuation = name !== undefined;
    if (name === undefined) continue;
    texts.push(name === card.keyword ? card.text : renamed(card.text, name));
  }
  const cards: Card[] = mandatoryFirst(texts).map((text, i) => parseCard(text, i));
  cards.push(parseCard("END".padEnd(CARD_LENGTH), cards.length));
  return new FitsHeader(cards, Math.ceil(cards.length / CARDS_PER_BLOCK), table.file);
}

/**
 * The mandatory keywords first, in the standard's order (SIMPLE or XTENSION, BITPIX, NAXIS,
 * NAXISn, then PCOUNT and GCOUNT of an extension): fpack writes ZTENSION after the table's
 * EXTNAME, and a header must start with them.
 */
function mandatoryFirst(texts: readonly string[]): string[] {
  const keywordOf = (text: string): string => text.slice(0, 8).trim();
  const order = (keyword: string): number => {
    if (keyword === "SIMPLE" || keyword === "XTENSION") return 0;
    if (keyword === "BITPIX") return 1;
    if (keyword === "NAXIS") return 2;
    const axis = /^NAXIS(\d+)$/.exec(keyword);
    if (axis !== null) return 3 + Number(axis[1]) / 1000;
    if (keyword === "PCOUNT") return 4;
    if (keyword === "GCOUNT") return 5;
    return -1;
  };
  const first = texts.filter((t) => text80IsValue(t) && order(keywordOf(t)) >= 0);
  first.sort((a, b) => order(keywordOf(a)) - order(keywordOf(b)));
  return [...first, ...texts.filter((t) => !(text80IsValue(t) && order(keywordOf(t)) >= 0))];
}

function text80IsValue(text: string): boolean {
  return text.slice(8, 10) === "= ";
}

/** The keyword a table card has in the image header; undefined: dropped. */
function translated(card: Card, restoresStructure: boolean): string | undefined {
  const keyword = card.keyword;
  if (card.kind !== "value" || card.hierarch) return keyword;
  if (/^ZNAXIS\d+$/.test(keyword)) return restoresStructure ? keyword.slice(1) : undefined;
  const restored = RESTORED.get(keyword);
  if (restored !== undefined) return restoresStructure ? restored : undefined;
  if (DROPPED.has(keyword) || DROPPED_INDEXED.test(keyword)) return undefined;
  if (keyword === "EXTNAME" && card.value?.type === "string" && card.value.value.trim() === "COMPRESSED_IMAGE") return undefined;
  return keyword;
}

/** The card's text with its keyword (columns 1–8) replaced. */
function renamed(text: string, keyword: string): string {
  return keyword.padEnd(8) + text.slice(8);
}

function valueCard(keyword: string, value: string, comment: string): string {
  return `${keyword.padEnd(8)}= ${value.padStart(20)} / ${comment}`.slice(0, CARD_LENGTH).padEnd(CARD_LENGTH);
}

/**
 * An ordered FITS header (FITS standard 4.0, §4), and an incremental parser that is fed
 * one 2880-byte block at a time so that headers can stream from files or gzip.
 */

import { Buffer } from "node:buffer";
import { type Card, type CardValue, CARD_LENGTH, MANDATORY_KEYWORD, badCard, parseCard } from "./card.js";
import { FitsError, truncatedHeader } from "./errors.js";

/** The size of a FITS block in bytes. */
export const BLOCK_SIZE = 2880;
/** Cards per 2880-byte block. */
export const CARDS_PER_BLOCK = BLOCK_SIZE / CARD_LENGTH;
/** Default limit on the number of header blocks read before END (HeaderParser's maxBlocks). */
export const DEFAULT_MAX_HEADER_BLOCKS = 10000;

export class FitsHeader {
  /** The cards in order, END excluded, CONTINUE strings merged into the card they continue. */
  readonly cards: readonly Card[];
  /** The cards as read, one per 80 characters, including unmerged CONTINUE cards and END. */
  readonly rawCards: readonly Card[];
  /** The number of 2880-byte blocks the header occupied. */
  readonly blockCount: number;
  /** The file the header came from, when known (named in errors). */
  readonly file: string | undefined;
  private readonly byKeyword = new Map<string, Card[]>();

  /**
   * `rawCards` are the parsed cards of the header in order, as returned by parseCard; an END
   * card, if among them, ends the header (it and anything after it are not cards of the header).
   */
  constructor(rawCards: readonly Card[], blockCount: number, file?: string) {
    const end = rawCards.findIndex((c) => c.kind === "end");
    this.rawCards = end < 0 ? rawCards.slice() : rawCards.slice(0, end + 1);
    this.blockCount = blockCount;
    this.file = file;
    this.cards = mergeContinuations(end < 0 ? this.rawCards : this.rawCards.slice(0, end));
    for (const card of this.cards) {
      if (card.kind !== "value") continue;
      const list = this.byKeyword.get(card.keyword);
      if (list) list.push(card);
      else this.byKeyword.set(card.keyword, [card]);
    }
  }

  /** The first value card with that keyword (for HIERARCH cards, the name after `HIERARCH `). */
  get(keyword: string): Card | undefined {
    return this.byKeyword.get(normalizeKeyword(keyword))?.[0];
  }

  /** All value cards with that keyword, in order (duplicated keywords are kept). */
  getAll(keyword: string): readonly Card[] {
    return this.byKeyword.get(normalizeKeyword(keyword)) ?? [];
  }

  has(keyword: string): boolean {
    return this.byKeyword.has(normalizeKeyword(keyword));
  }

  /**
   * The typed getters return undefined when the keyword is absent or has an undefined value,
   * and throw a BAD_KEYWORD FitsError when it is present with a value of another type.
   */
  string(keyword: string): string | undefined {
    const value = this.typed(keyword);
    if (value === undefined) return undefined;
    if (value.type === "string") return value.value;
    throw this.wrongType(keyword, "a string");
  }

  integer(keyword: string): bigint | undefined {
    const value = this.typed(keyword);
    if (value === undefined) return undefined;
    if (value.type === "integer") return value.value;
    throw this.wrongType(keyword, "an integer");
  }

  /** A real value; integer values are accepted and converted. */
  real(keyword: string): number | undefined {
    const value = this.typed(keyword);
    if (value === undefined) return undefined;
    if (value.type === "real") return value.value;
    if (value.type === "integer") return Number(value.value);
    throw this.wrongType(keyword, "a number");
  }

  logical(keyword: string): boolean | undefined {
    const value = this.typed(keyword);
    if (value === undefined) return undefined;
    if (value.type === "logical") return value.value;
    throw this.wrongType(keyword, "a logical (T or F)");
  }

  /** The texts of the COMMENT cards in order (columns 9-80, trailing spaces removed). */
  comments(): string[] {
    return this.cards.filter((c) => c.kind === "commentary" && c.keyword === "COMMENT").map((c) => c.valueText);
  }

  /** The texts of the HISTORY cards in order (columns 9-80, trailing spaces removed). */
  history(): string[] {
    return this.cards.filter((c) => c.kind === "commentary" && c.keyword === "HISTORY").map((c) => c.valueText);
  }

  /** The original header text: every card up to and including END, 80 characters each, no padding. */
  toString(): string {
    return this.rawCards.map((c) => c.text).join("");
  }

  private typed(keyword: string): CardValue | undefined {
    const value = this.get(keyword)?.value;
    return value === undefined || value.type === "undefined" ? undefined : value;
  }

  private wrongType(keyword: string, expected: string): FitsError {
    const card = this.get(keyword)!;
    const type = card.value?.type ?? "no";
    return new FitsError(
      "BAD_KEYWORD",
      `keyword ${card.keyword} should have ${expected} value, not the ${type} value ${card.valueText}`,
      this.file,
    );
  }
}

function normalizeKeyword(keyword: string): string {
  const trimmed = keyword.trim();
  return trimmed.startsWith("HIERARCH ") ? trimmed.slice(9).trim() : trimmed;
}

/**
 * The CONTINUE long-string convention (FITS 4.0 §4.2.1.2): a string value whose last character
 * is `&`, followed by `CONTINUE  'more&'` cards, is one string: the `&` markers are removed and
 * the pieces joined. The merged card keeps the first card's index and keyword; its text is all
 * the cards' texts concatenated and its comment the cards' comments joined with a space. A
 * CONTINUE card that does not continue a string stays as it is (kind "continue").
 */
function mergeContinuations(raw: readonly Card[]): Card[] {
  const out: Card[] = [];
  let i = 0;
  while (i < raw.length) {
    const first = raw[i]!;
    i++;
    if (first.kind !== "value" || first.value?.type !== "string" || !first.value.value.endsWith("&")) {
      out.push(first);
      continue;
    }
    let joined = first.value.value;
    let text = first.text;
    const comments = first.comment === undefined || first.comment === "" ? [] : [first.comment];
    let merged = false;
    while (joined.endsWith("&") && i < raw.length) {
      const next = raw[i]!;
      if (next.kind !== "continue" || next.value?.type !== "string") break;
      joined = joined.slice(0, -1) + next.value.value;
      text += next.text;
      if (next.comment !== undefined && next.comment !== "") comments.push(next.comment);
      merged = true;
      i++;
    }
    if (!merged) {
      out.push(first);
      continue;
    }
    const card: Card = {
      index: first.index,
      keyword: first.keyword,
      hierarch: first.hierarch,
      kind: "value",
      value: { type: "string", value: joined },
      valueText: `'${joined.replace(/'/g, "''")}'`,
      text,
      ...(first.problems !== undefined && { problems: first.problems }),
    };
    out.push(comments.length > 0 ? { ...card, comment: comments.join(" ") } : card);
  }
  return out;
}

export interface HeaderParserOptions {
  /** The file being read, named in errors. */
  file?: string;
  /**
   * The most header blocks read before END (default 10000, i.e. 28.8 MB): a hostile header
   * without END must not grow memory without bound.
   */
  maxBlocks?: number;
}

/** Incremental header parser fed one 2880-byte block at a time. */
export class HeaderParser {
  private readonly file: string | undefined;
  private readonly maxBlocks: number;
  private readonly cards: Card[] = [];
  private blocks = 0;
  private ended = false;

  constructor(options: HeaderParserOptions = {}) {
    this.file = options.file;
    this.maxBlocks = options.maxBlocks ?? DEFAULT_MAX_HEADER_BLOCKS;
    if (!Number.isInteger(this.maxBlocks) || this.maxBlocks < 1) {
      throw new RangeError(`HeaderParser: maxBlocks must be a positive integer, not ${this.maxBlocks}`);
    }
  }

  /** True once the END card has been seen. */
  get done(): boolean {
    return this.ended;
  }

  /** The number of blocks pushed so far. */
  get blockCount(): number {
    return this.blocks;
  }

  /** Feed the next block (exactly 2880 bytes). Returns true when the END card has been seen. */
  push(block: Uint8Array): boolean {
    if (this.ended) throw new Error("HeaderParser.push: the END card has already been seen");
    if (block.length !== BLOCK_SIZE) {
      throw truncatedHeader(
        `header block ${this.blocks + 1} holds ${block.length} bytes, not ${BLOCK_SIZE}`,
        this.file,
      );
    }
    this.blocks++;
    // latin1 maps every byte to the code point of the same value, so parseCard sees (and can
    // report) bytes outside printable ASCII.
    const text = Buffer.from(block.buffer, block.byteOffset, block.length).toString("latin1");
    for (let c = 0; c < CARDS_PER_BLOCK; c++) {
      let card: Card;
      try {
        card = parseCard(text.slice(c * CARD_LENGTH, (c + 1) * CARD_LENGTH), this.cards.length);
        refuseMandatoryProblem(card);
      } catch (e) {
        if (e instanceof FitsError && this.file !== undefined) e.withFile(this.file);
        throw e;
      }
      this.cards.push(card);
      if (card.kind === "end") {
        // The standard requires the rest of the block after END to be filled with spaces. Some
        // writers leave other bytes there; they are tolerated and ignored (not parsed), since
        // they cannot be part of the header.
        this.ended = true;
        return true;
      }
    }
    if (this.blocks >= this.maxBlocks) {
      throw new FitsError(
        "MISSING_END",
        `no END card in the first ${this.blocks} header blocks (the limit is ${this.maxBlocks} blocks)`,
        this.file,
      );
    }
    return false;
  }

  /** The parsed header; throws MISSING_END if the END card was not seen. */
  finish(): FitsHeader {
    if (!this.ended) {
      throw new FitsError("MISSING_END", `no END card in the header (${this.blocks} blocks read)`, this.file);
    }
    return new FitsHeader(this.cards, this.blocks, this.file);
  }
}

/**
 * A malformed first card (SIMPLE or XTENSION) or mandatory keyword (BITPIX, NAXIS, NAXISn,
 * PCOUNT, GCOUNT, BSCALE, BZERO, BLANK) refuses the file, at once: guessing where the data is or
 * what its values mean would convert the wrong numbers. Every other card is read leniently.
 */
function refuseMandatoryProblem(card: Card): void {
  const problem = card.problems?.[0];
  if (problem === undefined) return;
  if (card.index !== 0 && !(card.kind === "value" && MANDATORY_KEYWORD.test(card.keyword) && !card.hierarch)) return;
  const named = /^[\x20-\x7e]{8}$/.test(card.text.slice(0, 8)) && card.keyword !== "";
  throw badCard(card.index, named ? card.keyword : undefined, problem.what);
}

/**
 * Parse a header held in memory. Parsing stops at the END card, so bytes after the header's
 * last block (a data unit, further HDUs) are allowed and ignored. Bytes that end before END
 * (including a partial last block) give a TRUNCATED_HEADER error.
 */
export function parseHeaderBytes(bytes: Uint8Array, file?: string): FitsHeader {
  const parser = new HeaderParser(file === undefined ? {} : { file });
  const whole = Math.floor(bytes.length / BLOCK_SIZE);
  for (let b = 0; b < whole; b++) {
    if (parser.push(bytes.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE))) return parser.finish();
  }
  const partial = bytes.length % BLOCK_SIZE;
  if (partial !== 0) {
    throw truncatedHeader(
      `${bytes.length} bytes is not a whole number of ${BLOCK_SIZE}-byte blocks and no END card was ` +
        `found in the ${whole} complete blocks`,
      file,
    );
  }
  throw truncatedHeader(`no END card in ${bytes.length} bytes (${whole} blocks)`, file);
}

/**
 * The mandatory keywords of one HDU (FITS standard 4.0, §4.4.1 and §7), validated, and the size
 * of its data unit.
 */

import type { Card } from "./card.js";
import { FitsError, badKeyword } from "./errors.js";
import { BLOCK_SIZE, type FitsHeader } from "./header.js";

export type Bitpix = 8 | 16 | 32 | 64 | -32 | -64;

export interface HduInfo {
  /**
   * primary: SIMPLE = T first card; image: XTENSION = 'IMAGE'; other: any other XTENSION
   * (BINTABLE, TABLE, ...), and also a random-groups primary HDU (GROUPS = T, NAXIS1 = 0),
   * which holds no image.
   */
  readonly kind: "primary" | "image" | "other";
  readonly xtension?: string;
  readonly bitpix: Bitpix;
  /** NAXIS1..NAXISn in FITS order (NAXIS1 varies fastest). */
  readonly axes: readonly number[];
  /** 0 for a primary HDU (except random groups). */
  readonly pcount: number;
  /** 1 for a primary HDU (except random groups). */
  readonly gcount: number;
  /** |BITPIX|/8 * GCOUNT * (PCOUNT + NAXIS1*...*NAXISn); 0 when NAXIS = 0. */
  readonly dataBytes: number;
  /** dataBytes rounded up to a multiple of 2880. */
  readonly paddedDataBytes: number;
  /** Default 1. */
  readonly bscale: number;
  /** Default 0. */
  readonly bzero: number;
  /** BLANK, for integer BITPIX only (ignored for floating-point BITPIX). */
  readonly blank?: bigint;
  readonly extname?: string;
  /** Default 1 when EXTNAME is present. */
  readonly extver?: number;
}

const BITPIX_VALUES: readonly number[] = [8, 16, 32, 64, -32, -64];
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Read and validate the mandatory keywords of one HDU, in the order the standard gives them:
 * SIMPLE or XTENSION (first card), BITPIX, NAXIS, NAXIS1..NAXISn, PCOUNT, GCOUNT; then the
 * optional BSCALE, BZERO, BLANK, EXTNAME and EXTVER. Only the first card's position is enforced;
 * the other keywords are looked up by name.
 */
export function describeHdu(header: FitsHeader, options: { primary: boolean; file?: string }): HduInfo {
  const file = options.file ?? header.file;
  const first = header.cards[0];
  let kind: HduInfo["kind"];
  let xtension: string | undefined;

  if (options.primary) {
    if (first === undefined || first.keyword !== "SIMPLE" || first.kind !== "value") {
      throw new FitsError("NOT_FITS", `not a FITS file: the first card must be SIMPLE = T, found ${firstCard(first)}`, file);
    }
    if (first.value?.type !== "logical") {
      throw new FitsError("NOT_FITS", `not a FITS file: SIMPLE = ${shown(first)}, expected T`, file);
    }
    if (!first.value.value) {
      throw new FitsError("NOT_FITS", "SIMPLE = F: this is not a standard FITS file", file);
    }
    kind = "primary";
  } else {
    if (first === undefined || first.keyword !== "XTENSION" || first.kind !== "value") {
      throw badKeyword("XTENSION", `an extension header must start with XTENSION, found ${firstCard(first)}`, file);
    }
    if (first.value?.type !== "string") {
      throw badKeyword("XTENSION", `value ${shown(first)} is not a string`, file);
    }
    xtension = first.value.value.trim();
    if (xtension === "") throw badKeyword("XTENSION", "value is blank", file);
    kind = xtension === "IMAGE" ? "image" : "other";
  }

  const bitpixValue = mandatoryInteger(header, "BITPIX", file);
  if (!BITPIX_VALUES.includes(Number(bitpixValue))) {
    throw new FitsError(
      "UNSUPPORTED_BITPIX",
      `BITPIX = ${bitpixValue} is not a valid FITS BITPIX (8, 16, 32, 64, -32 or -64)`,
      file,
    );
  }
  const bitpix = Number(bitpixValue) as Bitpix;

  const naxisValue = mandatoryInteger(header, "NAXIS", file);
  if (naxisValue < 0n) throw badKeyword("NAXIS", `value ${naxisValue} is negative`, file);
  if (naxisValue > 999n) throw badKeyword("NAXIS", `value ${naxisValue} is more than 999`, file);
  const naxis = Number(naxisValue);

  const axes: number[] = [];
  for (let j = 1; j <= naxis; j++) {
    const keyword = `NAXIS${j}`;
    const value = mandatoryInteger(header, keyword, file, ` (NAXIS = ${naxis})`);
    if (value < 0n) throw badKeyword(keyword, `value ${value} is negative`, file);
    if (value > MAX_SAFE) throw badKeyword(keyword, `value ${value} is too large`, file);
    axes.push(Number(value));
  }

  // Random groups (§6, deprecated): GROUPS = T with NAXIS1 = 0 in the primary header. Its data
  // size uses PCOUNT and GCOUNT and leaves NAXIS1 out; it is reported as kind "other".
  const groupsCard = header.get("GROUPS");
  const randomGroups =
    options.primary &&
    axes[0] === 0 &&
    groupsCard?.value?.type === "logical" &&
    groupsCard.value.value;
  if (randomGroups) kind = "other";

  // PCOUNT and GCOUNT are mandatory in extensions; when one is missing the value the standard
  // requires for IMAGE and table extensions (0 and 1) is assumed rather than rejecting the file.
  const counted = !options.primary || randomGroups;
  const pcount = counted ? optionalCount(header, "PCOUNT", 0, file) : 0;
  const gcount = counted ? optionalCount(header, "GCOUNT", 1, file) : 1;

  let dataBig = 0n;
  if (naxis > 0) {
    let product = 1n;
    for (const [i, n] of axes.entries()) if (!(randomGroups && i === 0)) product *= BigInt(n);
    dataBig = BigInt(Math.abs(bitpix) / 8) * BigInt(gcount) * (BigInt(pcount) + product);
  }
  const block = BigInt(BLOCK_SIZE);
  const paddedBig = ((dataBig + block - 1n) / block) * block;
  if (paddedBig > MAX_SAFE) {
    throw new FitsError(
      "BAD_KEYWORD",
      `the data size given by BITPIX, NAXISn, PCOUNT and GCOUNT (${dataBig} bytes) is larger than ` +
        `the supported maximum of ${Number.MAX_SAFE_INTEGER} bytes`,
      file,
    );
  }

  const bscale = optionalNumber(header, "BSCALE", 1, file);
  if (bscale === 0) throw badKeyword("BSCALE", `value ${header.get("BSCALE")!.valueText} is invalid: BSCALE must not be 0`, file);
  const bzero = optionalNumber(header, "BZERO", 0, file);

  let blank: bigint | undefined;
  const blankCard = header.get("BLANK");
  if (bitpix > 0 && blankCard !== undefined) {
    if (blankCard.value?.type !== "integer") {
      throw badKeyword("BLANK", `value ${shown(blankCard)} is not an integer`, file);
    }
    blank = blankCard.value.value;
  }

  let extname: string | undefined;
  const extnameCard = header.get("EXTNAME");
  if (extnameCard !== undefined) {
    if (extnameCard.value?.type !== "string") {
      throw badKeyword("EXTNAME", `value ${shown(extnameCard)} is not a string`, file);
    }
    extname = extnameCard.value.value;
  }
  let extver: number | undefined;
  const extverCard = header.get("EXTVER");
  if (extverCard !== undefined) {
    const v = extverCard.value;
    if (v?.type !== "integer") throw badKeyword("EXTVER", `value ${shown(extverCard)} is not an integer`, file);
    if (v.value > MAX_SAFE || v.value < -MAX_SAFE) throw badKeyword("EXTVER", `value ${v.value} is too large`, file);
    extver = Number(v.value);
  } else if (extname !== undefined) {
    extver = 1;
  }

  const info: HduInfo = {
    kind,
    bitpix,
    axes,
    pcount,
    gcount,
    dataBytes: Number(dataBig),
    paddedDataBytes: Number(paddedBig),
    bscale,
    bzero,
    ...(xtension !== undefined && { xtension }),
    ...(blank !== undefined && { blank }),
    ...(extname !== undefined && { extname }),
    ...(extver !== undefined && { extver }),
  };
  return info;
}

/** The value as written, for messages. */
function shown(card: Card): string {
  if (card.value === undefined || card.value.type === "undefined") return "(no value)";
  return card.valueText;
}

function firstCard(card: Card | undefined): string {
  if (card === undefined) return "an empty header";
  if (card.keyword === "") return "a blank keyword";
  return `keyword ${card.keyword}`;
}

function mandatoryInteger(header: FitsHeader, keyword: string, file: string | undefined, context = ""): bigint {
  const card = header.get(keyword);
  if (card === undefined) throw badKeyword(keyword, `missing${context}`, file);
  if (card.value === undefined || card.value.type === "undefined") {
    throw badKeyword(keyword, "has no value", file);
  }
  if (card.value.type !== "integer") throw badKeyword(keyword, `value ${card.valueText} is not an integer`, file);
  return card.value.value;
}

function optionalCount(header: FitsHeader, keyword: string, fallback: number, file: string | undefined): number {
  if (header.get(keyword) === undefined) return fallback;
  const value = mandatoryInteger(header, keyword, file);
  if (value < 0n) throw badKeyword(keyword, `value ${value} is negative`, file);
  if (value > MAX_SAFE) throw badKeyword(keyword, `value ${value} is too large`, file);
  return Number(value);
}

function optionalNumber(header: FitsHeader, keyword: string, fallback: number, file: string | undefined): number {
  const card = header.get(keyword);
  if (card === undefined) return fallback;
  const value = card.value;
  if (value?.type === "real") return value.value;
  if (value?.type === "integer") return Number(value.value);
  throw badKeyword(keyword, `value ${shown(card)} is not a number`, file);
}

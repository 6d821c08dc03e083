/**
 * Header cards from real archives that break the FITS standard (or look as if they might), each
 * with what group 0 must hold for it and the warning the conversion must give. Each of these
 * refused a whole image before; cfitsio, the reference converter and CARTA open such files.
 * Written into fixtures by the tests' own writer (fixtures.ts); the card numbers in the
 * warnings assume the corpus follows `primaryCards(-32, [w, h, d])` (6 cards before it).
 */
import type { AttributeValue } from "../../src/schema/header-attributes.js";
import { card } from "./fixtures.js";

export interface CorpusCard {
  /** Where it was seen. */
  readonly source: string;
  /** The 80-character card (Latin-1 and control bytes as \u00xx characters). */
  readonly card: string;
  /** The group 0 attribute it becomes, or absent: dropped. */
  readonly attribute?: readonly [string, AttributeValue];
  /** The name that must not be in group 0 when the card is dropped. */
  readonly dropped?: string;
  /** The warning(s), without the `header card N (KEY): ` prefix; absent: none. */
  readonly warning?: string | readonly string[];
}

export const CARD_CORPUS: readonly CorpusCard[] = [
  {
    source: "DSS plate scan (astropy's dss.14.29.56-62.41.05.fits)",
    card: card("SKEW    = -1.3869888376036E+00, -1.6912592180432E+00"),
    attribute: ["SKEW", { type: "string", value: "-1.3869888376036E+00, -1.6912592180432E+00" }],
    warning: "unparsable value '-1.3869888376036E+00, -1.6912592180432E+00'; kept as the text",
  },
  {
    source: "hand-edited radio cube (issue 12)",
    card: card("bunit   = 'Jy/beam '           / brightness unit"),
    attribute: ["BUNIT", { type: "string", value: "Jy/beam" }],
    warning: "keyword 'bunit' is not upper case; read as BUNIT",
  },
  {
    source: "observing log copied with a tab (issue 12)",
    card: card("TELESCOP= 'ATCA    '           /\tthe telescope"),
    attribute: ["TELESCOP", { type: "string", value: "ATCA" }],
    warning: "character 0x09 at column 33 is not printable ASCII (32..126); read as a space",
  },
  {
    source: "observer's name in Latin-1 (issue 12)",
    card: card("OBSERVER= 'Jos\u00e9    '"),
    attribute: ["OBSERVER", { type: "string", value: "Jos?" }],
    warning: "character 0xE9 at column 15 is not printable ASCII (32..126); read as '?' (a tab as a space)",
  },
  {
    source: "observer's name in UTF-8, as CASA writes a Python str (two bytes for é)",
    card: card("OBSERVER= 'Ren\u00c3\u00a9   '"),
    attribute: ["OBSERVER", { type: "string", value: "Ren??" }],
    warning: "character 0xC3 at column 15 (and 1 more) is not printable ASCII (32..126); read as '?' (a tab as a space)",
  },
  {
    source: "pipeline writing a missing reference value (issue 12)",
    card: card("CRVAL3  = NaN"),
    attribute: ["CRVAL3", { type: "float", value: NaN }],
    warning: "'NaN' is not a FITS number; read as the real NaN",
  },
  {
    source: "hand-written header (issue 12)",
    card: card("OBJECT  = M31"),
    attribute: ["OBJECT", { type: "string", value: "M31" }],
    warning: "unparsable value 'M31'; kept as the text",
  },
  {
    source: "script appending a note without '/' (issue 12)",
    card: card("DATE    = '2020-01-01' extra"),
    attribute: ["DATE", { type: "string", value: "2020-01-01" }],
    warning: "unexpected text 'extra' after the string value; read as a comment",
  },
  {
    source: "Windows software printing an infinity (MSVC's 1.#INF)",
    card: card("SATURATE= 1.#INF"),
    attribute: ["SATURATE", { type: "string", value: "1.#INF" }],
    warning: "unparsable value '1.#INF'; kept as the text",
  },
  {
    source: "unterminated string, cut by a writer at column 80",
    card: card("ORIGIN  = 'NRAO VLA pipeline, reprocessed by a script that forgot to close"),
    attribute: ["ORIGIN", { type: "string", value: "NRAO VLA pipeline, reprocessed by a script that forgot to close" }],
    warning: "unterminated string value (no closing quote); read to the end of the card",
  },
  {
    source: "astropy issue 887 (a keyword with dots)",
    card: card("P.I.    = 'Latham  '"),
    dropped: "P.I.",
    warning: "keyword 'P.I.' may only hold A-Z, 0-9, '-' and '_', left-justified in columns 1-8; the card is dropped",
  },
  {
    source: "NED spectrum, astropy issue 4046 (IRAF's 'IRAF-B/P')",
    card: card("IRAF-B/P=                   32 / bits per pixel"),
    dropped: "IRAF-B/P",
    warning: "keyword 'IRAF-B/P' may only hold A-Z, 0-9, '-' and '_', left-justified in columns 1-8; the card is dropped",
  },
  {
    source: "astropy issue 5909 (the '=' in column 10)",
    card: card("ABCDEFGH = unquotedstringliteral"),
    attribute: ["ABCDEFGH", { type: "string", value: "unquotedstringliteral" }],
    warning: ["no value indicator ('= ' in columns 9-10); the value after the '=' is read", "unparsable value 'unquotedstringliteral'; kept as the text"],
  },
  {
    source: "ESO (astropy issue 3668): a lowercase exponent in a HIERARCH card, standard enough",
    card: card("HIERARCH ESO DET CHIP PXSPACE = 2.000e-05 / Pixel-Pixel Spacing"),
    attribute: ["HIERARCH ESO DET CHIP PXSPACE", { type: "float", value: 2e-5 }],
  },
  {
    source: "GUPPI raw header (baseband issue 282): a tiny real",
    card: card("DROPAVG = 1.00284e-193"),
    attribute: ["DROPAVG", { type: "float", value: 1.00284e-193 }],
  },
  {
    source: "HST WFPC2 (IRAF keyword with a hyphen, exponent without a dot)",
    card: card("IRAF-MAX=           1.293573E3  /  DATA MAX"),
    attribute: ["IRAF-MAX", { type: "float", value: 1293.573 }],
  },
  {
    source: "AIPS FITTP (BLOCKED, with its comment), standard",
    card: card("BLOCKED =                    T / Tape may be blocked"),
    attribute: ["BLOCKED", { type: "bool", value: true }],
  },
  {
    source: "AIPS FITTP (EPOCH with a D exponent)",
    card: card("EPOCH   =   2.000000000D+03"),
    attribute: ["EPOCH", { type: "float", value: 2000 }],
  },
  {
    source: "Miriad (CELLSCAL), standard",
    card: card("CELLSCAL= '1/F     '"),
    attribute: ["CELLSCAL", { type: "string", value: "1/F" }],
  },
];

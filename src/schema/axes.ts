/**
 * Which FITS axes become the schema's axes, found from CTYPE as CARTA finds them, not from the
 * axis numbers. Pure: axis lengths and CTYPEs in, a plan (or a refusal) out.
 *
 * CARTA reads an IDIA HDF5 file with its axes fixed: `Hdf5Loader` slices DATA, the mipmaps and
 * the swizzled data as (x, y, z, stokes) = axes 1, 2, 3, 4, and checks the statistics' shapes
 * against `[stokes, depth]`. It derives x, y, z and stokes from the coordinate system
 * (`FileLoader::FindCoordinateAxes`): stokes is the polarization axis, x and y the first two
 * axes that are not Stokes, z the next axis that is neither; in a 4-D image without a Stokes
 * axis, the spectral axis's partner is taken as Stokes (axis 3 if the spectral axis is 4, else
 * 4); with neither known it guesses from the lengths (an axis longer than 4 is spectral).
 * This plan applies those rules to the FITS file, as CARTA's FITS path does, and places the
 * axes so that the HDF5 path derives the same: z at axis 3, Stokes at axis 4.
 */
import type { FitsHeader } from "../fits/header.js";
import { isWcsAxes, parseAxisKeyword } from "./axis-keywords.js";

export type AxisKind = "spectral" | "stokes" | "other";

/**
 * Spectral CTYPEs (WCS Paper III, Table 1), optionally with a `-` and an algorithm code
 * (`VOPT-F2W`, `FREQ-LOG`); FELO and the AIPS frame suffixes (`FELO-HEL`, `VELO-LSR`) are the
 * AIPS forms wcslib translates (spcfix). Case matters, as in wcslib.
 */
const SPECTRAL = /^(FREQ|ENER|WAVN|VRAD|WAVE|VOPT|ZOPT|AWAV|VELO|BETA|FELO)(-[A-Z0-9]{1,4})?$/;

/** What a CTYPE value says the axis is (trailing blanks are not significant in FITS strings). */
export function axisKind(ctype: string | undefined): AxisKind {
  if (ctype === undefined) return "other";
  const value = ctype.replace(/ +$/, "");
  if (value === "STOKES") return "stokes";
  return SPECTRAL.test(value) ? "spectral" : "other";
}

/** The axes of one image as the header gives them. */
export interface HeaderAxes {
  /** NAXIS1..NAXISn. */
  readonly lengths: readonly number[];
  /**
   * Axes the WCS describes: the larger of NAXIS, WCSAXES and the highest axis number of any
   * primary WCS keyword (as wcslib counts them); axes beyond NAXIS have length 1.
   */
  readonly wcsAxes: number;
  /** CTYPE1..CTYPEn (primary WCS) for each of the wcsAxes axes; undefined where absent. */
  readonly ctypes: readonly (string | undefined)[];
}

export interface AxisPlan {
  /** For each output axis (FITS order: x, y, z, stokes), the 0-based FITS axis it comes from; null: a degenerate axis added. */
  readonly source: readonly (number | null)[];
  /** The output axes' lengths. */
  readonly lengths: readonly number[];
  /** FITS axes (0-based) left out: degenerate ones beyond the four kept. */
  readonly dropped: readonly number[];
  /** The FITS header's NAXIS (axes at or beyond it exist in the WCS only). */
  readonly naxis: number;
  /** Output axes are FITS axes 1..n in order: nothing renamed, added or reordered (trailing degenerate axes may be dropped). */
  readonly identity: boolean;
  /** Planes are read in another order than the file's: a non-degenerate axis moved. */
  readonly reordersPlanes: boolean;
  /** CTYPE of each output axis ('' where absent or added), for messages. */
  readonly ctypes: readonly string[];
}

/** A refusal says why in one line; `naxis`: too many axes, `order`: axes CARTA cannot be given in the schema's order. */
export type AxisPlanResult = { readonly plan: AxisPlan } | { readonly refused: string; readonly reason: "naxis" | "order" };

/** The axes of an image HDU's header (lengths from NAXISn as validated elsewhere). */
export function headerAxes(header: FitsHeader, lengths: readonly number[]): HeaderAxes {
  let wcsAxes = lengths.length;
  for (const card of header.cards) {
    if (card.kind !== "value" || card.hierarch) continue;
    if (card.keyword === "WCSAXES" && card.value?.type === "integer" && card.value.value <= 999n) {
      wcsAxes = Math.max(wcsAxes, Number(card.value.value));
      continue;
    }
    if (isWcsAxes(card.keyword)) continue;
    const parsed = parseAxisKeyword(card.keyword);
    // Only the primary description counts (CARTA uses the first WCS); NAXISn beyond NAXIS are not WCS.
    if (parsed === undefined || /[A-Z]$/.test(card.keyword) || card.keyword.startsWith("NAXIS")) continue;
    wcsAxes = Math.max(wcsAxes, ...parsed.axes);
  }
  const ctypes = Array.from({ length: wcsAxes }, (_, i) => {
    const value = header.get(`CTYPE${i + 1}`)?.value;
    return value?.type === "string" ? value.value : undefined;
  });
  return { lengths, wcsAxes, ctypes };
}

/**
 * The plan for an image's axes, or why it cannot be represented. Axes 1 and 2 stay x and y
 * (the schema has no transposition of planes); axes beyond the fourth must be degenerate.
 */
export function planAxes(axes: HeaderAxes): AxisPlanResult {
  const naxis = axes.lengths.length;
  const total = Math.max(naxis, axes.wcsAxes);
  const length = (i: number): number => (i < naxis ? axes.lengths[i]! : 1);
  const kinds = Array.from({ length: total }, (_, i) => axisKind(axes.ctypes[i]));
  const ctype = (i: number): string => (axes.ctypes[i] ?? "").replace(/ +$/, "");
  const ofKind = (kind: AxisKind): number[] => kinds.flatMap((k, i) => (k === kind ? [i] : []));

  const stokesAxes = ofKind("stokes");
  const spectralAxes = ofKind("spectral");
  if (stokesAxes.length > 1) {
    return { refused: `axes ${stokesAxes.map((i) => i + 1).join(" and ")} are all Stokes (CTYPE = 'STOKES'): an image has one Stokes axis`, reason: "order" };
  }
  if (spectralAxes.length > 1) {
    return { refused: `axes ${spectralAxes.map((i) => i + 1).join(" and ")} are all spectral (${spectralAxes.map((i) => `CTYPE${i + 1} = '${ctype(i)}'`).join(", ")}): an image has one spectral axis`, reason: "order" };
  }
  const stokes = stokesAxes[0];
  if (stokes !== undefined && stokes < 2) {
    return {
      refused:
        `the Stokes axis is axis ${stokes + 1} (CTYPE${stokes + 1} = 'STOKES'): the schema's image planes are FITS axes 1 and 2, ` +
        "so Stokes must come after them",
      reason: "order",
    };
  }

  const extra = axes.lengths.findIndex((n, i) => i >= 4 && n !== 1);
  if (extra >= 0) {
    return { refused: `NAXIS = ${naxis} is not supported: axes beyond the fourth must have length 1, but NAXIS${extra + 1} = ${axes.lengths[extra]}`, reason: "naxis" };
  }

  // Beyond four axes, degenerate ones are dropped: from the end, a degenerate axis that is
  // neither spectral nor Stokes first, so that a degenerate Stokes or spectral axis is kept.
  const kept = Array.from({ length: total }, (_, i) => i);
  const dropped: number[] = [];
  while (kept.length > 4) {
    const candidates = kept.filter((i) => i >= 2 && length(i) === 1);
    const plain = candidates.filter((i) => kinds[i] === "other");
    const pick = (plain.at(-1) ?? candidates.at(-1))!; // axes beyond the fourth are degenerate: there is one
    kept.splice(kept.indexOf(pick), 1);
    dropped.push(pick);
  }
  dropped.sort((a, b) => a - b);

  // CARTA's axes among the kept ones (FileLoader::FindCoordinateAxes).
  const rest = kept.slice(2);
  let stokesAxis: number | undefined = stokes !== undefined && kept.includes(stokes) ? stokes : undefined;
  const spectral = spectralAxes[0] !== undefined && kept.includes(spectralAxes[0]) ? spectralAxes[0] : undefined;
  if (kept.length === 4 && stokesAxis === undefined) {
    const [third, fourth] = rest as [number, number];
    if (spectral !== undefined) stokesAxis = spectral === fourth ? third : fourth;
    else if (length(third) > 4) stokesAxis = fourth;
    else if (length(fourth) > 4) stokesAxis = third;
    else stokesAxis = fourth;
  }
  const z = rest.find((i) => i !== stokesAxis);

  const source: (number | null)[] = [kept[0]!, kept[1]!];
  if (z !== undefined || stokesAxis !== undefined) source.push(z ?? null);
  if (stokesAxis !== undefined) source.push(stokesAxis);

  const lengths = source.map((i) => (i === null ? 1 : length(i)));
  // Nothing renamed or added (degenerate axes beyond the fourth may be dropped, as always).
  const identity = source.length <= naxis && source.every((i, k) => i === k);
  // Planes keep the file's order unless the two non-plane axes swap and both are longer than 1.
  const reordersPlanes = source.length === 4 && source[2] !== null && source[2]! > source[3]! && lengths[2]! > 1 && lengths[3]! > 1;
  return {
    plan: { source, lengths, dropped, naxis, identity, reordersPlanes, ctypes: source.map((i) => (i === null ? "" : ctype(i))) },
  };
}

/** The schema's shape of a plan. */
export function planShape(plan: AxisPlan): { naxis: 2 | 3 | 4; width: number; height: number; depth: number; stokes: number } {
  const [width, height, depth = 1, stokes = 1] = plan.lengths;
  return { naxis: plan.lengths.length as 2 | 3 | 4, width: width!, height: height!, depth, stokes };
}

/**
 * Where output plane `p` (channel p % depth of stokes ⌊p / depth⌋) lies among the file's planes
 * (NAXIS3 varying fastest, then NAXIS4, …): undefined when the orders are the same.
 */
export function filePlaneOf(plan: AxisPlan): ((p: number) => number) | undefined {
  if (!plan.reordersPlanes) return undefined;
  // Stride of each FITS axis beyond the second, in planes; degenerate axes have index 0 only.
  const stride = (fitsAxis: number): number => {
    let s = 1;
    for (let j = 2; j < fitsAxis; j++) s *= j < plan.naxis ? lengthOfFitsAxis(plan, j) : 1;
    return s;
  };
  const depth = plan.lengths[2]!;
  const zStride = stride(plan.source[2]!);
  const wStride = stride(plan.source[3]!);
  return (p) => (p % depth) * zStride + Math.floor(p / depth) * wStride;
}

/** The length of a FITS axis in the plan: kept axes from the plan, others are degenerate. */
function lengthOfFitsAxis(plan: AxisPlan, fitsAxis: number): number {
  const k = plan.source.indexOf(fitsAxis);
  return k < 0 ? 1 : plan.lengths[k]!;
}

/**
 * The plan in one line, for the warning and the provenance: each output axis and the FITS axis
 * it comes from, e.g. `1 2 4 3` (0 for an axis added; dropped axes are not listed).
 */
export function describePermutation(plan: AxisPlan): string {
  return plan.source.map((i) => (i === null ? 0 : i + 1)).join(" ");
}

/**
 * What a plan changes, as warnings (none for an image whose axes are already in the schema's
 * order): which FITS axis each output axis is, what was added or dropped, and, for gzip input
 * whose planes are read out of the file's order, that the stream is decompressed once per Stokes.
 */
export function axisPlanWarnings(plan: AxisPlan, options: { compressed: boolean }): string[] {
  if (plan.identity) return [];
  const describe = (k: number): string => {
    const fits = plan.source[k];
    const name = plan.ctypes[k] === "" ? "" : ` '${plan.ctypes[k]}'`;
    if (fits === null) return `axis ${k + 1} is a degenerate axis added (length 1)`;
    if (fits >= plan.naxis) return `axis ${k + 1} is WCS axis ${fits + 1}${name}, which has no NAXIS${fits + 1} (length 1)`;
    return `axis ${k + 1} is FITS axis ${fits + 1}${name}`;
  };
  const moved = plan.source.map((_, k) => k).filter((k) => plan.source[k] !== k || plan.source[k]! >= plan.naxis);
  const parts = moved.map(describe);
  if (plan.dropped.length > 0) parts.push(`degenerate FITS axes ${plan.dropped.map((i) => i + 1).join(", ")} are dropped`);
  const warnings = [
    `axes written in the order CARTA reads them (x, y${plan.lengths.length >= 3 ? ", spectral or depth" : ""}${plan.lengths.length === 4 ? ", Stokes" : ""}): ` +
      `${parts.join("; ")}; the axis keywords (NAXISn, CTYPEn, CRVALn, CDELTn, CRPIXn, PCi_j, …) are renamed to match (AXIS_PERMUTATION = '${describePermutation(plan)}')`,
  ];
  if (options.compressed && plan.reordersPlanes) {
    warnings.push(
      `the planes are read in another order than the gzip file holds them: its stream is decompressed ${plan.lengths[3]} times (once per Stokes), ` +
        "in the memory of an ordinary conversion; decompress it first to read it once",
    );
  }
  return warnings;
}

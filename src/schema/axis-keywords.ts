/**
 * The axis-numbered keywords of a FITS header (WCS Papers I–III: NAXISn, CTYPEi, CRVALi, CDELTi,
 * CRPIXj, CUNITi, CROTAi, CNAMEi, CRDERi, CSYERi, PCi_j, CDi_j, PVi_m, PSi_m and the
 * alternate-WCS forms with a trailing letter A–Z), and their renaming when the schema's axes are
 * not the FITS axes in order. Pure: attributes in, attributes out.
 *
 * Keywords are renamed in place, so the header keeps its card order (CARTA rebuilds the header
 * from group `0`'s attributes in creation order). A permutation of the kept axes renames axis
 * keywords injectively, so no rename can create a duplicate: every axis the header's WCS
 * describes is in the plan, either kept (renamed) or dropped (its keywords dropped).
 */
import type { Attribute } from "./header-attributes.js";

/** A keyword that carries axis numbers: `prefix`, the numbers, and how to write it back. */
export interface AxisKeyword {
  /** The axis numbers (1-based) the keyword refers to: one, or two for PCi_j and CDi_j. */
  readonly axes: readonly number[];
  /** The keyword with other axis numbers, in the same form. */
  readonly rename: (axes: readonly number[]) => string;
}

const SINGLE = /^(NAXIS|CTYPE|CRVAL|CDELT|CRPIX|CUNIT|CROTA|CNAME|CRDER|CSYER)([1-9]\d{0,2})([A-Z]?)$/;
const MATRIX = /^(PC|CD)([1-9]\d{0,2})_([1-9]\d{0,2})([A-Z]?)$/;
const PARAMETER = /^(PV|PS)([1-9]\d{0,2})_(\d{1,2})([A-Z]?)$/;
const WCSAXES = /^WCSAXES[A-Z]?$/;

/** The axis numbers in `keyword`, or undefined when it is not an axis-numbered WCS keyword. */
export function parseAxisKeyword(keyword: string): AxisKeyword | undefined {
  let m = SINGLE.exec(keyword);
  if (m !== null) {
    const [, prefix, , alt] = m;
    if (prefix === "NAXIS" && alt !== "") return undefined; // NAXISn has no alternate forms
    return { axes: [Number(m[2])], rename: ([a]) => `${prefix}${a}${alt}` };
  }
  m = MATRIX.exec(keyword);
  if (m !== null) {
    const [, prefix, , , alt] = m;
    return { axes: [Number(m[2]), Number(m[3])], rename: ([i, j]) => `${prefix}${i}_${j}${alt}` };
  }
  m = PARAMETER.exec(keyword);
  if (m !== null) {
    const [, prefix, , parameter, alt] = m;
    return { axes: [Number(m[2])], rename: ([i]) => `${prefix}${i}_${parameter}${alt}` };
  }
  return undefined;
}

/** Whether the keyword is WCSAXES or an alternate WCSAXESa. */
export function isWcsAxes(keyword: string): boolean {
  return WCSAXES.test(keyword);
}

/** How the schema's axes come from the FITS axes (see axes.ts). */
export interface AxisMapping {
  /** For each output axis, the 0-based FITS axis it comes from, or null for an axis added. */
  readonly source: readonly (number | null)[];
  /** NAXIS of the FITS header: FITS axes at or beyond it have no NAXISn card (WCS-only, length 1). */
  readonly naxis: number;
}

/**
 * Group `0`'s attributes with every axis keyword renamed to the output axis of its FITS axis,
 * those of dropped axes left out, `NAXISn = 1` added (after NAXIS(n-1)) for output axes that have
 * no NAXISn card in the FITS header, and WCSAXES[a] set to the number of axes it now covers.
 */
export function permuteAxisKeywords(attributes: readonly Attribute[], mapping: AxisMapping): Attribute[] {
  const outputOf = new Map<number, number>();
  mapping.source.forEach((fits, i) => {
    if (fits !== null) outputOf.set(fits + 1, i + 1);
  });
  const result: Attribute[] = [];
  for (const attribute of attributes) {
    const [name, value] = attribute;
    if (isWcsAxes(name) && value.type === "int") {
      // The axes it covered (1..value) now sit at these output positions: it covers up to the last.
      const covered = mapping.source.map((fits, i) => (fits !== null && fits < Number(value.value) ? i + 1 : 0));
      const last = Math.max(...covered);
      result.push([name, { type: "int", value: last > 0 ? BigInt(last) : value.value }]);
      continue;
    }
    const parsed = parseAxisKeyword(name);
    if (parsed === undefined) {
      result.push(attribute);
      continue;
    }
    // A NAXISn beyond NAXIS describes no axis of the data (the added NAXISn = 1 below replaces it).
    if (name.startsWith("NAXIS") && parsed.axes[0]! > mapping.naxis) continue;
    const renamed = parsed.axes.map((axis) => outputOf.get(axis));
    if (renamed.some((axis) => axis === undefined)) continue; // an axis dropped (degenerate)
    result.push([parsed.rename(renamed as number[]), value]);
  }
  // Output axes without a NAXISn card of their own: an axis added, or one the WCS alone describes.
  mapping.source.forEach((fits, i) => {
    if (fits !== null && fits < mapping.naxis) return;
    const after = result.findIndex(([name]) => name === `NAXIS${i}`);
    result.splice(after + 1, 0, [`NAXIS${i + 1}`, { type: "int", value: 1n }]);
  });
  return result;
}

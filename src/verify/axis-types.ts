/**
 * Which world axis a CTYPE names, as CARTA (casacore) tells spectral and Stokes axes: spectral
 * types of FITS WCS Paper III (FREQ, ENER, WAVN, VRAD, WAVE, VOPT, ZOPT, AWAV, VELO, BETA), alone
 * or with a `-XXX` algorithm code (`VOPT-F2W`, `FREQ-LOG`), and AIPS's `FELO-…`/`VELO-…`
 * (`FELO-HEL`, `VELO-LSR`); Stokes: `STOKES`.
 *
 * Verify-local on purpose: src/schema/axes.ts (the converter's own recogniser, written in
 * parallel) should replace this module when both are merged.
 */

export type AxisKind = "spectral" | "stokes" | "other";

const SPECTRAL = /^(FREQ|ENER|WAVN|VRAD|WAVE|VOPT|ZOPT|AWAV|VELO|BETA)(-[A-Z0-9]{1,4})?$/;
const AIPS_SPECTRAL = /^FELO-[A-Z0-9]{1,4}$/;

export function axisKind(ctype: string): AxisKind {
  const t = ctype.trim().toUpperCase();
  if (t === "STOKES") return "stokes";
  if (SPECTRAL.test(t) || AIPS_SPECTRAL.test(t)) return "spectral";
  return "other";
}

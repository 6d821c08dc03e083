/**
 * What CARTA derives from the file, checked without the FITS file (carta-backend:
 * Hdf5Attributes.cc and CartaHdf5Image.cc rebuild the header; FileLoader.cc
 * FindCoordinateAxes and LoadImageStats find the axes and read the statistics; Hdf5Loader.cc
 * reads the rotated data and mipmaps):
 *
 * - the header rebuilt as CARTA rebuilds it: every card fits 80 columns and parses as a FITS
 *   keyword card giving back the attribute's value (the schema's three attributes aside, which
 *   CARTA reads by name);
 * - its spectral and Stokes axes, found from CTYPE, are DATA's axes 3 and 4 (FITS numbering),
 *   as the schema's statistics, mipmaps and rotated data assume;
 * - the per-channel statistics and the rotated data have the shape CARTA expects from those
 *   axes (CARTA skips statistics of another shape silently: empty histograms);
 * - a beam (BMAJ, BMIN, BPA) where BUNIT is per beam.
 *
 * Datasets missing or of the wrong shape for the file's own NAXISn (mipmaps, rotated data,
 * statistics, where CARTA looks for them: the same paths) are the structure check's to report.
 */
import type { AttributeInfo } from "../hdf5/reader.js";
import { parseCard } from "../fits/card.js";
import { FitsError } from "../fits/errors.js";
import { statisticsPath, type Layout } from "../schema/layout.js";
import { attributeValueOf } from "./attribute-values.js";
import { axisKind } from "../schema/axes.js";
import { cartaCard } from "./carta-cards.js";

export interface CartaViewOptions {
  /**
   * Whether the FITS file gives a beam (undefined: no FITS file): a per-beam BUNIT without a beam
   * is then a warning only (CARTA shows the FITS file itself the same way), else an error.
   */
  readonly sourceHasBeam?: boolean;
}

export interface CartaView {
  readonly problems: string[];
  readonly warnings: string[];
}

/** The schema's attributes, which CARTA takes by name rather than as FITS cards. */
const SCHEMA_ATTRIBUTES = new Set(["SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION"]);

export function checkCartaView(
  group0: readonly AttributeInfo[],
  layout: Layout | undefined,
  shapeOf: (path: string) => readonly number[] | undefined,
  usable: ReadonlySet<string>,
  options: CartaViewOptions = {},
): CartaView {
  const problems: string[] = [];
  const warnings: string[] = [];
  cardProblems(group0, problems, warnings);
  if (layout !== undefined) problems.push(...axisProblems(group0, layout, shapeOf, usable));
  const beam = beamProblem(group0);
  if (beam !== undefined) {
    if (options.sourceHasBeam === false) warnings.push(`${beam}; the FITS file has none either, so CARTA shows it the same way`);
    else problems.push(beam);
  }
  return { problems, warnings };
}

// -- the header as cards ------------------------------------------------------------------------

function cardProblems(group0: readonly AttributeInfo[], problems: string[], warnings: string[]): void {
  group0.forEach((a, i) => {
    const card = cartaCard(a);
    if (card === undefined) return; // non-scalar or unreadable: the structure check says so
    if (card.length > 80) {
      problems.push(`0 attribute ${a.name}: CARTA's header card is ${card.trimEnd().length} columns, more than 80: ${card.trimEnd()}`);
      return;
    }
    if (SCHEMA_ATTRIBUTES.has(a.name)) return;
    const value = attributeValueOf(a);
    if (value?.type === "float" && !Number.isFinite(value.value)) {
      // What the converter writes for a header's `NaN` or `Inf` (docs/compatibility.md): CARTA
      // cannot read the card back, as it cannot read the FITS file's, so both leave it out.
      warnings.push(`0 attribute ${a.name}: CARTA's header card ${card.trimEnd()} is not a number it reads (nor is the FITS header's NaN or Inf): the keyword is left out, as from the FITS file`);
      return;
    }
    const why = cardMismatch(card, a, i);
    if (why !== undefined) problems.push(`0 attribute ${a.name}: CARTA's header card ${why}: ${card.trimEnd()}`);
  });
}

/** Why the card does not give back the attribute as a FITS keyword card, or undefined. */
function cardMismatch(card: string, a: AttributeInfo, index: number): string | undefined {
  let parsed;
  try {
    parsed = parseCard(card, index);
  } catch (error) {
    if (error instanceof FitsError) return `does not parse as FITS (${error.message.replace(/^card \d+(?: \([^)]*\))?: /, "")})`;
    throw error;
  }
  const name = parsed.hierarch ? `HIERARCH ${parsed.keyword}` : parsed.keyword;
  if (parsed.kind !== "value" || name !== a.name) return `is not a FITS keyword card for ${a.name} (CARTA's FITS parser reads it as ${parsed.kind === "value" ? `keyword ${name}` : "commentary"})`;
  const want = attributeValueOf(a);
  const got = parsed.value;
  if (want === undefined || got === undefined) return undefined;
  switch (want.type) {
    case "string": {
      // Stored with quotes doubled (FITS escaping): the card must read back as the unescaped text.
      const text = want.value.replace(/''/g, "'").trimEnd();
      const expected = text === "" && want.value !== "" ? " " : text;
      if (got.type !== "string") return `reads as a ${got.type}, not a string`;
      if (got.value !== expected) return `reads back as '${got.value}' (a quote in the value that is not doubled ends the string)`;
      return undefined;
    }
    case "int":
      return got.type === "integer" && got.value === want.value ? undefined : `reads back as ${got.type} ${describeCardValue(got)}`;
    case "float":
      return got.type === "real" && Number.isFinite(got.value) ? undefined : `does not read back as a finite real (${describeCardValue(got)})`;
    case "bool":
      return got.type === "logical" && got.value === want.value ? undefined : `reads back as ${got.type} ${describeCardValue(got)}`;
    default:
      return undefined;
  }
}

function describeCardValue(v: NonNullable<ReturnType<typeof parseCard>["value"]>): string {
  switch (v.type) {
    case "complex":
      return `(${v.re}, ${v.im})`;
    case "undefined":
      return "undefined";
    default:
      return String(v.value);
  }
}

// -- spectral and Stokes axes ---------------------------------------------------------------------

interface CartaAxes {
  /** 1-based FITS axis numbers (undefined: none). */
  readonly spectral?: number;
  readonly stokes?: number;
  /** The channel axis CARTA uses (the first non-rendered, non-Stokes axis), 1-based. */
  readonly z?: number;
}

function axisProblems(group0: readonly AttributeInfo[], layout: Layout, shapeOf: (path: string) => readonly number[] | undefined, usable: ReadonlySet<string>): string[] {
  const naxis = layout.shape.naxis;
  if (naxis === 2) return [];
  const problems: string[] = [];
  const ctypes = new Map<number, string>();
  for (let i = 1; i <= naxis; i++) {
    const a = group0.find((x) => x.name === `CTYPE${i}`);
    const v = a === undefined ? undefined : attributeValueOf(a);
    if (v?.type === "string") ctypes.set(i, v.value.replace(/''/g, "'"));
  }
  const found = (kind: "spectral" | "stokes"): number[] => [...ctypes].filter(([, t]) => axisKind(t) === kind).map(([i]) => i);
  const spectralAxes = found("spectral");
  const stokesAxes = found("stokes");
  const show = (i: number): string => `CTYPE${i} = '${ctypes.get(i)!.trim()}'`;
  const role = "the schema's statistics, mipmaps and rotated data take axis 3 as channels and axis 4 as Stokes";
  if (spectralAxes.length > 1) problems.push(`0 has ${spectralAxes.length} spectral axes (${spectralAxes.map(show).join(", ")}): CARTA takes one`);
  if (stokesAxes.length > 1) problems.push(`0 has ${stokesAxes.length} Stokes axes (${stokesAxes.map(show).join(", ")}): CARTA takes one`);
  const spectral = spectralAxes[0];
  const stokes = stokesAxes[0];
  if (spectral !== undefined && spectral !== 3) problems.push(`0 ${show(spectral)} makes axis ${spectral} the spectral axis in CARTA, but ${role}`);
  if (stokes !== undefined && stokes !== 4) problems.push(`0 ${show(stokes)} makes axis ${stokes} the Stokes axis in CARTA, but ${role}`);

  // The shapes CARTA then expects, from its axes (FileLoader::FindCoordinateAxes).
  const axes = cartaAxes(naxis, spectral, stokes, layout);
  const length = (axis: number | undefined): number => (axis === undefined ? 1 : [layout.shape.width, layout.shape.height, layout.shape.depth, layout.shape.stokes][axis - 1]!);
  const depth = length(axes.z);
  const nstokes = length(axes.stokes);
  const xy = naxis === 3 ? [depth] : [nstokes, depth];
  for (const path of [statisticsPath("XY", "MIN"), statisticsPath("XY", "HISTOGRAM")]) {
    const shape = shapeOf(path);
    if (!usable.has(path) || shape === undefined) continue; // missing or wrong for NAXISn: said by the structure check
    const head = path.endsWith("HISTOGRAM") ? shape.slice(0, -1) : shape;
    if (!sameList(head, xy)) {
      problems.push(`${path} has shape [${shape.join(", ")}], but CARTA, from CTYPE, expects [${xy.join(", ")}${path.endsWith("HISTOGRAM") ? ", bins" : ""}] (${nstokes} Stokes × ${plural(depth, "channel")}): it skips the statistics (empty histograms)`);
    }
  }
  const swizzled = layout.swizzled?.path;
  if (swizzled !== undefined && usable.has(swizzled)) {
    const shape = shapeOf(swizzled)!;
    if (shape.at(-1) !== depth) problems.push(`${swizzled} holds spectra of ${shape.at(-1)} values, but CARTA, from CTYPE, reads ${plural(depth, "channel")} from it`);
  }
  return problems;
}

/** CARTA's spectral, Stokes and channel axes, with its fallbacks for headers that do not say. */
function cartaAxes(naxis: 3 | 4, spectralFound: number | undefined, stokesFound: number | undefined, layout: Layout): CartaAxes {
  let spectral = spectralFound;
  let stokes = stokesFound;
  if (naxis === 3 && spectral === undefined && stokes === undefined) spectral = 3;
  if (naxis === 4 && (spectral === undefined || stokes === undefined)) {
    if (spectral === undefined && stokes !== undefined) spectral = stokes === 4 ? 3 : 4;
    else if (spectral !== undefined && stokes === undefined) stokes = spectral === 4 ? 3 : 4;
    else if (layout.shape.depth > 4) [spectral, stokes] = [3, 4];
    else if (layout.shape.stokes > 4) [spectral, stokes] = [4, 3];
    else [spectral, stokes] = [3, 4];
  }
  // Axes 1 and 2 are rendered (a direction coordinate there, as the schema assumes).
  let z: number | undefined;
  for (let i = 3; i <= naxis; i++) {
    if (i !== stokes) {
      z = i;
      break;
    }
  }
  return { spectral, stokes, z };
}

// -- the beam -------------------------------------------------------------------------------------

/** The problem when BUNIT is per beam and group 0 has no usable beam, else undefined. */
function beamProblem(group0: readonly AttributeInfo[]): string | undefined {
  const value = (name: string) => {
    const a = group0.find((x) => x.name === name);
    return a === undefined ? undefined : attributeValueOf(a);
  };
  const bunit = value("BUNIT");
  if (bunit?.type !== "string" || !/beam/i.test(bunit.value)) return undefined;
  const missing: string[] = [];
  for (const name of ["BMAJ", "BMIN", "BPA"]) {
    const v = value(name);
    const n = v?.type === "float" ? v.value : v?.type === "int" ? Number(v.value) : undefined;
    const ok = n !== undefined && Number.isFinite(n) && (name === "BPA" || n > 0);
    if (!ok) missing.push(name);
  }
  if (missing.length === 0) return undefined;
  return `0 has BUNIT '${bunit.value.trim()}' (per beam) but no usable ${missing.join(", ")}: CARTA shows no beam and cannot give flux densities`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * With the FITS file: group `0`'s attributes (name, type, value, order) against what the
 * converter derives from the FITS header, and the root group's header-derived attributes
 * (COMMENT, HISTORY, LONGSTRN.*) and source keywords (SOURCE_*) against the header. The
 * expected attributes come from the converter's own derivation (src/engine/output-writes.ts
 * structureAttributes), so that verify follows every change to it.
 */
import { PROVENANCE_ATTRIBUTES } from "../schema/provenance.js";
import { structureAttributes } from "../engine/output-writes.js";
import type { FitsImage } from "../fits/image.js";
import type { ImageBeams } from "../fits/image-beams.js";
import type { AttributeInfo } from "../hdf5/reader.js";
import type { AttributeValue } from "../schema/header-attributes.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";
import { attributeValueOf, compareValues, extraAttributes, orderProblems, sameValue, showValue } from "./attribute-values.js";

export interface HeaderCheck {
  readonly problems: string[];
  readonly notes: string[];
  /** Whether the derived group 0 has a beam (BMAJ, BMIN and BPA): the FITS file gives one. */
  readonly sourceHasBeam: boolean;
}

const SOURCE_ATTRIBUTES = ["SOURCE_BITPIX", "SOURCE_BSCALE", "SOURCE_BZERO", "SOURCE_BLANK"] as const;

export function checkHeaderAgainstFits(image: FitsImage, beams: ImageBeams, group0: readonly AttributeInfo[], root: readonly AttributeInfo[]): HeaderCheck {
  const problems: string[] = [];
  const notes: string[] = [];
  const derived = structureAttributes(image, beams);
  const expected = derived.group0.map(([name, value]) => [name, value] as [string, AttributeValue]);
  const sourceHasBeam = ["BMAJ", "BMIN", "BPA"].every((name) => expected.some(([n]) => n === name));

  const converter = stringAttribute(group0, "HDF5_CONVERTER");
  if (converter !== undefined && converter !== CONVERTER_NAME) {
    notes.push(`group 0 was written by ${converter}, not ${CONVERTER_NAME}: its attributes are not compared with the FITS header`);
  } else {
    // A file written by another version: compared with what this version derives, its own
    // version aside (said in a note, since the derivation may have changed since).
    const version = stringAttribute(group0, "HDF5_CONVERTER_VERSION");
    if (version !== undefined && version !== CONVERTER_VERSION) {
      const i = expected.findIndex(([name]) => name === "HDF5_CONVERTER_VERSION");
      if (i >= 0) expected[i] = ["HDF5_CONVERTER_VERSION", { type: "string", value: version }];
      notes.push(`the file was converted by ${CONVERTER_NAME} ${version}: its header is compared with what version ${CONVERTER_VERSION} derives`);
    }
    const label = "0 attribute";
    problems.push(...compareValues(expected, group0, label));
    problems.push(...extraAttributes(new Set(expected.map(([n]) => n)), group0, label, "the FITS header"));
    problems.push(...orderProblems(expected.map(([n]) => n), group0.map((a) => a.name), label));
  }

  // The root group: the header's attributes (written with the structure) and the provenance.
  const label = "root attribute";
  problems.push(...compareValues(derived.root, root, label));
  problems.push(...sourceProblems(image, root));
  const known = new Set<string>([...derived.root.map(([n]) => n), ...PROVENANCE_ATTRIBUTES]);
  problems.push(...extraAttributes(known, root, label, "the FITS header or the provenance"));
  // No order: the root group does not track its attributes' creation order (HDF5 lists them by
  // name), and CARTA does not read them.
  return { problems, notes, sourceHasBeam };
}

/**
 * SOURCE_BITPIX, and SOURCE_BSCALE, SOURCE_BZERO, SOURCE_BLANK exactly when the header has them,
 * against the FITS file's storage keywords. A missing SOURCE_BITPIX or a wrongly typed one is
 * the provenance check's to report (src/schema/provenance.ts readProvenance).
 */
function sourceProblems(image: FitsImage, root: readonly AttributeInfo[]): string[] {
  const header = image.header;
  const info = image.info;
  const want: Record<(typeof SOURCE_ATTRIBUTES)[number], AttributeValue | undefined> = {
    SOURCE_BITPIX: { type: "int", value: BigInt(info.bitpix) },
    SOURCE_BSCALE: header.has("BSCALE") ? { type: "float", value: info.bscale } : undefined,
    SOURCE_BZERO: header.has("BZERO") ? { type: "float", value: info.bzero } : undefined,
    SOURCE_BLANK: info.blank !== undefined ? { type: "int", value: info.blank } : undefined,
  };
  const byName = new Map(root.map((a) => [a.name, a]));
  const problems: string[] = [];
  for (const name of SOURCE_ATTRIBUTES) {
    const expected = want[name];
    const a = byName.get(name);
    const keyword = name.slice("SOURCE_".length);
    if (a === undefined) {
      if (expected !== undefined && name !== "SOURCE_BITPIX") problems.push(`root attribute ${name} is missing: the FITS header has ${keyword} = ${showValue(expected)}`);
      continue;
    }
    if (expected === undefined) {
      problems.push(`root attribute ${name} is recorded, but the FITS header has no ${keyword}`);
      continue;
    }
    const found = attributeValueOf(a);
    if (found !== undefined && found.type === expected.type && !sameValue(found, expected)) {
      problems.push(`root attribute ${name} differs: expected ${showValue(expected)} (the FITS header's ${keyword}), found ${showValue(found)}`);
    }
  }
  return problems;
}

function stringAttribute(attributes: readonly AttributeInfo[], name: string): string | undefined {
  const a = attributes.find((x) => x.name === name);
  const v = a === undefined ? undefined : attributeValueOf(a);
  return v?.type === "string" ? v.value : undefined;
}


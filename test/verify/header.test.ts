/**
 * verifyFile checks the header: group 0's attributes (name, type, value, order) and the root's
 * header-derived and provenance attributes against the FITS header (with the FITS file), and
 * what CARTA derives from the file (without it too): the cards it rebuilds, the spectral and
 * Stokes axes, the shapes it then expects, the beam. Each tampering is found and named; the
 * samples in data/ convert and verify clean. Also: progress as a conversion's, and the timings.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import type { Progress } from "../../src/engine/progress.js";
import type { AttrValue } from "../../src/hdf5/writer.js";
import { verifyFile } from "../../src/verify/index.js";
import { orderProblems } from "../../src/verify/attribute-values.js";
import { formatG13 } from "../../src/verify/carta-cards.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
import { rebuild, wcsCards, type RebuildEdits } from "./helpers.js";

const tmp = tempFolder("fits2idia-verify-header-");
afterAll(() => tmp.cleanup());
const env = { FITS2IDIA_RC: "" };
let serial = 0;
const name = (base: string): string => tmp.file(`${serial++}-${base}`);

async function converted(naxis: 3 | 4, size: [number, number, number, number], cards: string[]): Promise<{ input: string; output: string }> {
  const [w, h, d, s] = size;
  const input = tmp.write(`${serial++}.fits`, cubeFile(makeCube(naxis, w, h, d, s, "nan-inf", w + d), cards));
  const output = name("out.hdf5");
  await convert(input, output, { env });
  return { input, output };
}

/** Group 0's (or the root's) attributes edited, the rest of the file rebuilt as it was. */
function editing(object: "/" | "/0", edit: (attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>): RebuildEdits {
  return { attributes: (o, attrs) => (o === object ? edit(attrs) : attrs) };
}
const setAttr = (attrs: Array<[string, AttrValue]>, key: string, value: AttrValue): Array<[string, AttrValue]> => {
  if (!attrs.some(([n]) => n === key)) throw new Error(`no attribute ${key}`);
  return attrs.map(([n, v]) => [n, n === key ? value : v]);
};

let cube: { input: string; output: string };
let stokesCube: { input: string; output: string };
beforeAll(async () => {
  cube = await converted(3, [200, 150, 4, 1], wcsCards(3));
  stokesCube = await converted(4, [150, 140, 3, 2], wcsCards(4));
});

async function tampered(edits: RebuildEdits, from = cube.output): Promise<string> {
  const file = name("tampered.hdf5");
  await rebuild(from, file, edits);
  return file;
}

describe("untampered: OK with and without the FITS file", () => {
  it("the WCS fixtures (3-D and 4-D)", async () => {
    for (const { input, output } of [cube, stokesCube]) {
      const withFits = await verifyFile(output, input);
      expect(withFits.problems).toEqual([]);
      expect(withFits.warnings).toEqual([]);
      expect((await verifyFile(output)).problems).toEqual([]);
      // The helper's rebuild is faithful: what the tests below change is all that differs.
      const copy = await tampered({}, output);
      expect((await verifyFile(copy, input)).problems).toEqual([]);
    }
  });

  const samples = fileURLToPath(new URL("../../data", import.meta.url));
  it.each(readdirSync(samples).filter((f) => /\.fits(\.gz)?$/.test(f)))("data/%s", async (sample) => {
    const input = join(samples, sample);
    const output = name(`${sample}.hdf5`);
    await convert(input, output, { env });
    const withFits = await verifyFile(output, input);
    expect(withFits.problems).toEqual([]);
    expect(withFits.warnings).toEqual([]);
    expect(withFits.notes).toEqual([]);
    expect((await verifyFile(output, undefined, { structureOnly: true })).problems).toEqual([]);
  });
});

describe("group 0 against the FITS header (with the FITS file)", () => {
  it.each<[string, (attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>, string]>([
    ["CRVAL1 changed", (a) => setAttr(a, "CRVAL1", { type: "float", value: 84 }), "0 attribute CRVAL1 differs: expected 83.63, found 84"],
    ["CDELT3 changed", (a) => setAttr(a, "CDELT3", { type: "float", value: 2e6 }), "0 attribute CDELT3 differs: expected 1000000, found 2000000"],
    ["BUNIT changed", (a) => setAttr(a, "BUNIT", { type: "string", value: "K" }), "0 attribute BUNIT differs: expected 'Jy/beam', found 'K'"],
    ["CTYPE1 deleted", (a) => a.filter(([n]) => n !== "CTYPE1"), "0 attribute CTYPE1 is missing: expected string 'RA---SIN'"],
    ["CDELT1 an integer where the header has a real", (a) => setAttr(a, "CDELT1", { type: "int", value: -1n }), "0 attribute CDELT1 is a int (-1): expected float -0.001"],
    ["CDELT3 a string where the header has a real", (a) => setAttr(a, "CDELT3", { type: "string", value: "1000000.0" }), "0 attribute CDELT3 is a string ('1000000.0'): expected float 1000000"],
    ["an attribute added", (a) => [...a, ["TELESCOP", { type: "string", value: "MeerKAT" }]], "0 attribute TELESCOP is not one the FITS header gives (found string 'MeerKAT')"],
  ])("%s", async (_title, edit, line) => {
    const file = await tampered(editing("/0", edit));
    const report = await verifyFile(file, cube.input);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([line]);
  });

  it("two attributes swapped: one line, naming the one out of order", async () => {
    const file = await tampered(
      editing("/0", (attrs) => {
        const i = attrs.findIndex(([n]) => n === "CRVAL1");
        const j = attrs.findIndex(([n]) => n === "CDELT1");
        const out = [...attrs];
        [out[i], out[j]] = [out[j]!, out[i]!];
        return out;
      }),
    );
    const report = await verifyFile(file, cube.input);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^0 attribute (CRVAL1|CDELT1) is out of order: attribute \d+, expected \d+ \(after \w+; CARTA reads the header in creation order\)$/);
  });

  it("without the FITS file the values of the header cannot be told wrong: those tamperings pass (only CARTA's view is checked)", async () => {
    const file = await tampered(editing("/0", (a) => setAttr(a, "CRVAL1", { type: "float", value: 84 })));
    expect((await verifyFile(file)).problems).toEqual([]);
  });
});

describe("the root group's header attributes and provenance", () => {
  it.each<[string, (attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>, string]>([
    ["SOURCE_BITPIX changed", (a) => setAttr(a, "SOURCE_BITPIX", { type: "int", value: 16n }), "root attribute SOURCE_BITPIX differs: expected -32 (the FITS header's BITPIX), found 16"],
    ["SOURCE_BSCALE added", (a) => [...a, ["SOURCE_BSCALE", { type: "float", value: 2 }]], "root attribute SOURCE_BSCALE is recorded, but the FITS header has no BSCALE"],
    ["a HISTORY line changed", (a) => setAttr(a, "HISTORY", { type: "strings", value: ["first step", "third step"] }), "root attribute HISTORY differs: line 2 of 2 expected 'second step', found 'third step'"],
    ["COMMENT deleted", (a) => a.filter(([n]) => n !== "COMMENT"), "root attribute COMMENT is missing: expected strings 1 line"],
    ["an unknown root attribute", (a) => [...a, ["NOTE", { type: "string", value: "x" }]], "root attribute NOTE is not one the FITS header or the provenance gives (found string 'x')"],
  ])("%s", async (_title, edit, line) => {
    const file = await tampered(editing("/", edit));
    const report = await verifyFile(file, cube.input);
    expect(report.problems).toEqual([line]);
  });

  it("CONVERSION_OPTIONS consistent (checked without the FITS file too)", async () => {
    const options = (attrs: Array<[string, AttrValue]>) => JSON.parse((attrs.find(([n]) => n === "CONVERSION_OPTIONS")![1] as { value: string }).value) as Record<string, unknown>;
    const withOptions = (change: (o: Record<string, unknown>) => void) =>
      editing("/", (attrs) => {
        const o = options(attrs);
        change(o);
        return setAttr(attrs, "CONVERSION_OPTIONS", { type: "string", value: JSON.stringify(o) });
      });
    const cases: Array<[(o: Record<string, unknown>) => void, string]> = [
      [(o) => (o.mode = "turbo"), 'provenance: CONVERSION_OPTIONS mode is "turbo", not "fast" or "slow"'],
      [(o) => (o.threads = 0), "provenance: CONVERSION_OPTIONS threads is 0, not a positive whole number"],
      [(o) => (o.hdu = 3), "provenance: CONVERSION_OPTIONS hdu is 3 but INPUT_HDU is 0"],
      [(o) => (o.input = "other.fits"), /^provenance: CONVERSION_OPTIONS input "other\.fits" does not name INPUT_PATH .*\.fits$/ as unknown as string],
    ];
    for (const [change, line] of cases) {
      const file = await tampered(withOptions(change));
      const report = await verifyFile(file);
      expect(report.problems).toHaveLength(1);
      if (typeof line === "string") expect(report.problems[0]).toBe(line);
      else expect(report.problems[0]).toMatch(line);
    }
    const notObject = await tampered(editing("/", (a) => setAttr(a, "CONVERSION_OPTIONS", { type: "string", value: "[1, 2]" })));
    expect((await verifyFile(notObject)).problems).toEqual(["provenance: CONVERSION_OPTIONS is not a JSON object"]);
  });
});

describe("what CARTA derives (without the FITS file)", () => {
  it("a card longer than 80 columns", async () => {
    const long = "A".repeat(75);
    const file = await tampered(editing("/0", (a) => setAttr(a, "OBJECT", { type: "string", value: long })));
    expect((await verifyFile(file)).problems).toEqual([`0 attribute OBJECT: CARTA's header card is 87 columns, more than 80: OBJECT  = '${long}'`]);
    // With the FITS file, the value differs too.
    expect((await verifyFile(file, cube.input)).problems).toEqual([
      `0 attribute OBJECT differs: expected 'CRAB', found '${long}'`,
      `0 attribute OBJECT: CARTA's header card is 87 columns, more than 80: OBJECT  = '${long}'`,
    ]);
  });

  it("a card that does not read back: an undoubled quote, a name that is not a FITS keyword (a NaN is a warning)", async () => {
    const file = await tampered(
      editing("/0", (a) => [
        ...setAttr(setAttr(a, "OBJECT", { type: "string", value: "O'Neil" }), "CRVAL2", { type: "float", value: Number.NaN }),
        ["lowercase", { type: "int", value: 1n }],
      ]),
    );
    const report = await verifyFile(file);
    // A NaN is what the converter writes for a header's NaN: said, not a failure.
    expect(report.warnings).toEqual([expect.stringMatching(/^0 attribute CRVAL2: CARTA's header card CRVAL2  = NAN is not a number it reads/)]);
    const problems = report.problems;
    expect(problems).toEqual([
      "0 attribute OBJECT: CARTA's header card reads back as 'O' (a quote in the value that is not doubled ends the string): OBJECT  = 'O'Neil'",
      "0 attribute lowercase: CARTA's header card is not a FITS keyword card for lowercase (CARTA's FITS parser reads it as commentary): lowercase= 1",
    ]);
  });

  it("the spectral axis on axis 4 and Stokes on axis 3: said, with the shapes CARTA would then expect", async () => {
    const file = await tampered(
      editing("/0", (a) => setAttr(setAttr(a, "CTYPE3", { type: "string", value: "STOKES" }), "CTYPE4", { type: "string", value: "VOPT-F2W" })),
      stokesCube.output,
    );
    const report = await verifyFile(file);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      "0 CTYPE4 = 'VOPT-F2W' makes axis 4 the spectral axis in CARTA, but the schema's statistics, mipmaps and rotated data take axis 3 as channels and axis 4 as Stokes",
      "0 CTYPE3 = 'STOKES' makes axis 3 the Stokes axis in CARTA, but the schema's statistics, mipmaps and rotated data take axis 3 as channels and axis 4 as Stokes",
      "0/Statistics/XY/MIN has shape [2, 3], but CARTA, from CTYPE, expects [3, 2] (3 Stokes × 2 channels): it skips the statistics (empty histograms)",
      "0/Statistics/XY/HISTOGRAM has shape [2, 3, 144], but CARTA, from CTYPE, expects [3, 2, bins] (3 Stokes × 2 channels): it skips the statistics (empty histograms)",
      "0/SwizzledData/ZYXW holds spectra of 3 values, but CARTA, from CTYPE, reads 2 channels from it",
    ]);
  });

  it("a mipmap missing, and the per-channel statistics of the wrong shape", async () => {
    const noMip = await tampered({ dataset: (d) => (d.path === "/0/MipMaps/DATA/DATA_XY_2" ? null : d) });
    expect((await verifyFile(noMip, undefined, { structureOnly: true })).problems).toEqual(["dataset 0/MipMaps/DATA/DATA_XY_2 is missing (CARTA reads downsampled tiles from there, else computes them from DATA: slowly)"]);
    const wrongStats = await tampered({ dataset: (d) => (d.path === "/0/Statistics/XY/MIN" ? { ...d, shape: [5] } : d) });
    const report = await verifyFile(wrongStats, cube.input);
    expect(report.problems).toEqual(["dataset 0/Statistics/XY/MIN has shape [5], not [4]"]);
  });

  it("a per-beam BUNIT without a beam: an error; a warning when the FITS file has no beam either", async () => {
    const file = await tampered(editing("/0", (a) => a.filter(([n]) => n !== "BMAJ")));
    const beamLine = "0 has BUNIT 'Jy/beam' (per beam) but no usable BMAJ: CARTA shows no beam and cannot give flux densities";
    expect((await verifyFile(file)).problems).toEqual([beamLine]);
    expect((await verifyFile(file, cube.input)).problems).toEqual(["0 attribute BMAJ is missing: expected float 0.001", beamLine]);

    const beamless = await converted(3, [40, 30, 3, 1], wcsCards(3, { beam: false }));
    const withFits = await verifyFile(beamless.output, beamless.input);
    expect(withFits.ok).toBe(true);
    expect(withFits.warnings).toEqual([
      "0 has BUNIT 'Jy/beam' (per beam) but no usable BMAJ, BMIN, BPA: CARTA shows no beam and cannot give flux densities; the FITS file has none either, so CARTA shows it the same way",
    ]);
    expect((await verifyFile(beamless.output)).problems).toEqual(["0 has BUNIT 'Jy/beam' (per beam) but no usable BMAJ, BMIN, BPA: CARTA shows no beam and cannot give flux densities"]);
    // Not per beam: no beam needed.
    const kelvin = await converted(3, [40, 30, 3, 1], wcsCards(3, { beam: false, bunit: "K" }));
    expect((await verifyFile(kelvin.output)).problems).toEqual([]);
  });
});

describe("pieces", () => {
  it("CARTA's float format is C's %#.13G", () => {
    // Expected values from Python's "%#.13G" % x (C printf semantics).
    const cases: Array<[number, string]> = [
      [83.63, "83.63000000000"],
      [1420405751.7, "1420405751.700"],
      [1e-5, "1.000000000000E-05"],
      [123456789012345, "1.234567890123E+14"],
      [0, "0.000000000000"],
      [-0, "-0.000000000000"],
      [-0.000555555556, "-0.0005555555560000"],
      [0.0001, "0.0001000000000000"],
      [1e13, "1.000000000000E+13"],
      [9999999999999.5, "1.000000000000E+13"],
      [-12.5, "-12.50000000000"],
      [1.5e-300, "1.500000000000E-300"],
      [Number.NaN, "NAN"],
      [Number.POSITIVE_INFINITY, "INF"],
    ];
    for (const [x, text] of cases) expect(formatG13(x), String(x)).toBe(text);
  });

  it("order: one line per attribute moved, whatever the distance", () => {
    const names = Array.from({ length: 40 }, (_, i) => `K${i}`);
    const moved = [...names.slice(0, 2), ...names.slice(3), names[2]!];
    expect(orderProblems(names, moved, "0 attribute")).toEqual(["0 attribute K2 is out of order: attribute 40, expected 3 (after K1; CARTA reads the header in creation order)"]);
    expect(orderProblems(names, names, "0 attribute")).toEqual([]);
    // 5000 attributes, two swapped far apart: two lines (each stands out of the order).
    const many = Array.from({ length: 5000 }, (_, i) => `K${i}`);
    const swapped = [...many];
    [swapped[1], swapped[4998]] = [swapped[4998]!, swapped[1]!];
    const lines = orderProblems(many, swapped, "0 attribute");
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.split(" ")[2])).toEqual(["K4998", "K1"]);
  });
});

describe("progress and timings, as a conversion's", () => {
  it("onProgress gets Progress objects: stages in order, fraction rising to 1, bytes; seconds is an object", async () => {
    const seen: Progress[] = [];
    const report = await verifyFile(cube.output, cube.input, { onProgress: (p) => seen.push(p), windowBytes: 4 * 4 * 2000 });
    expect(report.ok).toBe(true);
    const stages = [...new Set(seen.map((p) => p.stage))];
    expect(stages).toEqual(["open", "planes", "tiles", "finish"]);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction);
      expect(seen[i]!.elapsed).toBeGreaterThanOrEqual(seen[i - 1]!.elapsed);
    }
    expect(seen.filter((p) => p.stage === "planes")).toHaveLength(1 + 4); // the stage starting, then each plane
    expect(seen.filter((p) => p.stage === "tiles").length).toBeGreaterThan(1);
    expect(seen.at(-1)).toMatchObject({ stage: "finish", fraction: 1 });
    const last = seen.at(-1)!;
    expect(last.bytesProcessed).toBe(last.bytesTotal);
    const planes = seen.filter((p) => p.stage === "planes");
    // DATA and the FITS planes, the histograms and mipmaps: more than the planes' pixels twice over.
    expect(planes.at(-1)!.bytesProcessed).toBeGreaterThan(200 * 150 * 4 * 4 * 2);
    expect(Object.keys(report.seconds).sort()).toEqual(["compute", "read", "total", "write"]);
    expect(report.seconds.read).toBeGreaterThan(0);
    expect(report.seconds.read + report.seconds.compute).toBeLessThanOrEqual(report.seconds.total);
    expect(report.seconds.write).toBe(0);
  });

  it("structure only: open, then finish", async () => {
    const seen: Progress[] = [];
    await verifyFile(cube.output, undefined, { structureOnly: true, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => [p.stage, p.fraction])).toEqual([["open", 0], ["finish", 1]]);
  });
});

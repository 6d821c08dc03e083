import { describe, expect, it } from "vitest";
import { parseHeaderBytes } from "../../src/fits/header.js";
import { axisKind, axisPlanWarnings, describePermutation, filePlaneOf, headerAxes, planAxes, planShape, type AxisPlan, type HeaderAxes } from "../../src/schema/axes.js";
import { headerBytes, primaryCards, valueCard } from "../helpers/fixtures.js";

function plan(axes: HeaderAxes): AxisPlan {
  const result = planAxes(axes);
  if ("refused" in result) throw new Error(`refused: ${result.refused}`);
  return result.plan;
}

const of = (lengths: number[], ctypes: (string | undefined)[], wcsAxes = lengths.length): HeaderAxes => ({ lengths, ctypes, wcsAxes });

describe("axisKind", () => {
  it.each([
    "FREQ", "ENER", "WAVN", "VRAD", "WAVE", "VOPT", "ZOPT", "AWAV", "VELO", "BETA",
    "FREQ-LOG", "WAVE-F2W", "VOPT-F2W", "VRAD-F2V", "AWAV-TAB", "FELO-HEL", "FELO-LSR", "VELO-LSR", "FELO", "FREQ    ",
  ])("%s is spectral", (ctype) => expect(axisKind(ctype)).toBe("spectral"));

  it.each(["STOKES", "STOKES  "])("%s is Stokes", (ctype) => expect(axisKind(ctype)).toBe("stokes"));

  it.each([undefined, "", "RA---SIN", "DEC--SIN", "GLON-CAR", "LINEAR", "TIME", "freq", "FREQUENCY", " FREQ", "STOKESX", "FREQ-", "FREQ-ABCDE", "VELOCITY"])(
    "%s is neither",
    (ctype) => expect(axisKind(ctype)).toBe("other"),
  );
});

describe("planAxes", () => {
  it("keeps the schema's order as it is", () => {
    for (const p of [
      plan(of([10, 8], ["RA---SIN", "DEC--SIN"])),
      plan(of([10, 8, 5], ["RA---SIN", "DEC--SIN", "FREQ"])),
      plan(of([10, 8, 5], ["RA---SIN", "DEC--SIN", "TIME"])),
      plan(of([10, 8, 5, 2], ["RA---SIN", "DEC--SIN", "FREQ", "STOKES"])),
      plan(of([10, 8, 5, 2], [])), // no CTYPEs: neither axis is longer than 4 ... 5 is: spectral is axis 3
    ]) {
      expect(p.identity).toBe(true);
      expect(p.reordersPlanes).toBe(false);
      expect(p.source).toEqual(p.lengths.map((_, i) => i));
      expect(axisPlanWarnings(p, { compressed: true })).toEqual([]);
    }
  });

  it("moves Stokes after the spectral axis: RA, DEC, STOKES, FREQ (CASA without stokeslast)", () => {
    const p = plan(of([10, 8, 2, 5], ["RA---SIN", "DEC--SIN", "STOKES", "FREQ"]));
    expect(p.source).toEqual([0, 1, 3, 2]);
    expect(planShape(p)).toEqual({ naxis: 4, width: 10, height: 8, depth: 5, stokes: 2 });
    expect(p.reordersPlanes).toBe(true);
    expect(describePermutation(p)).toBe("1 2 4 3");
    // Output plane p = s * depth + c lies at file plane c * 2 + s.
    const at = filePlaneOf(p)!;
    expect(Array.from({ length: 10 }, (_, i) => at(i))).toEqual([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]);
    const [warning, ...rest] = axisPlanWarnings(p, { compressed: false });
    expect(warning).toMatch(/axis 3 is FITS axis 4 'FREQ'; axis 4 is FITS axis 3 'STOKES'/);
    expect(warning).toMatch(/AXIS_PERMUTATION = '1 2 4 3'/);
    expect(rest).toEqual([]);
    expect(axisPlanWarnings(p, { compressed: true })[1]).toMatch(/decompressed 2 times \(once per Stokes\)/);
  });

  it("a degenerate Stokes axis before the spectral axis: the header changes, the planes keep their order", () => {
    const p = plan(of([10, 8, 1, 5], ["RA---SIN", "DEC--SIN", "STOKES", "VOPT-F2W"]));
    expect(p.source).toEqual([0, 1, 3, 2]);
    expect(p.reordersPlanes).toBe(false);
    expect(filePlaneOf(p)).toBeUndefined();
    expect(axisPlanWarnings(p, { compressed: true })).toHaveLength(1);
  });

  it("3-D with Stokes as axis 3: a degenerate axis 3 is added so that Stokes is axis 4", () => {
    const p = plan(of([10, 8, 4], ["RA---SIN", "DEC--SIN", "STOKES"]));
    expect(p.source).toEqual([0, 1, null, 2]);
    expect(planShape(p)).toEqual({ naxis: 4, width: 10, height: 8, depth: 1, stokes: 4 });
    expect(p.reordersPlanes).toBe(false);
    expect(describePermutation(p)).toBe("1 2 0 3");
    expect(axisPlanWarnings(p, { compressed: false })[0]).toMatch(/axis 3 is a degenerate axis added \(length 1\); axis 4 is FITS axis 3 'STOKES'/);
  });

  it("spectral axis 4 with a degenerate axis 3, and no Stokes: CARTA takes axis 3 as Stokes", () => {
    const p = plan(of([10, 8, 1, 7], ["RA---SIN", "DEC--SIN", "LINEAR", "FREQ"]));
    expect(p.source).toEqual([0, 1, 3, 2]);
    expect(planShape(p)).toMatchObject({ depth: 7, stokes: 1 });
  });

  it("no spectral axis: Stokes and another axis, or neither (guessed by length as CARTA does)", () => {
    expect(plan(of([10, 8, 3, 6], ["RA---SIN", "DEC--SIN", "STOKES", "TIME"])).source).toEqual([0, 1, 3, 2]);
    expect(plan(of([10, 8, 6, 3], ["RA---SIN", "DEC--SIN", "TIME", "STOKES"])).source).toEqual([0, 1, 2, 3]);
    expect(plan(of([10, 8, 3, 9], ["RA---SIN", "DEC--SIN", "X", "Y"])).source).toEqual([0, 1, 3, 2]);
    expect(plan(of([10, 8, 9, 3], ["RA---SIN", "DEC--SIN", "X", "Y"])).source).toEqual([0, 1, 2, 3]);
    expect(plan(of([10, 8, 3, 2], ["RA---SIN", "DEC--SIN", "X", "Y"])).source).toEqual([0, 1, 2, 3]);
    // A position-velocity image: the spectral axis is axis 2 and stays there.
    expect(plan(of([10, 8, 3], ["OFFSET", "VRAD", "STOKES"])).source).toEqual([0, 1, null, 2]);
    expect(plan(of([10, 8], ["OFFSET", "VRAD"])).identity).toBe(true);
  });

  it("degenerate axes beyond the fourth: dropped, keeping a degenerate Stokes or spectral axis", () => {
    const a = plan(of([10, 8, 5, 2, 1], ["RA---SIN", "DEC--SIN", "FREQ", "STOKES", "X"]));
    expect([a.source, a.dropped, a.identity]).toEqual([[0, 1, 2, 3], [4], true]);
    const b = plan(of([10, 8, 2, 5, 1], ["RA---SIN", "DEC--SIN", "STOKES", "FREQ", "X"]));
    expect([b.source, b.dropped, b.reordersPlanes]).toEqual([[0, 1, 3, 2], [4], true]);
    const c = plan(of([10, 8, 1, 5, 1], ["RA---SIN", "DEC--SIN", "X", "FREQ", "STOKES"]));
    expect([c.source, c.dropped, c.reordersPlanes, c.identity]).toEqual([[0, 1, 3, 4], [2], false, false]);
    expect(axisPlanWarnings(c, { compressed: false })[0]).toMatch(/degenerate FITS axes 3 are dropped/);
    const d = plan(of([10, 8, 5, 1, 1, 1], ["RA---SIN", "DEC--SIN", "FREQ", "X", "STOKES", "Y"]));
    expect([d.source, d.dropped]).toEqual([[0, 1, 2, 4], [3, 5]]);
  });

  it("axes described by the WCS alone (WCSAXES, or keywords beyond NAXIS) are degenerate axes of their own", () => {
    const p = plan(of([10, 8, 3], ["RA---SIN", "DEC--SIN", "STOKES", "FREQ"], 4));
    expect(p.source).toEqual([0, 1, 3, 2]);
    expect(planShape(p)).toMatchObject({ naxis: 4, depth: 1, stokes: 3 });
    expect(axisPlanWarnings(p, { compressed: false })[0]).toMatch(/axis 3 is WCS axis 4 'FREQ', which has no NAXIS4 \(length 1\)/);
    const q = plan(of([10, 8, 5], ["RA---SIN", "DEC--SIN", "FREQ", "STOKES"], 4));
    expect([q.source, q.identity]).toEqual([[0, 1, 2, 3], false]);
  });

  it.each([
    [of([2, 8, 5], ["STOKES", "DEC--SIN", "FREQ"]), /^the Stokes axis is axis 1 \(CTYPE1 = 'STOKES'\): the schema's image planes are FITS axes 1 and 2, so Stokes must come after them$/],
    [of([8, 2, 5], ["RA---SIN", "STOKES", "FREQ"]), /^the Stokes axis is axis 2/],
    [of([8, 8, 2, 2], ["RA---SIN", "DEC--SIN", "STOKES", "STOKES"]), /^axes 3 and 4 are all Stokes \(CTYPE = 'STOKES'\): an image has one Stokes axis$/],
    [of([8, 8, 2, 2], ["RA---SIN", "DEC--SIN", "FREQ", "VRAD"]), /^axes 3 and 4 are all spectral \(CTYPE3 = 'FREQ', CTYPE4 = 'VRAD'\): an image has one spectral axis$/],
    [of([8, 8, 2, 1, 3], []), /^NAXIS = 5 is not supported: axes beyond the fourth must have length 1, but NAXIS5 = 3$/],
  ])("refuses what the schema cannot hold: %#", (axes, message) => {
    const result = planAxes(axes);
    expect("refused" in result && result.refused).toMatch(message);
  });
});

describe("headerAxes", () => {
  it("counts the WCS's axes as wcslib does (NAXIS, WCSAXES, the highest axis number of a primary keyword)", () => {
    const header = (extra: string[], axes = [4, 3, 2]) => parseHeaderBytes(headerBytes([...primaryCards(-32, axes, extra)]));
    expect(headerAxes(header([valueCard("CTYPE3", "'STOKES'")]), [4, 3, 2])).toEqual({ lengths: [4, 3, 2], wcsAxes: 3, ctypes: [undefined, undefined, "STOKES"] });
    expect(headerAxes(header([valueCard("WCSAXES", "4"), valueCard("CTYPE4", "'FREQ'")]), [4, 3, 2]).wcsAxes).toBe(4);
    expect(headerAxes(header([valueCard("CRVAL4", "1.0")]), [4, 3, 2]).wcsAxes).toBe(4);
    expect(headerAxes(header([valueCard("PC1_4", "0.0")]), [4, 3, 2]).wcsAxes).toBe(4);
    // Alternate descriptions do not count (CARTA uses the primary one).
    expect(headerAxes(header([valueCard("CRVAL4A", "1.0"), valueCard("PC4_4B", "1.0")]), [4, 3, 2]).wcsAxes).toBe(3);
  });
});

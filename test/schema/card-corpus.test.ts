/**
 * Real-world malformed header cards never refuse a file: each becomes the group 0 attribute
 * docs/compatibility.md says, with a warning naming the card, through the pure derivation and
 * through one whole conversion (read back from the file, and verified).
 */
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { parseHeaderBytes } from "../../src/fits/header.js";
import { openReader } from "../../src/hdf5/reader.js";
import { headerAttributes } from "../../src/schema/header-attributes.js";
import { verifyFile } from "../../src/verify/index.js";
import { CARD_CORPUS, type CorpusCard } from "../helpers/card-corpus.js";
import { cubeFile, headerBytes, makeCube, primaryCards, tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

const shape = { naxis: 3 as const, width: 4, height: 3, depth: 2, stokes: 1 };
const converter = { name: "fits2idia-ts", version: "0" };
/** The corpus follows the 6 cards of primaryCards(-32, [4, 3, 2]). */
const FIRST = 7;

function nameOf(c: CorpusCard): string {
  return c.attribute?.[0].replace(/^HIERARCH /, "") ?? c.dropped!;
}

function expectedWarnings(c: CorpusCard, cardNumber: number): string[] {
  const list = c.warning === undefined ? [] : typeof c.warning === "string" ? [c.warning] : c.warning;
  return list.map((w) => `header card ${cardNumber} (${nameOf(c)}): ${w}`);
}

describe("the real-world card corpus, card by card", () => {
  it.each(CARD_CORPUS.map((c) => [c.source, c] as const))("%s", (_source, c) => {
    const header = parseHeaderBytes(headerBytes([...primaryCards(-32, [4, 3, 2]), c.card]));
    const { group0, warnings } = headerAttributes(header, shape, converter);
    expect(warnings).toEqual(expectedWarnings(c, FIRST));
    if (c.attribute !== undefined) {
      const got = group0.find(([name]) => name === c.attribute![0]);
      expect(got?.[1]).toEqual(c.attribute[1]);
      // The last attribute: the card keeps its place in header order.
      expect(group0[group0.length - 1]![0]).toBe(c.attribute[0]);
    } else {
      expect(group0.map(([name]) => name)).not.toContain(c.dropped);
      expect(group0.length).toBe(3 + 6);
    }
    // Every group 0 string is ASCII (CARTA's cards are fixed-length ASCII).
    for (const [, value] of group0) if (value.type === "string") expect(value.value).toMatch(/^[\x20-\x7e]*$/);
  });
});

describe("the whole corpus in one file", () => {
  it("converts without error; group 0 holds each card's attribute; the warnings name each card; verify passes", async () => {
    const cube = makeCube(3, 4, 3, 2, 1, "random", 12);
    const input = tmp.write("corpus.fits", cubeFile(cube, CARD_CORPUS.map((c) => c.card)));
    const output = tmp.file("corpus.hdf5");
    const seen: string[] = [];
    const report = await convert(input, output, { threads: 1, onWarning: (m) => seen.push(m) });
    const expected = CARD_CORPUS.flatMap((c, i) => expectedWarnings(c, FIRST + i));
    // OBSERVER twice: the second is a duplicate, kept out with the usual warning.
    expect(seen.filter((w) => w.startsWith("header card "))).toEqual(expected);
    expect(seen).toContain("header keyword OBSERVER appears more than once: only the first is kept");
    expect(report.warnings).toEqual(seen);

    const reader = await openReader(output);
    try {
      const attrs = new Map(reader.attributes("0").map((a) => [a.name, a]));
      for (const c of CARD_CORPUS) {
        if (c.attribute === undefined) {
          expect(attrs.has(c.dropped!)).toBe(false);
          continue;
        }
        const [name, value] = c.attribute;
        if (name === "OBSERVER") continue; // checked below: the first one wins
        const a = attrs.get(name);
        expect(a, name).toBeDefined();
        if (value.type === "float") expect(Object.is(Number(a!.value), value.value) || (Number.isNaN(value.value) && Number.isNaN(Number(a!.value)))).toBe(true);
        else if (value.type === "bool") expect(a!.value).toBe(value.value ? 1 : 0); // uint8, as CARTA reads booleans
        else expect(a!.value).toBe(value.value);
        if (value.type === "float") expect(a!.type.class).toBe("float");
        if (value.type === "string") expect(a!.type.vlen).toBe(false);
      }
      expect(attrs.get("OBSERVER")!.value).toBe("Jos?");
    } finally {
      reader.close();
    }
    const verdict = await verifyFile(output, input, { threads: 1 });
    expect(verdict.problems).toEqual([]);
  });
});

describe("a malformed card opening a header block", () => {
  it("is still read as header, not taken for data (the missing-END check allows a few non-ASCII bytes)", async () => {
    const filler = Array.from({ length: 36 - 6 }, (_, i) => `${`KEY${i}`.padEnd(8)}= ${String(i).padStart(20)}`.padEnd(80));
    const latin = CARD_CORPUS.find((c) => c.card.includes("Jos\u00e9"))!;
    const cube = makeCube(3, 4, 3, 2, 1, "random", 5);
    const input = tmp.write("block2.fits", cubeFile(cube, [...filler, latin.card, "\tTAB    = 1".padEnd(80)]));
    const warnings: string[] = [];
    await convert(input, tmp.file("block2.hdf5"), { threads: 1, onWarning: (m) => warnings.push(m) });
    expect(warnings).toContain(`header card 37 (OBSERVER): ${latin.warning}`);
    expect(warnings.some((w) => w.startsWith("header card 38 ("))).toBe(true);
  });
});

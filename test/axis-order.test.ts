/**
 * Cubes whose spectral and Stokes axes are not NAXIS3 and NAXIS4, converted in fast and slow
 * mode: the output must be the cube in the schema's order (x, y, spectral/depth, Stokes) with
 * every statistic as the naive reference computes it on that cube, the header's axis keywords
 * renamed to match (the values, the order of the cards), a warning, the permutation in the
 * provenance, and `verify` passing against the FITS file.
 */
import { existsSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../src/engine/convert.js";
import { predictMemory } from "../src/engine/memory.js";
import { FitsError } from "../src/fits/errors.js";
import { openReader } from "../src/hdf5/reader.js";
import { verifyFile } from "../src/verify/verify.js";
import { card, concat, dataBytes, headerBytes, makeCube, tempFolder, valueCard, type Bitpix, type Pattern } from "./helpers/fixtures.js";
import { naiveExpected, type Cube } from "./helpers/naive.js";
import { firstDifference, firstValueDifference, readDatasets } from "./helpers/read-hdf5.js";
import { rebuild } from "./verify/helpers.js";

const tmp = tempFolder();
afterAll(() => tmp.cleanup());

/** One FITS axis beyond the first two: its length, its role in the schema's cube and its CTYPE. */
interface FitsAxis {
  length: number;
  /** z: the schema's depth axis; w: its Stokes axis; none: a degenerate axis dropped or kept as is. */
  role: "z" | "w" | "none";
  ctype: string;
}

interface Case {
  name: string;
  size: [width: number, height: number];
  axes: FitsAxis[];
  /** Axes described by the WCS alone (WCSAXES beyond NAXIS): CTYPEs, each of length 1. */
  wcsOnly?: FitsAxis[];
  /** The output's axes: for each, the FITS axis (1-based) it is, 0 for one added. */
  permutation: number[];
  bitpix: Bitpix;
  pattern: Pattern;
}

const RA = "'RA---SIN'";
const DEC = "'DEC--SIN'";

const cases: Case[] = [
  { name: "RA, DEC, STOKES, FREQ (CASA without stokeslast)", size: [23, 17], axes: [{ length: 2, role: "w", ctype: "STOKES" }, { length: 5, role: "z", ctype: "FREQ" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "nan-inf" },
  { name: "RA, DEC, STOKES (degenerate), FREQ; BITPIX 16", size: [31, 12], axes: [{ length: 1, role: "w", ctype: "STOKES" }, { length: 6, role: "z", ctype: "FREQ" }], permutation: [1, 2, 4, 3], bitpix: 16, pattern: "integers" },
  { name: "RA, DEC, STOKES, VOPT-F2W, 4 Stokes, all-NaN channel", size: [19, 21], axes: [{ length: 4, role: "w", ctype: "STOKES" }, { length: 3, role: "z", ctype: "VOPT-F2W" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "nan-channel" },
  { name: "RA, DEC, STOKES, FELO-HEL; BITPIX 16", size: [9, 140], axes: [{ length: 3, role: "w", ctype: "STOKES" }, { length: 4, role: "z", ctype: "FELO-HEL" }], permutation: [1, 2, 4, 3], bitpix: 16, pattern: "integers" },
  { name: "3-D RA, DEC, STOKES: a degenerate axis 3 added", size: [15, 11], axes: [{ length: 4, role: "w", ctype: "STOKES" }], permutation: [1, 2, 0, 3], bitpix: -32, pattern: "random" },
  { name: "3-D RA, DEC, STOKES (1 Stokes); BITPIX 16", size: [15, 11], axes: [{ length: 1, role: "w", ctype: "STOKES" }], permutation: [1, 2, 0, 3], bitpix: 16, pattern: "integers" },
  { name: "spectral axis 4 with a degenerate axis 3 (no Stokes)", size: [14, 13], axes: [{ length: 1, role: "w", ctype: "LINEAR" }, { length: 7, role: "z", ctype: "FREQ" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "nan-pixel" },
  { name: "no spectral axis: RA, DEC, STOKES, TIME", size: [12, 10], axes: [{ length: 2, role: "w", ctype: "STOKES" }, { length: 3, role: "z", ctype: "TIME" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "random" },
  { name: "NAXIS 5: RA, DEC, STOKES, FREQ, a degenerate axis 5 dropped", size: [16, 9], axes: [{ length: 2, role: "w", ctype: "STOKES" }, { length: 4, role: "z", ctype: "FREQ" }, { length: 1, role: "none", ctype: "X" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "nan-inf" },
  { name: "NAXIS 5: RA, DEC, degenerate X, FREQ, degenerate STOKES: X dropped", size: [16, 9], axes: [{ length: 1, role: "none", ctype: "X" }, { length: 4, role: "z", ctype: "FREQ" }, { length: 1, role: "w", ctype: "STOKES" }], permutation: [1, 2, 4, 5], bitpix: 16, pattern: "integers" },
  { name: "3-D RA, DEC, STOKES with WCSAXES = 4 and a degenerate FREQ axis 4", size: [13, 8], axes: [{ length: 3, role: "w", ctype: "STOKES" }], wcsOnly: [{ length: 1, role: "z", ctype: "FREQ" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "random" },
  { name: "2-D with a WCS that describes FREQ and STOKES axes 3 and 4 (no NAXIS3, NAXIS4)", size: [21, 14], axes: [], wcsOnly: [{ length: 1, role: "z", ctype: "FREQ" }, { length: 1, role: "w", ctype: "STOKES" }], permutation: [1, 2, 3, 4], bitpix: -32, pattern: "nan-inf" },
  { name: "RA, DEC, FREQ, STOKES: already in order", size: [18, 7], axes: [{ length: 3, role: "z", ctype: "FREQ" }, { length: 2, role: "w", ctype: "STOKES" }], permutation: [1, 2, 3, 4], bitpix: -32, pattern: "nan-inf" },
  { name: "520x513: chunked DATA, STOKES before FREQ", size: [520, 513], axes: [{ length: 2, role: "w", ctype: "STOKES" }, { length: 3, role: "z", ctype: "FREQ" }], permutation: [1, 2, 4, 3], bitpix: -32, pattern: "nan-inf" },
];

const BSCALE = 0.5;
const BZERO = 10;
const BLANK = -32768;

/** The header cards of every axis-numbered keyword for FITS axis n, primary and alternate A and B. */
function axisCards(n: number, ctype: string, total: number): string[] {
  const cards = [
    valueCard(`CTYPE${n}`, `'${ctype}'`),
    valueCard(`CRVAL${n}`, `${n}.25E+02`),
    valueCard(`CDELT${n}`, `${n}.5`),
    valueCard(`CRPIX${n}`, `${n}.0`),
    valueCard(`CUNIT${n}`, `'u${n}'`),
    valueCard(`CNAME${n}`, `'name ${n}'`),
    valueCard(`CRDER${n}`, `0.0${n}`),
    valueCard(`CSYER${n}`, `0.00${n}`),
    valueCard(`CROTA${n}`, `${n}.75`),
    valueCard(`PV${n}_1`, `${n}.125`),
    card(`PS${n}_0   = 'ps${n}'`),
    valueCard(`CTYPE${n}A`, `'${ctype}'`),
    valueCard(`CRVAL${n}A`, `-${n}.5`),
  ];
  for (let j = 1; j <= total; j++) {
    cards.push(valueCard(`PC${n}_${j}`, n === j ? "1.0" : `0.${n}${j}`));
    cards.push(valueCard(`CD${n}_${j}B`, `${n}${j}.0`));
    if (j !== n) cards.push(valueCard(`PC${n}_${j}A`, `-0.${n}${j}`));
  }
  return cards;
}

interface Fixture {
  bytes: Uint8Array;
  /** The cube in the schema's order, for the naive reference. */
  cube: Cube;
  /** The FITS header's cards in order, for the expected group 0. */
  cards: string[];
}

function fixture(c: Case, seed: number): Fixture {
  const [width, height] = c.size;
  const fitsAxes = [...c.axes, ...(c.wcsOnly ?? [])];
  const depth = fitsAxes.find((a) => a.role === "z")?.length ?? 1;
  const stokes = fitsAxes.find((a) => a.role === "w")?.length ?? 1;
  const naxisOut = c.permutation.length as 2 | 3 | 4;
  const cube = makeCube(naxisOut, width, height, depth, stokes, c.pattern, seed);
  const lengths = [width, height, ...c.axes.map((a) => a.length)];
  const total = lengths.length + (c.wcsOnly?.length ?? 0);
  const integer = c.bitpix > 0;
  if (integer) {
    // Physical values BZERO + BSCALE * raw, and a few blanks.
    for (let i = 0; i < cube.values.length; i++) cube.values[i] = i % 13 === 5 ? NaN : BZERO + BSCALE * cube.values[i]!;
  }
  // The file's values: FITS order, the axes as the case gives them.
  const count = lengths.reduce((a, b) => a * b, 1);
  const raw = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let rest = i;
    const coords = lengths.map((n) => {
      const k = rest % n;
      rest = Math.floor(rest / n);
      return k;
    });
    const [x, y] = coords as [number, number];
    let z = 0;
    let s = 0;
    c.axes.forEach((a, k) => {
      if (a.role === "z") z = coords[k + 2]!;
      if (a.role === "w") s = coords[k + 2]!;
    });
    const v = cube.values[((s * depth + z) * height + y) * width + x]!;
    raw[i] = integer ? (Number.isNaN(v) ? BLANK : (v - BZERO) / BSCALE) : v;
  }
  const cards = [
    valueCard("SIMPLE", "T"),
    valueCard("BITPIX", String(c.bitpix)),
    valueCard("NAXIS", String(lengths.length)),
    ...lengths.map((n, i) => valueCard(`NAXIS${i + 1}`, String(n))),
    ...(c.wcsOnly !== undefined ? [valueCard("WCSAXES", String(total))] : []),
    ...(integer ? [valueCard("BSCALE", String(BSCALE)), valueCard("BZERO", `${BZERO}.0`), valueCard("BLANK", String(BLANK))] : []),
    card("BUNIT   = 'Jy/beam '"),
    valueCard("BMAJ", "1.5E-03"),
    valueCard("BMIN", "1.0E-03"),
    valueCard("BPA", "45.0"),
    valueCard("CTYPE1", RA),
    valueCard("CTYPE2", DEC),
    valueCard("CRVAL1", "201.365"),
    valueCard("PC1_2", "0.001"),
    ...fitsAxes.flatMap((a, k) => axisCards(k + 3, a.ctype, total)),
    valueCard("RESTFRQ", "1.420405752E+09"),
    card("OBJECT  = 'axis order'"),
  ];
  const bytes = concat([headerBytes(cards), dataBytes(raw, c.bitpix)]);
  return { bytes, cube, cards };
}

/**
 * The expected group 0 after the schema's first three attributes: the FITS cards in order, with
 * (written here independently of src/schema/axis-keywords.ts) each axis number n replaced by
 * the output axis that is FITS axis n, the keywords of dropped axes left out, NAXISk = 1 added
 * after NAXIS(k-1) for an output axis without a NAXIS card, and the storage keywords gone.
 */
function expectedGroup0(c: Case, cards: string[]): Array<[string, string]> {
  const outOf = new Map(c.permutation.flatMap((fits, k) => (fits === 0 ? [] : [[fits, k + 1] as [number, number]])));
  const naxisFits = 2 + c.axes.length;
  const out: Array<[string, string]> = [];
  for (const text of cards) {
    const name = text.slice(0, 8).trim();
    const value = text.slice(10).trim();
    if (["BSCALE", "BZERO", "BLANK"].includes(name)) continue;
    if (name === "BITPIX") {
      out.push([name, "-32"]);
      continue;
    }
    if (name === "NAXIS") {
      out.push([name, String(c.permutation.length)]);
      continue;
    }
    if (name === "WCSAXES") {
      out.push([name, String(c.permutation.length)]);
      continue;
    }
    const single = /^(NAXIS|CTYPE|CRVAL|CDELT|CRPIX|CUNIT|CNAME|CRDER|CSYER|CROTA)(\d)([AB]?)$/.exec(name);
    const pair = /^(PC|CD)(\d)_(\d)([AB]?)$/.exec(name);
    const param = /^(PV|PS)(\d)_(\d)([AB]?)$/.exec(name);
    let renamed: string | undefined = name;
    if (single) renamed = outOf.has(Number(single[2])) ? `${single[1]}${outOf.get(Number(single[2]))}${single[3]}` : undefined;
    else if (pair) {
      const i = outOf.get(Number(pair[2]));
      const j = outOf.get(Number(pair[3]));
      renamed = i !== undefined && j !== undefined ? `${pair[1]}${i}_${j}${pair[4]}` : undefined;
    } else if (param) renamed = outOf.has(Number(param[2])) ? `${param[1]}${outOf.get(Number(param[2]))}_${param[3]}${param[4]}` : undefined;
    if (renamed !== undefined) out.push([renamed, value]);
  }
  c.permutation.forEach((fits, k) => {
    if (fits !== 0 && fits <= naxisFits) return;
    const after = out.findIndex(([n]) => n === `NAXIS${k}`);
    out.splice(after + 1, 0, [`NAXIS${k + 1}`, "1"]);
  });
  return out;
}

/** A card's value text as the attribute reads back. */
function shownValue(value: unknown): string {
  if (typeof value === "bigint") return String(value);
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value;
  return String(value);
}

/** The FITS value text normalised the same way (strings unquoted, numbers parsed). */
function fitsValue(text: string): string {
  const noComment = text.startsWith("'") ? text : text.split("/")[0]!.trim();
  if (noComment.startsWith("'")) return noComment.slice(1, noComment.lastIndexOf("'")).replace(/ +$/, "");
  if (noComment === "T" || noComment === "F") return noComment;
  return String(Number(noComment.replace("D", "E")));
}

describe.each(cases)("$name", (c) => {
  const f = fixture(c, c.size[0] * 31 + c.axes.length);
  const input = tmp.write(`${c.name.replace(/[^A-Za-z0-9]+/g, "-")}.fits`, f.bytes);
  const identity = c.permutation.every((fits, k) => fits === k + 1) && c.axes.length + 2 <= 4 && c.wcsOnly === undefined;

  it("fast and slow mode write the same file: the cube in the schema's order, as the naive reference computes it", async () => {
    const fastPath = input.replace(/\.fits$/, ".fast.hdf5");
    const slowPath = input.replace(/\.fits$/, ".slow.hdf5");
    const warnings: string[] = [];
    const fast = await convert(input, fastPath, { mode: "fast", threads: 2, onWarning: (w) => warnings.push(w) });
    const slow = await convert(input, slowPath, { mode: "slow", tileSize: 32, threads: 2 });
    expect(fast.shape).toEqual(slow.shape);
    expect(fast.shape).toMatchObject({ naxis: f.cube.naxis, depth: f.cube.depth, stokes: f.cube.stokes });

    const expected = naiveExpected(f.cube);
    const a = await readDatasets(fastPath);
    const b = await readDatasets(slowPath);
    const names = [...a.keys()].filter((k) => !k.startsWith("0/PermutedData")).sort();
    expect(names).toEqual([...expected.datasets.keys()].sort());
    for (const [path, want] of expected.datasets) {
      const got = a.get(path)!;
      expect(got.shape, path).toEqual(want.shape);
      const diff = firstValueDifference(got.values, want.values);
      expect(diff, `${path}: first difference at ${diff}: got ${got.values[diff]}, expected ${want.values[diff]}`).toBe(-1);
    }
    for (const [path, dump] of a) {
      expect(firstDifference(dump.values, b.get(path)!.values), path).toBe(-1);
      expect(b.get(path)!.chunks, path).toEqual(dump.chunks);
    }

    // The warning (none when nothing moved) and the provenance.
    const axisWarnings = warnings.filter((w) => w.startsWith("axes written in the order CARTA reads them"));
    const reader = await openReader(fastPath);
    try {
      const root = new Map(reader.attributes("/").map((x) => [x.name, x.value]));
      if (identity) {
        expect(axisWarnings).toEqual([]);
        expect(root.has("AXIS_PERMUTATION")).toBe(false);
      } else {
        expect(axisWarnings).toHaveLength(1);
        expect(axisWarnings[0]).toContain(`AXIS_PERMUTATION = '${c.permutation.join(" ")}'`);
        expect(root.get("AXIS_PERMUTATION")).toBe(c.permutation.join(" "));
      }

      // Group 0: every keyword, renamed, in the header's order, with its value.
      const group0 = reader.attributes("0").map((x) => [x.name, shownValue(x.value)] as [string, string]);
      expect(group0.slice(0, 3).map(([n]) => n)).toEqual(["SCHEMA_VERSION", "HDF5_CONVERTER", "HDF5_CONVERTER_VERSION"]);
      const want = expectedGroup0(c, f.cards).map(([n, v]) => [n, n === "SIMPLE" ? "1" : fitsValue(v)]);
      expect(group0.slice(3)).toEqual(want);
      // The spectral (or depth) axis is axis 3, Stokes axis 4, with their CTYPE and values.
      const attr = new Map(group0);
      const zFits = c.permutation[2];
      const wFits = c.permutation[3];
      const ctypeOf = (fits: number) => [...c.axes, ...(c.wcsOnly ?? [])][fits - 3]!.ctype;
      if (zFits !== undefined && zFits > 0) {
        expect([attr.get("CTYPE3"), attr.get("CRVAL3"), attr.get("CDELT3"), attr.get("CRPIX3")]).toEqual([ctypeOf(zFits), String(zFits * 100 + 25), String(zFits + 0.5), String(zFits)]);
      }
      if (wFits !== undefined) {
        expect([attr.get("CTYPE4"), attr.get("CRVAL4"), attr.get("CDELT4"), attr.get("CRPIX4")]).toEqual([ctypeOf(wFits), String(wFits * 100 + 25), String(wFits + 0.5), String(wFits)]);
      }
    } finally {
      reader.close();
    }

    // verify against the FITS file (the same permutation applied) and on its own.
    const withFits = await verifyFile(fastPath, input, { threads: 2 });
    expect(withFits.problems).toEqual([]);
    expect(withFits.ok).toBe(true);
    expect((await verifyFile(slowPath, undefined, { threads: 1 })).problems).toEqual([]);

    // The memory model sees the schema's cube: fast mode holds one Stokes of `depth` planes.
    const prediction = await predictMemory(input);
    expect(prediction.shape).toMatchObject({ depth: f.cube.depth, stokes: f.cube.stokes });
  });
});

describe("gzip input with Stokes before the spectral axis", () => {
  it("decompresses the stream once per Stokes, says so, and writes the same file as from the plain FITS file", async () => {
    const c = cases[2]!; // 4 Stokes, 3 channels
    const f = fixture(c, 99);
    const plain = tmp.write("gz-plain.fits", f.bytes);
    const gz = tmp.write("gz-input.fits.gz", gzipSync(f.bytes));
    const warnings: string[] = [];
    for (const mode of ["fast", "slow"] as const) {
      await convert(gz, tmp.file(`gz-${mode}.hdf5`), { mode, tileSize: 32, onWarning: (w) => warnings.push(w) });
    }
    await convert(plain, tmp.file("gz-plain.hdf5"));
    expect(warnings.filter((w) => w.includes("decompressed 4 times (once per Stokes)"))).toHaveLength(2);
    const want = await readDatasets(tmp.file("gz-plain.hdf5"));
    for (const mode of ["fast", "slow"]) {
      const got = await readDatasets(tmp.file(`gz-${mode}.hdf5`));
      for (const [path, dump] of want) expect(firstDifference(dump.values, got.get(path)!.values), `${mode} ${path}`).toBe(-1);
    }
    expect((await verifyFile(tmp.file("gz-slow.hdf5"), gz)).ok).toBe(true);
  });
});

describe("orders the schema cannot hold", () => {
  const refusals: Array<[string, string[], number[], RegExp]> = [
    ["stokes-first", ["STOKES", "DEC--SIN", "FREQ"], [2, 8, 3], /^the Stokes axis is axis 1 \(CTYPE1 = 'STOKES'\): the schema's image planes are FITS axes 1 and 2, so Stokes must come after them$/],
    ["stokes-second", ["RA---SIN", "STOKES", "FREQ"], [8, 2, 3], /^the Stokes axis is axis 2 \(CTYPE2 = 'STOKES'\)/],
    ["two-stokes", ["RA---SIN", "DEC--SIN", "STOKES", "STOKES"], [8, 6, 2, 2], /^axes 3 and 4 are all Stokes/],
    ["two-spectral", ["RA---SIN", "DEC--SIN", "FREQ", "VOPT-F2W"], [8, 6, 3, 2], /^axes 3 and 4 are all spectral \(CTYPE3 = 'FREQ', CTYPE4 = 'VOPT-F2W'\)/],
  ];
  it.each(refusals)("%s: refused before anything is written", async (name, ctypes, lengths, message) => {
    const cards = [
      valueCard("SIMPLE", "T"),
      valueCard("BITPIX", "-32"),
      valueCard("NAXIS", String(lengths.length)),
      ...lengths.map((n, i) => valueCard(`NAXIS${i + 1}`, String(n))),
      ...ctypes.map((t, i) => valueCard(`CTYPE${i + 1}`, `'${t}'`)),
    ];
    const input = tmp.write(`${name}.fits`, concat([headerBytes(cards), dataBytes(new Float32Array(lengths.reduce((a, b) => a * b, 1)), -32)]));
    const output = tmp.file(`${name}.hdf5`);
    const error = await convert(input, output).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FitsError);
    expect((error as FitsError).code).toBe("UNSUPPORTED_AXES");
    expect((error as FitsError).message).toMatch(message);
    expect((error as FitsError).file).toBe(input);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith(name) && n !== `${name}.fits`)).toEqual([]);
  });
});

describe("verify: the recorded AXIS_PERMUTATION against the FITS file's axes", () => {
  it("a file whose recorded permutation is not the FITS file's is reported", async () => {
    const c = cases[0]!;
    const f = fixture(c, 7);
    const input = tmp.write("verify-axes.fits", f.bytes);
    const good = tmp.file("verify-axes.hdf5");
    await convert(input, good);
    const edited = tmp.file("verify-axes-edited.hdf5");
    await rebuild(good, edited, { attributes: (object, attrs) => (object === "/" ? attrs.filter(([n]) => n !== "AXIS_PERMUTATION") : attrs) });
    const report = await verifyFile(edited, input);
    expect(report.ok).toBe(false);
    expect(report.problems).toContain("the FITS file's axes give DATA the FITS axes 1 2 4 3, but the conversion recorded none (AXIS_PERMUTATION absent)");
  });
});

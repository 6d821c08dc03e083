/**
 * `fits2idia-ts verify`: in-process (src/cli/run.ts main, streams faked) for what it prints,
 * and the built command as a child process for its exit codes, the way a pipeline runs it
 * after each conversion. The sources are compiled once into a private folder under
 * node_modules/.cache (as test/cli/command.test.ts does), neither needing nor disturbing dist/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPackage } from "../helpers/build.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli/run.js";
import { convert } from "../../src/engine/convert.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
import type { AttrValue } from "../../src/hdf5/writer.js";
import { copy, rebuild, setValue, wcsCards } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let build: ReturnType<typeof buildPackage> | undefined;
let bin = "";
const tmp = tempFolder("fits2idia-verify-command-");
const input = tmp.write("cube.fits", cubeFile(makeCube(3, 600, 100, 20, 1, "nan-inf", 4)));
const output = tmp.file("cube.hdf5");
const env = { FITS2IDIA_RC: "" };
/** A cube with a radio header (celestial and spectral axes, Jy/beam and a beam), for the header checks. */
const wcsInput = tmp.write("wcs.fits", cubeFile(makeCube(3, 200, 150, 6, 1, "nan-inf", 9), wcsCards(3)));
const wcsOutput = tmp.file("wcs.hdf5");

beforeAll(async () => {
  await convert(input, output, { env });
  await convert(wcsInput, wcsOutput, { env });
});

/** The WCS cube's output with group 0's attributes edited. */
async function tamperedHeader(file: string, edit: (attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>): Promise<string> {
  const to = tmp.file(file);
  await rebuild(wcsOutput, to, { attributes: (object, attrs) => (object === "/0" ? edit(attrs) : attrs) });
  return to;
}
afterAll(() => tmp.cleanup());

class Stream {
  text = "";
  readonly isTTY = false;
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = new Stream();
  const stderr = new Stream();
  const io: CliIo = { stdout, stderr, env };
  const status = await main(argv, io);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

const OK = /^OK: (\S+) \(3-D 600×100×20, (.*), [\d.]+ MB checked in \d+\.\d\d s, \d+ MB\/s\)\n$/;

describe("in-process", () => {
  it("with the FITS file: one OK line on stdout, nothing on stderr, exit 0", async () => {
    const r = await run(["verify", output, input]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const m = OK.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m![1]).toBe(output);
    expect(m![2]).toBe(`values checked against ${input} (SHA-256 matches)`);
  });

  it("without it: the values against DATA", async () => {
    const r = await run(["verify", output]);
    expect(r.status).toBe(0);
    expect(OK.exec(r.stdout)![2]).toBe("values consistent with DATA (no FITS file given)");
  });

  it("--provenance: the provenance first, one attribute a line", async () => {
    const r = await run(["verify", "--provenance", output, input]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^OK: /);
    const provenance = lines.slice(0, -1);
    expect(provenance).toContain("Provenance: FITS2IDIA_CONVERTER = fits2idia-ts");
    expect(provenance).toContain(`Provenance: INPUT_PATH = ${input}`);
    expect(provenance.find((l) => l.startsWith("Provenance: INPUT_SHA256 = "))).toMatch(/= [0-9a-f]{64}$/);
    for (const line of provenance) expect(line).toMatch(/^Provenance: [A-Z0-9_]+ = /);
  });

  it("a warning (per-beam BUNIT, no beam in the FITS file either): one Warning line on stderr, still OK, exit 0", async () => {
    const beamless = tmp.write("beamless.fits", cubeFile(makeCube(3, 40, 30, 3, 1, "random", 2), wcsCards(3, { beam: false })));
    const out = tmp.file("beamless.hdf5");
    await convert(beamless, out, { env });
    const r = await run(["verify", out, beamless]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^OK: /);
    expect(r.stderr).toBe(
      "Warning: 0 has BUNIT 'Jy/beam' (per beam) but no usable BMAJ, BMIN, BPA: CARTA shows no beam and cannot give flux densities; the FITS file has none either, so CARTA shows it the same way\n",
    );
  });

  it("--structure: read no values", async () => {
    const r = await run(["verify", "--structure", output]);
    expect(r.status).toBe(0);
    expect(OK.exec(r.stdout)![2]).toBe("structure only");
  });

  it("a damaged file: Error lines saying what differs, and a summary; exit 1", async () => {
    const file = copy(output, tmp.file("damaged.hdf5"));
    await setValue(file, "0/Statistics/XY/MIN", [7], 1e9);
    const r = await run(["verify", file, input]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Error: 0\/Statistics\/XY\/MIN\[7\] differs: expected [-\d.e+]+, found 1000000000$/);
    expect(lines[1]).toMatch(new RegExp(`^Error: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed verification: 1 problem \\(values checked against .*, [\\d.]+ MB checked in \\d+\\.\\d\\d s\\)$`));
  });

  it.each([
    [["verify"], "Error: verify needs the HDF5 file to check (see fits2idia-ts verify --help). Aborting.\n"],
    [["verify", "a.hdf5", "b.fits", "c"], "Error: verify takes one HDF5 file and at most one FITS file. Aborting.\n"],
    [["verify", "a.hdf5", "--frobnicate"], "Error: unknown option --frobnicate (see fits2idia-ts verify --help). Aborting.\n"],
    [["verify", "a.hdf5", "--max-differences", "0"], 'Error: --max-differences needs a positive whole number, not "0". Aborting.\n'],
    [["verify", "a.hdf5", "--threads", "many"], 'Error: --threads needs a positive whole number, not "many". Aborting.\n'],
  ])("usage %j: one error line, exit 1", async (argv, message) => {
    expect(await run(argv)).toEqual({ status: 1, stdout: "", stderr: message });
  });

  it("files that cannot be read: the converter's Error: … Aborting. style", async () => {
    const missing = await run(["verify", tmp.file("nothing.hdf5")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^Error: .*nothing\.hdf5.*\. Aborting\.\n$/);
    const noFits = await run(["verify", output, tmp.file("nothing.fits")]);
    expect(noFits).toEqual({ status: 1, stdout: "", stderr: `Error: ${tmp.file("nothing.fits")}: no such file. Aborting.\n` });
  });

  it("--help for verify, and the converter's --help mentions it", async () => {
    const help = await run(["verify", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("fits2idia-ts verify [-p] [--provenance] [--hdu N] [--structure] out.hdf5 [in.fits]");
    expect((await run(["--help"])).stdout).toContain("fits2idia-ts verify [-p] [--provenance] out.hdf5 [in.fits]");
  });
});

describe("the built command", () => {
  beforeAll(() => {
    build = buildPackage("fits2idia-ts-verify-test");
    bin = join(build.dist, "cli", "main.js");
  }, 120_000);
  afterAll(() => build?.remove());

  function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, FITS2IDIA_RC: "" }, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("convert, then verify: exit 0 and one OK line", () => {
    const out = tmp.file("built.hdf5");
    expect(cli(["-o", out, input]).status).toBe(0);
    const r = cli(["verify", out, input]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(OK);
  });

  it("exit 1 on a difference, and on a FITS file that is not the one converted", async () => {
    const file = copy(output, tmp.file("built-damaged.hdf5"));
    await setValue(file, "0/SwizzledData/ZYX", [599, 99, 19], 42);
    const damaged = cli(["verify", file, input]);
    expect(damaged.status).toBe(1);
    expect(damaged.stderr.split("\n")[0]).toMatch(/^Error: 0\/SwizzledData\/ZYX\[599, 99, 19\] differs: expected .*, found 42$/);

    const other = tmp.write("other.fits", readFileSync(input).map((b, i) => (i === 5000 ? b ^ 1 : b)));
    const wrong = cli(["verify", output, other]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr.split("\n")[0]).toMatch(/^Error: the FITS file is not the one converted: its SHA-256 is [0-9a-f]{64}, the conversion's input had [0-9a-f]{64}$/);
  });

  it("header tampering: one Error line naming the attribute, then the summary; exit 1", async () => {
    const set = (key: string, value: AttrValue) => (attrs: Array<[string, AttrValue]>) => attrs.map(([n, v]): [string, AttrValue] => [n, n === key ? value : v]);
    const cases: Array<[string, (attrs: Array<[string, AttrValue]>) => Array<[string, AttrValue]>, string, boolean]> = [
      ["crval1.hdf5", set("CRVAL1", { type: "float", value: 84 }), "Error: 0 attribute CRVAL1 differs: expected 83.63, found 84", true],
      ["bunit.hdf5", set("BUNIT", { type: "string", value: "K" }), "Error: 0 attribute BUNIT differs: expected 'Jy/beam', found 'K'", true],
      ["ctype1.hdf5", (a) => a.filter(([n]) => n !== "CTYPE1"), "Error: 0 attribute CTYPE1 is missing: expected string 'RA---SIN'", true],
      // Without the FITS file: what CARTA derives.
      ["nobeam.hdf5", (a) => a.filter(([n]) => n !== "BMAJ"), "Error: 0 has BUNIT 'Jy/beam' (per beam) but no usable BMAJ: CARTA shows no beam and cannot give flux densities", false],
      ["spectral.hdf5", set("CTYPE3", { type: "string", value: "STOKES" }), "Error: 0 CTYPE3 = 'STOKES' makes axis 3 the Stokes axis in CARTA, but the schema's statistics, mipmaps and rotated data take axis 3 as channels and axis 4 as Stokes", false],
    ];
    for (const [file, edit, line, withFits] of cases) {
      const tampered = await tamperedHeader(file, edit);
      const r = cli(["verify", tampered, ...(withFits ? [wcsInput] : [])]);
      expect(r.status, file).toBe(1);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines[0]).toBe(line);
      expect(lines.at(-1)).toMatch(/^Error: .* failed verification: \d+ problems? \(/);
    }
    // Untampered: OK.
    const good = cli(["verify", wcsOutput, wcsInput]);
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
  });

  it("-p: progress on stderr as a conversion's; in a log file, timestamped lines per stage and every few percent", () => {
    const r = cli(["verify", "-p", output, input]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(OK);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (planes|tiles|finish) (\d+)% \(elapsed \d\d:\d\d, \d+ MB\/s, ETA (\d\d:\d\d|--:--)\)$/;
    for (const line of lines) expect(line).toMatch(LINE);
    const stages = lines.map((l) => LINE.exec(l)![1]);
    expect([...new Set(stages)]).toEqual(["planes", "tiles", "finish"]);
    const percents = lines.map((l) => Number(LINE.exec(l)![2]));
    expect(percents.at(-1)).toBe(100);
    for (let i = 1; i < percents.length; i++) expect(percents[i]!).toBeGreaterThanOrEqual(percents[i - 1]!);
    // Without -p: nothing on stderr.
    expect(cli(["verify", output, input]).stderr).toBe("");
  });

  it("--provenance: the provenance on stdout before the OK line", () => {
    const r = cli(["verify", "--provenance", output]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(`${lines.at(-1)}\n`).toMatch(OK);
    expect(lines).toContain(`Provenance: INPUT_PATH = ${input}`);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^Provenance: [A-Z0-9_]+ = /);
  });

  it("exit 1 with Error: … Aborting. when the file cannot be read", () => {
    const r = cli(["verify", input]); // a FITS file is not an HDF5 file
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Error: .*\. Aborting\.\n$/);
  });
});

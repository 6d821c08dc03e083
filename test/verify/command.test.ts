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
import { copy, setValue } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let build: ReturnType<typeof buildPackage> | undefined;
let bin = "";
const tmp = tempFolder("fits2idia-verify-command-");
const input = tmp.write("cube.fits", cubeFile(makeCube(3, 600, 100, 20, 1, "nan-inf", 4)));
const output = tmp.file("cube.hdf5");
const env = { FITS2IDIA_RC: "" };

beforeAll(async () => {
  await convert(input, output, { env });
});
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

  it("-p: the provenance first, one attribute a line", async () => {
    const r = await run(["verify", "-p", output, input]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^OK: /);
    const provenance = lines.slice(0, -1);
    expect(provenance).toContain("Provenance: FITS2IDIA_CONVERTER = fits2idia-ts");
    expect(provenance).toContain(`Provenance: INPUT_PATH = ${input}`);
    expect(provenance.find((l) => l.startsWith("Provenance: INPUT_SHA256 = "))).toMatch(/= [0-9a-f]{64}$/);
    for (const line of provenance) expect(line).toMatch(/^Provenance: [A-Z0-9_]+ = /);
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
    expect(help.stdout).toContain("fits2idia-ts verify [-p] [--hdu N] [--structure] out.hdf5 [in.fits]");
    expect((await run(["--help"])).stdout).toContain("fits2idia-ts verify [-p] out.hdf5 [in.fits]");
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

  it("exit 1 with Error: … Aborting. when the file cannot be read", () => {
    const r = cli(["verify", input]); // a FITS file is not an HDF5 file
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Error: .*\. Aborting\.\n$/);
  });
});

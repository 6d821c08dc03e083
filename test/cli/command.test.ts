/**
 * The built `fits2idia-ts` command, run as a child process the way a cluster job runs it, and
 * the package imported by its name. The sources are compiled once (tsconfig.build.json) into a
 * private folder under node_modules/.cache, so that this test neither needs nor disturbs dist/.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictMemory } from "../../src/engine/memory.js";
import { buildPackage } from "../helpers/build.js";
import { card, cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
import { screen } from "../helpers/terminal.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
let build: ReturnType<typeof buildPackage>;
let bin = "";
const tmp = tempFolder("fits2idia-command-");
const cubeBytes = cubeFile(makeCube(3, 600, 100, 20, 1, "nan-pixel", 9));
const MiB = 2 ** 20;
let emptyRc = "";

beforeAll(() => {
  build = buildPackage("fits2idia-ts-command-test");
  bin = join(build.dist, "cli", "main.js");
  emptyRc = tmp.write("empty.rc", new Uint8Array());
});
afterAll(() => {
  tmp.cleanup();
  build?.remove();
});

/** An environment without the Slurm, OpenMP and rc settings of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FITS2IDIA_RC: emptyRc };
  return { ...env, ...extra };
}

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the command; with `stderrFile`, stderr goes to that file as under srun/sbatch. */
function cli(args: string[], options: { env?: NodeJS.ProcessEnv; stderrFile?: string } = {}): Result {
  const fd = options.stderrFile === undefined ? undefined : openSync(options.stderrFile, "w");
  try {
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", fd ?? "pipe"],
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: fd === undefined ? (r.stderr ?? "") : readFileSync(options.stderrFile!, "utf8") };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let counter = 0;
function workspace(name = "cube.fits", bytes: Uint8Array = cubeBytes) {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  const input = join(dir, name);
  writeFileSync(input, bytes);
  return { dir, input, files: () => readdirSync(dir).sort() };
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

describe("flags", () => {
  it("--help: the usage on stdout, exit 0", () => {
    const r = cli(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("fits2idia-ts [-o output] [-s] [-p] [-m] [-q] input.fits");
    expect(r.stdout).toContain("--memory-limit");
    expect(r.stderr).toBe("");
  });

  it("--version: the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(cli(["--version"])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it.each([
    [[], "Error: an input FITS file is required (see fits2idia-ts --help). Aborting.\n"],
    [["-s", "--fast", "x.fits"], "Error: -s (slow mode) and --fast cannot be used together. Aborting.\n"],
    [["x.fits", "--frobnicate"], "Error: unknown option --frobnicate (see fits2idia-ts --help). Aborting.\n"],
    [["x.fits"], "Error: x.fits: no such file. Aborting.\n"],
    // An unknown option before the input is named, not given the input as its value.
    [["--prgress", "x.fits"], "Error: unknown option --prgress (see fits2idia-ts --help). Aborting.\n"],
    [["-v", "x.fits"], "Error: unknown option -v (see fits2idia-ts --help). Aborting.\n"],
    [["verify", "--bogus", "out.hdf5"], "Error: unknown option --bogus (see fits2idia-ts verify --help). Aborting.\n"],
    [["batch", "--bogus", "in/", "--out-dir", "o"], "Error: unknown option --bogus (see fits2idia-ts batch --help). Aborting.\n"],
    // A value that starts with a dash is the option's value.
    [["--memory-limit", "-5GB", "x.fits"], 'Error: --memory-limit: "-5GB" is negative: a size is at least 0. Aborting.\n'],
    [["-o", "-out.hdf5"], "Error: an input FITS file is required (see fits2idia-ts --help). Aborting.\n"],
  ])("%j: one error line on stderr, exit 1", (args, message) => {
    expect(cli(args)).toEqual({ status: 1, stdout: "", stderr: message });
  });

  it("-o -dashout.hdf5: that output, not the help and exit 0 with nothing written", () => {
    const w = workspace();
    const r = spawnSync(process.execPath, [bin, "-o", "-dashout.hdf5", "cube.fits"], { cwd: w.dir, env: cleanEnv(), encoding: "utf8" });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["-dashout.hdf5", "cube.fits"]);
  });

  it("help, help verify: the help texts, as --help prints them", () => {
    expect(cli(["help"])).toEqual(cli(["--help"]));
    const verify = cli(["help", "verify"]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^fits2idia-ts verify .*out\.hdf5 \[in\.fits\]\n/);
  });

  it("nothing but warnings by default; the default output name beside the input", () => {
    const w = workspace("Obs.Field-3.FITS.gz", readFileSync(join(root, "data", "sample-small-cube.fits.gz")));
    const r = cli([w.input]);
    // The sample's deliberately long string.
    expect(r).toEqual({ status: 0, stdout: "", stderr: "Warning: header keyword ORIGIN: its 110-character string is shortened in group 0 to fit one card; the full value is kept in the root attribute LONGSTRN.ORIGIN\n" });
    expect(w.files()).toEqual(["Obs.Field-3.FITS.gz", "Obs.Field-3.hdf5"]);
  });

  it("warnings: one `Warning: …` line each on stderr without -p; -q silences them", () => {
    const w = workspace("warned.fits", cubeFile(makeCube(3, 20, 10, 2, 1, "random", 4), [card("OBJECT  = 'M31'"), card("OBJECT  = 'M32'")]));
    const r = cli(["-o", join(w.dir, "w.hdf5"), w.input]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "Warning: header keyword OBJECT appears more than once: only the first is kept\n" });
    const q = cli(["-q", "-o", join(w.dir, "q.hdf5"), w.input]);
    expect(q).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["q.hdf5", "w.hdf5", "warned.fits"]);
  });
});


describe("-p on a terminal (a pseudo-terminal made by script(1))", () => {
  it("the bar fits a 50-column terminal, and a warning leaves no stale bar above it", () => {
    const w = workspace("warned.fits", cubeFile(makeCube(3, 300, 100, 30, 1, "random", 6), [card("OBJECT  = 'M31'"), card("OBJECT  = 'M32'")]));
    const shell = `stty cols 50 rows 24; exec "${process.execPath}" "${bin}" -p --fast -o "${join(w.dir, "t.hdf5")}" "${w.input}"`;
    const r = spawnSync("script", ["-qec", shell, "/dev/null"], { env: cleanEnv({ TERM: "xterm" }), encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    const transcript = r.stdout.replace(/\r\n/g, "\n");
    // The bar is drawn (at 0 %) when the header's warning comes.
    expect(transcript.indexOf("\x1b[Kopen ")).toBeGreaterThan(0);
    expect(transcript.indexOf("\x1b[Kopen ")).toBeLessThan(transcript.indexOf("Warning:"));
    const bars = transcript.split(/[\r\n]/).map((l) => l.replace(/\x1b\[K/g, "")).filter((l) => /^(open|planes|tiles|finish) /.test(l));
    expect(bars.length).toBeGreaterThan(1);
    for (const bar of bars) expect(bar.length, bar).toBeLessThan(50);
    expect(bars.at(-1)).toMatch(/^finish \[#{10,}\] 100\.0%/);
    // On the screen at the end: the lines of their own, and the bar once, as it ended.
    const shown = screen(transcript).filter((l) => l !== "");
    expect(shown.map((l) => l.split(" ")[0])).toEqual(["Mode:", "Kernels:", "Warning:", "finish", "Done:"]);
    expect(shown[2]).toBe("Warning: header keyword OBJECT appears more than once: only the first is kept");
  });
});

/** Run the command with its stdout or stderr a pipe whose reader has gone (`| head -1`). */
function closedPipe(args: string[], closed: "stdout" | "stderr"): Promise<{ status: number | null; signal: string | null; other: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child[closed].destroy();
    let other = "";
    child[closed === "stdout" ? "stderr" : "stdout"].setEncoding("utf8").on("data", (text: string) => (other += text));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, other }));
  });
}

describe("a reader that goes away (| head -1): exit quietly, as Unix tools do (141, nothing printed)", () => {
  it("--help, -m and verify --provenance with stdout closed", async () => {
    const w = workspace();
    expect(cli(["-o", join(w.dir, "v.hdf5"), w.input]).status).toBe(0);
    const runs = await Promise.all([
      closedPipe(["--help"], "stdout"),
      closedPipe(["-m", w.input], "stdout"),
      closedPipe(["verify", "--provenance", join(w.dir, "v.hdf5")], "stdout"),
    ]);
    for (const r of runs) expect(r).toEqual({ status: 141, signal: null, other: "" });
  });

  it("a conversion whose stderr reader goes away leaves no temporary file and no lock", async () => {
    const w = workspace();
    const r = await closedPipe(["-p", "-o", join(w.dir, "p.hdf5"), w.input], "stderr");
    expect(r).toEqual({ status: 141, signal: null, other: "" });
    expect(w.files()).toEqual(["cube.fits"]);
  });
});

describe("-p with stderr in a file (srun, sbatch)", () => {
  it("the mode and why, timestamped progress lines, and a one-line summary", () => {
    const w = workspace();
    const log = join(w.dir, "job.log");
    const r = cli(["-p", w.input], { stderrFile: log, env: { SLURM_CPUS_PER_TASK: "6", SLURM_MEM_PER_NODE: "51200" } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(TIMESTAMP);
    expect(r.stderr).not.toContain("\r");
    expect(lines[0]).toMatch(/Z Mode: fast — fast mode's predicted \d+\.\d{3} GB fits in the 53\.687 GB available \(Slurm allocation, SLURM_MEM_PER_NODE=51200 MB\)\. Threads: 6 \(SLURM_CPUS_PER_TASK=6\)$/);
    expect(lines.filter((l) => / (planes|tiles|finish) \d+% \(elapsed \d\d:\d\d, \d+ MB\/s, ETA [-\d:]+\)$/.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/Z Done: fast mode, \d+\.\d+ s, \d+ MB\/s, peak memory \d+\.\d{3} GB \(predicted \d+\.\d{3} GB\), wrote .*cube\.hdf5$/);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5", "job.log"]);
  });
});

describe("automatic mode under simulated Slurm allocations and limits", () => {
  it("SLURM_MEM_PER_NODE too small for fast mode: slow mode, said with -p", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input);
    const mb = Math.floor((prediction.fast.total - 1) / MiB);
    expect(mb * MiB).toBeGreaterThanOrEqual(prediction.slow.total);
    const r = cli(["-p", w.input], { env: { SLURM_MEM_PER_NODE: String(mb) } });
    expect(r.status).toBe(0);
    expect(r.stderr.split("\n")[0]).toContain(`Mode: slow — fast mode would need ${(prediction.fast.total / 1e9).toFixed(3)} GB, more than the`);
    expect(r.stderr).toMatch(/Done: slow mode/);
  });

  it("SLURM_MEM_PER_CPU × SLURM_CPUS_ON_NODE too small even for slow mode: refused, nothing written", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input);
    const r = cli(["-p", w.input], { env: { SLURM_MEM_PER_CPU: "10", SLURM_CPUS_ON_NODE: "4" } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `Error: even slow mode is predicted to need ${(prediction.slow.total / 1e9).toFixed(3)} GB, more than the 0.042 GB available ` +
        `(Slurm allocation, SLURM_MEM_PER_CPU=10 MB × SLURM_CPUS_ON_NODE=4). Aborting.\n`,
    );
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("the administrator's limit (FITS2IDIA_RC) refuses -s, naming both figures", async () => {
    const w = workspace();
    const rc = join(w.dir, "fits2idiarc");
    writeFileSync(rc, "# cluster policy\nmemory_limit = 20000000\n");
    const prediction = await predictMemory(w.input);
    const r = cli(["-s", w.input], { env: { FITS2IDIA_RC: rc } });
    expect(r).toEqual({
      status: 1,
      stdout: "",
      stderr: `Error: slow mode is predicted to need ${(prediction.slow.total / 1e9).toFixed(3)} GB, above the memory limit of 0.020 GB (memory_limit in ${rc}). Aborting.\n`,
    });
    expect(w.files()).toEqual(["cube.fits", "fits2idiarc"]);
  });

  it("--memory-limit 50GB with -m --json: parsed back, both modes in bytes, nothing written", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input, { threads: 10 });
    const r = cli(["-m", "--json", "--memory-limit", "50GB", w.input], { env: { SLURM_MEM_PER_NODE: "1000", SLURM_CPUS_PER_TASK: "10" } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(json).toEqual({
      input: w.input,
      shape: { naxis: 3, width: 600, height: 100, depth: 20, stokes: 1 },
      chosen: "fast",
      reason: `fast mode's predicted ${(prediction.fast.total / 1e9).toFixed(3)} GB fits in the memory limit of 50.000 GB (the run's memory limit)`,
      available: { bytes: 50e9, source: "option", detail: "the run's memory limit, 50.000 GB" },
      limit: { bytes: 50e9, source: "the run's memory limit" },
      threads: { threads: 10, source: "slurm", detail: "SLURM_CPUS_PER_TASK=10" },
      addressSpaceLimit: null,
      fast: { components: prediction.fast.components.map((c) => ({ name: c.name, bytes: c.bytes })), total: prediction.fast.total, addressSpace: prediction.fast.addressSpace },
      slow: { components: prediction.slow.components.map((c) => ({ name: c.name, bytes: c.bytes })), total: prediction.slow.total, addressSpace: prediction.slow.addressSpace },
    });
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("-m as text: components and total in GB for the mode chosen, and exit 0 without writing", () => {
    const w = workspace();
    const r = cli(["-m", "-o", join(w.dir, "never.hdf5"), w.input], { env: { SLURM_MEM_PER_NODE: "51200" } });
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Predicted memory of fast mode:");
    for (const line of lines.slice(1, -2)) expect(line).toMatch(/^  [^:]+: \d+\.\d{3} GB$/);
    expect(lines.at(-3)).toMatch(/^  total: \d+\.\d{3} GB$/);
    expect(lines.at(-2)).toMatch(/^Address space needed \(ulimit -v\): \d+\.\d{3} GB, ulimit -v \d+ or more; /);
    expect(lines.at(-1)).toMatch(/^Mode: fast — /);
    expect(w.files()).toEqual(["cube.fits"]);
  });
});

describe("the library, imported by the package's name", () => {
  it("convert, predictMemory and readHeader; cancellation leaves no output and no temporary file", () => {
    const w = workspace();
    const script = join(build.dir, "probe.mjs"); // inside the package, so that its name resolves to it
    writeFileSync(
      script,
      `import { convert, predictMemory, readHeader } from "fits2idia-ts";
const [input, dir] = process.argv.slice(2);
const header = await readHeader(input);
const prediction = await predictMemory(input);
const done = await convert(input, dir + "/full.hdf5", { env: { FITS2IDIA_RC: "" }, rcFile: false, mode: "auto" });
const controller = new AbortController();
let cancelled = "no";
try {
  await convert(input, dir + "/cancelled.hdf5", {
    rcFile: false, batchBytes: 600 * 100 * 4, signal: controller.signal,
    onProgress: (p) => { if (p.stage === "planes") controller.abort(); },
  });
} catch (error) { cancelled = error.name; }
console.log(JSON.stringify({ shape: header.shape, fast: prediction.fast.total, slow: prediction.slow.total, mode: done.mode, predicted: done.predictedBytes, cancelled }));
`,
    );
    const out = execFileSync(process.execPath, [script, w.input, w.dir], { env: cleanEnv(), encoding: "utf8" });
    const result = JSON.parse(out);
    expect(result.shape).toEqual({ naxis: 3, width: 600, height: 100, depth: 20, stokes: 1 });
    expect(result.fast).toBeGreaterThan(result.slow);
    expect(result.predicted).toBe(result[result.mode]);
    expect(result.cancelled).toBe("AbortError");
    expect(w.files()).toEqual(["cube.fits", "full.hdf5"]);
  });
});

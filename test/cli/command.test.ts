/**
 * The built `fits2idia-ts` command, run as a child process the way a cluster job runs it, and
 * the package imported by its name. The sources are compiled once (tsconfig.build.json) into a
 * private folder under node_modules/.cache, so that this test neither needs nor disturbs dist/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictMemory } from "../../src/engine/memory.js";
import { buildPackage } from "../helpers/build.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";

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
    [[], "Error: an input FITS file is required. Aborting.\n"],
    [["-s", "--fast", "x.fits"], "Error: -s (slow mode) and --fast cannot be used together. Aborting.\n"],
    [["x.fits", "--frobnicate"], "Error: Unknown argument: frobnicate. Aborting.\n"],
    [["x.fits"], "Error: x.fits: no such file. Aborting.\n"],
  ])("%j: one error line on stderr, exit 1", (args, message) => {
    expect(cli(args)).toEqual({ status: 1, stdout: "", stderr: message });
  });

  it("quiet by default; the default output name beside the input", () => {
    const w = workspace("Obs.Field-3.FITS.gz", readFileSync(join(root, "data", "sample-small-cube.fits.gz")));
    const r = cli([w.input]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["Obs.Field-3.FITS.gz", "Obs.Field-3.hdf5"]);
  });

  it("-q: accepted, with a deprecation note", () => {
    const w = workspace();
    const r = cli(["-q", "-o", join(w.dir, "q.hdf5"), w.input]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "Warning: -q is deprecated: quiet is the default.\n" });
    expect(existsSync(join(w.dir, "q.hdf5"))).toBe(true);
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

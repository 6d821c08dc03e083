/**
 * The command in-process (src/cli/run.ts main), with its streams and environment faked:
 * what it prints, what it writes, and its exit status. test/cli/command.test.ts runs the
 * built command as a child process.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli/run.js";
import { predictMemory } from "../../src/engine/memory.js";
import { card, cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-run-");
afterAll(() => tmp.cleanup());
const cubeBytes = cubeFile(makeCube(3, 600, 100, 20, 1, "random", 3));
const emptyRc = tmp.write("empty.rc", new Uint8Array());
const MiB = 2 ** 20;

class Stream {
  text = "";
  constructor(readonly isTTY = false) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

let counter = 0;
function workspace() {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  const input = join(dir, "cube.fits");
  writeFileSync(input, cubeBytes);
  return { dir, input, files: () => readdirSync(dir).sort() };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  const stdout = new Stream();
  const stderr = new Stream(tty);
  const io: CliIo = { stdout, stderr, env: { FITS2IDIA_RC: emptyRc, ...env } };
  const status = await main(argv, io);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

describe("conversion", () => {
  it("quiet by default: writes the default output beside the input and prints nothing", async () => {
    const w = workspace();
    const r = await run([w.input]);
    expect(r).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });

  it("-o names the output", async () => {
    const w = workspace();
    const r = await run(["-o", join(w.dir, "other.hdf5"), w.input]);
    expect(r.status).toBe(0);
    expect(w.files()).toEqual(["cube.fits", "other.hdf5"]);
  });

  it("warnings: one line each on stderr by default, among the progress with -p; -q silences them", async () => {
    const w = workspace();
    const warned = join(w.dir, "warned.fits");
    const long = `'${"x".repeat(60)}&'`;
    writeFileSync(warned, cubeFile(makeCube(3, 20, 10, 4, 1, "random", 5), [card("OBJECT  = 'M31'"), card("OBJECT  = 'M32'"), card(`LONGSTRN= 'OGIP 1.0'`), card(`ORIGIN  = ${long}`), card(`CONTINUE  '${"y".repeat(30)}'`)]));
    const expected = ["Warning: header keyword OBJECT appears more than once: only the first is kept", expect.stringMatching(/^Warning: .*ORIGIN.*/)];
    const plain = await run(["-o", join(w.dir, "a.hdf5"), warned]);
    expect(plain.status).toBe(0);
    expect(plain.stderr.trimEnd().split("\n")).toEqual(expected);
    const quiet = await run(["-q", "-o", join(w.dir, "b.hdf5"), warned]);
    expect(quiet).toEqual({ status: 0, stdout: "", stderr: "" });
    const logged = await run(["-p", "-o", join(w.dir, "c.hdf5"), warned]);
    expect(logged.stderr.split("\n").filter((l) => l.includes("Warning:")).map((l) => l.slice(25))).toEqual(expected);
    const both = await run(["-p", "-q", "-o", join(w.dir, "d.hdf5"), warned]);
    expect(both.stderr).not.toContain("Warning");
    expect(both.stderr).toContain("Done: ");
    expect(w.files()).toEqual(["a.hdf5", "b.hdf5", "c.hdf5", "cube.fits", "d.hdf5", "warned.fits"]);
  });

  it("-p in a file: the mode and why first, timestamped progress lines, then the summary", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input, { threads: 4 });
    const mb = Math.floor((prediction.fast.total - 1) / MiB);
    const r = await run(["-p", w.input], { SLURM_MEM_PER_NODE: String(mb), SLURM_CPUS_PER_TASK: "4" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
    const body = lines.map((l) => l.slice(25));
    expect(body[0]).toBe(
      `Mode: slow — fast mode would need ${(prediction.fast.total / 1e9).toFixed(3)} GB, more than the ${((mb * MiB) / 1e9).toFixed(3)} GB available ` +
        `(Slurm allocation, SLURM_MEM_PER_NODE=${mb} MB); slow mode needs ${(prediction.slow.total / 1e9).toFixed(3)} GB. Threads: 4 (SLURM_CPUS_PER_TASK=4)`,
    );
    expect(body.some((l) => /^planes \d+% \(elapsed/.test(l))).toBe(true);
    expect(body.some((l) => /^tiles \d+% \(elapsed/.test(l))).toBe(true);
    expect(body.at(-1)).toMatch(
      new RegExp(`^Done: slow mode, \\d+\\.\\d+ s, \\d+ MB/s, peak memory \\d+\\.\\d{3} GB \\(predicted \\d+\\.\\d{3} GB\\), wrote ${join(w.dir, "cube.hdf5")}$`),
    );
    expect(r.stderr).not.toContain("\r");
  });

  it("-p on a terminal: the bar is redrawn in place and ended before the summary", async () => {
    const w = workspace();
    const r = await run(["-p", "--fast", w.input], {}, true);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^Mode: fast — requested; predicted \d+\.\d{3} GB\. Threads: \d+ \(available parallelism\)\n/);
    // 80 columns when the terminal does not say: a line of 79.
    expect(r.stderr).toMatch(/\r\x1b\[K(planes|tiles|finish) +\[[#-]{43}\] +\d+\.\d%  \d+ MB\/s  ETA/);
    // The bar kept as it ended (100%), then the summary on a line of its own.
    expect(r.stderr).toMatch(/\r\x1b\[Kfinish \[#{43}\] 100\.0%  \d+ MB\/s  ETA 00:00\nDone: fast mode, .*\n$/);
  });

  it("--threads and --memory-limit reach the conversion", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input, { threads: 3 });
    const between = Math.floor((prediction.fast.total + prediction.slow.total) / 2);
    const r = await run(["-p", "--threads", "3", "--memory-limit", String(between), w.input], { SLURM_CPUS_PER_TASK: "10" });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Mode: slow — fast mode would need .* GB, more than the memory limit of .* GB \(the run's memory limit\); .*\. Threads: 3 \(requested\)/);
  });
});

describe("-m", () => {
  it("prints the chosen mode's components, the total and why, and writes nothing", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input);
    const r = await run(["-m", w.input], { SLURM_MEM_PER_NODE: "51200" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Predicted memory of fast mode:");
    expect(lines.slice(1, -3)).toEqual(prediction.fast.components.map((c) => `  ${c.name}: ${(c.bytes / 1e9).toFixed(3)} GB`));
    expect(lines.at(-3)).toBe(`  total: ${(prediction.fast.total / 1e9).toFixed(3)} GB`);
    const space = prediction.fast.addressSpace!.total;
    expect(lines.at(-2)).toBe(`Address space needed (ulimit -v): ${(space / 1e9).toFixed(3)} GB, ulimit -v ${Math.ceil(space / 1024)} or more; no limit is set`);
    expect(lines.at(-1)).toMatch(/^Mode: fast — fast mode's predicted .* fits in the 53\.687 GB available \(Slurm allocation, SLURM_MEM_PER_NODE=51200 MB\)\. Threads: /);
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("-m -s shows slow mode", async () => {
    const w = workspace();
    const r = await run(["-m", "-s", w.input]);
    expect(r.stdout.split("\n")[0]).toBe("Predicted memory of slow mode:");
    expect(r.stdout).toContain("Mode: slow — requested; predicted");
  });

  it("-m --json: both modes in bytes, parsed back", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input);
    const r = await run(["-m", "--json", "--memory-limit", "50GB", w.input]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      input: w.input,
      shape: { naxis: 3, width: 600, height: 100, depth: 20, stokes: 1 },
      chosen: "fast",
      available: { bytes: 50e9, source: "option" },
      limit: { bytes: 50e9, source: "the run's memory limit" },
    });
    expect(json.fast).toEqual({ components: prediction.fast.components.map((c) => ({ ...c })), total: prediction.fast.total, addressSpace: prediction.fast.addressSpace });
    expect(json.slow).toEqual({ components: prediction.slow.components.map((c) => ({ ...c })), total: prediction.slow.total, addressSpace: prediction.slow.addressSpace });
    expect(json.addressSpaceLimit).toBeNull();
    expect(json.reason).toContain("fits in the memory limit of 50.000 GB");
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("a conversion that would be refused still gets its figures, exit 0", async () => {
    const w = workspace();
    const text = await run(["-m", w.input], { SLURM_MEM_PER_NODE: "1" });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/\nRefused: even slow mode is predicted to need .* GB, more than the 0\.001 GB available \(Slurm allocation, SLURM_MEM_PER_NODE=1 MB\)\n$/);
    const json = JSON.parse((await run(["-m", "--json", w.input], { SLURM_MEM_PER_NODE: "1" })).stdout);
    expect(json.chosen).toBeNull();
    expect(json.refused).toMatch(/^even slow mode/);
  });
});

describe("errors: `Error: <message>. Aborting.` on stderr, exit 1", () => {
  it.each([
    [["-s", "--fast", "x.fits"], "Error: -s (slow mode) and --fast cannot be used together. Aborting.\n"],
    [[], "Error: an input FITS file is required (see fits2idia-ts --help). Aborting.\n"],
    [["x.fits", "--nonsense"], "Error: unknown option --nonsense (see fits2idia-ts --help). Aborting.\n"],
    [["--prgress", "x.fits"], "Error: unknown option --prgress (see fits2idia-ts --help). Aborting.\n"],
    [["help", "bogus"], 'Error: help: no subcommand "bogus" (there are verify and batch; a file named help is converted as ./help). Aborting.\n'],
    [["help", "verify", "x"], "Error: help takes at most one subcommand, not 2. Aborting.\n"],
    [["--memory-limit", "5 furlongs", "x.fits"], /^Error: --memory-limit: "5 furlongs" is not a size: unknown unit "furlongs" .*\. Aborting\.\n$/],
  ])("usage: %j", async (argv, expected) => {
    const r = await run(argv);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    if (typeof expected === "string") expect(r.stderr).toBe(expected);
    else expect(r.stderr).toMatch(expected);
  });

  it("a missing input", async () => {
    const r = await run([tmp.file("nothing.fits")]);
    expect(r).toEqual({ status: 1, stdout: "", stderr: `Error: ${tmp.file("nothing.fits")}: no such file. Aborting.\n` });
  });

  it("a conversion refused by the rc file named by FITS2IDIA_RC, naming both figures; nothing written", async () => {
    const w = workspace();
    const rc = join(w.dir, "site.rc");
    writeFileSync(rc, "memory_limit = 100000000  # 0.1 GB\n");
    const prediction = await predictMemory(w.input);
    const r = await run(["-p", w.input], { FITS2IDIA_RC: rc });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `Error: even slow mode is predicted to need ${(prediction.slow.total / 1e9).toFixed(3)} GB, above the memory limit of 0.100 GB (memory_limit in ${rc}). Aborting.\n`,
    );
    expect(w.files()).toEqual(["cube.fits", "site.rc"]);
  });

  it("a malformed rc file, naming file and line", async () => {
    const w = workspace();
    const rc = join(w.dir, "bad.rc");
    writeFileSync(rc, "\nmemory_limit = plenty\n");
    const r = await run([w.input], { FITS2IDIA_RC: rc });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: ${rc}, line 2: memory_limit: "plenty" is not a size .*\\. Aborting\\.\\n$`));
  });

  it("no stack unless --debug", async () => {
    const missing = tmp.file("none.fits");
    expect((await run([missing])).stderr).not.toMatch(/\n\s+at /);
    const r = await run(["--debug", missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe("--help and --version", () => {
  it("help, help verify, help batch: the help of each; ./help is a file", async () => {
    const help = await run(["help"]);
    expect(help).toEqual(await run(["--help"]));
    expect(help.stdout).toMatch(/^fits2idia-ts \[-o output\]/);
    expect(await run(["help", "convert"])).toEqual(help);
    expect(await run(["help", "--help"])).toEqual(help);
    const verify = await run(["help", "verify"]);
    expect(verify).toEqual(await run(["verify", "--help"]));
    expect(verify.stdout).toMatch(/^fits2idia-ts verify /);
    const batch = await run(["help", "batch"]);
    expect(batch).toEqual(await run(["batch", "-h"]));
    expect(batch.stdout).toMatch(/^fits2idia-ts batch /);
    expect(await run(["./help"])).toEqual({ status: 1, stdout: "", stderr: "Error: ./help: no such file. Aborting.\n" });
  });

  it("print to stdout, exit 0", async () => {
    const help = await run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--memory-limit");
    const version = await run(["--version"]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(version).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: "" });
  });
});

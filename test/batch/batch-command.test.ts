/**
 * `fits2idia-ts batch` through the built command and the built package (the conversions run
 * in child processes, which need the JavaScript build): on this node with failures, skips,
 * side by side within the memory, interruption and a crashed conversion; and `--slurm`, with a
 * stand-in sbatch (the real Slurm is test/slurm/, `npm run test:slurm`) and `--array-task`.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyFile } from "../../src/verify/index.js";
import { readManifest } from "../../src/batch/slurm-job.js";
import { card, concat, cubeFile, dataBytes, extensionCards, headerBytes, makeCube, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";
import { readDatasets } from "../helpers/read-hdf5.js";
import { buildCommand, cleanEnv, run, start, writeCube, type BuiltCommand } from "../robustness/built-command.js";
import type * as Api from "../../src/index.js";

const tmp = tempFolder("fits2idia-batch-");
let command: BuiltCommand;
let api: typeof Api;
let inDir = "";

beforeAll(async () => {
  command = buildCommand("fits2idia-ts-batch-test");
  api = (await import(join(command.bin, "..", "..", "index.js"))) as typeof Api;
  inDir = join(tmp.dir, "in");
  mkdirSync(join(inDir, "sub"), { recursive: true });
  writeFileSync(join(inDir, "a.fits"), cubeFile(makeCube(3, 40, 30, 5, 1, "nan-pixel", 1)));
  writeFileSync(join(inDir, "b.fits"), cubeFile(makeCube(4, 33, 21, 3, 2, "random", 2)));
  writeFileSync(join(inDir, "sub", "c.fits"), cubeFile(makeCube(2, 50, 45, 1, 1, "nan-inf", 3)));
  writeFileSync(join(inDir, "bad.fits"), "SIMPLE  = nonsense");
}, 120_000);
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

/** Files left in a folder tree that are neither outputs nor the inputs. */
function leftovers(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(tmp|lock)$/.test(f));
}

function rows(stdout: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of stdout.trim().split("\n").slice(1, -1)) table.set(line.split(/\s+/)[0]!, line);
  return table;
}

describe("batch on this node", () => {
  const out = (): string => join(tmp.dir, "out");

  it("converts every readable input, lists each, fails the bad one alone, exit 1", async () => {
    const done = await run(command, ["batch", inDir, "--out-dir", out(), "-p"], { env: cleanEnv(command) });
    expect(done.code).toBe(1);
    const table = rows(done.stdout);
    expect([...table.keys()]).toEqual(["a.fits", "b.fits", "bad.fits", "sub/c.fits"].map((f) => join(inDir, f)));
    expect(table.get(join(inDir, "bad.fits"))).toMatch(/ FAILED: .*bad\.fits: /);
    for (const f of ["a", "b", "sub/c"]) {
      expect(table.get(join(inDir, `${f}.fits`))).toMatch(/ (fast|slow) .* converted/);
      const report = await verifyFile(join(out(), `${f}.hdf5`), join(inDir, `${f}.fits`));
      expect(report.problems).toEqual([]);
    }
    expect(done.stdout.trim().split("\n").at(-1)).toMatch(/^4 inputs: 3 converted, 0 skipped, 1 failed, in \d+\.\d s$/);
    expect(done.stderr).toMatch(/\[1\/4\] .*a\.fits: converting in (fast|slow) mode, \d threads?, predicted 0\.\d+ GB/);
    expect(leftovers(out())).toEqual([]);
  });

  it("a second run keeps the outputs that pass verify and converts again one that does not", async () => {
    writeFileSync(join(out(), "b.hdf5"), "not HDF5");
    rmSync(join(inDir, "bad.fits"));
    try {
      const done = await run(command, ["batch", inDir, "-d", out()], { env: cleanEnv(command) });
      expect(done.code).toBe(0);
      const table = rows(done.stdout);
      expect(table.get(join(inDir, "a.fits"))).toMatch(/skipped \(output verified\)$/);
      expect(table.get(join(inDir, "sub/c.fits"))).toMatch(/skipped \(output verified\)$/);
      expect(table.get(join(inDir, "b.fits"))).toMatch(/converted: converted again: the existing output could not be verified/);
      expect((await verifyFile(join(out(), "b.hdf5"), join(inDir, "b.fits"))).ok).toBe(true);
      const forced = await run(command, ["batch", inDir, "-d", out(), "--force", "--json"], { env: cleanEnv(command) });
      expect(forced.code).toBe(0);
      const report = JSON.parse(forced.stdout) as Api.BatchReport;
      expect(report.results.map((r) => r.status)).toEqual(["converted", "converted", "converted"]);
      expect(report.ok).toBe(true);
    } finally {
      writeFileSync(join(inDir, "bad.fits"), "SIMPLE  = nonsense");
    }
  });

  it("runs conversions side by side only while their predicted memory fits", async () => {
    const same = join(tmp.dir, "same");
    mkdirSync(same);
    for (let i = 0; i < 4; i++) writeFileSync(join(same, `s${i}.fits`), cubeFile(makeCube(3, 64, 64, 8, 1, "random", 10 + i)));
    const maxSideBySide = async (memoryLimit: number): Promise<{ most: number; report: Api.BatchReport }> => {
      let running = 0;
      let most = 0;
      const report = await api.runBatch([same], {
        outDir: join(tmp.dir, `same-out-${memoryLimit}`),
        jobs: 4,
        threads: 4,
        memoryLimit,
        rcFile: false,
        env: {},
        onEvent: (event) => {
          running += event.kind === "start" ? 1 : -1;
          most = Math.max(most, running);
        },
      });
      return { most, report };
    };
    const prediction = await api.predictMemory(join(same, "s0.fits"), { threads: 1 });
    const ample = await maxSideBySide(Math.round(process.memoryUsage().rss + 20e9));
    expect(ample.report.ok).toBe(true);
    expect(ample.report.threadsPerJob).toBe(1);
    expect(ample.most).toBeGreaterThan(1);
    const tight = await maxSideBySide(Math.round(process.memoryUsage().rss + 1.8 * prediction.fast.total));
    expect(tight.report.results.map((r) => r.status)).toEqual(["converted", "converted", "converted", "converted"]);
    expect(tight.most).toBe(1);
  }, 120_000);

  it("a conversion process that dies fails only its input", async () => {
    const dying = join(tmp.dir, "dying-child.mjs");
    writeFileSync(dying, `process.once("message", () => { process.stderr.write("about to die\\n"); process.kill(process.pid, "SIGKILL"); });\n`);
    const report = await api.runBatch([join(inDir, "a.fits")], { outDir: join(tmp.dir, "dying"), childScript: dying, rcFile: false, env: {} });
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ status: "failed", detail: "the conversion process killed by SIGKILL (out of memory?): about to die" });
  });

  it("a conversion process converts the next input rather than a new process starting; one that dies is replaced", async () => {
    // A stand-in conversion process: answers with its pid, and dies at b.fits.
    const stub = join(tmp.dir, "stub-child.mjs");
    writeFileSync(
      stub,
      [
        'process.on("message", (job) => {',
        '  if (job.input.endsWith("b.fits")) process.kill(process.pid, "SIGKILL");',
        '  process.send({ status: "converted", input: job.input, output: job.output, seconds: 0, detail: String(process.pid) });',
        "});",
        'process.on("disconnect", () => process.exit(0));',
        "",
      ].join("\n"),
    );
    const files = ["a.fits", "sub/c.fits", "b.fits", "a.fits"].map((f) => join(inDir, f));
    files[3] = join(tmp.dir, "same", "s0.fits");
    const report = await api.runBatch(files, { outDir: join(tmp.dir, "stub-out"), childScript: stub, jobs: 1, threads: 1, rcFile: false, env: {} });
    const [first, second, dead, after] = report.results;
    expect(first!.detail).toBe(second!.detail);
    expect(dead).toMatchObject({ status: "failed", detail: "the conversion process killed by SIGKILL (out of memory?)" });
    expect(after!.status).toBe("converted");
    expect(after!.detail).not.toBe(first!.detail);
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129], // the ssh session closing
  ] as const)("%s stops the running conversions, which leave no temporary file, and exits %i", async (name, code) => {
    const big = join(tmp.dir, `big-${name}`);
    mkdirSync(big);
    writeCube(join(big, "big1.fits"), 512, 512, 96);
    writeCube(join(big, "big2.fits"), 512, 512, 96);
    const bigOut = join(tmp.dir, `big-out-${name}`);
    const running = start(command, ["batch", big, "-d", bigOut, "-p", "--threads", "1"], { env: cleanEnv(command) });
    await running.waitForLine(/big1\.fits: converting/, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    running.child.kill(name);
    const done = await running.finished;
    expect(done.code).toBe(code);
    expect(done.stderr).toContain(`Interrupted by ${name}: stopping the running conversions.`);
    expect(rows(done.stdout).get(join(big, "big1.fits"))).toMatch(new RegExp(`FAILED: .*interrupted by ${name}|converted`));
    const table = rows(done.stdout);
    expect(table.get(join(big, "big2.fits"))).toMatch(/FAILED: not started: the batch was interrupted/);
    expect(leftovers(bigOut)).toEqual([]);
    expect(existsSync(join(bigOut, "big2.hdf5"))).toBe(false);
  }, 120_000);

  it("its stderr's reader gone (| head -1): exit 141, and the running conversions stop too, leaving nothing", async () => {
    const piped = join(tmp.dir, "piped");
    mkdirSync(piped);
    // a.fits long enough to be still converting when the reader goes (a loaded machine is slow to
    // get there), b.fits far longer, so that a's "done" line meets the broken pipe first; both
    // under 128 MiB, so that each gets one thread and both run side by side.
    writeCube(join(piped, "a.fits"), 256, 256, 48);
    writeCube(join(piped, "b.fits"), 512, 512, 120);
    const out = join(tmp.dir, "piped-out");
    // Both start side by side; the reader goes away once it has read that, so that the line saying
    // that a.fits is done meets the broken pipe while b.fits is still converting.
    const running = start(command, ["batch", piped, "-d", out, "-p", "--threads", "2"], { env: cleanEnv(command) });
    await running.waitForLine(/\[1\/2\] .*a\.fits: converting in /);
    await running.waitForLine(/\[2\/2\] .*b\.fits: converting in /);
    running.child.stderr!.destroy();
    const done = await running.finished;
    expect({ code: done.code, stdout: done.stdout }).toEqual({ code: 141, stdout: "" });
    // The conversion processes of this build (in process groups of their own) end by themselves.
    const childScript = join(command.bin, "..", "..", "batch", "child.js");
    const conversions = (): string[] =>
      readdirSync("/proc").filter((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(childScript);
        } catch {
          return false;
        }
      });
    for (let waited = 0; conversions().length > 0 && waited < 30_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(conversions()).toEqual([]);
    // a.hdf5 complete (it ended first), b.fits interrupted: no output, no temporary file, no lock.
    expect(readdirSync(out).sort()).toEqual(["a.hdf5"]);
  }, 90_000);

  it("an output folder that cannot be made fails only its input", async () => {
    const tree = join(tmp.dir, "tree");
    mkdirSync(join(tree, "sub"), { recursive: true });
    writeFileSync(join(tree, "a.fits"), cubeFile(makeCube(2, 20, 10, 1, 1, "random", 21)));
    writeFileSync(join(tree, "sub", "b.fits"), cubeFile(makeCube(2, 20, 10, 1, 1, "random", 22)));
    const out = join(tmp.dir, "tree-out");
    mkdirSync(out);
    writeFileSync(join(out, "sub"), "a file where the folder should be");
    const done = await run(command, ["batch", tree, "-d", out], { env: cleanEnv(command) });
    expect(done.code).toBe(1);
    const table = rows(done.stdout);
    expect(table.get(join(tree, "a.fits"))).toMatch(/ converted$/);
    expect(table.get(join(tree, "sub/b.fits"))).toContain(`FAILED: ${join(out, "sub/b.hdf5")}: cannot create its folder ${join(out, "sub")}: `);
  });

  it("the conversions' warnings, counted in the table and listed below it, and in --json", async () => {
    const warned = join(tmp.dir, "warned");
    mkdirSync(warned);
    writeFileSync(join(warned, "w.fits"), cubeFile(makeCube(3, 20, 10, 2, 1, "random", 7), [card("OBJECT  = 'M31'"), card("OBJECT  = 'M32'")]));
    writeFileSync(join(warned, "x.fits"), cubeFile(makeCube(2, 20, 10, 1, 1, "random", 8)));
    const done = await run(command, ["batch", warned, "-d", join(tmp.dir, "warned-out")], { env: cleanEnv(command) });
    expect(done.code).toBe(0);
    const lines = done.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/w\.fits .* converted: 1 warning$/);
    expect(lines[2]).toMatch(/x\.fits .* converted$/);
    expect(lines.slice(3)).toEqual([
      expect.stringMatching(/^2 inputs: 2 converted, 0 skipped, 0 failed, in \d+\.\d s$/),
      "Warnings:",
      `  ${join(warned, "w.fits")}:`,
      "    header keyword OBJECT appears more than once: only the first is kept",
    ]);
    const json = await run(command, ["batch", join(warned, "w.fits"), "-d", join(tmp.dir, "warned-json"), "--json"], { env: cleanEnv(command) });
    expect((JSON.parse(json.stdout) as Api.BatchReport).results[0]!.warnings).toEqual(["header keyword OBJECT appears more than once: only the first is kept"]);
  });

  it("a usage error or an unknown input stops before anything runs", async () => {
    const done = await run(command, ["batch", join(inDir, "none.fits"), "-d", join(tmp.dir, "never")], { env: cleanEnv(command) });
    expect(done.code).toBe(1);
    expect(done.stderr).toBe(`Error: ${join(inDir, "none.fits")}: no such file or folder. Aborting.\n`);
    expect(existsSync(join(tmp.dir, "never"))).toBe(false);
  });
});

describe("batch --slurm", () => {
  /** A stand-in for sbatch: records its arguments, prints a job id as --parsable does. */
  function fakeSbatch(): { dir: string; calls: () => string[] } {
    const dir = join(tmp.dir, `fake-bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    const log = join(dir, "calls.log");
    writeFileSync(join(dir, "sbatch"), `#!/bin/sh\necho "$*" >> '${log}'\nn=$(wc -l < '${log}')\necho "$((4240 + n));cluster"\n`);
    chmodSync(join(dir, "sbatch"), 0o755);
    return { dir, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
  }

  /** A FITS header for a large cube, its data a hole in a sparse file: only the header is read. */
  function sparseCube(path: string, width: number, height: number, depth: number): void {
    const cards = ["SIMPLE  =                    T", "BITPIX  =                  -32", "NAXIS   =                    3", `NAXIS1  = ${String(width).padStart(20)}`, `NAXIS2  = ${String(height).padStart(20)}`, `NAXIS3  = ${String(depth).padStart(20)}`, "END"];
    const header = Buffer.alloc(2880, 0x20);
    header.write(cards.map((c) => c.padEnd(80)).join(""), "latin1");
    const fd = openSync(path, "w");
    writeSync(fd, header);
    closeSync(fd);
    truncateSync(path, 2880 + Math.ceil((width * height * depth * 4) / 2880) * 2880);
  }

  it("writes the script and manifest and prints how to submit", async () => {
    const out = join(tmp.dir, "slurm-1");
    const done = await run(command, ["batch", inDir, "-d", out, "--slurm", "--time", "0:10:00", "--cpus-per-task", "2"], { env: cleanEnv(command) });
    expect(done.stderr).toBe("");
    expect(done.code).toBe(1); // bad.fits is left out
    const script = readFileSync(join(out, "fits2idia.sbatch"), "utf8");
    expect(script).toMatch(/^#SBATCH --array=0-0$/m); // three small inputs grouped in one task
    expect(script).toMatch(/^#SBATCH --cpus-per-task=2$/m);
    expect(script).toMatch(/^#SBATCH --time=0:10:00$/m);
    expect(script).toContain(`#SBATCH --output=${out}/logs/%x-%A_%a.out`);
    const manifestPath = /and (\S+\.json)\.$/m.exec(done.stdout)![1]!;
    expect(manifestPath).toMatch(new RegExp(`^${out}/fits2idia-\\d{8}T\\d{6}Z\\.json$`));
    expect(script).toContain(`batch --array-task ${manifestPath}`);
    expect(done.stdout).toContain(`Left out ${join(inDir, "bad.fits")}: ${join(inDir, "bad.fits")}: `);
    expect(done.stdout).toContain(`Submit it with:\n  sbatch ${out}/fits2idia.sbatch\n`);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Api.Manifest;
    expect(manifest.tasks[0]!.inputs.map((i) => i.output)).toEqual(["a", "b", "sub/c"].map((f) => join(out, `${f}.hdf5`)));
    expect(existsSync(join(out, "logs"))).toBe(true);
  });

  it("--submit: one submission per memory class, each with its tasks and --mem; the job ids printed", async () => {
    const big = join(tmp.dir, "sparse");
    mkdirSync(big);
    sparseCube(join(big, "huge.fits"), 2048, 2048, 64);
    writeFileSync(join(big, "small.fits"), cubeFile(makeCube(3, 20, 20, 2, 1, "random", 5)));
    const out = join(tmp.dir, "slurm-2");
    const sbatch = fakeSbatch();
    const done = await run(command, ["batch", big, "-d", out, "--slurm", "--submit", "--group-size", "0", "--job-name", "proj"], { env: cleanEnv(command, { PATH: `${sbatch.dir}:${process.env.PATH}` }) });
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    const calls = sbatch.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(new RegExp(`^--parsable --array=1 --mem=\\d+M ${out}/proj\\.sbatch$`));
    expect(calls[1]).toMatch(new RegExp(`^--parsable --array=0 --mem=\\d+M ${out}/proj\\.sbatch$`));
    const mem = calls.map((c) => Number(/--mem=(\d+)M/.exec(c)![1]));
    expect(mem[1]).toBeGreaterThan(mem[0]! * 5);
    expect(done.stdout).toMatch(/^Submitted job array 4241 \(tasks 1, --mem=\d+M\)\.$/m);
    expect(done.stdout).toMatch(/^Submitted job array 4242 \(tasks 0, --mem=\d+M\)\.$/m);
  });

  it("--submit without sbatch on the PATH is a clear error", async () => {
    const done = await run(command, ["batch", join(inDir, "a.fits"), "-d", join(tmp.dir, "slurm-3"), "--slurm", "--submit"], { env: cleanEnv(command, { PATH: "/nonexistent" }) });
    expect(done.code).toBe(1);
    expect(done.stderr).toBe("Error: sbatch was not found (is Slurm installed here?). Aborting.\n");
  });

  it("--array-task converts the inputs of the task SLURM_ARRAY_TASK_ID names", async () => {
    const out = join(tmp.dir, "slurm-4");
    const written = await run(command, ["batch", join(inDir, "a.fits"), join(inDir, "b.fits"), "-d", out, "--slurm", "--group-size", "0", "--cpus-per-task", "1"], { env: cleanEnv(command) });
    const manifest = /and (\S+\.json)\.$/m.exec(written.stdout)![1]!;
    const task = await run(command, ["batch", "--array-task", manifest], { env: cleanEnv(command, { SLURM_ARRAY_TASK_ID: "1", SLURM_CPUS_PER_TASK: "1", SLURM_MEM_PER_NODE: "2000" }) });
    expect(task.code).toBe(0);
    expect(existsSync(join(out, "a.hdf5"))).toBe(false);
    expect((await verifyFile(join(out, "b.hdf5"), join(inDir, "b.fits"))).ok).toBe(true);
    expect(rows(task.stdout).get(join(inDir, "b.fits"))).toMatch(/ 1 .* converted/);
    expect(task.stderr).toMatch(/^at most 1 side by side, 1 thread each, in \d\.\d+ GB \(Slurm allocation, SLURM_MEM_PER_NODE=2000 MB, less this process's/);

    const wrong = await run(command, ["batch", "--array-task", manifest], { env: cleanEnv(command, { SLURM_ARRAY_TASK_ID: "7" }) });
    expect(wrong.stderr).toBe(`Error: ${manifest}: SLURM_ARRAY_TASK_ID=7 is not a task of this batch (0 to 1). Aborting.\n`);
    const broken = join(out, "broken.json");
    writeFileSync(broken, JSON.stringify({ tool: "fits2idia-ts", manifestVersion: 1, tasks: [{ inputs: [{ input: "a.fits" }] }] }));
    const malformed = await run(command, ["batch", "--array-task", broken], { env: cleanEnv(command, { SLURM_ARRAY_TASK_ID: "0" }) });
    expect(malformed.stderr).toBe(`Error: ${broken}: task 0 of the manifest is malformed (each input needs input, output, bytes and mode fast or slow). Aborting.\n`);
    const none = await run(command, ["batch", "--array-task", manifest], { env: cleanEnv(command) });
    expect(none.stderr).toBe(`Error: ${manifest}: SLURM_ARRAY_TASK_ID is not set (--array-task runs inside a Slurm job array). Aborting.\n`);
  });
});

describe("--hdu in every path: the HDU asked for is the one converted", () => {
  // An empty primary and two image extensions, SCI,1 (8×6×2) and SCI,2 (5×4×3), of different values.
  const first = Float32Array.from({ length: 8 * 6 * 2 }, (_, i) => i);
  const second = Float32Array.from({ length: 5 * 4 * 3 }, (_, i) => 1000 + i * 0.5);
  const sci = (ver: number): string[] => [card("EXTNAME = 'SCI     '"), valueCard("EXTVER", String(ver))];
  let mef = "";
  let folder = "";
  beforeAll(() => {
    folder = join(tmp.dir, "mef-in");
    mkdirSync(folder);
    mef = join(folder, "mef.fits");
    writeFileSync(
      mef,
      concat([
        headerBytes(primaryCards(8, [], [valueCard("EXTEND", "T")])),
        headerBytes(extensionCards(-32, [8, 6, 2], sci(1))),
        dataBytes(first, -32),
        headerBytes(extensionCards(-32, [5, 4, 3], sci(2))),
        dataBytes(second, -32),
      ]),
    );
  });

  /** INPUT_HDU, DATA's shape, and whether DATA holds that extension's values exactly. */
  async function converted(path: string): Promise<{ hdu: number; shape: number[]; values: "first" | "second" | "neither" }> {
    const h5wasm = await import("h5wasm/node");
    await h5wasm.ready;
    const file = new h5wasm.File(path, "r");
    const hdu = Number(file.attrs["INPUT_HDU"]!.value);
    file.close();
    const data = (await readDatasets(path)).get("0/DATA")!;
    const same = (a: Float32Array): boolean => a.length === data.values.length && a.every((v, i) => Object.is(v, data.values[i]));
    return { hdu, shape: data.shape, values: same(first) ? "first" : same(second) ? "second" : "neither" };
  }
  const HDU1 = { hdu: 1, shape: [2, 6, 8], values: "first" };
  const HDU2 = { hdu: 2, shape: [3, 4, 5], values: "second" };

  it("a single conversion", async () => {
    const out = join(tmp.dir, "mef-single.hdf5");
    const done = await run(command, ["--hdu", "2", "-o", out, mef], { env: cleanEnv(command) });
    expect(done).toMatchObject({ code: 0, stderr: "" });
    expect(await converted(out)).toEqual(HDU2);
  });

  it("batch on this node, by index and by name; an output of another HDU is converted again", async () => {
    const byIndex = join(tmp.dir, "mef-out-index");
    const byName = join(tmp.dir, "mef-out-name");
    const index = await run(command, ["batch", folder, "-d", byIndex, "--hdu", "2"], { env: cleanEnv(command) });
    expect(index.code).toBe(0);
    expect(await converted(join(byIndex, "mef.hdf5"))).toEqual(HDU2);
    const name = await run(command, ["batch", mef, "-d", byName, "--hdu", "SCI,2", "--json"], { env: cleanEnv(command) });
    expect(name.code).toBe(0);
    expect(await converted(join(byName, "mef.hdf5"))).toEqual(HDU2);
    // The existing output passes verify for HDU 2, not for SCI (= SCI,1, HDU 1): converted again.
    const again = await run(command, ["batch", mef, "-d", byName, "--hdu", "SCI", "--json"], { env: cleanEnv(command) });
    expect(again.code).toBe(0);
    const result = (JSON.parse(again.stdout) as Api.BatchReport).results[0]!;
    expect(result.status).toBe("converted");
    expect(result.detail).toMatch(/^converted again: the existing output failed verify \(.*HDU 1.*HDU 2/);
    expect(await converted(join(byName, "mef.hdf5"))).toEqual(HDU1);
  });

  it("--slurm records it in the manifest, and --array-task converts it", async () => {
    const out = join(tmp.dir, "mef-slurm");
    const written = await run(command, ["batch", folder, "-d", out, "--slurm", "--hdu", "SCI,2", "--cpus-per-task", "1"], { env: cleanEnv(command) });
    expect(written.code).toBe(0);
    const manifestPath = /and (\S+\.json)\.$/m.exec(written.stdout)![1]!;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Api.Manifest;
    expect(manifest.hdu).toEqual({ extname: "SCI", extver: 2 });
    expect(manifest.tasks.flatMap((t) => t.inputs.map((i) => i.input))).toEqual([mef]);
    const task = await run(command, ["batch", "--array-task", manifestPath], { env: cleanEnv(command, { SLURM_ARRAY_TASK_ID: "0", SLURM_CPUS_PER_TASK: "1", SLURM_MEM_PER_NODE: "2000" }) });
    expect(task.code).toBe(0);
    expect(await converted(join(out, "mef.hdf5"))).toEqual(HDU2);
    // By index too, and a manifest without an HDU converts the first image, as before.
    const { hdu: _, ...rest } = manifest;
    const byIndex = join(out, "by-index.json");
    writeFileSync(byIndex, JSON.stringify({ ...rest, hdu: 2, tasks: [{ ...rest.tasks[0]!, inputs: [{ ...rest.tasks[0]!.inputs[0]!, output: join(out, "i.hdf5") }] }] }));
    const none = join(out, "none.json");
    writeFileSync(none, JSON.stringify({ ...rest, tasks: [{ ...rest.tasks[0]!, inputs: [{ ...rest.tasks[0]!.inputs[0]!, output: join(out, "n.hdf5") }] }] }));
    const env = cleanEnv(command, { SLURM_ARRAY_TASK_ID: "0", SLURM_CPUS_PER_TASK: "1" });
    expect((await run(command, ["batch", "--array-task", byIndex], { env })).code).toBe(0);
    expect((await run(command, ["batch", "--array-task", none], { env })).code).toBe(0);
    expect(await converted(join(out, "i.hdf5"))).toEqual(HDU2);
    expect(await converted(join(out, "n.hdf5"))).toEqual(HDU1);
  });

  it("a manifest's malformed HDU is refused", () => {
    const path = join(tmp.dir, "bad-hdu.json");
    for (const hdu of [-1, 1.5, "2", { extver: 2 }, { extname: "" }, { extname: "SCI", extver: "2" }]) {
      writeFileSync(path, JSON.stringify({ tool: "fits2idia-ts", manifestVersion: 1, hdu, tasks: [] }));
      expect(() => readManifest(path), JSON.stringify(hdu)).toThrow(`${path}: the manifest's hdu is malformed (an index, or an EXTNAME with an optional EXTVER)`);
    }
    writeFileSync(path, JSON.stringify({ tool: "fits2idia-ts", manifestVersion: 1, hdu: { extname: "SCI" }, tasks: [] }));
    expect(readManifest(path).hdu).toEqual({ extname: "SCI" });
  });
});

describe("a batch whose output would be one of its inputs", () => {
  /** A folder with `cube` (FITS, no extension) and `cube.hdf5` (a FITS file too): the first's output in that folder is the second. */
  function clashing(): { dir: string; first: string; second: string; untouched: () => void } {
    const dir = join(tmp.dir, `clash-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    const first = join(dir, "cube");
    const second = join(dir, "cube.hdf5");
    writeFileSync(first, cubeFile(makeCube(2, 12, 10, 1, 1, "random", 31)));
    writeFileSync(second, cubeFile(makeCube(2, 12, 10, 1, 1, "random", 32)));
    const before = [first, second].map((f) => ({ f, bytes: readFileSync(f), mtimeMs: statSync(f).mtimeMs }));
    return {
      dir,
      first,
      second,
      untouched: () => {
        for (const b of before) {
          expect(readFileSync(b.f).equals(b.bytes)).toBe(true);
          expect(statSync(b.f).mtimeMs).toBe(b.mtimeMs);
        }
        expect(readdirSync(dir).sort()).toEqual(["cube", "cube.hdf5"]);
      },
    };
  }

  it("on this node and with --slurm: refused before anything is written, in one line", async () => {
    const c = clashing();
    const line = `Error: ${c.first} would be converted to ${c.second}, which is the input file ${c.second}: refusing to overwrite it. Aborting.\n`;
    const here = await run(command, ["batch", c.first, c.second, "--out-dir", c.dir], { env: cleanEnv(command) });
    expect({ code: here.code, stdout: here.stdout, stderr: here.stderr }).toEqual({ code: 1, stdout: "", stderr: line });
    const planned = await run(command, ["batch", c.first, c.second, "--out-dir", c.dir, "--slurm"], { env: cleanEnv(command) });
    expect({ code: planned.code, stdout: planned.stdout, stderr: planned.stderr }).toEqual({ code: 1, stdout: "", stderr: line });
    c.untouched();
  });

  it("an output in --out-dir that is a link to the input, and an --array-task manifest naming an input as its output", async () => {
    const c = clashing();
    const out = join(tmp.dir, `clash-out-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    symlinkSync(c.first, join(out, "cube.hdf5"));
    const linked = await run(command, ["batch", c.first, "-d", out], { env: cleanEnv(command) });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toBe(`Error: ${c.first} would be converted to ${join(out, "cube.hdf5")}, which is the input file ${c.first}: refusing to overwrite it. Aborting.\n`);
    const manifest = join(out, "manifest.json");
    writeFileSync(manifest, JSON.stringify({ tool: "fits2idia-ts", manifestVersion: 1, created: "", skipVerified: false, tasks: [{ memBytes: 1e9, inputs: [{ input: c.second, output: c.second, bytes: 5760, mode: "slow" }] }] }));
    const task = await run(command, ["batch", "--array-task", manifest], { env: cleanEnv(command, { SLURM_ARRAY_TASK_ID: "0", SLURM_CPUS_PER_TASK: "1" }) });
    expect(task.code).toBe(1);
    expect(task.stderr).toBe(`Error: ${c.second} would be converted to ${c.second}, which is the input file ${c.second}: refusing to overwrite it. Aborting.\n`);
    c.untouched();
    expect(readdirSync(out).sort()).toEqual(["cube.hdf5", "manifest.json"]);
  });
});

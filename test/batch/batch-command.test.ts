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
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
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

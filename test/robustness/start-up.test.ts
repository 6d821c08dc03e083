/**
 * Start-up and shutdown through the built command and package: output names up to NAME_MAX
 * bytes (their helper files fit too, the lock still refuses a second conversion, a killed run's
 * files are still taken over), lock drafts of killed runs removed, a process ending by an
 * uncaught error removing its lock, a deleted working directory, and the worker pool shut down at
 * any moment of its start-up (terminating a worker while it loads its module aborts Node.js).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helperName, SUFFIX } from "../../src/engine/helper-names.js";
import { tempFolder } from "../helpers/fixtures.js";
import { buildCommand, dataShape, outputFolders, run, writeCube, type BuiltCommand } from "./built-command.js";

const tmp = tempFolder("fits2idia-start-up-");
let command: BuiltCommand;
/** The built package's dist/ folder. */
let dist = "";
let cube = "";

beforeAll(() => {
  command = buildCommand("fits2idia-ts-start-up-test");
  dist = join(command.bin, "..", "..");
  cube = tmp.file("cube.fits");
  writeCube(cube, 32, 24, 4);
});
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

const outputFolder = outputFolders(tmp.dir, "unused");

/** The pid of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;
const lockText = (pid: number): string => JSON.stringify({ tool: "fits2idia-ts", pid, host: hostname(), started: new Date().toISOString(), id: "0123456789abcdef" });

/** Runs an ES module script (text) with node; `$DIST` in it is the built package's dist/ folder. */
function node(script: string, args: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const file = join(tmp.dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script.replaceAll("$DIST", dist));
  const r = spawnSync(process.execPath, [file, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("output names up to 255 bytes", () => {
  it("a 255-byte name converts; a killed run's lock, temporary file and draft (short names) are taken over and removed", async () => {
    const w = outputFolder();
    const name = `${"n".repeat(250)}.hdf5`;
    writeFileSync(join(w.dir, helperName(name, SUFFIX.lock)), lockText(deadPid()));
    writeFileSync(join(w.dir, helperName(name, SUFFIX.temporary)), "partial");
    writeFileSync(join(w.dir, helperName(name, SUFFIX.draft("0123456789ab"))), lockText(deadPid()));
    const done = await run(command, ["-o", join(w.dir, name), cube]);
    expect({ code: done.code, stdout: done.stdout, stderr: done.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual([name]);
    expect(await dataShape(join(w.dir, name))).toEqual([4, 24, 32]);
  });

  it("a 245-byte name (its lock keeps the documented name; its drafts do not fit and get the short stem)", async () => {
    const w = outputFolder();
    const name = `${"m".repeat(240)}.hdf5`;
    const staleDraft = helperName(name, SUFFIX.draft("ba9876543210"));
    expect(staleDraft.startsWith(name)).toBe(false);
    writeFileSync(join(w.dir, staleDraft), lockText(deadPid()));
    const done = await run(command, ["-o", join(w.dir, name), cube]);
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: "" });
    expect(w.files()).toEqual([name]);
  });

  it("a second conversion to a 255-byte output is refused while the first holds the lock", async () => {
    const w = outputFolder();
    const name = `${"q".repeat(250)}.hdf5`;
    writeFileSync(join(w.dir, helperName(name, SUFFIX.lock)), lockText(process.pid));
    const done = await run(command, ["-o", join(w.dir, name), cube]);
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 1, stderr: `Error: ${join(w.dir, name)}: another conversion (pid ${process.pid}) is writing this output. Aborting.\n` });
    expect(w.files()).toEqual([helperName(name, SUFFIX.lock)]);
  });
});

describe("a process that ends by an uncaught error or process.exit()", () => {
  it.each([
    ["an uncaught error", "setTimeout(() => { throw new Error('boom'); }, 0);", 1],
    ["process.exit(3)", "process.exit(3);", 3],
  ])("%s removes the lock and temporary file of its unfinished output", (_, end, code) => {
    const w = outputFolder();
    const r = node(
      `import { writeFileSync } from "node:fs";
       import { OutputFile } from "$DIST/engine/output-file.js";
       const out = new OutputFile(process.argv[2]);
       await out.claim();
       writeFileSync(out.temporary, "partial");
       ${end}`,
      [join(w.dir, "out.hdf5")],
    );
    expect(r.code).toBe(code);
    expect(w.files()).toEqual([]);
  });
});

describe("a deleted working directory", () => {
  /** The command, started in a folder that is deleted before node starts. */
  const inDeletedFolder = (args: string[]) => {
    const gone = join(tmp.dir, `gone-${Math.random().toString(36).slice(2)}`);
    mkdirSync(gone);
    return run(command, args, { shell: `cd '${gone}' && rmdir '${gone}' &&` });
  };

  it("a run with absolute paths and worker threads converts", async () => {
    const w = outputFolder();
    const done = await inDeletedFolder(["--threads", "2", "-o", join(w.dir, "out.hdf5"), cube]);
    expect({ code: done.code, stdout: done.stdout, stderr: done.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await dataShape(join(w.dir, "out.hdf5"))).toEqual([4, 24, 32]);
  });

  it("the library's convert with worker threads there: one clear error before the output is claimed, nothing left", () => {
    const w = outputFolder();
    // A live lock: a claim before the worker threads started would be refused for it instead.
    writeFileSync(join(w.dir, "out.hdf5.lock"), lockText(process.pid));
    const gone = join(tmp.dir, `gone-api-${Math.random().toString(36).slice(2)}`);
    mkdirSync(gone);
    const r = node(
      `import { rmdirSync } from "node:fs";
       import { convert } from "$DIST/index.js";
       const [gone, input, output] = process.argv.slice(2);
       process.chdir(gone);
       rmdirSync(gone);
       await convert(input, output, { threads: 2, rcFile: false }).then(() => console.log("converted"), (e) => console.log(e.message));`,
      [gone, cube, join(w.dir, "out.hdf5")],
    );
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "the working directory has been deleted: worker threads cannot start there (change to an existing folder, or use one thread)\n" });
    expect(w.files()).toEqual(["out.hdf5.lock"]);
  });

  it("a relative path is refused in one line (it would name a file in a folder that is gone)", async () => {
    const done = await inDeletedFolder(["-o", "out.hdf5", cube]);
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 1, stderr: "Error: out.hdf5: a relative path, and the working directory has been deleted: give the path absolute. Aborting.\n" });
  });
});

describe("the worker pool shut down at any moment of its start-up", () => {
  /**
   * A worker module that takes LOAD_MS to load and then leaves a marker named after its thread:
   * a worker terminated while loading leaves none. (Terminating it while require(esm) links the
   * module graph is what aborts Node.js: `v8::Module::IsGraphAsync`, exit 134.)
   */
  const slowWorker = (markers: string): string => {
    const file = join(tmp.dir, `slow-worker-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(
      file,
      `import { writeFileSync } from "node:fs";
       import { threadId } from "node:worker_threads";
       const end = Date.now() + 150;
       while (Date.now() < end);
       writeFileSync(${JSON.stringify(markers)} + "/" + threadId, "");
       export default function run(task) { return task; }\n`,
    );
    return file;
  };

  it("close() right away or at random moments never terminates a worker that is loading; the real worker too, without aborting", () => {
    const markers = join(tmp.dir, "markers");
    mkdirSync(markers);
    const worker = slowWorker(markers);
    const r = node(
      `import { readdirSync, rmSync, mkdirSync } from "node:fs";
       import { createPool } from "$DIST/engine/pool.js";
       const [markers, worker] = process.argv.slice(2);
       const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
       for (let round = 0; round < 6; round++) {
         rmSync(markers, { recursive: true, force: true });
         mkdirSync(markers);
         const pool = createPool(4, "js", worker);
         await delay(round * 40);
         await pool.close();
         const loaded = readdirSync(markers).length;
         if (loaded !== 4) { console.log("round " + round + ": closed with " + (4 - loaded) + " workers loading"); process.exit(1); }
       }
       // The real worker, many threads, closed at random moments of its start-up.
       for (let round = 0; round < 6; round++) {
         const pool = createPool(24, "js");
         await delay(Math.random() * 300);
         await pool.close();
       }
       console.log("ok");`,
      [markers, worker],
    );
    expect(r.stderr).not.toMatch(/FATAL|Assertion failed/);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "ok\n" });
  }, 120_000);

  it("a second SIGTERM while workers load waits for them (at most LOAD_WAIT_MS), then exits 143", () => {
    const markers = join(tmp.dir, "markers-exit");
    mkdirSync(markers);
    const worker = slowWorker(markers);
    const r = node(
      `import { createPool } from "$DIST/engine/pool.js";
       import { watchSignals } from "$DIST/common/interrupt-signals.js";
       const [, worker] = process.argv.slice(2);
       watchSignals("/data/out.hdf5");
       createPool(4, "js", worker);
       process.kill(process.pid, "SIGTERM");
       setTimeout(() => process.kill(process.pid, "SIGTERM"), 10);
       setTimeout(() => {}, 60_000);`,
      [markers, worker],
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 143, stderr: "Error: /data/out.hdf5: interrupted by SIGTERM. Aborting.\n" });
    expect(readdirSync(markers)).toHaveLength(4);
  }, 60_000);
});

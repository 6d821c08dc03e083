/**
 * Faults while writing the output, with the built command as a cluster job runs it: the output
 * folder missing or not writable, the disk full part way (a 2 MiB tmpfs), the file-size limit
 * (`ulimit -f`) reached part way, an existing output (replaced only when complete), and two
 * conversions to one output at once. Each ends with one error line naming the output, exit 1,
 * no temporary file or lock left, and any old output untouched.
 */
import fs, { chmodSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { OutputError } from "../../src/engine/output-errors.js";
import { tempFolder } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";
import { buildCommand, dataShape, mountTmpfs, outputFolders, run, start, unmount, writeCube, type BuiltCommand } from "./built-command.js";

const tmp = tempFolder("fits2idia-faults-");
let command: BuiltCommand;
/** 256 × 256 × 16 float32: 4 MiB of DATA, an output of about 10 MB. */
let cube = "";
/** 384 × 384 × 24: long enough (most of a second) for two runs started together to overlap. */
let medium = "";
const isRoot = process.getuid?.() === 0;

/** Whether a tmpfs can be mounted here (root with CAP_SYS_ADMIN); tried once, at load. */
const canMount = ((): boolean => {
  const probe = tmp.file("mount-probe");
  mkdirSync(probe);
  const ok = mountTmpfs(probe, "size=64k");
  if (ok) unmount(probe);
  rmdirSync(probe);
  return ok;
})();
const NO_MOUNT = "mounting a tmpfs is not permitted here (needs root with CAP_SYS_ADMIN); ENOSPC is covered by the in-process test below and the error-mapping tests of test/engine/output-file.test.ts";

beforeAll(() => {
  command = buildCommand("fits2idia-ts-faults-test");
  cube = tmp.file("cube.fits");
  writeCube(cube, 256, 256, 16);
  medium = tmp.file("medium.fits");
  writeCube(medium, 384, 384, 24);
});
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

/** A fresh, empty output folder. */
const outputFolder = outputFolders(tmp.dir, "out.hdf5");

/** A tmpfs mounted for the duration of `body`. */
async function withTmpfs(options: string, body: (dir: string) => Promise<void>): Promise<void> {
  const dir = outputFolder().dir; // a fresh, empty folder
  if (!mountTmpfs(dir, options)) throw new Error(`cannot mount a tmpfs on ${dir}`);
  try {
    await body(dir);
  } finally {
    unmount(dir);
    rmdirSync(dir);
  }
}

describe("the output folder", () => {
  it("missing: one error line, exit 1, nothing created", async () => {
    const w = outputFolder();
    const out = join(w.dir, "missing", "out.hdf5");
    const r = await run(command, ["-o", out, cube]);
    expect(r).toMatchObject({ code: 1, stdout: "", stderr: `Error: ${out}: output folder ${join(w.dir, "missing")} does not exist. Aborting.\n` });
    expect(w.files()).toEqual([]);
  });

  it("a file where the folder should be: one error line, exit 1", async () => {
    const w = outputFolder();
    writeFileSync(join(w.dir, "notes"), "text");
    const out = join(w.dir, "notes", "out.hdf5");
    const r = await run(command, ["-o", out, cube]);
    expect(r).toMatchObject({ code: 1, stderr: `Error: ${out}: ${join(w.dir, "notes")} is not a folder. Aborting.\n` });
    expect(w.files()).toEqual(["notes"]);
  });

  // Permission bits do not stop root: as root, a read-only file system stands for a folder that
  // cannot be written; otherwise a folder without write permission.
  it.skipIf(isRoot && !canMount)("not writable: one error line naming the cause, exit 1, nothing created", async () => {
    if (isRoot) {
      await withTmpfs("ro,size=64k", async (dir) => {
        const out = join(dir, "out.hdf5");
        const r = await run(command, ["-o", out, cube]);
        expect(r).toMatchObject({ code: 1, stderr: `Error: ${out}: output folder ${dir} is not writable: read-only file system (EROFS). Aborting.\n` });
        expect(readdirSync(dir)).toEqual([]);
      });
    } else {
      const w = outputFolder();
      chmodSync(w.dir, 0o555);
      try {
        const r = await run(command, ["-o", w.out, cube]);
        expect(r).toMatchObject({ code: 1, stderr: `Error: ${w.out}: output folder ${w.dir} is not writable: permission denied (EACCES). Aborting.\n` });
        expect(w.files()).toEqual([]);
      } finally {
        chmodSync(w.dir, 0o755);
      }
    }
  });
});

describe("running out of room part way", () => {
  it.skipIf(!canMount)(`the disk full (a 2 MiB tmpfs): ENOSPC named in one line, exit 1, no temporary file, the old output kept${canMount ? "" : ` — skipped: ${NO_MOUNT}`}`, async () => {
    await withTmpfs("size=2m", async (dir) => {
      const out = join(dir, "out.hdf5");
      writeFileSync(out, "the old output");
      const r = await run(command, ["-o", out, cube]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^Error: ${escape(out)}: no space left on the device \\(ENOSPC\\) while (writing|creating|finishing) [^\\n]*\\. Aborting\\.\\n$`));
      expect(readdirSync(dir)).toEqual(["out.hdf5"]);
      expect(readFileSync(out, "utf8")).toBe("the old output");
    });
  });

  it("the file-size limit (ulimit -f): EFBIG named in one line, exit 1 (not killed by SIGXFSZ), no temporary file, the old output kept", async () => {
    const w = outputFolder();
    const old = new Uint8Array(3 * 2 ** 20).map((_, i) => i % 251); // larger than the limit: it was there before
    writeFileSync(w.out, old);
    const r = await run(command, ["-o", w.out, cube], { shell: "ulimit -f 1024;" }); // 1 MiB
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^Error: ${escape(w.out)}: file size limit exceeded \\(EFBIG\\) while (writing|creating|finishing) [^\\n]*\\. Aborting\\.\\n$`));
    expect(w.files()).toEqual(["out.hdf5"]);
    expect(Buffer.compare(readFileSync(w.out), old)).toBe(0);
  });

  it("in process, a write failing with ENOSPC part way: an OutputError naming the output, no temporary file or lock, the old output kept", async () => {
    const w = outputFolder();
    writeFileSync(w.out, "the old output");
    // Writes to files (not stdout/stderr) fail as on a full disk once 1 MiB has been written.
    const below = fs.writeSync;
    let written = 0;
    (fs as { writeSync: unknown }).writeSync = function (this: unknown, ...args: unknown[]): number {
      if (typeof args[0] === "number" && args[0] > 2) {
        const data = args[1];
        written += typeof data === "string" ? data.length : ArrayBuffer.isView(data) ? (typeof args[3] === "number" ? args[3] : data.byteLength) : 0;
        if (written > 2 ** 20) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
      }
      return (below as (...a: unknown[]) => number).apply(this, args);
    };
    let error: unknown;
    try {
      error = await convert(cube, w.out, { rcFile: false, env: {}, threads: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      (fs as { writeSync: unknown }).writeSync = below;
    }
    expect(error).toBeInstanceOf(OutputError);
    expect(error).toMatchObject({ file: w.out, errno: "ENOSPC" });
    expect((error as Error).message).toMatch(/^no space left on the device \(ENOSPC\) while (writing|creating|finishing) /);
    expect(w.files()).toEqual(["out.hdf5"]);
    expect(readFileSync(w.out, "utf8")).toBe("the old output");
  });
});

describe("an existing output", () => {
  it("is replaced by a complete run, atomically: no temporary file or lock left", async () => {
    const w = outputFolder();
    writeFileSync(w.out, "the old output");
    const r = await run(command, ["-o", w.out, cube]);
    expect(r).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(w.files()).toEqual(["out.hdf5"]);
    expect(await dataShape(w.out)).toEqual([16, 256, 256]);
  });
});

describe("two conversions to the same output at once", () => {
  it("one wins whole and the other is refused cleanly (or both complete, one after the other); never a corrupt file", async () => {
    const reference = outputFolder();
    expect((await run(command, ["-o", reference.out, medium])).code).toBe(0);
    const expected = await readDatasets(reference.out);
    let refusals = 0;
    for (let round = 0; round < 2; round++) {
      const w = outputFolder();
      const a = start(command, ["-o", w.out, medium]);
      const b = start(command, ["-o", w.out, medium]);
      const results = await Promise.all([a.finished, b.finished]);
      const pids = [a.child.pid, b.child.pid];
      results.forEach((r, i) => {
        if (r.code === 0) {
          expect(r.stderr).toBe("");
          return;
        }
        refusals++;
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`Error: ${w.out}: another conversion (pid ${pids[1 - i]}) is writing this output. Aborting.\n`);
      });
      expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
      expect(w.files()).toEqual(["out.hdf5"]);
      const got = await readDatasets(w.out);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [name, dataset] of expected) {
        expect(got.get(name)!.shape, name).toEqual(dataset.shape);
        expect(firstDifference(got.get(name)!.values, dataset.values), name).toBe(-1);
      }
    }
    // Started together, nearly always one is refused; both completing in turn is correct too.
    expect(refusals).toBeLessThanOrEqual(2);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

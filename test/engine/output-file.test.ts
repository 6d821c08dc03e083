/**
 * The output file's life (src/engine/output-file.ts): the folder check, the lock (claim, refusal,
 * stale take-over, races), commit and discard, and the one-line errors for failures of the
 * operating system while writing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeError } from "../../src/cli/errors.js";
import { discardAllOutputsSync, LOCK_STALE_MS, OutputBusyError, OutputError, OutputFile, osCauseOf } from "../../src/engine/output-file.js";
import { Hdf5Error } from "../../src/hdf5/errors.js";
import { tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-output-file-");
afterAll(() => tmp.cleanup());

let counter = 0;
function folder(): { dir: string; target: string; files: () => string[] } {
  const dir = tmp.file(`f${counter++}`);
  mkdirSync(dir);
  return { dir, target: join(dir, "out.hdf5"), files: () => readdirSync(dir).sort() };
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

function writeLock(target: string, owner: object | string, ageMs = 0): void {
  const path = `${target}.lock`;
  writeFileSync(path, typeof owner === "string" ? owner : JSON.stringify(owner));
  if (ageMs > 0) {
    const when = new Date(Date.now() - ageMs);
    utimesSync(path, when, when);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("check", () => {
  it("accepts a writable folder, refuses a missing one, a file where the folder should be, and a folder as the output", async () => {
    const f = folder();
    await new OutputFile(f.target).check();

    const missing = join(f.dir, "missing", "out.hdf5");
    const e1 = await rejection(new OutputFile(missing).check());
    expect(e1).toBeInstanceOf(OutputError);
    expect(describeError(e1, false)).toBe(`${missing}: output folder ${join(f.dir, "missing")} does not exist`);

    writeFileSync(join(f.dir, "file"), "");
    const e2 = await rejection(new OutputFile(join(f.dir, "file", "out.hdf5")).check());
    expect(describeError(e2, false)).toBe(`${join(f.dir, "file", "out.hdf5")}: ${join(f.dir, "file")} is not a folder`);

    mkdirSync(join(f.dir, "taken.hdf5"));
    const e3 = await rejection(new OutputFile(join(f.dir, "taken.hdf5")).check());
    expect(describeError(e3, false)).toBe(`${join(f.dir, "taken.hdf5")}: the output path is a folder`);
    expect(f.files()).toEqual(["file", "taken.hdf5"]);
  });
});

describe("claim, commit and discard", () => {
  it("claim writes the lock (pid, host, start, a random id), commit moves the file into place and removes the lock", async () => {
    const f = folder();
    const out = new OutputFile(f.target);
    await out.claim();
    expect(out.claimed).toBe(true);
    expect(f.files()).toEqual(["out.hdf5.lock"]);
    const lock = JSON.parse(readFileSync(out.lockFile, "utf8"));
    expect(lock).toEqual({ tool: "fits2idia-ts", pid: process.pid, host: hostname(), started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    writeFileSync(out.temporary, "complete");
    await out.commit();
    expect(out.claimed).toBe(false);
    expect(f.files()).toEqual(["out.hdf5"]);
    expect(readFileSync(f.target, "utf8")).toBe("complete");
    await out.discard(); // nothing to do after a commit
    expect(f.files()).toEqual(["out.hdf5"]);
  });

  it("an existing output is replaced only by commit; discard leaves it, removing the temporary file and the lock", async () => {
    const f = folder();
    writeFileSync(f.target, "old");
    const out = new OutputFile(f.target);
    await out.claim();
    writeFileSync(out.temporary, "partial");
    await out.discard();
    expect(f.files()).toEqual(["out.hdf5"]);
    expect(readFileSync(f.target, "utf8")).toBe("old");
  });

  it("claim replaces a stale temporary file", async () => {
    const f = folder();
    writeFileSync(`${f.target}.tmp`, "left by a killed run");
    const out = new OutputFile(f.target);
    await out.claim();
    expect(f.files()).toEqual(["out.hdf5.lock"]);
    await out.discard();
    expect(f.files()).toEqual([]);
  });

  it("discardSync and discardAllOutputsSync remove the files of every unfinished output", async () => {
    const f = folder();
    const a = new OutputFile(join(f.dir, "a.hdf5"));
    const b = new OutputFile(join(f.dir, "b.hdf5"));
    const c = new OutputFile(join(f.dir, "c.hdf5"));
    for (const o of [a, b, c]) {
      await o.claim();
      writeFileSync(o.temporary, "partial");
    }
    await c.commit();
    a.discardSync();
    expect(f.files()).toEqual(["b.hdf5.lock", "b.hdf5.tmp", "c.hdf5"]);
    discardAllOutputsSync();
    expect(f.files()).toEqual(["c.hdf5"]);
  });

  it("a lock that is no longer ours (taken over meanwhile) is left to its new owner", async () => {
    const f = folder();
    const out = new OutputFile(f.target);
    await out.claim();
    writeLock(f.target, { pid: 1, host: "elsewhere", started: "" });
    await out.discard();
    expect(f.files()).toEqual(["out.hdf5.lock"]);
  });
});

describe("another conversion holding the output", () => {
  it("a live lock on this host refuses the claim, naming the pid; the refused run removes nothing", async () => {
    const f = folder();
    const holder = new OutputFile(f.target);
    await holder.claim();
    writeFileSync(holder.temporary, "being written");
    const second = new OutputFile(f.target);
    const error = await rejection(second.claim());
    expect(error).toBeInstanceOf(OutputBusyError);
    expect(describeError(error, false)).toBe(`${f.target}: another conversion (pid ${process.pid}) is writing this output`);
    expect(second.claimed).toBe(false);
    await second.discard();
    second.discardSync();
    expect(f.files()).toEqual(["out.hdf5.lock", "out.hdf5.tmp"]);
    await holder.discard();
    expect(f.files()).toEqual([]);
  });

  it("a lock whose process has ended on this host is stale: taken over", async () => {
    const f = folder();
    const pid = deadPid();
    writeLock(f.target, { tool: "fits2idia-ts", pid, host: hostname(), started: new Date().toISOString() });
    writeFileSync(`${f.target}.tmp`, "partial");
    const out = new OutputFile(f.target);
    await out.claim();
    expect(JSON.parse(readFileSync(out.lockFile, "utf8")).pid).toBe(process.pid);
    expect(f.files()).toEqual(["out.hdf5.lock"]);
    await out.discard();
  });

  it("a lock from another host is live while its heartbeat is fresh, stale after LOCK_STALE_MS", async () => {
    const f = folder();
    writeLock(f.target, { pid: 4242, host: "node-17.cluster", started: "2026-01-01T00:00:00.000Z" });
    const error = await rejection(new OutputFile(f.target).claim());
    expect(describeError(error, false)).toBe(`${f.target}: another conversion (pid 4242 on node-17.cluster) is writing this output`);

    writeLock(f.target, { pid: 4242, host: "node-17.cluster", started: "2026-01-01T00:00:00.000Z" }, LOCK_STALE_MS + 60_000);
    const out = new OutputFile(f.target);
    await out.claim();
    expect(out.claimed).toBe(true);
    await out.discard();
    expect(f.files()).toEqual([]);
  });

  it("a lock of this host whose pid runs but whose heartbeat stopped long ago (a reused pid) is stale", async () => {
    const f = folder();
    writeLock(f.target, { pid: process.pid, host: hostname(), started: "" }, LOCK_STALE_MS + 60_000);
    const out = new OutputFile(f.target);
    await out.claim();
    await out.discard();
    expect(f.files()).toEqual([]);
  });

  it("an unreadable lock (its creator died before writing it) is live for a minute, then stale", async () => {
    const f = folder();
    writeLock(f.target, "");
    const error = await rejection(new OutputFile(f.target).claim());
    expect(describeError(error, false)).toBe(`${f.target}: another conversion is writing this output (its lock file names no owner yet)`);
    writeLock(f.target, "{not json", 2 * 60_000);
    const out = new OutputFile(f.target);
    await out.claim();
    await out.discard();
    expect(f.files()).toEqual([]);
  });

  it("a take-over guard left by a run killed while taking over is cleared once old", async () => {
    const f = folder();
    writeLock(f.target, { pid: deadPid(), host: hostname(), started: "" });
    const guard = `${f.target}.lock.takeover`;
    writeFileSync(guard, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    const out = new OutputFile(f.target);
    await out.claim();
    expect(f.files()).toEqual(["out.hdf5.lock"]);
    await out.discard();
  });

  it.each([
    ["no lock", false],
    ["a stale lock", true],
  ])("many runs claiming at once (%s): exactly one gets the output", async (_, stale) => {
    for (let round = 0; round < 10; round++) {
      const f = folder();
      if (stale) writeLock(f.target, { pid: deadPid(), host: hostname(), started: "" });
      const runs = Array.from({ length: 8 }, () => new OutputFile(f.target));
      const results = await Promise.allSettled(runs.map((r) => r.claim()));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(OutputBusyError);
      const winner = runs.find((r) => r.claimed)!;
      expect(JSON.parse(readFileSync(winner.lockFile, "utf8")).pid).toBe(process.pid);
      expect(f.files()).toEqual(["out.hdf5.lock"]); // no take-over guard is left behind
      await Promise.all(runs.map((r) => r.discard()));
      expect(f.files()).toEqual([]);
    }
  });
});

describe("failures while writing: one line naming the output", () => {
  const target = "/data/cube.hdf5";
  const out = new OutputFile(target);
  const stack = (message: string): string =>
    [
      "HDF5-DIAG: Error detected in HDF5 (2.0.0):",
      "  #000: /src/H5D.c line 1360 in H5Dwrite(): can't synchronously write data",
      "    major: Dataset",
      "    minor: Write failed",
      "  #001: /src/H5FDsec2.c line 775 in H5FD__sec2_write(): file write failed: time = Thu Nov 26 02:33:47 2026",
      `, filename = '${out.temporary}', file descriptor = 3, errno = 51, error message = '${message}', buf = 0x5e8bf0`,
      "    major: Low-level I/O",
      "    minor: Write failed",
      "",
    ].join("\n");
  const hdf5 = (code: "WRITE" | "CLOSE" | "OPEN" | "CREATE" | "READ", message: string, object?: string, file = out.temporary): Hdf5Error =>
    new Hdf5Error(code, `cannot do it: ${message} (HDF5: H5Dwrite(): can't synchronously write data)`, { file, object, hdf5Stack: stack(message) });

  it.each([
    ["WRITE", "No space left on device", "/0/DATA", "no space left on the device (ENOSPC) while writing 0/DATA", "ENOSPC"],
    ["WRITE", "File too large", "/0/SwizzledData/ZYX", "file size limit exceeded (EFBIG) while writing 0/SwizzledData/ZYX", "EFBIG"],
    ["WRITE", "Quota exceeded", "/0/Statistics/XY/MIN", "disk quota exceeded (EDQUOT) while writing 0/Statistics/XY/MIN", "EDQUOT"],
    ["WRITE", "Disk quota exceeded", undefined, "disk quota exceeded (EDQUOT) while writing the file", "EDQUOT"],
    ["CLOSE", "No space left on device", undefined, "no space left on the device (ENOSPC) while finishing the file", "ENOSPC"],
    ["OPEN", "Read-only file system", undefined, "read-only file system (EROFS) while creating the temporary file", "EROFS"],
    ["CREATE", "I/O error", "/0/MipMaps", "input/output error (EIO) while creating 0/MipMaps", "EIO"],
    ["READ", "Input/output error", "/0/DATA", "input/output error (EIO) while reading back 0/DATA", "EIO"],
  ] as const)("%s failing with %j", (code, message, object, expected, errno) => {
    const original = hdf5(code, message, object);
    const error = out.describeFailure(original);
    expect(error).toBeInstanceOf(OutputError);
    expect(error).toMatchObject({ file: target, message: expected, errno, cause: original });
    expect(`Error: ${describeError(error, false)}. Aborting.`).toBe(`Error: ${target}: ${expected}. Aborting.`);
  });

  it("an HDF5 failure without an operating-system cause keeps HDF5's message, naming the output", () => {
    const original = new Hdf5Error("WRITE", "cannot write slab [0:1] of /0/DATA: H5Dwrite(): something odd", { file: out.temporary, object: "/0/DATA" });
    const error = out.describeFailure(original);
    expect(error).toMatchObject({ name: "OutputError", file: target, message: original.message });
  });

  it("file-system errors on the output's own paths are mapped; other errors pass through", () => {
    const rename = Object.assign(new Error("ENOSPC: no space left on device, rename"), { code: "ENOSPC", syscall: "rename", path: out.temporary });
    expect(out.describeFailure(rename)).toMatchObject({ file: target, message: "no space left on the device (ENOSPC) while rename on the temporary file" });
    const input = Object.assign(new Error("EIO: i/o error, read"), { code: "EIO", syscall: "read", path: "/data/cube.fits" });
    expect(out.describeFailure(input)).toBe(input);
    const other = hdf5("WRITE", "No space left on device", "/0/DATA", "/elsewhere/x.h5");
    expect(out.describeFailure(other)).toBe(other);
    const plain = new Error("something else");
    expect(out.describeFailure(plain)).toBe(plain);
    expect(out.describeFailure("text")).toBe("text");
    const already = new OutputError("x", target);
    expect(out.describeFailure(already)).toBe(already);
  });

  it("osCauseOf: by errno name, through causes, and by the C library's message", () => {
    expect(osCauseOf(Object.assign(new Error("x"), { code: "EFBIG" }))).toEqual({ code: "EFBIG", text: "file size limit exceeded" });
    expect(osCauseOf(new Error("outer", { cause: Object.assign(new Error("inner"), { code: "ENOSPC" }) }))?.code).toBe("ENOSPC");
    expect(osCauseOf(new Error("write failed: No space left on device"))?.code).toBe("ENOSPC");
    expect(osCauseOf(new Error("nothing known"))).toBeUndefined();
    expect(osCauseOf(undefined)).toBeUndefined();
  });
});

describe("the folder disappearing", () => {
  it("claim in a folder removed after the check: a clear error, nothing created", async () => {
    const f = folder();
    const out = new OutputFile(join(f.dir, "gone", "out.hdf5"));
    const error = await rejection(out.claim());
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).toBe("no such file or folder (ENOENT) while creating the lock file");
    expect(describeError(error, false)).toBe(`${out.target}: no such file or folder (ENOENT) while creating the lock file`);
    expect(existsSync(join(f.dir, "gone"))).toBe(false);
  });
});

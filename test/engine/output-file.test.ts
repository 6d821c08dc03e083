/**
 * The output file's life (src/engine/output-file.ts): the folder check, the lock (claim, refusal,
 * stale take-over, races), commit and discard, and the one-line errors for failures of the
 * operating system while writing.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeError } from "../../src/common/describe-error.js";
import { helperName, SUFFIX } from "../../src/engine/helper-names.js";
import { OutputBusyError, OutputError, OutputIsInputError } from "../../src/engine/output-errors.js";
import { discardAllOutputsSync, inputClash, OutputFile } from "../../src/engine/output-file.js";
import { LOCK_STALE_MS } from "../../src/engine/output-lock.js";
import { osCauseOf } from "../../src/engine/os-errors.js";
import { identityKey, identityOf } from "../../src/engine/same-file.js";
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

describe("check: an output that is the input is refused before anything is written", () => {
  /** A folder holding `in.fits`; the assertion that the input and the folder are as they were. */
  const withInput = () => {
    const f = folder();
    const input = join(f.dir, "in.fits");
    writeFileSync(input, "SIMPLE  =                    T");
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(input, old, old);
    const before = { text: readFileSync(input, "utf8"), mtimeMs: statSync(input).mtimeMs };
    const untouched = (names: string[]) => {
      expect(readFileSync(input, "utf8")).toBe(before.text);
      expect(statSync(input).mtimeMs).toBe(before.mtimeMs);
      expect(f.files()).toEqual(names);
    };
    return { ...f, input, untouched };
  };
  const refusal = async (target: string, input: string): Promise<string> => {
    const out = new OutputFile(target);
    const error = await rejection(out.check(input));
    expect(error).toBeInstanceOf(OutputIsInputError);
    expect(out.claimed).toBe(false);
    return describeError(error, false);
  };

  it("the same path, `x/../`, a relative and an absolute spelling, a symbolic link, a hard link", async () => {
    const w = withInput();
    mkdirSync(join(w.dir, "x"));
    symlinkSync("in.fits", join(w.dir, "link.hdf5"));
    linkSync(w.input, join(w.dir, "hard.hdf5"));
    expect(await refusal(w.input, w.input)).toBe(`${w.input}: the output is the input file: refusing to overwrite it`);
    expect(await refusal(`${w.dir}/x/../in.fits`, `${w.dir}/./in.fits`)).toBe(`${w.dir}/x/../in.fits: the output is the input file ${w.dir}/./in.fits: refusing to overwrite it`);
    expect(await refusal(join(w.dir, "link.hdf5"), w.input)).toBe(`${join(w.dir, "link.hdf5")}: the output is the input file ${w.input}: refusing to overwrite it`);
    expect(await refusal(join(w.dir, "hard.hdf5"), w.input)).toBe(`${join(w.dir, "hard.hdf5")}: the output is the input file ${w.input}: refusing to overwrite it`);
    expect(await refusal(w.input, join(w.dir, "link.hdf5"))).toContain("the output is the input file");
    w.untouched(["hard.hdf5", "in.fits", "link.hdf5", "x"]);
  });

  it.each([
    ["out.hdf5.tmp", "its temporary file"],
    ["out.hdf5.lock", "its lock file"],
    ["out.hdf5.lock.takeover", "its take-over guard"],
  ])("an input named %s (the helper file of -o out.hdf5) is refused: %s", async (name, role) => {
    const w = withInput();
    const input = join(w.dir, name);
    linkSync(w.input, input); // the same file under the helper's name
    expect(await refusal(join(w.dir, "out.hdf5"), input)).toBe(`${join(w.dir, "out.hdf5")}: ${role} ${input} is the input file: refusing to overwrite it`);
    expect(await refusal(join(w.dir, "out.hdf5"), w.input)).toBe(`${join(w.dir, "out.hdf5")}: ${role} ${input} is the input file ${w.input}: refusing to overwrite it`);
    w.untouched(["in.fits", name].sort());
  });

  it("an input that is only named like a lock draft is never removed by the stale-draft clean-up", async () => {
    const w = withInput();
    const draftName = "out.hdf5.lock.0123456789ab.new";
    linkSync(w.input, join(w.dir, draftName)); // as old as the input: an hour, past LOCK_STALE_MS
    const out = new OutputFile(join(w.dir, "out.hdf5"));
    await out.check(join(w.dir, draftName));
    await out.claim();
    await out.discard();
    w.untouched(["in.fits", draftName].sort());
  });

  it("another file is not refused; without an input nothing is compared", async () => {
    const w = withInput();
    await new OutputFile(join(w.dir, "out.hdf5")).check(w.input);
    await new OutputFile(w.input).check();
    w.untouched(["in.fits"]);
  });

  it("inputClash (for planning a batch): the output or a helper of any input, by identity", () => {
    const w = withInput();
    const inputs = new Map([[identityKey(identityOf(w.input)!), w.input]]);
    expect(inputClash(join(w.dir, "out.hdf5"), inputs)).toBeUndefined();
    expect(inputClash(w.input, inputs)).toEqual({ role: "the output", path: w.input, input: w.input });
    linkSync(w.input, join(w.dir, "o.hdf5.lock"));
    expect(inputClash(join(w.dir, "o.hdf5"), inputs)).toEqual({ role: "its lock file", path: join(w.dir, "o.hdf5.lock"), input: w.input });
    symlinkSync("nowhere", join(w.dir, "dangling.hdf5"));
    expect(inputClash(join(w.dir, "dangling.hdf5"), inputs)).toBeUndefined();
  });
});

describe("check: what may be replaced", () => {
  it("a FIFO, a socket and a device are refused, each in one line, and left as they are", async () => {
    const f = folder();
    const fifo = join(f.dir, "fifo.hdf5");
    execFileSync("mkfifo", [fifo]);
    const socketPath = join(f.dir, "socket.hdf5");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const e1 = await rejection(new OutputFile(fifo).check());
      expect(describeError(e1, false)).toBe(`${fifo}: the output is a FIFO (named pipe), not a regular file: refusing to replace it`);
      const e2 = await rejection(new OutputFile(socketPath).check());
      expect(describeError(e2, false)).toBe(`${socketPath}: the output is a socket, not a regular file: refusing to replace it`);
      // /dev/null is only looked at (check writes nothing); its folder's writability is not what is reported.
      const e3 = await rejection(new OutputFile("/dev/null").check());
      expect(describeError(e3, false)).toBe("/dev/null: the output is a character device, not a regular file: refusing to replace it");
      expect(statSync(fifo).isFIFO()).toBe(true);
      expect(statSync(socketPath).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a lock file that is a FIFO (its read would block) is refused", async () => {
    const f = folder();
    execFileSync("mkfifo", [`${f.target}.lock`]);
    const error = await rejection(new OutputFile(f.target).check());
    expect(describeError(error, false)).toBe(`${f.target}: its lock file ${f.target}.lock is a FIFO (named pipe), not a regular file`);
  });

  it("a name ending in '/' and a name longer than NAME_MAX are refused before any work", async () => {
    const f = folder();
    expect(describeError(await rejection(new OutputFile(`${f.dir}/`).check()), false)).toBe(`${f.dir}/: the output path ends with '/': it names a folder, not a file`);
    const long = join(f.dir, `${"a".repeat(251)}.hdf5`);
    expect(describeError(await rejection(new OutputFile(long).check()), false)).toBe(`${long}: the output's name is 256 bytes long: a file name holds at most 255`);
    expect(f.files()).toEqual([]);
  });
});

describe("an output that is a symbolic link", () => {
  it("is written through: the target is replaced (helpers beside it), the link kept", async () => {
    const f = folder();
    mkdirSync(join(f.dir, "scratch"));
    const real = join(f.dir, "scratch", "real.hdf5");
    writeFileSync(real, "old");
    const link = join(f.dir, "link.hdf5");
    symlinkSync("scratch/real.hdf5", link);
    const out = new OutputFile(link);
    await out.check();
    expect(out.file).toBe(real);
    expect(out.temporary).toBe(`${real}.tmp`);
    expect(out.lockFile).toBe(`${real}.lock`);
    await out.claim();
    writeFileSync(out.temporary, "new");
    await out.commit();
    expect(readFileSync(real, "utf8")).toBe("new");
    expect(readFileSync(link, "utf8")).toBe("new");
    expect(f.files()).toEqual(["link.hdf5", "scratch"]);
    expect(readdirSync(join(f.dir, "scratch"))).toEqual(["real.hdf5"]);
  });

  it("shares its lock with a run naming the target", async () => {
    const f = folder();
    writeFileSync(f.target, "old");
    symlinkSync("out.hdf5", join(f.dir, "alias.hdf5"));
    const holder = new OutputFile(f.target);
    await holder.check();
    await holder.claim();
    const viaLink = new OutputFile(join(f.dir, "alias.hdf5"));
    await viaLink.check();
    expect(await rejection(viaLink.claim())).toBeInstanceOf(OutputBusyError);
    await holder.discard();
  });

  it("a link to nothing, or a loop, is refused; nothing is created", async () => {
    const f = folder();
    symlinkSync("missing/out.hdf5", join(f.dir, "dangling.hdf5"));
    symlinkSync("loop.hdf5", join(f.dir, "loop.hdf5"));
    const e1 = await rejection(new OutputFile(join(f.dir, "dangling.hdf5")).check());
    expect(describeError(e1, false)).toBe(`${join(f.dir, "dangling.hdf5")}: the output is a symbolic link to missing/out.hdf5, which does not exist: refusing to write through it (remove the link, or name its target)`);
    const e2 = await rejection(new OutputFile(join(f.dir, "loop.hdf5")).check());
    expect(describeError(e2, false)).toBe(`${join(f.dir, "loop.hdf5")}: the output is a symbolic link that loops (to loop.hdf5): refusing to write through it`);
    expect(f.files()).toEqual(["dangling.hdf5", "loop.hdf5"]);
  });
});

describe("long output names: helper files fit wherever the output's name fits", () => {
  it.each([245, 251, 255])("a %i-byte name: claim, a second claim refused, commit; only the output is left", async (length) => {
    const f = folder();
    const target = join(f.dir, `${"c".repeat(length - 5)}.hdf5`);
    const out = new OutputFile(target);
    await out.check();
    await out.claim();
    expect(Buffer.byteLength(out.lockFile.slice(f.dir.length + 1))).toBeLessThanOrEqual(255);
    if (length + 5 <= 255) expect(out.lockFile).toBe(`${target}.lock`);
    expect(await rejection(new OutputFile(target).claim())).toBeInstanceOf(OutputBusyError);
    writeFileSync(out.temporary, "complete");
    await out.commit();
    expect(f.files()).toEqual([`${"c".repeat(length - 5)}.hdf5`]);
  });

  it("a 255-byte name: a stale lock and temporary file (their short names) are taken over", async () => {
    const f = folder();
    const name = `${"d".repeat(250)}.hdf5`;
    const target = join(f.dir, name);
    const lock = join(f.dir, helperName(name, SUFFIX.lock));
    writeFileSync(lock, JSON.stringify({ tool: "fits2idia-ts", pid: deadPid(), host: hostname(), started: "" }));
    writeFileSync(join(f.dir, helperName(name, SUFFIX.temporary)), "partial");
    const out = new OutputFile(target);
    await out.claim();
    expect(out.lockFile).toBe(lock);
    expect(JSON.parse(readFileSync(lock, "utf8")).pid).toBe(process.pid);
    await out.discard();
    expect(f.files()).toEqual([]);
  });
});

describe("lock drafts", () => {
  const draft = (target: string, id: string, owner: object | string, ageMs = 0): string => {
    const path = `${target}.lock.${id}.new`;
    writeFileSync(path, typeof owner === "string" ? owner : JSON.stringify({ tool: "fits2idia-ts", ...owner }));
    if (ageMs > 0) {
      const when = new Date(Date.now() - ageMs);
      utimesSync(path, when, when);
    }
    return path;
  };

  it("a claim leaves no draft; stale drafts of killed runs are removed, live ones and other files kept", async () => {
    const f = folder();
    draft(f.target, "00000000000a", { pid: deadPid(), host: hostname(), started: "" });
    draft(f.target, "00000000000b", { pid: 4242, host: "node-17.cluster", started: "" }, LOCK_STALE_MS + 60_000);
    draft(f.target, "00000000000c", "", 2 * 60_000); // created, never written
    draft(f.target, "00000000000d", { pid: process.pid, host: hostname(), started: "" }); // a live run's
    draft(f.target, "00000000000e", { pid: 4242, host: "node-17.cluster", started: "" }); // fresh, elsewhere
    draft(f.target, "00000000000f", "not a lock", 2 * LOCK_STALE_MS); // not ours
    writeFileSync(join(f.dir, "other.hdf5.lock.000000000001.new"), JSON.stringify({ tool: "fits2idia-ts", pid: deadPid(), host: hostname() }));
    const out = new OutputFile(f.target);
    await out.claim();
    await out.discard();
    expect(f.files()).toEqual(["other.hdf5.lock.000000000001.new", "out.hdf5.lock.00000000000d.new", "out.hdf5.lock.00000000000e.new", "out.hdf5.lock.00000000000f.new"]);
  });

  it("the drafts of a long name's short stem are found too", async () => {
    const f = folder();
    const name = `${"e".repeat(240)}.hdf5`;
    const stale = join(f.dir, helperName(name, SUFFIX.draft("0123456789ab")));
    writeFileSync(stale, JSON.stringify({ tool: "fits2idia-ts", pid: deadPid(), host: hostname(), started: "" }));
    const out = new OutputFile(join(f.dir, name));
    await out.claim();
    await out.discard();
    expect(f.files()).toEqual([]);
  });
});

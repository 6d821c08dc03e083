/**
 * Output paths that must not be written, through the built command: the input under any
 * spelling (same path, `x/../`, relative against absolute, a symbolic link to it, a hard link,
 * an input named like the output's temporary file), a FIFO, a socket or a device node; and an
 * output that is a symbolic link (written through, the link kept). A refusal is one line, exit
 * 1, before anything is written: the input keeps its bytes and its modification time, and no
 * temporary or lock file appears.
 */
import { execFileSync } from "node:child_process";
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempFolder } from "../helpers/fixtures.js";
import { buildCommand, dataShape, run, writeCube, type BuiltCommand } from "./built-command.js";

const tmp = tempFolder("fits2idia-output-path-");
let command: BuiltCommand;
let cube = "";

beforeAll(() => {
  command = buildCommand("fits2idia-ts-output-path-test");
  cube = tmp.file("cube.fits");
  writeCube(cube, 24, 20, 3);
});
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

let counter = 0;
/** A fresh folder holding `c.fits` (an hour old), and what it held afterwards. */
function workspace(): { dir: string; input: string; files: () => string[]; untouched: () => void } {
  const dir = tmp.file(`w${counter++}`);
  mkdirSync(dir);
  const input = join(dir, "c.fits");
  writeFileSync(input, readFileSync(cube));
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(input, old, old);
  const bytes = readFileSync(input);
  const mtimeMs = statSync(input).mtimeMs;
  return {
    dir,
    input,
    files: () => readdirSync(dir).sort(),
    untouched: () => {
      expect(readFileSync(input).equals(bytes)).toBe(true);
      expect(statSync(input).mtimeMs).toBe(mtimeMs);
    },
  };
}

/** The command run in `dir` (relative paths as a user types them). */
const runIn = (dir: string, args: string[]) => run(command, args, { shell: `cd '${dir}' &&` });

describe("an output that is the input is refused, the input untouched", () => {
  it.each([
    ["the same path", [], ["-o", "c.fits", "c.fits"], "c.fits: the output is the input file"],
    ["x/../c.fits for ./c.fits", ["x/"], ["-o", "x/../c.fits", "./c.fits"], "x/../c.fits: the output is the input file ./c.fits"],
    ["a symbolic link to the input", ["link.hdf5 -> c.fits"], ["-o", "link.hdf5", "c.fits"], "link.hdf5: the output is the input file c.fits"],
    ["a hard link to the input", ["hard.hdf5 = c.fits"], ["-o", "hard.hdf5", "c.fits"], "hard.hdf5: the output is the input file c.fits"],
    ["an absolute output for a relative input", [], ["-o", "<dir>/c.fits", "c.fits"], "<dir>/c.fits: the output is the input file c.fits"],
    ["an input named like the output's temporary file", ["out.hdf5.tmp = c.fits"], ["-o", "out.hdf5", "out.hdf5.tmp"], "out.hdf5: its temporary file out.hdf5.tmp is the input file"],
    ["an input named like the output's lock file", ["out.hdf5.lock = c.fits"], ["-o", "out.hdf5", "out.hdf5.lock"], "out.hdf5: its lock file out.hdf5.lock is the input file"],
  ])("%s", async (_, setup, args, message) => {
    const w = workspace();
    for (const item of setup) {
      if (item.endsWith("/")) mkdirSync(join(w.dir, item));
      else if (item.includes(" -> ")) symlinkSync(item.split(" -> ")[1]!, join(w.dir, item.split(" -> ")[0]!));
      else linkSync(w.input, join(w.dir, item.split(" = ")[0]!));
    }
    const before = w.files();
    const done = await runIn(
      w.dir,
      args.map((a) => a.replace("<dir>", w.dir)),
    );
    expect({ code: done.code, stdout: done.stdout, stderr: done.stderr }).toEqual({ code: 1, stdout: "", stderr: `Error: ${message.replace("<dir>", w.dir)}: refusing to overwrite it. Aborting.\n` });
    w.untouched();
    expect(w.files()).toEqual(before);
  });
});

describe("an output that is not a regular file is refused, and left as it is", () => {
  it("a FIFO and a socket", async () => {
    const w = workspace();
    execFileSync("mkfifo", [join(w.dir, "fifo.hdf5")]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(w.dir, "sock.hdf5"), resolve));
    try {
      const fifo = await runIn(w.dir, ["-o", "fifo.hdf5", "c.fits"]);
      expect({ code: fifo.code, stderr: fifo.stderr }).toEqual({ code: 1, stderr: "Error: fifo.hdf5: the output is a FIFO (named pipe), not a regular file: refusing to replace it. Aborting.\n" });
      const socket = await runIn(w.dir, ["-o", "sock.hdf5", "c.fits"]);
      expect({ code: socket.code, stderr: socket.stderr }).toEqual({ code: 1, stderr: "Error: sock.hdf5: the output is a socket, not a regular file: refusing to replace it. Aborting.\n" });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(lstatSync(join(w.dir, "fifo.hdf5")).isFIFO()).toBe(true);
    expect(w.files()).toEqual(["c.fits", "fifo.hdf5"]);
    w.untouched();
  });

  it("a device node (a null device of our own where mknod is allowed, else /dev/null, which then cannot be replaced anyway)", async () => {
    const w = workspace();
    const node = join(w.dir, "null");
    let device = "/dev/null";
    try {
      execFileSync("mknod", [node, "c", "1", "3"], { stdio: "pipe" });
      device = node;
    } catch {
      // Not root: /dev is not writable, so even a regression could not replace /dev/null.
    }
    const done = await runIn(w.dir, ["-o", device, "c.fits"]);
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 1, stderr: `Error: ${device}: the output is a character device, not a regular file: refusing to replace it. Aborting.\n` });
    expect(lstatSync(device).isCharacterDevice()).toBe(true);
    w.untouched();
  });
});

describe("an output that is a symbolic link", () => {
  it("to an existing output: written through (the target replaced, the link kept), nothing else left", async () => {
    const w = workspace();
    mkdirSync(join(w.dir, "scratch"));
    writeFileSync(join(w.dir, "scratch", "real.hdf5"), "the old output");
    symlinkSync("scratch/real.hdf5", join(w.dir, "link.hdf5"));
    const done = await runIn(w.dir, ["-o", "link.hdf5", "c.fits"]);
    expect({ code: done.code, stdout: done.stdout, stderr: done.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(readlinkSync(join(w.dir, "link.hdf5"))).toBe("scratch/real.hdf5");
    expect(await dataShape(join(w.dir, "scratch", "real.hdf5"))).toEqual([3, 20, 24]);
    expect(w.files()).toEqual(["c.fits", "link.hdf5", "scratch"]);
    expect(readdirSync(join(w.dir, "scratch"))).toEqual(["real.hdf5"]);
    w.untouched();
  });

  it("to nothing: refused, nothing created", async () => {
    const w = workspace();
    symlinkSync("scratch/none.hdf5", join(w.dir, "dangling.hdf5"));
    const done = await runIn(w.dir, ["-o", "dangling.hdf5", "c.fits"]);
    expect({ code: done.code, stderr: done.stderr }).toEqual({
      code: 1,
      stderr: "Error: dangling.hdf5: the output is a symbolic link to scratch/none.hdf5, which does not exist: refusing to write through it (remove the link, or name its target). Aborting.\n",
    });
    expect(w.files()).toEqual(["c.fits", "dangling.hdf5"]);
  });
});

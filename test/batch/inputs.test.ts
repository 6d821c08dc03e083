import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BatchInputError, collectInputs } from "../../src/batch/inputs.js";
import { tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-batch-inputs-");
afterAll(() => tmp.cleanup());

function files(names: string[]): string {
  const base = join(tmp.dir, `set-${Math.random().toString(36).slice(2)}`);
  for (const name of names) {
    mkdirSync(join(base, name, ".."), { recursive: true });
    writeFileSync(join(base, name), name);
  }
  return base;
}

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(BatchInputError);
    return (error as Error).message;
  }
  throw new Error("expected a BatchInputError");
}

describe("collectInputs", () => {
  it("finds FITS files in a folder at any depth, in name order, a folder's files before its subfolders'", () => {
    const base = files(["b.fits", "a.FITS", "notes.txt", "z/c.fit", "z/d.fts.gz", "m/e.fits.gz", "m/deeper/f.fits", "g.hdf5", "k/h.fits.fz"]);
    const found = collectInputs([base], "/out");
    expect(found.map((f) => f.input.slice(base.length + 1))).toEqual(["a.FITS", "b.fits", "k/h.fits.fz", "m/e.fits.gz", "m/deeper/f.fits", "z/c.fit", "z/d.fts.gz"]);
    expect(found.map((f) => f.output)).toEqual(["/out/a.hdf5", "/out/b.hdf5", "/out/k/h.hdf5", "/out/m/e.hdf5", "/out/m/deeper/f.hdf5", "/out/z/c.hdf5", "/out/z/d.hdf5"]);
    expect(found[0]!.bytes).toBe("a.FITS".length);
  });

  it("files given by name go straight into the output folder, in the order given, each once", () => {
    const base = files(["x/one.fits", "y/two.fits.gz", "three.dat"]);
    const found = collectInputs([join(base, "y/two.fits.gz"), join(base, "x/one.fits"), join(base, "three.dat"), join(base, "x/../x/one.fits")], "out");
    expect(found.map((f) => f.output)).toEqual(["out/two.hdf5", "out/one.hdf5", "out/three.dat.hdf5"]);
  });

  it("a file given and found in a folder given is converted once", () => {
    const base = files(["a.fits", "b.fits"]);
    expect(collectInputs([join(base, "a.fits"), base], "/o").map((f) => f.output)).toEqual(["/o/a.hdf5", "/o/b.hdf5"]);
  });

  it("follows symbolic links to files", () => {
    const base = files(["real/a.fits"]);
    mkdirSync(join(base, "links"));
    symlinkSync(join(base, "real/a.fits"), join(base, "links/l.fits"));
    expect(collectInputs([join(base, "links")], "/o").map((f) => f.output)).toEqual(["/o/l.hdf5"]);
  });

  it("refuses two inputs with the same output, naming both", () => {
    const base = files(["x/cube.fits", "y/cube.fits"]);
    expect(thrown(() => collectInputs([join(base, "x/cube.fits"), join(base, "y/cube.fits")], "/o"))).toBe(
      `${join(base, "x/cube.fits")} and ${join(base, "y/cube.fits")} would both be converted to /o/cube.hdf5`,
    );
    // In a folder given, the subfolders keep them apart.
    expect(collectInputs([base], "/o").map((f) => f.output)).toEqual(["/o/x/cube.hdf5", "/o/y/cube.hdf5"]);
  });

  it("names a missing path, a folder without FITS files, and an empty list", () => {
    const base = files(["readme.txt"]);
    expect(thrown(() => collectInputs([join(base, "nope.fits")], "/o"))).toBe(`${join(base, "nope.fits")}: no such file or folder`);
    expect(thrown(() => collectInputs([base], "/o"))).toMatch(/: no FITS files \(\*\.fits, \*\.fit, \*\.fts, \*\.fz, optionally \.gz\) in this folder$/);
    expect(thrown(() => collectInputs([], "/o"))).toBe("no input files or folders given");
  });

  it("refuses an output, or its temporary or lock file, that would be one of the inputs, however spelled", () => {
    const base = files(["in/a.fits", "in/b.fits"]);
    const out = join(base, "out");
    mkdirSync(out);
    linkSync(join(base, "in/b.fits"), join(out, "a.hdf5")); // a's output is b, under another name
    expect(thrown(() => collectInputs([join(base, "in/a.fits"), join(base, "in/b.fits")], out))).toBe(
      `${join(base, "in/a.fits")} would be converted to ${join(out, "a.hdf5")}, which is the input file ${join(base, "in/b.fits")}: refusing to overwrite it`,
    );
    const out2 = join(base, "out2");
    mkdirSync(out2);
    symlinkSync(join(base, "in/a.fits"), join(out2, "b.hdf5.tmp"));
    expect(thrown(() => collectInputs([join(base, "in")], out2))).toBe(
      `${join(base, "in/b.fits")} would be converted to ${join(out2, "b.hdf5")}, whose temporary file ${join(out2, "b.hdf5.tmp")} is the input file ${join(base, "in/a.fits")}: refusing to overwrite it`,
    );
    expect(collectInputs([join(base, "in")], join(base, "elsewhere")).map((i) => i.output)).toEqual([join(base, "elsewhere/a.hdf5"), join(base, "elsewhere/b.hdf5")]);
  });
});

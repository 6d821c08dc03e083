import { afterAll, describe, expect, it } from "vitest";
import { defaultOutputName } from "../../src/common/output-name.js";
import { tempFolder } from "../helpers/fixtures.js";

describe("defaultOutputName", () => {
  it.each([
    ["cube.fits", "cube.hdf5"],
    ["cube.fit", "cube.hdf5"],
    ["cube.fts", "cube.hdf5"],
    ["cube.FITS", "cube.hdf5"],
    ["cube.Fit", "cube.hdf5"],
    ["cube.fits.gz", "cube.hdf5"],
    ["cube.FTS.GZ", "cube.hdf5"],
    ["cube.fits.Gz", "cube.hdf5"],
    ["cube.fits.fz", "cube.hdf5"],
    ["cube.fz", "cube.hdf5"],
    ["cube.FITS.FZ.gz", "cube.hdf5"],
    ["/data/run 1/cube.fits", "/data/run 1/cube.hdf5"],
    ["relative/dir/image.fits", "relative/dir/image.hdf5"],
  ])("%s → %s", (input, output) => {
    expect(defaultOutputName(input)).toBe(output);
  });

  it("replaces only a trailing extension (the reference got these wrong)", () => {
    expect(defaultOutputName("my.fits.data.fits")).toBe("my.fits.data.hdf5");
    expect(defaultOutputName("fits/cube.fits")).toBe("fits/cube.hdf5");
    expect(defaultOutputName("/data/x.fits/cube.fits")).toBe("/data/x.fits/cube.hdf5");
    expect(defaultOutputName("cube.fitsx")).toBe("cube.fitsx.hdf5");
    expect(defaultOutputName("cubefits")).toBe("cubefits.hdf5");
  });

  it("appends .hdf5 to other names, dropping a .gz", () => {
    expect(defaultOutputName("cube")).toBe("cube.hdf5");
    expect(defaultOutputName("cube.img")).toBe("cube.img.hdf5");
    expect(defaultOutputName("cube.img.gz")).toBe("cube.img.hdf5");
  });

  it("ignores an HDU suffix, which is not part of the file name", () => {
    expect(defaultOutputName("cube.fits[1]")).toBe("cube.hdf5");
    expect(defaultOutputName("cube.fits[SCI,2]")).toBe("cube.hdf5");
  });

  describe("a file whose name really ends in brackets", () => {
    const tmp = tempFolder("fits2idia-name-");
    afterAll(() => tmp.cleanup());
    it("keeps them", () => {
      const path = tmp.write("odd[1]", new Uint8Array(1));
      expect(defaultOutputName(path)).toBe(`${path}.hdf5`);
    });
  });
});

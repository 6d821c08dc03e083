import { describe, expect, it } from "vitest";
import { parseArgs, UsageError, type CliArgs } from "../../src/cli/args.js";

async function args(...argv: string[]): Promise<CliArgs> {
  const parsed = await parseArgs(argv);
  if (parsed.kind !== "run") throw new Error(`expected settings, got printed text: ${parsed.text}`);
  return parsed.args;
}
async function usage(...argv: string[]): Promise<string> {
  try {
    await parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("the reference's flags", () => {
  it("defaults: automatic mode, quiet, no output name", async () => {
    expect(await args("cube.fits")).toEqual({ input: "cube.fits", progress: false, memory: false, json: false, quiet: false, debug: false });
  });

  it("-o -s -p -m -q, short and long", async () => {
    expect(await args("-o", "out.hdf5", "-s", "-p", "-m", "-q", "cube.fits")).toMatchObject({
      input: "cube.fits",
      output: "out.hdf5",
      mode: "slow",
      progress: true,
      memory: true,
      quiet: true,
    });
    expect(await args("--output=out.hdf5", "--slow", "--progress", "--memory", "--quiet", "cube.fits")).toMatchObject({
      output: "out.hdf5",
      mode: "slow",
      progress: true,
      memory: true,
      quiet: true,
    });
  });

  it("bundled short flags and the input anywhere", async () => {
    expect(await args("-sp", "cube.fits", "-o", "x.hdf5")).toMatchObject({ mode: "slow", progress: true, output: "x.hdf5", input: "cube.fits" });
  });

  it("keeps numeric-looking and HDU-suffixed inputs as written", async () => {
    expect((await args("0123")).input).toBe("0123");
    expect((await args("cube.fits[SCI,2]")).input).toBe("cube.fits[SCI,2]");
  });
});

describe("new flags", () => {
  it("--fast", async () => {
    expect((await args("--fast", "cube.fits")).mode).toBe("fast");
  });

  it("--memory-limit with units, or bytes", async () => {
    expect((await args("--memory-limit", "50GB", "c.fits")).memoryLimit).toBe(50e9);
    expect((await args("--memory-limit=48GiB", "c.fits")).memoryLimit).toBe(48 * 2 ** 30);
    expect((await args("--memory-limit", "1000000", "c.fits")).memoryLimit).toBe(1e6);
  });

  it("--threads", async () => {
    expect((await args("--threads", "8", "c.fits")).threads).toBe(8);
  });

  it("-m --json", async () => {
    expect(await args("-m", "--json", "c.fits")).toMatchObject({ memory: true, json: true });
  });

  it("--hdu", async () => {
    expect((await args("--hdu", "SCI,2", "c.fits")).hdu).toEqual({ extname: "SCI", extver: 2 });
    expect((await args("--hdu", "1", "c.fits")).hdu).toBe(1);
  });
});

describe("usage errors", () => {
  it.each([
    [["-s", "--fast", "c.fits"], /-s \(slow mode\) and --fast cannot be used together/],
    [["--json", "c.fits"], /--json goes with -m/],
    [[], /an input FITS file is required/],
    [["a.fits", "b.fits"], /only one input file/],
    [["c.fits", "--bogus"], /Unknown argument: bogus/],
    [["c.fits", "-x"], /Unknown argument: x/],
    [["--memory-limit", "50G", "c.fits"], /--memory-limit: "50G" is not a size: unknown unit "G"/],
    [["--memory-limit", "lots", "c.fits"], /--memory-limit: "lots" is not a size/],
    [["--memory-limit=-1GB", "c.fits"], /negative/],
    [["--threads", "0", "c.fits"], /--threads needs a positive whole number, not "0"/],
    [["--threads", "2.5", "c.fits"], /--threads needs a positive whole number/],
    [["--threads", "many", "c.fits"], /--threads needs a positive whole number/],
    [["-o", "", "c.fits"], /-o needs a file name/],
    [["-o", "a", "-o", "b", "c.fits"], /-o is given more than once/],
    [["--hdu", "SCI,x", "c.fits"], /--hdu: invalid HDU selector/],
  ])("%j", async (argv, message) => {
    expect(await usage(...argv)).toMatch(message);
  });
});

describe("--help and --version", () => {
  it("--help returns the usage text, listing every flag", async () => {
    const parsed = await parseArgs(["--help"]);
    expect(parsed.kind).toBe("print");
    const text = parsed.kind === "print" ? parsed.text : "";
    expect(text).toContain("[-o output] [-s] [-p] [-m] [-q] input.fits");
    for (const flag of ["--output", "--slow", "--fast", "--progress", "--memory", "--json", "--memory-limit", "--threads", "--quiet", "--hdu", "--debug", "--version", "--help"]) {
      expect(text).toContain(flag);
    }
  });

  it("--version returns the package's version", async () => {
    const { CONVERTER_VERSION } = await import("../../src/version.js");
    expect(await parseArgs(["--version"])).toEqual({ kind: "print", text: CONVERTER_VERSION });
  });
});

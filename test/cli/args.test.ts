import { describe, expect, it } from "vitest";
import { parseArgs, parseVerifyArgs, UsageError, type CliArgs } from "../../src/cli/args.js";

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
    [[], /^an input FITS file is required \(see fits2idia-ts --help\)$/],
    [["a.fits", "b.fits"], /only one input file/],
    [["c.fits", "--bogus"], /^unknown option --bogus \(see fits2idia-ts --help\)$/],
    [["c.fits", "-x"], /^unknown option -x \(see fits2idia-ts --help\)$/],
    // Before the input: the option is named, not given the input as its value.
    [["--prgress", "c.fits"], /^unknown option --prgress \(see fits2idia-ts --help\)$/],
    [["-v", "c.fits"], /^unknown option -v /],
    [["-pv", "c.fits"], /^unknown option -v /],
    [["--prgress=yes", "c.fits"], /^unknown option --prgress /],
    [["--no-output", "c.fits"], /^unknown option --no-output /],
    [["--progress=yes", "c.fits"], /^--progress takes no value$/],
    [["--no-checksum=1", "c.fits"], /^--no-checksum takes no value$/],
    [["c.fits", "-o"], /^-o needs a value$/],
    [["c.fits", "--output"], /^--output needs a value$/],
    [["--memory-limit", "-5GB", "c.fits"], /^--memory-limit: "-5GB" /],
    [["--threads", "-2", "c.fits"], /^--threads needs a positive whole number, not "-2"$/],
    [["-o", "-out.hdf5"], /^an input FITS file is required/],
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

describe("values that start with a dash (getopt)", () => {
  it("an option that takes a value takes the next word, whatever it is", async () => {
    expect(await args("-o", "-dashout.hdf5", "good.fits")).toMatchObject({ output: "-dashout.hdf5", input: "good.fits" });
    expect(await args("-o", "-h", "good.fits")).toMatchObject({ output: "-h", input: "good.fits" });
    expect(await args("--output", "--", "good.fits")).toMatchObject({ output: "--", input: "good.fits" });
    expect(await args("--hdu", "-SCI", "-o", "-", "c.fits")).toMatchObject({ hdu: { extname: "-SCI" }, output: "-", input: "c.fits" });
  });
  it("or the rest of its word: --output=-x, -o-x, bundled after flags", async () => {
    expect((await args("--output=-x", "c.fits")).output).toBe("-x");
    expect((await args("-o-x", "c.fits")).output).toBe("-x");
    expect(await args("-spo-x", "c.fits")).toMatchObject({ mode: "slow", progress: true, output: "-x" });
    expect(await args("-spo", "-x", "c.fits")).toMatchObject({ mode: "slow", progress: true, output: "-x" });
    expect((await args("--output=", "c.fits").catch((e: Error) => e.message))).toBe("-o needs a file name");
  });
  it("flags never take a value: the next word is the input", async () => {
    expect(await args("--progress", "c.fits")).toMatchObject({ progress: true, input: "c.fits" });
    expect(await args("-q", "c.fits")).toMatchObject({ quiet: true, input: "c.fits" });
    expect(await args("--no-checksum", "c.fits")).toMatchObject({ checksum: false, input: "c.fits" });
    expect(await args("--checksum=false", "--progress=true", "c.fits")).toMatchObject({ checksum: false, progress: true });
  });
  it("-- ends the options; - alone is an input", async () => {
    expect((await args("-p", "--", "-input.fits")).input).toBe("-input.fits");
    expect((await args("-p", "--", "--help")).input).toBe("--help");
    expect((await args("-")).input).toBe("-");
  });
  it("help only for -h / --help", async () => {
    expect((await parseArgs(["-h"])).kind).toBe("print");
    expect((await parseArgs(["-s", "--help", "c.fits"])).kind).toBe("print");
    expect((await parseArgs(["-o", "-dashout.hdf5", "good.fits"])).kind).toBe("run");
  });
});

describe("verify's words", () => {
  it("unknown options named; values with a dash", async () => {
    await expect(parseVerifyArgs(["--bogus", "out.hdf5"])).rejects.toThrow(/^unknown option --bogus \(see fits2idia-ts verify --help\)$/);
    await expect(parseVerifyArgs([])).rejects.toThrow(/^verify needs the HDF5 file to check \(see fits2idia-ts verify --help\)$/);
    const parsed = await parseVerifyArgs(["--hdu", "SCI,2", "--", "-out.hdf5", "-in.fits"]);
    expect(parsed).toMatchObject({ kind: "verify", args: { file: "-out.hdf5", fits: "-in.fits", hdu: { extname: "SCI", extver: 2 } } });
    await expect(parseVerifyArgs(["--max-differences", "-3", "out.hdf5"])).rejects.toThrow(/^--max-differences needs a positive whole number, not "-3"$/);
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

import { describe, expect, it } from "vitest";
import yargs from "yargs";
import { normalizeWords, optionTable } from "../../src/cli/getopt.js";
import { UsageError } from "../../src/cli/usage-error.js";

const table = optionTable(
  yargs()
    .option("output", { alias: "o", type: "string" })
    .option("progress", { alias: "p", type: "boolean" })
    .option("slow", { alias: "s", type: "boolean" })
    .option("extra", { type: "string", array: true })
    .help()
    .alias("help", "h")
    .version("1")
    .alias("version", "V"),
);
const words = (...argv: string[]): string[] => normalizeWords(argv, table, "cmd");
function mistake(...argv: string[]): string {
  try {
    words(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}

describe("the options read back from the parser", () => {
  it("every name, long and short, to the option's own name; flags apart from values", () => {
    const names = Object.fromEntries([...table.byName].map(([name, entry]) => [name, `${entry.name}${entry.takesValue ? "=" : ""}`]));
    expect(names).toEqual({ output: "output=", o: "output=", progress: "progress", p: "progress", slow: "slow", s: "slow", extra: "extra=", help: "help", h: "help", version: "version", V: "version" });
  });
});

describe("words as getopt reads them", () => {
  it("values take the next word whatever it is; inputs after --", () => {
    expect(words("-o", "-dashout.hdf5", "good.fits")).toEqual(["--output=-dashout.hdf5", "--", "good.fits"]);
    expect(words("--output", "--help", "x")).toEqual(["--output=--help", "--", "x"]);
    expect(words("--extra", "--account=p", "--extra=--qos=low", "x")).toEqual(["--extra=--account=p", "--extra=--qos=low", "--", "x"]);
  });
  it("attached values, bundles", () => {
    expect(words("-o-x", "in")).toEqual(["--output=-x", "--", "in"]);
    expect(words("-spo", "-x", "in")).toEqual(["--slow", "--progress", "--output=-x", "--", "in"]);
    expect(words("-spo-x")).toEqual(["--slow", "--progress", "--output=-x", "--"]);
    expect(words("--output=", "in")).toEqual(["--output=", "--", "in"]);
  });
  it("flags take no value; --no-flag; =true/=false", () => {
    expect(words("--progress", "in", "-s")).toEqual(["--progress", "--slow", "--", "in"]);
    expect(words("--no-progress", "--slow=false", "--progress=true")).toEqual(["--no-progress", "--no-slow", "--progress", "--"]);
    expect(mistake("--progress=1", "in")).toBe("--progress takes no value");
    expect(mistake("--no-progress=false")).toBe("--no-progress takes no value");
  });
  it("-- and - are inputs; everything after -- is", () => {
    expect(words("-", "--", "-p", "--", "x")).toEqual(["--", "-", "-p", "--", "x"]);
  });
  it("an unknown option is named, wherever it is", () => {
    expect(mistake("--prgress", "cube.fits")).toBe("unknown option --prgress (see cmd --help)");
    expect(mistake("-v", "cube.fits")).toBe("unknown option -v (see cmd --help)");
    expect(mistake("-sv")).toBe("unknown option -v (see cmd --help)");
    expect(mistake("--no-output")).toBe("unknown option --no-output (see cmd --help)");
    expect(mistake("--bogus=1")).toBe("unknown option --bogus (see cmd --help)");
    expect(mistake("-5")).toBe("unknown option -5 (see cmd --help)");
  });
  it("a value missing at the end", () => {
    expect(mistake("in", "-o")).toBe("-o needs a value");
    expect(mistake("in", "-so")).toBe("-o needs a value");
    expect(mistake("in", "--output")).toBe("--output needs a value");
  });
});

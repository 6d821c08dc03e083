import { describe, expect, it } from "vitest";
import { parseBatchArgs, parseMargin, type BatchArgs } from "../../src/cli/batch-args.js";
import { UsageError } from "../../src/cli/args.js";

async function args(...argv: string[]): Promise<BatchArgs> {
  const parsed = await parseBatchArgs(argv);
  if (parsed.kind !== "batch") throw new Error(`expected settings, got: ${parsed.text}`);
  return parsed.args;
}
async function usage(...argv: string[]): Promise<string> {
  try {
    await parseBatchArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("batch on this node", () => {
  it("defaults", async () => {
    expect(await args("a.fits", "folder", "--out-dir", "out")).toEqual({ inputs: ["a.fits", "folder"], outDir: "out", progress: false, json: false, force: false, debug: false });
  });
  it("every flag", async () => {
    expect(await args("-d", "out", "-s", "-p", "--json", "--threads", "8", "-j", "2", "--memory-limit", "1000000", "--force", "--hdu", "1", "--no-checksum", "--ignore-checksum", "x.fits")).toEqual({
      inputs: ["x.fits"],
      outDir: "out",
      mode: "slow",
      progress: true,
      json: true,
      threads: 8,
      jobs: 2,
      memoryLimit: 1e6,
      force: true,
      hdu: 1,
      checksum: false,
      ignoreChecksum: true,
      debug: false,
    });
    expect((await args("--fast", "-d", "o", "x.fits")).mode).toBe("fast");
  });
  it("mistakes", async () => {
    expect(await usage("--out-dir", "o")).toBe("batch needs FITS files or folders to convert (see fits2idia-ts batch --help)");
    expect(await usage("a.fits")).toBe("batch needs --out-dir, the folder of the outputs");
    expect(await usage("a.fits", "-d", "")).toBe("batch needs --out-dir, the folder of the outputs");
    expect(await usage("a.fits", "-d", "o", "-s", "--fast")).toBe("-s (slow mode) and --fast cannot be used together");
    expect(await usage("a.fits", "-d", "o", "-j", "0")).toBe('--jobs needs a positive whole number, not "0"');
    expect(await usage("a.fits", "-d", "o", "--threads", "two")).toBe('--threads needs a positive whole number, not "two"');
    expect(await usage("a.fits", "-d", "o", "--memory-limit", "lots")).toMatch(/^--memory-limit: /);
    expect(await usage("a.fits", "-d", "o", "--submit")).toBe("--submit goes with --slurm");
    expect(await usage("a.fits", "-d", "o", "--time", "1:00:00")).toBe("--time goes with --slurm");
    expect(await usage("a.fits", "-d", "o", "--bogus")).toBe("unknown option --bogus (see fits2idia-ts batch --help)");
    // Before the inputs: named, not taken as an option with the input as its value.
    expect(await usage("--bogus", "in/", "--out-dir", "o")).toBe("unknown option --bogus (see fits2idia-ts batch --help)");
    expect(await usage("in/", "--out-dir")).toBe("--out-dir needs a value");
  });
  it("values that start with a dash are values (getopt)", async () => {
    expect(await args("-d", "-out", "--hdu", "SCI,2", "--", "-in.fits")).toMatchObject({ inputs: ["-in.fits"], outDir: "-out", hdu: { extname: "SCI", extver: 2 } });
    expect((await args("--out-dir=-o", "-p", "a.fits")).outDir).toBe("-o");
    expect(await usage("a.fits", "-d", "o", "--memory-limit", "-5GB")).toMatch(/^--memory-limit: "-5GB" /);
    expect(await usage("a.fits", "-d", "o", "-j", "-2")).toBe('--jobs needs a positive whole number, not "-2"');
  });
});

describe("batch --slurm", () => {
  it("defaults: 4 CPUs, 64 GiB at most, 20 % margin, groups of 1 GB", async () => {
    expect((await args("a.fits", "-d", "o", "--slurm")).slurm).toEqual({ submit: false, cpusPerTask: 4, maxMem: 64 * 2 ** 30, memMargin: 0.2, groupBytes: 1e9, extra: [] });
  });
  it("every option", async () => {
    const a = await args("a.fits", "-d", "o", "--slurm", "--submit", "--cpus-per-task", "10", "--max-mem", "50000000000", "--mem-margin", "35%", "--group-size", "0", "--time", "1-02:00:00", "--partition", "Main", "--log-dir", "logs", "--job-name", "cubes", "--max-running", "20", "--sbatch-option=--account=proj", "--sbatch-option=--qos=low");
    expect(a.slurm).toEqual({ submit: true, cpusPerTask: 10, maxMem: 50e9, memMargin: 0.35, groupBytes: 0, time: "1-02:00:00", partition: "Main", logDir: "logs", jobName: "cubes", maxRunning: 20, extra: ["--account=proj", "--qos=low"] });
  });
  it("mistakes", async () => {
    expect(await usage("a.fits", "-d", "o", "--slurm", "--time", "2 hours")).toBe('--time needs a Slurm time such as 2:00:00 or 1-00:00:00, not "2 hours"');
    expect(await usage("a.fits", "-d", "o", "--slurm", "--jobs", "2")).toBe("--jobs is for a batch on this node; with --slurm use --cpus-per-task and --max-mem");
    expect(await usage("a.fits", "-d", "o", "--slurm", "--sbatch-option=-A proj")).toMatch(/^--sbatch-option needs a long sbatch option/);
    expect(await usage("a.fits", "-d", "o", "--slurm", "--mem-margin", "lots")).toBe('--mem-margin needs a percentage such as 20%, not "lots"');
    expect(await usage("a.fits", "-d", "o", "--slurm", "--cpus-per-task", "0")).toBe('--cpus-per-task needs a positive whole number, not "0"');
  });
  it("--sbatch-option takes the next word, dash and all", async () => {
    expect((await args("a.fits", "-d", "o", "--slurm", "--sbatch-option", "--account=proj", "--sbatch-option", "--qos=low", "b.fits")).slurm?.extra).toEqual(["--account=proj", "--qos=low"]);
  });
  it("margins", () => {
    expect(parseMargin("20%")).toBe(0.2);
    expect(parseMargin("0.5")).toBe(0.5);
    expect(parseMargin("0%")).toBe(0);
  });
});

describe("--array-task", () => {
  it("takes the manifest and no inputs", async () => {
    expect((await args("--array-task", "m.json")).arrayTask).toBe("m.json");
    expect(await usage("--array-task", "m.json", "a.fits")).toBe("--array-task takes a manifest and no inputs (it runs inside a Slurm job array)");
  });
});

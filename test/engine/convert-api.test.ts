/**
 * The library API as a pipeline would use it: automatic mode choice under simulated Slurm
 * allocations and limits, the report, the plan callback, and cancellation.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convert, MemoryLimitError, OutputIsInputError, predictMemory, type ConversionPlan, type Progress } from "../../src/index.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";

const tmp = tempFolder("fits2idia-api-");
afterAll(() => tmp.cleanup());

// Wide enough that fast mode needs a few MB more than slow mode, small enough to be quick.
const cube = makeCube(3, 600, 100, 20, 1, "nan-inf", 5);
const input = tmp.write("cube.fits", cubeFile(cube));
const emptyRc = tmp.write("empty.rc", new Uint8Array());
/** An environment of its own: no rc file, no Slurm or OpenMP variables of the machine running the tests. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ FITS2IDIA_RC: emptyRc, ...extra });
const MiB = 2 ** 20;
/** One plane per batch, so that a cancellation can land between batches. */
const batchBytes = cube.width * cube.height * 4;

let counter = 0;
/** A fresh folder holding only a copy of the input, and an output path in it. */
function workspace(): { dir: string; input: string; output: string; files: () => string[] } {
  const dir = tmp.file(`run-${counter++}`);
  mkdirSync(dir);
  const copy = write(join(dir, "cube.fits"), readFileSync(input));
  return { dir, input: copy, output: join(dir, "cube.hdf5"), files: () => readdirSync(dir).sort() };
}
function write(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}

describe("automatic mode", () => {
  it("fast when it fits, with the reason, the prediction and the threads in the report", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input, { threads: 3 });
    const report = await convert(w.input, w.output, { env: env({ SLURM_MEM_PER_NODE: "100000", SLURM_CPUS_PER_TASK: "3" }) });
    expect(report.mode).toBe("fast");
    expect(report.reason).toMatch(/^fast mode's predicted .* GB fits in the 104\.858 GB available \(Slurm allocation, SLURM_MEM_PER_NODE=100000 MB\)$/);
    expect(report.predictedBytes).toBe(prediction.fast.total);
    expect(report.threads).toBe(3);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });

  it("slow under a Slurm allocation too small for fast mode, and the same file", async () => {
    const a = workspace();
    const b = workspace();
    const prediction = await predictMemory(a.input);
    expect(prediction.fast.total).toBeGreaterThan(prediction.slow.total + MiB);
    const mb = Math.floor((prediction.fast.total - 1) / MiB);
    const slow = await convert(a.input, a.output, { env: env({ SLURM_MEM_PER_NODE: String(mb) }) });
    expect(slow.mode).toBe("slow");
    expect(slow.reason).toContain(`more than the ${((mb * MiB) / 1e9).toFixed(3)} GB available (Slurm allocation, SLURM_MEM_PER_NODE=${mb} MB)`);
    expect(slow.predictedBytes).toBe(prediction.slow.total);
    const fast = await convert(b.input, b.output, { env: env(), mode: "fast" });
    expect(fast.mode).toBe("fast");
    // The same file: every dataset byte for byte (HDF5 object headers carry timestamps, so the
    // containers themselves differ when the runs fall in different seconds).
    const [da, db] = [await readDatasets(a.output), await readDatasets(b.output)];
    expect([...da.keys()].sort()).toEqual([...db.keys()].sort());
    for (const [path, dump] of da) expect(firstDifference(dump.values, db.get(path)!.values), path).toBe(-1);
  });

  it("slow under a memoryLimit between the two predictions", async () => {
    const w = workspace();
    const prediction = await predictMemory(w.input);
    const limit = Math.floor((prediction.fast.total + prediction.slow.total) / 2);
    const report = await convert(w.input, w.output, { env: env(), memoryLimit: limit });
    expect(report.mode).toBe("slow");
    expect(report.reason).toContain("the memory limit of");
  });

  it("refuses when even slow mode does not fit, leaving nothing behind", async () => {
    const w = workspace();
    const plans: ConversionPlan[] = [];
    const error = await convert(w.input, w.output, { env: env({ SLURM_MEM_PER_CPU: "1", SLURM_CPUS_ON_NODE: "2" }), onPlan: (p) => plans.push(p) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryLimitError);
    expect((error as Error).message).toMatch(/^even slow mode is predicted to need \d+\.\d{3} GB, more than the 0\.002 GB available \(Slurm allocation, SLURM_MEM_PER_CPU=1 MB × SLURM_CPUS_ON_NODE=2\)$/);
    expect(plans).toEqual([]);
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("the administrator's rc file (via FITS2IDIA_RC) refuses a conversion, naming both figures", async () => {
    const w = workspace();
    const rc = write(`${w.dir}/fits2idiarc`, new TextEncoder().encode("# site policy\nmemory_limit = 50000000\n"));
    const prediction = await predictMemory(w.input);
    const error = (await convert(w.input, w.output, { env: { FITS2IDIA_RC: rc } }).catch((e: unknown) => e)) as MemoryLimitError;
    expect(error).toBeInstanceOf(MemoryLimitError);
    expect(error.message).toBe(
      `even slow mode is predicted to need ${(prediction.slow.total / 1e9).toFixed(3)} GB, above the memory limit of 0.050 GB (memory_limit in ${rc})`,
    );
    expect(error.allowed).toBe(50e6);
    expect(w.files()).toEqual(["cube.fits", "fits2idiarc"]);
  });

  it("a requested mode is obeyed: slow: true, mode: 'slow', and refused only by a limit", async () => {
    const w = workspace();
    expect((await convert(w.input, w.output, { env: env(), slow: true })).mode).toBe("slow");
    expect((await convert(w.input, w.output, { env: env(), mode: "slow" })).reason).toMatch(/^requested; predicted/);
    const prediction = await predictMemory(w.input);
    const between = Math.floor((prediction.fast.total + prediction.slow.total) / 2);
    await expect(convert(w.input, w.output, { env: env(), mode: "fast", memoryLimit: between })).rejects.toThrow(/^fast mode is predicted to need .*; slow mode would fit$/);
  });

  it("rc warnings reach onWarning and the report", async () => {
    const w = workspace();
    const rc = write(`${w.dir}/rc`, new TextEncoder().encode("colour = blue\n"));
    const seen: string[] = [];
    const report = await convert(w.input, w.output, { env: { FITS2IDIA_RC: rc }, onWarning: (m) => seen.push(m) });
    expect(report.warnings).toContain(`${rc}, line 1: unknown setting "colour" ignored`);
    expect(seen).toContain(`${rc}, line 1: unknown setting "colour" ignored`);
  });

  it("refuses bad options before writing anything", async () => {
    const w = workspace();
    await expect(convert(w.input, w.output, { env: env(), threads: 0 })).rejects.toThrow(/positive integer/);
    await expect(convert(w.input, w.output, { env: env(), memoryLimit: -5 })).rejects.toThrow(RangeError);
    await expect(convert(w.input, w.output, { env: env(), mode: "fast", slow: true })).rejects.toThrow(/contradicts/);
    expect(w.files()).toEqual(["cube.fits"]);
  });
});

describe("the plan callback", () => {
  it("comes once, before any output exists, with the mode, reason, prediction and threads", async () => {
    const w = workspace();
    const plans: ConversionPlan[] = [];
    let filesAtPlan: string[] = [];
    const report = await convert(w.input, w.output, {
      env: env({ OMP_NUM_THREADS: "5" }),
      onPlan: (plan) => {
        plans.push(plan);
        filesAtPlan = w.files();
      },
    });
    expect(plans).toHaveLength(1);
    expect(filesAtPlan).toEqual(["cube.fits"]);
    expect(plans[0]).toMatchObject({ mode: report.mode, reason: report.reason, threads: 5, threadsDetail: "OMP_NUM_THREADS=5" });
    expect(plans[0]!.predictedBytes).toBe(report.predictedBytes);
  });
});

describe("cancellation with an AbortSignal", () => {
  const cases: { name: string; mode: "fast" | "slow"; at: (p: Progress) => boolean }[] = [
    { name: "fast mode, during the planes", mode: "fast", at: (p) => p.stage === "planes" },
    { name: "slow mode, during the planes", mode: "slow", at: (p) => p.stage === "planes" },
    { name: "fast mode, during the tiles", mode: "fast", at: (p) => p.stage === "tiles" },
    { name: "slow mode, during the tiles", mode: "slow", at: (p) => p.stage === "tiles" },
  ];
  it.each(cases)("$name: rejects, no output, no temporary file", async ({ mode, at }) => {
    const w = workspace();
    const controller = new AbortController();
    const stages: string[] = [];
    let tmpSeen = false;
    const promise = convert(w.input, w.output, {
      env: env(),
      mode,
      batchBytes,
      tileSize: 32,
      signal: controller.signal,
      onProgress: (p) => {
        stages.push(p.stage);
        if (existsSync(`${w.output}.tmp`)) tmpSeen = true;
        if (at(p) && !controller.signal.aborted) controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ name: "AbortError" });
    expect(tmpSeen).toBe(true); // it was cancelled mid-way, with a temporary file written
    expect(stages).not.toContain("finish");
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("aborted before it starts: rejects at once, nothing written", async () => {
    const w = workspace();
    await expect(convert(w.input, w.output, { env: env(), signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("aborted once the mode is chosen: rejects before creating any output", async () => {
    const w = workspace();
    const controller = new AbortController();
    const progress: Progress[] = [];
    await expect(
      convert(w.input, w.output, { env: env(), signal: controller.signal, onPlan: () => controller.abort(), onProgress: (p) => progress.push(p) }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(progress).toEqual([]);
    expect(w.files()).toEqual(["cube.fits"]);
  });

  it("an existing output survives a cancelled run", async () => {
    const w = workspace();
    write(w.output, new TextEncoder().encode("previous"));
    const controller = new AbortController();
    await expect(
      convert(w.input, w.output, { env: env(), batchBytes, signal: controller.signal, onProgress: (p) => p.stage === "planes" && controller.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(readFileSync(w.output, "utf8")).toBe("previous");
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5"]);
  });
});

describe("an output that is the input", () => {
  it("convert(x, x), and the input under other names, rejects before anything is written; the input is untouched", async () => {
    const w = workspace();
    mkdirSync(join(w.dir, "x"));
    symlinkSync("cube.fits", join(w.dir, "link.hdf5"));
    linkSync(w.input, join(w.dir, "hard.hdf5"));
    const before = { bytes: readFileSync(w.input), mtimeMs: statSync(w.input).mtimeMs };
    const planned: string[] = [];
    for (const output of [w.input, `${w.dir}/x/../cube.fits`, join(w.dir, "link.hdf5"), join(w.dir, "hard.hdf5")]) {
      const error = await convert(w.input, output, { env: env(), onPlan: (p) => planned.push(p.mode) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutputIsInputError);
      expect(error).toMatchObject({ file: output, clash: { role: "the output", input: w.input } });
    }
    expect(readFileSync(w.input).equals(before.bytes)).toBe(true);
    expect(statSync(w.input).mtimeMs).toBe(before.mtimeMs);
    expect(w.files()).toEqual(["cube.fits", "hard.hdf5", "link.hdf5", "x"]);
  });

  it("an input named like the output's temporary file is refused, not removed", async () => {
    const w = workspace();
    const input = write(join(w.dir, "cube.hdf5.tmp"), readFileSync(w.input));
    const error = await convert(input, w.output, { env: env() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputIsInputError);
    expect((error as Error).message).toBe(`its temporary file ${input} is the input file: refusing to overwrite it`);
    expect(readFileSync(input).equals(readFileSync(w.input))).toBe(true);
    expect(w.files()).toEqual(["cube.fits", "cube.hdf5.tmp"]);
  });
});

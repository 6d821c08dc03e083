import { afterAll, describe, expect, it } from "vitest";
import type { MemoryPrediction } from "../../src/engine/memory.js";
import { predictMemoryForShape } from "../../src/engine/memory.js";
import { chooseMode, MemoryLimitError, tightestLimit } from "../../src/engine/mode-choice.js";
import { planConversion, requestedMode, resolveResources } from "../../src/engine/plan.js";
import type { AvailableMemory } from "../../src/engine/resources.js";
import type { ImageShape } from "../../src/fits/image.js";
import { tempFolder } from "../helpers/fixtures.js";

const GB = 1e9;
const shape: ImageShape = { naxis: 3, width: 1000, height: 1000, depth: 2500, stokes: 1 } as ImageShape;
const prediction: MemoryPrediction = {
  shape,
  fast: { mode: "fast", components: [{ name: "cube", bytes: 10 * GB }], total: 10 * GB },
  slow: { mode: "slow", components: [{ name: "plane", bytes: 2 * GB }], total: 2 * GB },
};
const available = (gb: number): AvailableMemory => ({ bytes: gb * GB, source: "slurm", detail: "Slurm allocation, SLURM_MEM_PER_NODE=…" });
const rcLimit = (gb: number) => ({ bytes: gb * GB, source: "memory_limit in /etc/fits2idiarc" });

function refusal(run: () => unknown): MemoryLimitError {
  try {
    run();
  } catch (error) {
    if (error instanceof MemoryLimitError) return error;
    throw error;
  }
  throw new Error("expected a MemoryLimitError");
}

describe("chooseMode, automatic", () => {
  it("fast when it fits in the memory available", () => {
    const choice = chooseMode(prediction, { available: available(16) });
    expect(choice.mode).toBe("fast");
    expect(choice.reason).toBe("fast mode's predicted 10.000 GB fits in the 16.000 GB available (Slurm allocation, SLURM_MEM_PER_NODE=…)");
  });

  it("fast when it needs exactly what is available", () => {
    expect(chooseMode(prediction, { available: available(10) }).mode).toBe("fast");
  });

  it("slow when fast does not fit, saying both figures", () => {
    const choice = chooseMode(prediction, { available: available(8) });
    expect(choice.mode).toBe("slow");
    expect(choice.reason).toMatch(/fast mode would need 10\.000 GB, more than the 8\.000 GB available.*slow mode needs 2\.000 GB/);
  });

  it("slow when the limit is below fast mode's prediction, though memory is plentiful", () => {
    const choice = chooseMode(prediction, { available: available(100), limit: rcLimit(5) });
    expect(choice.mode).toBe("slow");
    expect(choice.reason).toContain("the memory limit of 5.000 GB (memory_limit in /etc/fits2idiarc)");
  });

  it("a limit above the memory available does not raise it", () => {
    expect(chooseMode(prediction, { available: available(8), limit: rcLimit(50) }).mode).toBe("slow");
  });

  it("refuses when even slow mode does not fit, naming both figures in GB", () => {
    const error = refusal(() => chooseMode(prediction, { available: available(1) }));
    expect(error.message).toBe(
      "even slow mode is predicted to need 2.000 GB, more than the 1.000 GB available (Slurm allocation, SLURM_MEM_PER_NODE=…)",
    );
    expect(error).toMatchObject({ mode: "slow", predicted: 2 * GB, allowed: 1 * GB, ceiling: "available" });
    expect(error.message).not.toContain("\n");
  });

  it("refuses when even slow mode is above the limit", () => {
    const error = refusal(() => chooseMode(prediction, { available: available(100), limit: rcLimit(1.5) }));
    expect(error.message).toBe("even slow mode is predicted to need 2.000 GB, above the memory limit of 1.500 GB (memory_limit in /etc/fits2idiarc)");
    expect(error.ceiling).toBe("limit");
  });

  it("a limit of 0 bytes is no limit", () => {
    expect(chooseMode(prediction, { available: available(16), limit: rcLimit(0) }).mode).toBe("fast");
  });
});

describe("chooseMode, requested", () => {
  it("obeys -s even when fast would fit", () => {
    expect(chooseMode(prediction, { requested: "slow", available: available(100) })).toEqual({
      mode: "slow",
      reason: "requested; predicted 2.000 GB",
    });
  });

  it("obeys --fast above the memory available, and says so", () => {
    const choice = chooseMode(prediction, { requested: "fast", available: available(4) });
    expect(choice.mode).toBe("fast");
    expect(choice.reason).toContain("more than the 4.000 GB available");
  });

  it("refuses a requested mode above the limit, suggesting slow mode when it fits", () => {
    const error = refusal(() => chooseMode(prediction, { requested: "fast", available: available(100), limit: rcLimit(5) }));
    expect(error.message).toBe(
      "fast mode is predicted to need 10.000 GB, above the memory limit of 5.000 GB (memory_limit in /etc/fits2idiarc); slow mode would fit",
    );
    expect(error).toMatchObject({ mode: "fast", predicted: 10 * GB, allowed: 5 * GB, ceiling: "limit" });
  });

  it("refuses -s above the limit", () => {
    expect(() => chooseMode(prediction, { requested: "slow", available: available(100), limit: rcLimit(1) })).toThrow(
      "slow mode is predicted to need 2.000 GB, above the memory limit of 1.000 GB",
    );
  });
});

describe("tightestLimit", () => {
  it("takes the lowest, ignoring absent and 0", () => {
    expect(tightestLimit(undefined, { bytes: 0, source: "a" }, { bytes: 5, source: "b" }, { bytes: 3, source: "c" })).toEqual({ bytes: 3, source: "c" });
    expect(tightestLimit(undefined, { bytes: 0, source: "a" })).toBeUndefined();
  });
});

describe("requestedMode", () => {
  it("mode wins; slow: true/false still works; otherwise automatic", () => {
    expect(requestedMode({})).toBeUndefined();
    expect(requestedMode({ mode: "auto" })).toBeUndefined();
    expect(requestedMode({ slow: true })).toBe("slow");
    expect(requestedMode({ slow: false })).toBe("fast");
    expect(requestedMode({ mode: "fast" })).toBe("fast");
    expect(requestedMode({ mode: "auto", slow: true })).toBe("slow");
    expect(requestedMode({ mode: "slow", slow: true })).toBe("slow");
  });
  it("refuses contradictions and unknown modes", () => {
    expect(() => requestedMode({ mode: "fast", slow: true })).toThrow(/contradicts/);
    expect(() => requestedMode({ mode: "quick" as never })).toThrow(/"fast", "slow" or "auto"/);
  });
});

describe("resolveResources and planConversion", () => {
  const tmp = tempFolder("fits2idia-plan-");
  afterAll(() => tmp.cleanup());
  const rc = (name: string, content: string) => tmp.write(name, new TextEncoder().encode(content));
  const small: ImageShape = { naxis: 3, width: 200, height: 150, depth: 16, stokes: 1 } as ImageShape;
  // The model depends on the thread count: the runs below use 2 threads unless they say otherwise.
  const real = predictMemoryForShape(small, { threads: 2 });
  const noRc = rc("empty.rc", "");

  it("the rc file's limit and the run's: the lower applies", () => {
    const path = rc("limit.rc", "memory_limit = 3000000000\n");
    expect(resolveResources({ env: { FITS2IDIA_RC: path }, memoryLimit: 5e9 }).limit).toEqual({ bytes: 3e9, source: `memory_limit in ${path}` });
    expect(resolveResources({ env: { FITS2IDIA_RC: path }, memoryLimit: 1e9 }).limit).toEqual({ bytes: 1e9, source: "the run's memory limit" });
    expect(resolveResources({ env: { FITS2IDIA_RC: path }, rcFile: false }).limit).toBeUndefined();
  });

  it("the run's limit is also the memory available", () => {
    const r = resolveResources({ env: { FITS2IDIA_RC: noRc, SLURM_MEM_PER_NODE: "1" }, memoryLimit: 50e9 });
    expect(r.available).toMatchObject({ bytes: 50e9, source: "option" });
  });

  it("passes the rc file's warnings on", () => {
    const path = rc("warn.rc", "colour = blue\n");
    expect(resolveResources({ env: { FITS2IDIA_RC: path } }).warnings).toEqual([`${path}, line 1: unknown setting "colour" ignored`]);
  });

  it("refuses a memory limit that is not a whole number of bytes", () => {
    expect(() => resolveResources({ env: { FITS2IDIA_RC: noRc }, memoryLimit: -1 })).toThrow(RangeError);
    expect(() => resolveResources({ env: { FITS2IDIA_RC: noRc }, memoryLimit: 1.5 })).toThrow(RangeError);
  });

  it("chooses slow mode under a Slurm allocation between the two predictions", () => {
    // Large enough for fast mode's whole cube to outweigh slow mode's pipeline slots.
    const big: ImageShape = { naxis: 3, width: 1024, height: 1024, depth: 64, stokes: 1 } as ImageShape;
    const ten = predictMemoryForShape(big, { threads: 2 });
    expect(ten.fast.total).toBeGreaterThan(ten.slow.total + 2 ** 20);
    const mb = Math.floor((ten.fast.total - 1) / 2 ** 20);
    const plan = planConversion(big, { env: { FITS2IDIA_RC: noRc, SLURM_MEM_PER_NODE: String(mb), SLURM_CPUS_PER_TASK: "2" } });
    expect(plan).toMatchObject({ mode: "slow", requested: false, predictedBytes: ten.slow.total, threads: 2, threadsDetail: "SLURM_CPUS_PER_TASK=2" });
    expect(plan.available.source).toBe("slurm");
    expect(plan.prediction).toEqual(ten);
  });

  it("chooses fast mode with SLURM_MEM_PER_CPU × SLURM_CPUS_ON_NODE large enough", () => {
    const perCpu = Math.ceil(real.fast.total / 2 ** 20 / 4);
    const plan = planConversion(small, { env: { FITS2IDIA_RC: noRc, SLURM_MEM_PER_CPU: String(perCpu), SLURM_CPUS_ON_NODE: "4", OMP_NUM_THREADS: "2" } });
    expect(plan.mode).toBe("fast");
    expect(plan.predictedBytes).toBe(real.fast.total);
  });

  it("an rc file's limit refuses the run, naming both figures", () => {
    const path = rc("tiny.rc", "memory_limit = 1000000 # 1 MB\n");
    expect(() => planConversion(small, { env: { FITS2IDIA_RC: path, OMP_NUM_THREADS: "2" } })).toThrow(
      new RegExp(`^even slow mode is predicted to need ${(real.slow.total / 1e9).toFixed(3)} GB, above the memory limit of 0\\.001 GB \\(memory_limit in ${path}\\)$`),
    );
  });

  it("the prediction follows the batch and tile sizes given", () => {
    const plan = planConversion(small, { env: { FITS2IDIA_RC: noRc, OMP_NUM_THREADS: "3" }, mode: "slow", tileSize: 32 });
    expect(plan.prediction).toEqual(predictMemoryForShape(small, { tileSize: 32, threads: 3 }));
  });
});

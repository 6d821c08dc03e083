import { describe, expect, it } from "vitest";
import { memoryReportJson, memoryReportText, type MemoryReport } from "../../src/cli/memory-report.js";
import type { MemoryPrediction } from "../../src/engine/memory.js";
import { chooseMode, MemoryLimitError } from "../../src/engine/mode-choice.js";
import type { Resources } from "../../src/engine/plan.js";
import type { ImageShape } from "../../src/fits/image.js";

const shape = { naxis: 3, width: 4000, height: 4000, depth: 1000, stokes: 1 } as ImageShape;
const prediction: MemoryPrediction = {
  shape,
  fast: {
    mode: "fast",
    components: [
      { name: "runtime", bytes: 95e6 },
      { name: "cube (one stokes)", bytes: 64e9 },
    ],
    total: 64.095e9,
  },
  slow: {
    mode: "slow",
    components: [
      { name: "runtime", bytes: 95e6 },
      { name: "plane", bytes: 64e6 },
      { name: "rotation window", bytes: 2_097_152_000 },
    ],
    total: 2_256_152_000,
  },
};
const resources: Resources = {
  available: { bytes: 50 * 2 ** 30, source: "slurm", detail: "Slurm allocation, SLURM_MEM_PER_NODE=51200 MB" },
  threads: { threads: 10, source: "slurm", detail: "SLURM_CPUS_PER_TASK=10" },
  warnings: [],
};
const report = (r: Resources = resources): MemoryReport => {
  let choice;
  try {
    choice = chooseMode(prediction, { available: r.available, limit: r.limit });
  } catch (error) {
    choice = error as MemoryLimitError;
  }
  return { input: "cube.fits", prediction, resources: r, choice };
};

describe("-m as text", () => {
  it("the chosen mode's components and total in GB, then the mode and why", () => {
    expect(memoryReportText(report())).toBe(
      [
        "Predicted memory of slow mode:",
        "  runtime: 0.095 GB",
        "  plane: 0.064 GB",
        "  rotation window: 2.097 GB",
        "  total: 2.256 GB",
        "Mode: slow — fast mode would need 64.095 GB, more than the 53.687 GB available (Slurm allocation, SLURM_MEM_PER_NODE=51200 MB); slow mode needs 2.256 GB. Threads: 10 (SLURM_CPUS_PER_TASK=10)",
        "",
      ].join("\n"),
    );
  });

  it("a refused conversion: slow mode's figures and the refusal", () => {
    const text = memoryReportText(report({ ...resources, limit: { bytes: 1e9, source: "memory_limit in /etc/fits2idiarc" } }));
    expect(text.split("\n")[0]).toBe("Predicted memory of slow mode:");
    expect(text).toContain("  total: 2.256 GB\nRefused: even slow mode is predicted to need 2.256 GB, above the memory limit of 1.000 GB (memory_limit in /etc/fits2idiarc)\n");
  });
});

describe("-m --json", () => {
  it("both modes in bytes, the choice, what is available and the limit", () => {
    const json = JSON.parse(JSON.stringify(memoryReportJson(report())));
    expect(json).toEqual({
      input: "cube.fits",
      shape: { naxis: 3, width: 4000, height: 4000, depth: 1000, stokes: 1 },
      chosen: "slow",
      reason: expect.stringMatching(/^fast mode would need 64\.095 GB/),
      available: { bytes: 50 * 2 ** 30, source: "slurm", detail: "Slurm allocation, SLURM_MEM_PER_NODE=51200 MB" },
      limit: null,
      threads: { threads: 10, source: "slurm", detail: "SLURM_CPUS_PER_TASK=10" },
      addressSpaceLimit: null,
      fast: { components: [{ name: "runtime", bytes: 95e6 }, { name: "cube (one stokes)", bytes: 64e9 }], total: 64.095e9 },
      slow: {
        components: [
          { name: "runtime", bytes: 95e6 },
          { name: "plane", bytes: 64e6 },
          { name: "rotation window", bytes: 2_097_152_000 },
        ],
        total: 2_256_152_000,
      },
    });
  });

  it("a refused conversion: chosen null, and why", () => {
    const json = memoryReportJson(report({ ...resources, limit: { bytes: 1e9, source: "the run's memory limit" } }));
    expect(json.chosen).toBeNull();
    expect(json.refused).toMatch(/^even slow mode is predicted to need 2\.256 GB, above the memory limit of 1\.000 GB/);
    expect(json.limit).toEqual({ bytes: 1e9, source: "the run's memory limit" });
  });
});

describe("-m and the address space (ulimit -v)", () => {
  const space = { components: [{ name: "runtime", bytes: 0.76e9 }, { name: "buffers", bytes: 2.5e9 }], total: 3.26e9 };
  const withSpace: MemoryPrediction = { ...prediction, threads: 10, slow: { ...prediction.slow, addressSpace: space }, fast: { ...prediction.fast, addressSpace: { ...space, total: 70e9 } } };
  const spaceReport = (limit?: number): MemoryReport => {
    const r: Resources = { ...resources, ...(limit !== undefined ? { addressSpaceLimit: limit } : {}) };
    let choice;
    try {
      choice = chooseMode(withSpace, { available: r.available, addressSpaceLimit: limit });
    } catch (error) {
      choice = error as MemoryLimitError;
    }
    return { input: "cube.fits", prediction: withSpace, resources: r, choice };
  };
  it("a line with what the mode needs, as a ulimit -v value, and the limit", () => {
    expect(memoryReportText(spaceReport())).toContain("  total: 2.256 GB\nAddress space needed (ulimit -v): 3.260 GB, ulimit -v 3183594 or more; no limit is set\n");
    expect(memoryReportText(spaceReport(4.096e9))).toContain("Address space needed (ulimit -v): 3.260 GB, ulimit -v 3183594 or more; the limit is 4.096 GB\n");
  });
  it("a limit too small: said on the line, and the run refused", () => {
    const text = memoryReportText(spaceReport(1.024e9));
    expect(text).toContain("Address space needed (ulimit -v): 3.260 GB, ulimit -v 3183594 or more; the limit is 1.024 GB, too small\n");
    expect(text).toContain("Refused: the virtual-memory limit (ulimit -v) of 1.024 GB is below the 3.260 GB of address space slow mode needs with 10 threads; raise it to ulimit -v 3183594 or more\n");
    const json = memoryReportJson(spaceReport(1.024e9));
    expect(json.addressSpaceLimit).toBe(1.024e9);
    expect(json.slow.addressSpace).toEqual(space);
    expect(json.chosen).toBeNull();
  });
});

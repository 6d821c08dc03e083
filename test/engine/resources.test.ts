import { afterAll, describe, expect, it } from "vitest";
import { availableMemory, cgroupMemory, defaultCgroupPaths, threadCount, ThreadsError } from "../../src/engine/resources.js";
import { tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-resources-");
afterAll(() => tmp.cleanup());
const file = (name: string, content: string) => tmp.write(name, new TextEncoder().encode(content));
const MiB = 2 ** 20;

// No cgroup files and a known free memory, so that only the sources under test count.
const isolated = { cgroupPaths: [] as string[], freeMemory: 7e9 };

describe("availableMemory, in order: option, Slurm, cgroup, free memory", () => {
  it("the run's own limit comes first", () => {
    const a = availableMemory({ ...isolated, memoryLimit: 50e9, env: { SLURM_MEM_PER_NODE: "1000" } });
    expect(a).toMatchObject({ bytes: 50e9, source: "option" });
  });

  it("a limit of 0 means none: the next source is used", () => {
    expect(availableMemory({ ...isolated, memoryLimit: 0, env: {} })).toMatchObject({ bytes: 7e9, source: "system" });
  });

  it("SLURM_MEM_PER_NODE, in Slurm's MB (MiB)", () => {
    const a = availableMemory({ ...isolated, env: { SLURM_MEM_PER_NODE: "51200" } });
    expect(a).toEqual({ bytes: 51200 * MiB, source: "slurm", detail: "Slurm allocation, SLURM_MEM_PER_NODE=51200 MB" });
  });

  it("SLURM_MEM_PER_CPU × SLURM_CPUS_ON_NODE", () => {
    const a = availableMemory({ ...isolated, env: { SLURM_MEM_PER_CPU: "4000", SLURM_CPUS_ON_NODE: "10" } });
    expect(a).toMatchObject({ bytes: 40000 * MiB, source: "slurm" });
    expect(a.detail).toContain("SLURM_MEM_PER_CPU=4000 MB × SLURM_CPUS_ON_NODE=10");
  });

  it("SLURM_MEM_PER_NODE wins over the per-CPU figures", () => {
    const a = availableMemory({ ...isolated, env: { SLURM_MEM_PER_NODE: "100", SLURM_MEM_PER_CPU: "4000", SLURM_CPUS_ON_NODE: "10" } });
    expect(a.bytes).toBe(100 * MiB);
  });

  it.each([
    [{ SLURM_MEM_PER_NODE: "lots" }],
    [{ SLURM_MEM_PER_NODE: "0" }], // --mem=0: the whole node, no figure
    [{ SLURM_MEM_PER_NODE: "-5" }],
    [{ SLURM_MEM_PER_CPU: "4000" }], // no CPU count
    [{ SLURM_MEM_PER_CPU: "4000", SLURM_CPUS_ON_NODE: "x" }],
  ])("ignores unusable Slurm values %j", (env) => {
    expect(availableMemory({ ...isolated, env }).source).toBe("system");
  });

  it("then the cgroup limit (v2 memory.max)", () => {
    const path = file("memory.max", "8589934592\n");
    expect(availableMemory({ env: {}, cgroupPaths: [path], freeMemory: 7e9 })).toMatchObject({ bytes: 8589934592, source: "cgroup" });
  });

  it("then the free memory of the machine", () => {
    expect(availableMemory({ env: {}, cgroupPaths: [], freeMemory: () => 3e9 })).toEqual({
      bytes: 3e9,
      source: "system",
      detail: "free memory of the machine",
    });
  });

  it("without injected values, reads this machine (a positive figure)", () => {
    const a = availableMemory({ env: {} });
    expect(a.bytes).toBeGreaterThan(0);
    expect(["cgroup", "system"]).toContain(a.source);
  });
});

describe("cgroupMemory", () => {
  it('treats v2 "max" and v1\'s huge "unlimited" as no limit', () => {
    const v2 = file("v2-max", "max\n");
    const v1 = file("v1-unlimited", "9223372036854771712\n");
    expect(cgroupMemory([v2, v1])).toBeUndefined();
  });

  it("takes the tightest of several (a cgroup and its ancestors)", () => {
    const outer = file("outer", "17179869184\n");
    const inner = file("inner", "4294967296\n");
    const a = cgroupMemory([outer, inner, tmp.file("missing")]);
    expect(a).toMatchObject({ bytes: 4294967296, source: "cgroup" });
    expect(a!.detail).toContain(inner);
  });

  it("skips missing and unreadable files and garbage", () => {
    expect(cgroupMemory([tmp.file("none"), file("garbage", "lots\n"), file("zero", "0\n")])).toBeUndefined();
  });
});

describe("defaultCgroupPaths", () => {
  it("follows /proc/self/cgroup for v2 and v1, with every ancestor", () => {
    const proc = file("proc-cgroup", "0::/slurm/job_7/step_0\n4:memory:/docker/abc\n3:cpu:/x\n");
    const paths = defaultCgroupPaths(proc, "/cg");
    expect(paths).toEqual(
      expect.arrayContaining([
        "/cg/slurm/job_7/step_0/memory.max",
        "/cg/slurm/job_7/memory.max",
        "/cg/slurm/memory.max",
        "/cg/memory.max",
        "/cg/memory/docker/abc/memory.limit_in_bytes",
        "/cg/memory/docker/memory.limit_in_bytes",
        "/cg/memory/memory.limit_in_bytes",
      ]),
    );
    expect(paths.some((p) => p.includes("/x/"))).toBe(false);
  });

  it("falls back to the cgroup root's files without /proc", () => {
    expect(defaultCgroupPaths(tmp.file("no-proc"), "/cg")).toEqual(["/cg/memory.max", "/cg/memory/memory.limit_in_bytes"]);
  });
});

describe("threadCount", () => {
  it("the option first", () => {
    expect(threadCount({ threads: 3, env: { SLURM_CPUS_PER_TASK: "10" } })).toEqual({ threads: 3, source: "option", detail: "requested" });
  });

  it.each([0, -1, 2.5, NaN])("refuses the option %d", (threads) => {
    expect(() => threadCount({ threads })).toThrow(ThreadsError);
  });

  it("then SLURM_CPUS_PER_TASK", () => {
    expect(threadCount({ env: { SLURM_CPUS_PER_TASK: "10", OMP_NUM_THREADS: "4" } })).toEqual({
      threads: 10,
      source: "slurm",
      detail: "SLURM_CPUS_PER_TASK=10",
    });
  });

  it("then OMP_NUM_THREADS (its first, outer level)", () => {
    expect(threadCount({ env: { OMP_NUM_THREADS: "4" } })).toMatchObject({ threads: 4, source: "omp" });
    expect(threadCount({ env: { OMP_NUM_THREADS: "8,2" } })).toMatchObject({ threads: 8, source: "omp" });
  });

  it("then the available parallelism", () => {
    expect(threadCount({ env: {}, parallelism: 6 })).toEqual({ threads: 6, source: "system", detail: "available parallelism" });
    expect(threadCount({ env: {} }).threads).toBeGreaterThanOrEqual(1);
  });

  it("ignores bad environment values and uses the next source", () => {
    expect(threadCount({ env: { SLURM_CPUS_PER_TASK: "0", OMP_NUM_THREADS: "4" } })).toMatchObject({ threads: 4, source: "omp" });
    expect(threadCount({ env: { SLURM_CPUS_PER_TASK: "ten", OMP_NUM_THREADS: "-2" }, parallelism: 5 })).toMatchObject({
      threads: 5,
      source: "system",
    });
  });
});

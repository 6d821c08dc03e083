import { describe, expect, it } from "vitest";
import {
  addressSpaceLimit,
  COMMAND_ADDRESS_SPACE,
  currentAddressSpace,
  NO_GUARD_REGIONS_FLAG,
  RUNTIME_ADDRESS_SPACE,
  WASM_GUARDED_RESERVATION,
  WASM_HEAP_RESERVATION,
  wasmGuardRegions,
  WORKER_ADDRESS_SPACE,
} from "../../src/engine/address-space.js";
import { predictMemoryForShape, RUNTIME_BYTES } from "../../src/engine/memory.js";
import { AddressSpaceError, chooseMode, MemoryLimitError, ulimitValue } from "../../src/engine/mode-choice.js";
import type { ImageShape } from "../../src/fits/image.js";
import { relaunchNeeded, RELAUNCHED_VARIABLE } from "../../src/cli/relaunch.js";
import { tempFolder } from "../helpers/fixtures.js";

const GB = 1e9;
const cube = (width: number, height: number, depth: number): ImageShape => ({ naxis: 3, width, height, depth, stokes: 1 }) as ImageShape;
const available = { bytes: 64 * GB, source: "system" as const, detail: "free memory of the machine" };
const sum = (components: readonly { bytes: number }[]): number => components.reduce((n, c) => n + c.bytes, 0);

describe("the address-space limit (RLIMIT_AS) from /proc/self/limits", () => {
  const tmp = tempFolder("fits2idia-limits-");
  const limits = (line: string): string =>
    tmp.write(
      `limits-${Math.random()}`,
      new TextEncoder().encode(
        "Limit                     Soft Limit           Hard Limit           Units     \n" +
          "Max stack size            8388608              unlimited            bytes     \n" +
          `${line}\n` +
          "Max locked memory         8388608              8388608              bytes     \n",
      ),
    );

  it("reads the soft limit in bytes", () => {
    expect(addressSpaceLimit(limits("Max address space         4096000000           unlimited            bytes     "))).toBe(4_096_000_000);
  });
  it("unlimited, a missing line or a missing file: no limit", () => {
    expect(addressSpaceLimit(limits("Max address space         unlimited            unlimited            bytes     "))).toBeUndefined();
    expect(addressSpaceLimit(limits("Max processes             95681                95681                processes "))).toBeUndefined();
    expect(addressSpaceLimit(tmp.file("no-such-file"))).toBeUndefined();
  });
  it("this process's VmSize is readable and above the command's runtime figure's order", () => {
    const now = currentAddressSpace();
    expect(now).toBeGreaterThan(0.3 * RUNTIME_ADDRESS_SPACE);
  });
});

describe("guard regions (V8's trap handler)", () => {
  const on = process.arch === "x64" || process.arch === "arm64";
  it("are on unless node was started with --disable-wasm-trap-handler", () => {
    expect(wasmGuardRegions([], {})).toBe(on);
    expect(wasmGuardRegions(["--max-old-space-size=100"], { NODE_OPTIONS: "--trace-warnings" })).toBe(on);
    expect(wasmGuardRegions([NO_GUARD_REGIONS_FLAG], {})).toBe(false);
    expect(wasmGuardRegions([], { NODE_OPTIONS: `--trace-warnings ${NO_GUARD_REGIONS_FLAG}` })).toBe(false);
  });
  it("the command runs itself again only under a limit, with guard regions, and only once", () => {
    expect(relaunchNeeded({}, [], 4e9)).toBe(on);
    expect(relaunchNeeded({}, [], undefined)).toBe(false);
    expect(relaunchNeeded({ [RELAUNCHED_VARIABLE]: "1" }, [], 4e9)).toBe(false);
    expect(relaunchNeeded({}, [NO_GUARD_REGIONS_FLAG], 4e9)).toBe(false);
  });
});

describe("the address space in the memory prediction", () => {
  it("is the command's runtime, h5wasm's 2 GiB, the workers and the buffers, with slack on the buffers", () => {
    const p = predictMemoryForShape(cube(1024, 1024, 96), { threads: 3 });
    for (const mode of ["fast", "slow"] as const) {
      const b = p[mode];
      const space = b.addressSpace!;
      const byName = new Map(space.components.map((c) => [c.name, c.bytes]));
      expect(byName.get("runtime")).toBe(RUNTIME_ADDRESS_SPACE);
      expect(byName.get("h5wasm (WebAssembly memory)")).toBe(COMMAND_ADDRESS_SPACE.h5wasm);
      expect(COMMAND_ADDRESS_SPACE.h5wasm).toBeGreaterThan(WASM_HEAP_RESERVATION);
      expect(byName.get("worker threads (3)")).toBe(3 * WORKER_ADDRESS_SPACE);
      // The buffers: the resident prediction without its runtime, workers and slack.
      const rssBuffers = sum(b.components.filter((c) => c.name !== "runtime" && !c.name.startsWith("worker") && c.name !== "allocator and GC slack"));
      expect(byName.get("buffers")).toBe(rssBuffers);
      expect(byName.get("allocator and GC slack")).toBe(Math.round(rssBuffers * 0.05));
      expect(space.total).toBe(sum(space.components));
    }
    // Fast mode holds the cube: more address space than slow mode.
    expect(p.fast.addressSpace!.total).toBeGreaterThan(p.slow.addressSpace!.total + 0.3 * GB);
  });
  it("one thread: no workers; a process with guard regions needs 10 GiB for h5wasm", () => {
    const one = predictMemoryForShape(cube(256, 256, 16), { threads: 1 }).slow.addressSpace!;
    expect(one.components.some((c) => c.name.startsWith("worker"))).toBe(false);
    const guarded = predictMemoryForShape(cube(256, 256, 16), { threads: 1, addressSpace: { runtime: 1e9, h5wasm: WASM_GUARDED_RESERVATION, guardRegions: true } }).slow.addressSpace!;
    expect(guarded.components[1]).toEqual({ name: "h5wasm (WebAssembly memory with guard regions)", bytes: WASM_GUARDED_RESERVATION });
    expect(guarded.total - one.total).toBeCloseTo(1e9 - RUNTIME_ADDRESS_SPACE + WASM_GUARDED_RESERVATION - COMMAND_ADDRESS_SPACE.h5wasm, -3);
    // h5wasm already loaded (as in convert()): its reservation is in the runtime's figure.
    const loaded = predictMemoryForShape(cube(256, 256, 16), { addressSpace: { runtime: 3e9, h5wasm: 0, guardRegions: false } }).slow.addressSpace!;
    expect(loaded.components.map((c) => c.name)).toEqual(["runtime", "buffers", "allocator and GC slack"]);
  });
  it("a 256x256x16 cube fits in 4 GB (`ulimit -v 4000000`) with 4 threads, in both modes", () => {
    const p = predictMemoryForShape(cube(256, 256, 16), { threads: 4 });
    expect(p.fast.addressSpace!.total).toBeLessThan(4_096_000_000);
    expect(p.slow.addressSpace!.total).toBeLessThan(4_096_000_000);
  });
});

describe("chooseMode under an address-space limit", () => {
  const p = predictMemoryForShape(cube(1024, 1024, 512), { threads: 2 });
  const fastSpace = p.fast.addressSpace!.total;
  const slowSpace = p.slow.addressSpace!.total;
  const between = Math.round((fastSpace + slowSpace) / 2);

  it("automatic: slow mode when fast mode's address space is above the limit, saying why", () => {
    expect(chooseMode(p, { available }).mode).toBe("fast");
    const choice = chooseMode(p, { available, addressSpaceLimit: between });
    expect(choice.mode).toBe("slow");
    expect(choice.reason).toMatch(/^fast mode would need \d+\.\d{3} GB of address space, more than the virtual-memory limit \(ulimit -v\) of \d+\.\d{3} GB; slow mode needs/);
  });
  it("a requested mode above the limit is refused, naming the limit, the need and the ulimit -v that would do", () => {
    let error: unknown;
    try {
      chooseMode(p, { available, requested: "fast", addressSpaceLimit: between });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AddressSpaceError);
    expect(error).toBeInstanceOf(MemoryLimitError);
    const refusal = error as AddressSpaceError;
    expect(refusal.code).toBe("ADDRESS_SPACE_LIMIT");
    expect(refusal.predicted).toBe(fastSpace);
    expect(refusal.allowed).toBe(between);
    expect(refusal.message).toBe(
      `the virtual-memory limit (ulimit -v) of ${(between / GB).toFixed(3)} GB is below the ${(fastSpace / GB).toFixed(3)} GB of address space fast mode needs with 2 threads; raise it to ulimit -v ${ulimitValue(fastSpace)} or more`,
    );
    expect(chooseMode(p, { available, requested: "slow", addressSpaceLimit: between }).mode).toBe("slow");
  });
  it("both modes above the limit: refused with slow mode's need", () => {
    expect(() => chooseMode(p, { available, addressSpaceLimit: 1e9 })).toThrow(/of 1\.000 GB is below the .* of address space slow mode needs with 2 threads/);
  });
  it("ulimit -v is in KiB, rounded up", () => {
    expect(ulimitValue(1024)).toBe(1);
    expect(ulimitValue(1025)).toBe(2);
  });
});

describe("the resident-memory model (issue 14: an upper bound)", () => {
  it("puts the slack on the buffers only: the runtime and the workers are measured whole", () => {
    const big = predictMemoryForShape(cube(1024, 1024, 96), { threads: 2 }).slow;
    const slack = big.components.find((c) => c.name === "allocator and GC slack")!.bytes;
    const buffers = sum(big.components.filter((c) => c.name !== "runtime" && !c.name.startsWith("worker") && c.name !== "allocator and GC slack"));
    expect(slack).toBe(Math.round(buffers * 0.08));
    expect(big.components[0]).toEqual({ name: "runtime", bytes: RUNTIME_BYTES });
  });
  // Peaks measured by bench/memory.mjs --size small (bench/results/memory.md): the prediction
  // is above each, by at most 10 % plus 10 MB of run-to-run noise.
  const measured: [ImageShape, "fast" | "slow", number, number][] = [
    [cube(1024, 1024, 96), "slow", 1, 0.504e9],
    [cube(1024, 1024, 96), "slow", 2, 0.52e9],
    [cube(1024, 1024, 96), "fast", 1, 0.671e9],
    [cube(1024, 1024, 96), "fast", 2, 0.778e9],
    [cube(512, 512, 64), "slow", 1, 0.346e9],
    [cube(1024, 1024, 32), "slow", 2, 0.46e9],
    [{ naxis: 4, width: 300, height: 200, depth: 40, stokes: 4 } as ImageShape, "slow", 1, 0.156e9],
  ];
  it.each(measured)("%o %s mode, %i threads: above the measured peak, by at most 10 %%", (shape, mode, threads, peak) => {
    const predicted = predictMemoryForShape(shape, { threads })[mode].total;
    expect(predicted).toBeGreaterThanOrEqual(peak);
    expect(predicted).toBeLessThanOrEqual(peak * 1.1 + 10e6);
  });
});

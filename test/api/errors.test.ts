/**
 * Every error the library API throws is a class the package exports (so callers can test it
 * with `instanceof`) and carries a stable string `code`. Cancellation rejects with the signal's
 * reason, as the README says.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { addressSpaceError } from "../../src/engine/mode-choice.js";
import { cubeFile, makeCube, tempFolder } from "../helpers/fixtures.js";

const temp = tempFolder("fits2idia-errors-");
afterAll(() => temp.cleanup());
const noRc = temp.write("empty.rc", new Uint8Array(0));
const env = { FITS2IDIA_RC: noRc };
const input = temp.write("cube.fits", cubeFile(makeCube(3, 32, 24, 3, 1, "nan-inf", 7)));
const out = (name: string) => temp.file(name);

/** The exported classes, by name. */
const exported = new Map(Object.entries(api).filter(([, value]) => typeof value === "function" && value.prototype instanceof Error) as [string, new (...args: never[]) => Error][]);

async function caught(run: () => unknown): Promise<Error & { code?: unknown }> {
  try {
    await run();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  throw new Error("expected an error");
}

/** The error is an instance of the exported class of that name, with that code. */
function expectError(error: Error & { code?: unknown }, className: string, code: string | RegExp): void {
  const cls = exported.get(className);
  expect(cls, `${className} is exported`).toBeDefined();
  expect(error).toBeInstanceOf(cls!);
  expect(error.constructor.name).toBe(className);
  expect(typeof error.code).toBe("string");
  expect(error.code).toMatch(code);
}

describe("errors of the library API", () => {
  it("a bad option: OptionError (a RangeError) naming the option", async () => {
    const e = await caught(() => api.convert(input, out("a.hdf5"), { env, mode: "quick" as "fast" }));
    expectError(e, "OptionError", "BAD_OPTION");
    expect(e).toBeInstanceOf(RangeError);
    expect((e as api.OptionError).option).toBe("mode");
    expectError(await caught(() => api.convert(input, out("a.hdf5"), { env, memoryLimit: -5 })), "OptionError", "BAD_OPTION");
    const k = await caught(() => api.convert(input, out("a.hdf5"), { env, kernels: "gpu" as "js" }));
    expectError(k, "OptionError", "BAD_OPTION");
    expect((k as api.OptionError).option).toBe("kernels");
  });

  it("a bad thread count: ThreadsError", async () => {
    expectError(await caught(() => api.convert(input, out("a.hdf5"), { env, threads: 0 })), "ThreadsError", "BAD_THREADS");
  });

  it("a run refused for its memory: MemoryLimitError (AddressSpaceError for a ulimit -v)", async () => {
    expectError(await caught(() => api.convert(input, out("a.hdf5"), { env, memoryLimit: 1000 })), "MemoryLimitError", "MEMORY_LIMIT");
    const e = addressSpaceError("slow", 3e9, 1e9);
    expectError(e, "AddressSpaceError", "ADDRESS_SPACE_LIMIT");
    expect(e).toBeInstanceOf(api.MemoryLimitError);
  });

  it("bad FITS input: FitsError with the FITS error's code", async () => {
    const bad = temp.write("bad.fits", new TextEncoder().encode("not a FITS file at all"));
    expectError(await caught(() => api.convert(bad, out("b.hdf5"), { env })), "FitsError", /^[A-Z_]+$/);
    expectError(await caught(() => api.readHeader(bad)), "FitsError", /^[A-Z_]+$/);
    expectError(await caught(() => api.predictMemory(bad)), "FitsError", /^[A-Z_]+$/);
  });

  it("an output folder that does not exist: OutputError OUTPUT_FOLDER", async () => {
    expectError(await caught(() => api.convert(input, join(temp.dir, "missing", "c.hdf5"), { env })), "OutputError", "OUTPUT_FOLDER");
  });

  it("an output that is the input: OutputIsInputError OUTPUT_IS_INPUT", async () => {
    const e = await caught(() => api.convert(input, input, { env }));
    expectError(e, "OutputIsInputError", "OUTPUT_IS_INPUT");
    expect(e).toBeInstanceOf(api.OutputError);
  });

  it("an output another conversion holds: OutputBusyError OUTPUT_BUSY", async () => {
    const output = out("busy.hdf5");
    // A live process (this one) holds the lock.
    writeFileSync(`${output}.lock`, JSON.stringify({ pid: process.pid, host: (await import("node:os")).hostname(), started: new Date().toISOString() }));
    const e = await caught(() => api.convert(input, output, { env }));
    expectError(e, "OutputBusyError", "OUTPUT_BUSY");
    expect(e).toBeInstanceOf(api.OutputError);
  });

  it("a file that is not HDF5 given to verify: Hdf5Error", async () => {
    expectError(await caught(() => api.verifyFile(input)), "Hdf5Error", /^[A-Z]+$/);
  });

  it("sizes, rc files, batches, Slurm jobs: SizeError, RcError, BatchInputError, BatchError, SlurmError, DirectiveError", async () => {
    expectError(await caught(() => api.parseSize("5 apples")), "SizeError", "BAD_SIZE");
    const rc = temp.write("bad.rc", new TextEncoder().encode("memory_limit = lots\n"));
    expectError(await caught(() => api.readRc({}, rc)), "RcError", "RC_FILE");
    expectError(await caught(() => api.runBatch([temp.file("nothing-here")], { outDir: temp.file("outs"), env })), "BatchInputError", "BATCH_INPUT");
    expectError(await caught(() => api.runBatch([input], {} as api.BatchOptions)), "BatchError", "BATCH");
    const slurm = { outDir: temp.file("slurm"), cpusPerTask: 1, maxMem: 64e9, memMargin: 0.2, groupBytes: 0, env };
    expectError(await caught(() => api.writeSlurmJob([input], { ...slurm, jobName: "a b" })), "SlurmError", "SLURM");
    expectError(await caught(() => api.writeSlurmJob([input], { ...slurm, partition: 'a"b' })), "DirectiveError", "SLURM_DIRECTIVE");
  });

  it("cancellation rejects with the signal's reason", async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await caught(() => api.convert(input, out("d.hdf5"), { env, signal: controller.signal }));
    expect(e.name).toBe("AbortError");
    const reason = new Error("stopped by the pipeline");
    expect(await caught(() => api.convert(input, out("d.hdf5"), { env, signal: AbortSignal.abort(reason) }))).toBe(reason);
    const converted = out("e.hdf5");
    await api.convert(input, converted, { env, threads: 1 });
    expect(await caught(() => api.verifyFile(converted, input, { signal: AbortSignal.abort(reason) }))).toBe(reason);
  });
});

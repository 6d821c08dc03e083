/**
 * A failure while the lock is being created (after its draft exists, before the lock is whole)
 * leaves no draft and no lock: the system calls of src/engine/output-file.ts fail on demand here.
 */
import * as fs from "node:fs";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { describeError } from "../../src/common/describe-error.js";
import { OutputError } from "../../src/engine/output-errors.js";
import { OutputFile } from "../../src/engine/output-file.js";
import { tempFolder } from "../helpers/fixtures.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, linkSync: vi.fn(actual.linkSync), writeSync: vi.fn(actual.writeSync), fstatSync: vi.fn(actual.fstatSync) };
});

const tmp = tempFolder("fits2idia-lock-draft-");
afterAll(() => tmp.cleanup());

const ioError = (syscall: string): Error => Object.assign(new Error(`EIO: i/o error, ${syscall}`), { code: "EIO", syscall });

describe("a failure while creating the lock", () => {
  it.each([
    ["writing the draft", () => vi.mocked(fs.writeSync).mockImplementationOnce(() => { throw ioError("write"); })],
    ["linking the draft to the lock's name", () => vi.mocked(fs.linkSync).mockImplementationOnce(() => { throw ioError("link"); })],
  ])("%s: one line, and neither draft nor lock is left", async (_, fail) => {
    const dir = join(tmp.dir, `d${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    const out = new OutputFile(join(dir, "out.hdf5"));
    fail();
    const error = await out.claim().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutputError);
    expect(describeError(error, false)).toBe(`${join(dir, "out.hdf5")}: input/output error (EIO) while creating the lock file`);
    expect(out.claimed).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a failure reading the draft's identity (the step before the lock exists): nothing is left", async () => {
    const dir = join(tmp.dir, `d${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    const out = new OutputFile(join(dir, "out.hdf5"));
    vi.mocked(fs.fstatSync).mockImplementationOnce(() => {
      throw ioError("fstat");
    });
    const error = await out.claim().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(describeError(error, false)).toBe(`${join(dir, "out.hdf5")}: input/output error (EIO) while creating the lock file`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

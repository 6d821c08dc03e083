/**
 * Helper file names (src/engine/helper-names.ts): the documented `<output>.tmp` / `<output>.lock`
 * where they fit in NAME_MAX bytes, a bounded, deterministic stem where they do not.
 */
import { describe, expect, it } from "vitest";
import { helperName, helperPath, isDraftName, NAME_MAX, SUFFIX } from "../../src/engine/helper-names.js";

const suffixes = [SUFFIX.temporary, SUFFIX.lock, SUFFIX.takeover, SUFFIX.draft("0123456789ab")];
const bytes = (text: string): number => Buffer.byteLength(text);

describe("helperName", () => {
  it("keeps <name><suffix> whenever it fits in NAME_MAX bytes", () => {
    expect(helperName("cube.hdf5", ".tmp")).toBe("cube.hdf5.tmp");
    expect(helperName("cube.hdf5", ".lock")).toBe("cube.hdf5.lock");
    const name = "a".repeat(NAME_MAX - 5);
    expect(helperName(name, ".lock")).toBe(`${name}.lock`);
    expect(helperName(name, ".tmp")).toBe(`${name}.tmp`);
  });

  it.each([233, 234, 240, 245, 250, 251, 254, 255])("every helper of a %i-byte name fits, and is the same on every call", (length) => {
    const name = `${"n".repeat(length - 5)}.hdf5`;
    for (const suffix of suffixes) {
      const helper = helperName(name, suffix);
      expect(bytes(helper)).toBeLessThanOrEqual(NAME_MAX);
      expect(helper.endsWith(suffix)).toBe(true);
      expect(helperName(name, suffix)).toBe(helper);
      if (bytes(name + suffix) <= NAME_MAX) expect(helper).toBe(name + suffix);
      else expect(helper).toMatch(/^n{216}~[0-9a-f]{16}\./);
    }
  });

  it("names sharing their first bytes get different helpers; helpers never collide with the name itself", () => {
    const a = `${"x".repeat(250)}a.fit`;
    const b = `${"x".repeat(250)}b.fit`;
    for (const suffix of suffixes) {
      expect(helperName(a, suffix)).not.toBe(helperName(b, suffix));
      expect(helperName(a, suffix)).not.toBe(a);
    }
  });

  it("cuts multi-byte UTF-8 names between characters", () => {
    const name = "é".repeat(127); // 254 bytes
    const helper = helperName(name, ".lock");
    expect(bytes(helper)).toBeLessThanOrEqual(NAME_MAX);
    expect(helper).toMatch(/^é{108}~[0-9a-f]{16}\.lock$/);
    expect(helper).not.toContain("\uFFFD");
  });
});

describe("helperPath and isDraftName", () => {
  it("keeps the folder as written: `..` is not folded away (the folder may be reached through a link)", () => {
    expect(helperPath("x/../c.hdf5", ".tmp")).toBe("x/../c.hdf5.tmp");
    expect(helperPath("/data/run/out.hdf5", ".lock")).toBe("/data/run/out.hdf5.lock");
    expect(helperPath("out.hdf5", ".lock")).toBe("out.hdf5.lock");
  });

  it("recognizes this output's drafts only, in both forms", () => {
    expect(isDraftName("out.hdf5", "out.hdf5.lock.0123456789ab.new")).toBe(true);
    expect(isDraftName("out.hdf5", "out.hdf5.lock.0123456789AB.new")).toBe(false);
    expect(isDraftName("out.hdf5", "out.hdf5.lock.0123456789a.new")).toBe(false);
    expect(isDraftName("out.hdf5", "other.hdf5.lock.0123456789ab.new")).toBe(false);
    expect(isDraftName("out.hdf5", "out.hdf5.lock")).toBe(false);
    expect(isDraftName("out.hdf5", "out.hdf5")).toBe(false);
    const long = `${"q".repeat(245)}.hdf5`;
    const draft = helperName(long, SUFFIX.draft("ffffffffffff"));
    expect(draft).not.toContain(long);
    expect(isDraftName(long, draft)).toBe(true);
    expect(isDraftName(long, `${long}.lock.ffffffffffff.new`)).toBe(false);
  });
});

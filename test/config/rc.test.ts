import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_RC_PATH, parseRc, RcError, readRc } from "../../src/config/rc.js";
import { tempFolder } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-rc-");
afterAll(() => tmp.cleanup());
const text = (s: string) => new TextEncoder().encode(s);

describe("parseRc", () => {
  it("reads memory_limit in bytes, with comments and blank lines", () => {
    const rc = parseRc("# fits2idia settings\n\nmemory_limit = 50000000000   # 50 GB\n", "rc");
    expect(rc.memoryLimit).toBe(50e9);
    expect(rc.warnings).toEqual([]);
  });

  it("accepts no spaces, tabs, CRLF line ends and a unit", () => {
    expect(parseRc("memory_limit=1234\r\n", "rc").memoryLimit).toBe(1234);
    expect(parseRc("\tmemory_limit\t=\t48GiB\n", "rc").memoryLimit).toBe(48 * 2 ** 30);
  });

  it("keeps 0, which means no limit", () => {
    expect(parseRc("memory_limit = 0", "rc").memoryLimit).toBe(0);
  });

  it("sets nothing for an empty or comment-only file", () => {
    expect(parseRc("", "rc")).toEqual({ warnings: [] });
    expect(parseRc("# nothing\n   # here\n", "rc")).toEqual({ warnings: [] });
  });

  it("warns about unknown keys, naming file and line, and carries on", () => {
    const rc = parseRc("threads = 4\nmemory_limit = 10\n", "/etc/fits2idiarc");
    expect(rc.memoryLimit).toBe(10);
    expect(rc.warnings).toEqual(['/etc/fits2idiarc, line 1: unknown setting "threads" ignored']);
  });

  it.each([
    ["memory_limit 50", 1, /expected "key = value"/],
    ["# ok\nmemory_limit = lots", 2, /memory_limit: "lots" is not a size/],
    ["\n\nmemory_limit =", 3, /no value/],
    ["memory_limit = -1", 1, /negative/],
    ["memory_limit = 1\nmemory_limit = 2", 2, /already set on line 1/],
    ["= 5", 1, /expected/],
  ])("refuses %j, naming the file and line %d", (content, line, message) => {
    let error: unknown;
    try {
      parseRc(content, "/etc/fits2idiarc");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RcError);
    expect((error as RcError).line).toBe(line);
    expect((error as RcError).message).toMatch(new RegExp(`^/etc/fits2idiarc, line ${line}: `));
    expect((error as RcError).message).toMatch(message);
  });
});

describe("readRc", () => {
  it("reads the file named by FITS2IDIA_RC", () => {
    const path = tmp.write("a.rc", text("memory_limit = 2000000000\n"));
    expect(readRc({ FITS2IDIA_RC: path })).toEqual({ path, found: true, memoryLimit: 2e9, warnings: [] });
  });

  it("an explicit path wins over the environment", () => {
    const a = tmp.write("b1.rc", text("memory_limit = 1\n"));
    const b = tmp.write("b2.rc", text("memory_limit = 2\n"));
    expect(readRc({ FITS2IDIA_RC: a }, b).memoryLimit).toBe(2);
  });

  it("defaults to /etc/fits2idiarc (an empty FITS2IDIA_RC counts as unset)", () => {
    const rc = readRc({ FITS2IDIA_RC: "" });
    expect(rc.path).toBe(DEFAULT_RC_PATH);
  });

  it("a missing default file means no settings", async () => {
    const fs = await import("node:fs");
    if (fs.existsSync(DEFAULT_RC_PATH)) return; // this machine has one: nothing to check
    expect(readRc({})).toEqual({ path: DEFAULT_RC_PATH, found: false, warnings: [] });
  });

  it("a missing file named by FITS2IDIA_RC is an error naming the variable", () => {
    const path = tmp.file("missing.rc");
    expect(() => readRc({ FITS2IDIA_RC: path })).toThrow(RcError);
    expect(() => readRc({ FITS2IDIA_RC: path })).toThrow(/named by FITS2IDIA_RC.*does not exist/);
  });

  it("a folder is an error", () => {
    expect(() => readRc({ FITS2IDIA_RC: tmp.dir })).toThrow(/is a folder/);
  });

  it("malformed content is an error naming the file and line", () => {
    const path = tmp.write("bad.rc", text("# limit\nmemory_limit: 5\n"));
    expect(() => readRc({ FITS2IDIA_RC: path })).toThrow(`${path}, line 2:`);
  });
});

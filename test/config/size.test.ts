import { describe, expect, it } from "vitest";
import { formatGB, parseSize, SizeError } from "../../src/config/size.js";

describe("parseSize", () => {
  it.each([
    ["50GB", 50e9],
    ["2.5 GB", 2.5e9],
    ["512MiB", 512 * 2 ** 20],
    ["48 GiB", 48 * 2 ** 30],
    ["1 KiB", 1024],
    ["10kB", 10_000],
    ["1TB", 1e12],
    ["1e9", 1e9],
    ["1234", 1234],
    ["0", 0],
    ["  7 B ", 7],
    [".5GB", 5e8],
    ["1.5e3 MB", 1.5e9],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it("reads byte units without regard to case (memory is not sized in bits or millibytes)", () => {
    expect(parseSize("50gb")).toBe(50e9);
    expect(parseSize("50Gb")).toBe(50e9);
    expect(parseSize("1 KB")).toBe(1000);
    expect(parseSize("5 mb")).toBe(5e6);
    expect(parseSize("2 gib")).toBe(2 * 2 ** 30);
  });

  it.each(["", "GB", "fifty GB", "50 G", "50 GBytes", "3 m", "1,000", "1e999", "NaN", "Infinity GB", "5 GB 3"])("refuses %j", (text) => {
    expect(() => parseSize(text)).toThrow(SizeError);
  });

  it("names the unit it does not know and lists those it does", () => {
    expect(() => parseSize("50G")).toThrow(/unknown unit "G".*GB.*GiB/);
  });

  it("refuses negative sizes", () => {
    expect(() => parseSize("-5GB")).toThrow(/negative/);
  });

  it("rounds to whole bytes", () => {
    expect(parseSize("1.0000004 kB")).toBe(1000);
  });
});

describe("formatGB", () => {
  it("writes GB of 1e9 bytes with three decimals", () => {
    expect(formatGB(50e9)).toBe("50.000 GB");
    expect(formatGB(1_234_567_890)).toBe("1.235 GB");
    expect(formatGB(0)).toBe("0.000 GB");
  });
  it("keeps three significant digits for tiny figures, so they do not all read 0.000", () => {
    expect(formatGB(1000)).toBe("0.00000100 GB");
  });
});

import { describe, expect, it } from "vitest";
import { formatTable, summaryTable } from "../../src/batch/summary.js";

describe("summaryTable", () => {
  it("one aligned row per input, then the totals", () => {
    const text = summaryTable(
      [
        { status: "converted", input: "a.fits", output: "o/a.hdf5", mode: "fast", threads: 4, seconds: 12.34, bytesIn: 1.5e9, bytesOut: 2.25e9 },
        { status: "skipped", input: "long/name/b.fits", output: "o/b.hdf5", mode: "slow", seconds: 0.5, bytesIn: 2e6, bytesOut: 3e6 },
        { status: "failed", input: "c.fits", output: "o/c.hdf5", seconds: 0, bytesIn: 10, detail: "c.fits: not a FITS file" },
        { status: "converted", input: "d.fits", output: "o/d.hdf5", mode: "fast", threads: 4, seconds: 1, bytesIn: 5e6, bytesOut: 6e6, detail: "1 warning" },
      ],
      14.04,
    );
    expect(text.split("\n")).toEqual([
      "file              mode  threads    time    input   output  status",
      "a.fits            fast        4  12.3 s  1500 MB  2250 MB  converted",
      "long/name/b.fits  slow        -   0.5 s   2.0 MB   3.0 MB  skipped (output verified)",
      "c.fits            -           -       -   0.0 MB        -  FAILED: c.fits: not a FITS file",
      "d.fits            fast        4   1.0 s   5.0 MB   6.0 MB  converted: 1 warning",
      "4 inputs: 2 converted, 1 skipped, 1 failed, in 14.0 s",
      "",
    ]);
  });

  it("the warnings below the totals, under each input's name", () => {
    const text = summaryTable(
      [
        { status: "converted", input: "a.fits", output: "o/a.hdf5", mode: "fast", threads: 1, seconds: 1, bytesIn: 1e6, bytesOut: 2e6, warnings: ["header keyword OBJECT appears more than once: only the first is kept", "the cube has per-channel beams"], detail: "2 warnings" },
        { status: "converted", input: "b.fits", output: "o/b.hdf5", mode: "fast", threads: 1, seconds: 1, bytesIn: 1e6, bytesOut: 2e6 },
        { status: "converted", input: "c.fits", output: "o/c.hdf5", mode: "slow", threads: 1, seconds: 1, bytesIn: 1e6, bytesOut: 2e6, warnings: ["HISTORY too long"], detail: "1 warning" },
      ],
      3,
    );
    expect(text.split("\n").slice(4)).toEqual([
      "3 inputs: 3 converted, 0 skipped, 0 failed, in 3.0 s",
      "Warnings:",
      "  a.fits:",
      "    header keyword OBJECT appears more than once: only the first is kept",
      "    the cube has per-channel beams",
      "  c.fits:",
      "    HISTORY too long",
      "",
    ]);
  });

  it("formatTable pads all but the last column", () => {
    expect(formatTable([["a", "bb", "c"], ["ccc", "d", "e"]], new Set([1]))).toEqual(["a    bb  c", "ccc   d  e"]);
  });
});

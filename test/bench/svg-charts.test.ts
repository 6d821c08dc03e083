/** The benchmark charts: one bar per result, lengths in proportion, labels that say the figures. */
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module of the benchmark suite, without declarations.
import { memoryChart, speedChart } from "../../bench/svg-charts.mjs";

const speed = {
  machine: "2 cores, node v20",
  results: [
    { shape: [64, 64, 8], mode: "floor", seconds: 1 },
    { shape: [64, 64, 8], mode: "fast", threads: 2, chosen: "fast", wallSeconds: 3, ratioToFloor: 3 },
    { shape: [64, 64, 8], mode: "slow", threads: 1, chosen: "slow", wallSeconds: 2, ratioToFloor: 2 },
    { shape: [32, 32], mode: "auto", threads: 2, chosen: "fast", wallSeconds: 0.5, ratioToFloor: 1.5 },
  ],
};

function bars(svg: string): { width: number; title: string }[] {
  return [...svg.matchAll(/<rect class="bar" [^>]*width="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)].map((m) => ({ width: Number(m[1]), title: m[2]! }));
}

describe("benchmark charts", () => {
  it("draw one bar per conversion and the floor, in proportion to the wall time", () => {
    const svg: string = speedChart(speed);
    expect(svg.startsWith("<svg")).toBe(true);
    const drawn = bars(svg);
    expect(drawn.map((b) => b.title)).toEqual([
      "I/O floor (read + write): 1.00 s",
      "fast, 2 threads: 3.00 s, 3.00× floor",
      "slow, 1 thread: 2.00 s, 2.00× floor",
      "auto (chose fast), 2 threads: 0.50 s, 1.50× floor",
    ]);
    expect(drawn[1]!.width / drawn[0]!.width).toBeCloseTo(3, 5);
    expect(drawn[2]!.width / drawn[0]!.width).toBeCloseTo(2, 5);
    expect(svg).toContain("64x64x8 cube");
    expect(svg).toContain("32x32 cube");
  });

  it("draw the prediction next to the measured peak, with the margin", () => {
    const svg: string = memoryChart({
      machine: "m",
      results: [{ shape: [1024, 1024, 96], mode: "slow", threads: 1, predicted: 0.6e9, measured: 0.5e9 }],
    });
    const drawn = bars(svg);
    expect(drawn.map((b) => b.title)).toEqual(["slow, 1 thread: predicted 0.600 GB", "slow, 1 thread: measured 0.500 GB (20.0 % margin)"]);
    expect(drawn[0]!.width / drawn[1]!.width).toBeCloseTo(1.2, 5);
  });

  it("escape text that is not XML", () => {
    const svg: string = speedChart({ machine: "a<b & c", results: [{ shape: [2, 2], mode: "floor", seconds: 1 }] });
    expect(svg).toContain("a&lt;b &amp; c");
  });
});

import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { barLine, formatDuration, modeLine, ProgressPrinter, summaryLine } from "../../src/cli/progress-printer.js";
import type { ConvertReport } from "../../src/engine/convert.js";
import type { Progress, Stage } from "../../src/engine/progress.js";
import { screen } from "../helpers/terminal.js";

class FakeSink extends EventEmitter {
  text = "";
  constructor(
    readonly isTTY: boolean,
    public columns?: number,
  ) {
    super();
  }
  write(text: string): void {
    this.text += text;
  }
}


/** A clock the test moves by hand. */
function clock(start = Date.UTC(2025, 0, 2, 3, 4, 5)) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

const TOTAL = 1000e6;
const progress = (stage: Stage, fraction: number, elapsed: number, bytes = fraction * TOTAL): Progress => ({
  stage,
  fraction,
  bytesProcessed: Math.min(bytes, TOTAL),
  bytesTotal: TOTAL,
  elapsed,
});

describe("formatDuration", () => {
  it("mm:ss, h:mm:ss, and --:-- when unknown", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(75.4)).toBe("01:15");
    expect(formatDuration(3 * 3600 + 62)).toBe("3:01:02");
    expect(formatDuration(Infinity)).toBe("--:--");
  });
});

describe("on a terminal: a live bar", () => {
  it("redraws in place with stage, percent, throughput and ETA", () => {
    const sink = new FakeSink(true);
    const c = clock();
    const printer = new ProgressPrinter(sink, { now: c.now });
    printer.update(progress("planes", 0.25, 10));
    // 80 columns when the terminal does not say: a bar of 43 in a line of 79.
    expect(sink.text).toBe(`\r\x1b[Kplanes [${"#".repeat(11)}${"-".repeat(32)}]  25.0%  25 MB/s  ETA 00:30`);
    expect(sink.text).not.toContain("\n");
  });

  it("fits the terminal's width, read again when it is resized", () => {
    const sink = new FakeSink(true, 60);
    const c = clock();
    const printer = new ProgressPrinter(sink, { now: c.now });
    printer.update(progress("planes", 0.5, 10));
    expect(screen(sink.text)).toEqual(["planes [############-----------]  50.0%  50 MB/s  ETA 00:10"]);
    sink.columns = 30;
    sink.emit("resize");
    expect(screen(sink.text)).toEqual(["planes [#######------]  50.0%"]);
    for (const line of screen(sink.text)) expect(line.length).toBeLessThan(30);
    sink.columns = 200;
    c.advance(200);
    printer.update(progress("planes", 0.75, 15));
    expect(screen(sink.text)[0]).toBe(`planes [${"#".repeat(38)}${"-".repeat(12)}]  75.0%  50 MB/s  ETA 00:05`);
    printer.finish();
    expect(sink.listenerCount("resize")).toBe(0);
  });

  it("a line of its own clears the bar and the bar is drawn again below it: no stale bar", () => {
    const sink = new FakeSink(true, 70);
    const printer = new ProgressPrinter(sink, { now: clock().now });
    printer.line("Mode: fast");
    printer.update(progress("planes", 0.5, 1));
    printer.line("Warning: something");
    printer.line("Warning: something else");
    expect(screen(sink.text)).toEqual(["Mode: fast", "Warning: something", "Warning: something else", barLine(progress("planes", 0.5, 1), 70)]);
    printer.update(progress("tiles", 1, 2));
    printer.finish();
    printer.line("Done: fast mode");
    expect(screen(sink.text).slice(3)).toEqual([barLine(progress("tiles", 1, 2), 70), "Done: fast mode", ""]);
  });

  it("text from elsewhere on the stream clears the bar, drawn again at the next update however soon", () => {
    const sink = new FakeSink(true, 70);
    const c = clock();
    const printer = new ProgressPrinter(sink, { now: c.now });
    printer.update(progress("planes", 0.5, 1));
    printer.write("Error: out.hdf5: interrupted by SIGTERM. Aborting.\n");
    expect(screen(sink.text)).toEqual(["Error: out.hdf5: interrupted by SIGTERM. Aborting.", ""]);
    c.advance(1);
    printer.update(progress("planes", 0.51, 1));
    expect(screen(sink.text)).toEqual(["Error: out.hdf5: interrupted by SIGTERM. Aborting.", barLine(progress("planes", 0.51, 1), 70)]);
  });

  it("redraws at most every 100 ms, but always on a new stage and at the end", () => {
    const sink = new FakeSink(true);
    const c = clock();
    const printer = new ProgressPrinter(sink, { now: c.now });
    const draws = () => sink.text.split("\r").length - 1;
    printer.update(progress("planes", 0.1, 1));
    c.advance(50);
    printer.update(progress("planes", 0.2, 2)); // too soon
    expect(draws()).toBe(1);
    c.advance(60);
    printer.update(progress("planes", 0.3, 3));
    expect(draws()).toBe(2);
    printer.update(progress("tiles", 0.6, 3)); // new stage
    printer.update(progress("finish", 1, 4)); // the end
    expect(draws()).toBe(4);
  });

  it("finish ends the bar's line, once", () => {
    const sink = new FakeSink(true);
    const printer = new ProgressPrinter(sink, { now: clock().now });
    printer.update(progress("tiles", 0.9, 2));
    printer.finish();
    printer.finish(); // only once
    expect(sink.text).toMatch(/ETA 00:00\n$/);
  });

  it("lines of their own carry no timestamp", () => {
    const sink = new FakeSink(true);
    new ProgressPrinter(sink, { now: clock().now }).line("Mode: fast");
    expect(sink.text).toBe("Mode: fast\n");
  });
});

describe("the bar's line at any width", () => {
  const p = progress("planes", 0.25, 10);
  it("never reaches the last column, down to one column", () => {
    for (let columns = 1; columns <= 240; columns++) {
      const line = barLine(p, columns);
      expect(line.length, `${columns} columns`).toBeLessThanOrEqual(Math.max(1, columns - 1));
      expect(line.length).toBeGreaterThan(0);
    }
  });
  it("leaves out the throughput, then the ETA, then the bar, then cuts", () => {
    expect(barLine(p, 200)).toBe(`planes [${"#".repeat(13)}${"-".repeat(37)}]  25.0%  25 MB/s  ETA 00:30`);
    expect(barLine(p, 80)).toBe(`planes [${"#".repeat(11)}${"-".repeat(32)}]  25.0%  25 MB/s  ETA 00:30`);
    expect(barLine(p, 47)).toBe("planes [###-------]  25.0%  25 MB/s  ETA 00:30");
    expect(barLine(p, 46)).toBe("planes [#####-------------]  25.0%  ETA 00:30");
    expect(barLine(p, 37)).toBe("planes [#####---------------]  25.0%");
    expect(barLine(p, 27)).toBe("planes [###-------]  25.0%");
    expect(barLine(p, 26)).toBe("planes  25.0%  ETA 00:30");
    expect(barLine(p, 24)).toBe("planes  25.0%");
    expect(barLine(p, 11)).toBe("planes 25%");
    expect(barLine(p, 10)).toBe("25%");
    expect(barLine(p, 2)).toBe("2");
  });
  it("an empty bar at 0 and a full one at 100 percent", () => {
    expect(barLine(progress("open", 0, 0), 40)).toMatch(/^open   \[-+\]   0\.0%/);
    expect(barLine(progress("finish", 1, 4), 40)).toMatch(/^finish \[#+\] 100\.0%/);
  });
});

describe("in a file (srun, sbatch): timestamped lines", () => {
  it("one line when a stage starts and one every 5 percent, never a carriage return", () => {
    const sink = new FakeSink(false);
    const c = clock();
    const printer = new ProgressPrinter(sink, { now: c.now });
    printer.update(progress("open", 0, 0));
    for (let i = 1; i <= 100; i++) {
      c.advance(100);
      printer.update(progress("planes", (0.6 * i) / 100, i / 10));
    }
    for (let i = 1; i <= 40; i++) printer.update(progress("tiles", 0.6 + (0.4 * i) / 40, 10 + i / 10, TOTAL));
    printer.update(progress("finish", 1, 15, TOTAL));
    const lines = sink.text.trimEnd().split("\n");
    expect(sink.text).not.toContain("\r");
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (planes|tiles|finish) \d+% \(elapsed \d\d:\d\d, \d+ MB\/s, ETA (\d\d:\d\d|--:--)\)$/);
    // No line for "open"; about 20 lines for 100 percent, not one per update.
    expect(lines.some((l) => l.includes(" open "))).toBe(false);
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines[0]).toContain("planes 1%");
    expect(lines.find((l) => l.includes(" tiles "))).toBeDefined();
    expect(lines.filter((l) => l.includes(" 100% ")).length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toContain("finish 100%");
  });

  it("prints the time, percent, throughput and ETA of the update", () => {
    const sink = new FakeSink(false);
    const printer = new ProgressPrinter(sink, { now: () => new Date("2025-01-02T03:04:05.678Z") });
    printer.update(progress("planes", 0.5, 20, 500e6));
    expect(sink.text).toBe("2025-01-02T03:04:05.678Z planes 50% (elapsed 00:20, 25 MB/s, ETA 00:20)\n");
  });

  it("a step of one's choosing", () => {
    const sink = new FakeSink(false);
    const printer = new ProgressPrinter(sink, { now: clock().now, stepPercent: 25 });
    for (let i = 1; i <= 100; i++) printer.update(progress("planes", i / 100, i));
    expect(sink.text.trimEnd().split("\n").map((l) => l.split(" ")[2])).toEqual(["1%", "26%", "51%", "76%", "100%"]);
  });

  it("lines of their own are timestamped", () => {
    const sink = new FakeSink(false);
    new ProgressPrinter(sink, { now: () => new Date("2025-01-02T03:04:05.000Z") }).line("Done: x");
    expect(sink.text).toBe("2025-01-02T03:04:05.000Z Done: x\n");
  });
});

describe("the lines around the progress", () => {
  it("the mode, why, and the threads", () => {
    expect(modeLine({ mode: "slow", reason: "fast mode would need 9 GB", threads: 10, threadsDetail: "SLURM_CPUS_PER_TASK=10" })).toBe(
      "Mode: slow — fast mode would need 9 GB. Threads: 10 (SLURM_CPUS_PER_TASK=10)",
    );
  });

  it("the summary: mode, time, throughput, peak memory", () => {
    const report = {
      output: "out.hdf5",
      mode: "fast",
      seconds: { total: 12.34, read: 1, compute: 2, write: 3 },
      bytesIn: 1234e6,
      peakRssBytes: 2.5e9,
      predictedBytes: 2.25e9,
    } as ConvertReport;
    expect(summaryLine(report)).toBe("Done: fast mode, 12.3 s, 100 MB/s, peak memory 2.500 GB (predicted 2.250 GB), wrote out.hdf5");
  });
});

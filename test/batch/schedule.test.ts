import { describe, expect, it } from "vitest";
import { nextToStart, SMALL_INPUT_BYTES, threadsFor } from "../../src/batch/schedule.js";

const jobs = (...gb: number[]) => gb.map((g) => ({ predictedBytes: g * 1e9, threads: 1 }));

describe("nextToStart", () => {
  const limits = { memory: 10e9, maxJobs: 3, threads: 8 };

  it("starts the first pending one when nothing runs, even if it needs more than there is", () => {
    expect(nextToStart(jobs(4, 1), [], limits)).toBe(0);
    expect(nextToStart(jobs(40), [], limits)).toBe(0);
  });

  it("starts the next in order while the sum fits", () => {
    expect(nextToStart(jobs(4, 1), jobs(5), limits)).toBe(0);
    expect(nextToStart(jobs(5, 1), jobs(5), limits)).toBe(0); // exactly full
  });

  it("lets a later, smaller one start beside when the next does not fit", () => {
    expect(nextToStart(jobs(6, 8, 2, 1), jobs(5), limits)).toBe(2);
  });

  it("waits when none fits, or when maxJobs run", () => {
    expect(nextToStart(jobs(6, 8), jobs(5), limits)).toBeUndefined();
    expect(nextToStart(jobs(0.1), jobs(1, 1, 1), limits)).toBeUndefined();
    expect(nextToStart([], jobs(1), limits)).toBeUndefined();
  });

  it("simulated: running memory never exceeds the limit once more than one runs, and every job runs", () => {
    const pending = jobs(3, 7, 2, 9, 1, 1, 4, 12, 0.5);
    const running: { predictedBytes: number; threads: number; ends: number }[] = [];
    let time = 0;
    let done = 0;
    while (pending.length > 0 || running.length > 0) {
      for (;;) {
        const i = nextToStart(pending, running, limits);
        if (i === undefined) break;
        const job = pending.splice(i, 1)[0]!;
        running.push({ ...job, ends: time + job.predictedBytes / 1e9 });
      }
      const used = running.reduce((s, r) => s + r.predictedBytes, 0);
      if (running.length > 1) expect(used).toBeLessThanOrEqual(limits.memory);
      expect(running.length).toBeLessThanOrEqual(limits.maxJobs);
      running.sort((a, b) => a.ends - b.ends);
      time = running.shift()!.ends;
      done++;
    }
    expect(done).toBe(9);
  });
});

describe("threads", () => {
  it("the threads in use count too: a later job with fewer threads may start first", () => {
    const pending = [{ predictedBytes: 1e9, threads: 4 }, { predictedBytes: 1e9, threads: 1 }];
    expect(nextToStart(pending, [{ predictedBytes: 1e9, threads: 5 }], limits8)).toBe(1);
    expect(nextToStart(pending, [{ predictedBytes: 1e9, threads: 8 }], limits8)).toBeUndefined();
    expect(nextToStart(pending, [{ predictedBytes: 1e9, threads: 4 }], limits8)).toBe(0);
  });

  it("by default 1 thread for a small input, up to 4 for others, all of them on a small machine", () => {
    expect(threadsFor(SMALL_INPUT_BYTES - 1, 16)).toBe(1);
    expect(threadsFor(SMALL_INPUT_BYTES, 16)).toBe(4);
    expect(threadsFor(SMALL_INPUT_BYTES, 10)).toBe(5);
    expect(threadsFor(SMALL_INPUT_BYTES, 2)).toBe(2);
    expect(threadsFor(1e12, 1)).toBe(1);
  });

  it("with --jobs, an equal share for every input, at least 1", () => {
    expect(threadsFor(10, 10, 2)).toBe(5);
    expect(threadsFor(1e12, 10, 3)).toBe(3);
    expect(threadsFor(1e12, 2, 4)).toBe(1);
  });
});

const limits8 = { memory: 100e9, maxJobs: 8, threads: 8 };

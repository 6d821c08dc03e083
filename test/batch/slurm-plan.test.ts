import { describe, expect, it } from "vitest";
import type { MemoryPrediction } from "../../src/engine/memory.js";
import {
  arraySizeWarning,
  directive,
  indexRanges,
  memArgument,
  planSlurm,
  requestFor,
  roundRequest,
  sbatchScript,
  shellQuote,
  submissions,
  TASK_PROCESS_BYTES,
  type PredictedInput,
  type SlurmOptions,
} from "../../src/batch/slurm-plan.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function prediction(fast: number, slow: number): MemoryPrediction {
  const shape = { naxis: 3, width: 1, height: 1, depth: 1, stokes: 1 } as MemoryPrediction["shape"];
  return { shape, fast: { mode: "fast", components: [], total: fast }, slow: { mode: "slow", components: [], total: slow } };
}

function input(name: string, bytes: number, fast: number, slow: number): PredictedInput {
  return { input: `/in/${name}.fits`, output: `/out/${name}.hdf5`, bytes, prediction: prediction(fast, slow) };
}

const options: SlurmOptions = { cpusPerTask: 4, maxMem: 64 * GiB, memMargin: 0.2, groupBytes: 1e9, jobName: "fits2idia", logDir: "/out/logs" };

describe("memory requests", () => {
  it("round up to 64 MiB below 4 GiB and to 1 GiB above", () => {
    expect(roundRequest(1)).toBe(64 * MiB);
    expect(roundRequest(64 * MiB)).toBe(64 * MiB);
    expect(roundRequest(64 * MiB + 1)).toBe(128 * MiB);
    expect(roundRequest(4 * GiB)).toBe(4 * GiB);
    expect(roundRequest(4 * GiB + 1)).toBe(5 * GiB);
  });
  it("are the prediction plus the margin plus the task's own process", () => {
    expect(requestFor(1e9, 0.2)).toBe(roundRequest(TASK_PROCESS_BYTES + 1.2e9));
    expect(requestFor(1e9, 0.2)).toBeGreaterThanOrEqual(1.2e9 + TASK_PROCESS_BYTES);
    expect(memArgument(1300 * MiB)).toBe("1300M");
  });
});

describe("planSlurm", () => {
  it("one task per large input, small ones grouped in order up to the group size", () => {
    const plan = planSlurm(
      [input("a", 2e9, 3e9, 1e9), input("b", 3e8, 5e8, 2e8), input("c", 4e8, 6e8, 2e8), input("d", 4e8, 6e8, 2e8), input("e", 5e9, 7e9, 1e9), input("f", 1e6, 2e8, 2e8)],
      options,
    );
    expect(plan.tasks.map((t) => t.inputs.map((i) => i.input.slice(4, 5)).join(""))).toEqual(["a", "bc", "d", "e", "f"]);
    expect(plan.tasks[1]!.memBytes).toBe(Math.max(requestFor(5e8, 0.2), requestFor(6e8, 0.2)));
    expect(plan.tasks.every((t) => t.inputs.every((i) => i.mode === "fast"))).toBe(true);
    expect(plan.refused).toEqual([]);
  });

  it("group size 0: one task per input", () => {
    const plan = planSlurm([input("a", 10, 1e8, 1e8), input("b", 10, 1e8, 1e8)], { ...options, groupBytes: 0 });
    expect(plan.tasks.map((t) => t.inputs.length)).toEqual([1, 1]);
  });

  it("slow mode where fast does not fit in --max-mem; refused where neither does", () => {
    const plan = planSlurm([input("big", 2e12, 2e12, 8e9), input("huge", 4e12, 4e12, 200e9), input("small", 1e9, 2e9, 1e9)], options);
    expect(plan.tasks.map((t) => t.inputs.map((i) => `${i.input}:${i.mode}`))).toEqual([["/in/big.fits:slow"], ["/in/small.fits:fast"]]);
    expect(plan.tasks[0]!.memBytes).toBe(requestFor(8e9, 0.2));
    expect(plan.refused).toEqual([{ input: "/in/huge.fits", reason: expect.stringMatching(/^even slow mode would ask for 224\.0 GiB, above the most a task may ask for \(64\.0 GiB, --max-mem\)$/) }]);
  });

  it("an explicit mode for every input", () => {
    const plan = planSlurm([input("a", 1e9, 2e9, 1e9)], { ...options, mode: "slow" });
    expect(plan.tasks[0]!.inputs[0]!.mode).toBe("slow");
    expect(planSlurm([input("a", 1e9, 100e9, 1e9)], { ...options, mode: "fast" }).refused[0]!.reason).toMatch(/^fast mode would ask for/);
  });

  it("inputs that could not be read are refused with the reason", () => {
    const plan = planSlurm([{ input: "/in/bad.fits", output: "/out/bad.hdf5", bytes: 3, error: "not a FITS file" }, input("a", 1, 1e8, 1e8)], options);
    expect(plan.refused).toEqual([{ input: "/in/bad.fits", reason: "not a FITS file" }]);
    expect(plan.tasks).toHaveLength(1);
  });
});

describe("submissions and the script", () => {
  const plan = planSlurm([input("a", 2e9, 1e8, 1e8), input("b", 2e9, 9e9, 1e9), input("c", 2e9, 1e8, 1e8), input("d", 2e9, 9e9, 1e9), input("e", 2e9, 1e8, 1e8)], options);

  it("array indices as ranges", () => {
    expect(indexRanges([0, 1, 2, 3])).toBe("0-3");
    expect(indexRanges([5, 0, 2, 3, 7, 8, 9])).toBe("0,2-3,5,7-9");
    expect(indexRanges([4])).toBe("4");
  });

  it("one submission per memory class, smallest first, each with its tasks and --mem", () => {
    const subs = submissions(plan, {});
    expect(subs.map((s) => s.args)).toEqual([
      ["--array=0,2,4", `--mem=${memArgument(requestFor(1e8, 0.2))}`],
      ["--array=1,3", `--mem=${memArgument(requestFor(9e9, 0.2))}`],
    ]);
    expect(submissions(plan, { maxRunning: 2 })[0]!.args[0]).toBe("--array=0,2,4%2");
  });

  it("the script: directives, the largest --mem, the classes' commands, the task's command", () => {
    const script = sbatchScript(plan, { ...options, time: "2:00:00", partition: "main", extra: ["--account=proj"] }, {
      node: "/usr/bin/node",
      command: "/opt/fits2idia ts/dist/cli/main.js",
      manifest: "/out/fits2idia.json",
      script: "/out/fits2idia.sbatch",
      created: new Date("2026-11-26T00:00:00Z"),
    });
    const lines = script.split("\n");
    expect(lines[0]).toBe("#!/bin/bash");
    expect(lines.filter((l) => l.startsWith("#SBATCH "))).toEqual([
      "#SBATCH --job-name=fits2idia",
      "#SBATCH --array=0-4",
      "#SBATCH --cpus-per-task=4",
      `#SBATCH --mem=${memArgument(requestFor(9e9, 0.2))}`,
      "#SBATCH --time=2:00:00",
      "#SBATCH --partition=main",
      "#SBATCH --output=/out/logs/%x-%A_%a.out",
      "#SBATCH --error=/out/logs/%x-%A_%a.err",
      "#SBATCH --account=proj",
    ]);
    expect(script).toContain(`#   sbatch --array=0,2,4 --mem=${memArgument(requestFor(1e8, 0.2))} /out/fits2idia.sbatch`);
    expect(lines.at(-2)).toBe("exec /usr/bin/node '/opt/fits2idia ts/dist/cli/main.js' batch --array-task /out/fits2idia.json");
    expect(script).toContain("5 inputs in 5 array tasks");
  });

  it("warns past Slurm's default MaxArraySize", () => {
    const many = (n: number) => planSlurm(Array.from({ length: n }, (_, i) => input(`f${i}`, 2e9, 1e8, 1e8)), options);
    expect(arraySizeWarning(many(1001))).toBeUndefined();
    expect(arraySizeWarning(many(1002))).toBe(
      "1002 array tasks: clusters with Slurm's default MaxArraySize (1001) refuse indices above 1000; a larger --group-size puts more inputs in each task",
    );
  });

  it("#SBATCH values with spaces are quoted, % in the log folder doubled, quotes refused", () => {
    expect(directive("--partition", "main")).toBe("--partition=main");
    expect(directive("--comment", "two nights")).toBe('--comment="two nights"');
    expect(() => directive("--comment", 'say "hi"')).toThrow('--comment=say "hi": a value with a double quote, a backslash or a line break cannot go into an #SBATCH line');
    const script = sbatchScript(plan, { ...options, logDir: "/data/run 100%/logs", extra: ["--comment=two nights", "--exclusive"] }, {
      node: "/usr/bin/node",
      command: "/c/main.js",
      manifest: "/out/m.json",
      script: "/out/s.sbatch",
      created: new Date(0),
    });
    expect(script).toContain('#SBATCH --output="/data/run 100%%/logs/%x-%A_%a.out"\n');
    expect(script).toContain('#SBATCH --comment="two nights"\n#SBATCH --exclusive\n');
  });

  it("quotes for the shell only when needed", () => {
    expect(shellQuote("/a/b-c_d.json")).toBe("/a/b-c_d.json");
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellQuote("$HOME")).toBe("'$HOME'");
  });
});

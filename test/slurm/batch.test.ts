/**
 * `fits2idia-ts batch --slurm --submit` on a real (single-node) Slurm: the built command writes
 * the job array for the sample files, submits it (one submission per memory class), every task
 * completes, and every output passes `fits2idia-ts verify` against its input. Submitted again,
 * the tasks keep the verified outputs.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommand, run, type BuiltCommand } from "../robustness/built-command.js";
import { root, useSlurmCluster, type JobResult } from "./cluster.js";

const cluster = useSlurmCluster();
let command: BuiltCommand;
let work = "";
let inDir = "";
let outDir = "";
const SAMPLES = ["sample-image.fits", "sample-cube.fits", "sample-stokes.fits", "sample-small-cube.fits.gz"];

beforeAll(() => {
  command = buildCommand("fits2idia-ts-slurm-test");
  // Under /tmp, readable by the job (which runs as this user, from another working folder).
  work = mkdtempSync(join("/tmp", "f2i-slurm-batch-"));
  inDir = join(work, "project");
  mkdirSync(join(inDir, "field2"), { recursive: true });
  copyFileSync(join(root, "data", SAMPLES[0]!), join(inDir, SAMPLES[0]!));
  copyFileSync(join(root, "data", SAMPLES[1]!), join(inDir, SAMPLES[1]!));
  copyFileSync(join(root, "data", SAMPLES[2]!), join(inDir, "field2", SAMPLES[2]!));
  copyFileSync(join(root, "data", SAMPLES[3]!), join(inDir, "field2", SAMPLES[3]!));
  outDir = join(work, "hdf5");
}, 120_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  command?.remove();
});

/** The command's environment: the cluster's (SLURM_CONF), no rc file of the machine. */
function env(): NodeJS.ProcessEnv {
  return cluster().env({ FITS2IDIA_RC: command.emptyRc });
}

async function submitAndWait(extra: string[]): Promise<{ stdout: string; jobs: JobResult[] }> {
  const done = await run(command, ["batch", inDir, "--out-dir", outDir, "--slurm", "--submit", "--cpus-per-task", "1", "--time", "0:10:00", ...extra], { env: env() });
  expect(done.stderr).toBe("");
  expect(done.code).toBe(0);
  const ids = [...done.stdout.matchAll(/^Submitted job array (\d+) /gm)].map((m) => Number(m[1]));
  expect(ids.length).toBeGreaterThan(0);
  const jobs: JobResult[] = [];
  for (const id of ids) jobs.push(await cluster().waitForJob(id, 150_000));
  return { stdout: done.stdout, jobs };
}

function logs(): string {
  const dir = join(outDir, "logs");
  return readdirSync(dir)
    .sort()
    .map((name) => readFileSync(join(dir, name), "utf8"))
    .join("");
}

describe("batch --slurm --submit on a real Slurm", () => {
  it("every array task completes and every output passes verify", async () => {
    // One task per input: four tasks, in as many memory classes as their predictions make.
    const { stdout, jobs } = await submitAndWait(["--group-size", "0"]);
    expect(stdout).toMatch(/^Wrote .*fits2idia\.sbatch \(a job array of 4 tasks for 4 inputs\)/);
    const tasks = jobs.flatMap((job) => job.tasks);
    expect(tasks.map((t) => t.state)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(tasks.map((t) => t.arrayTaskId).sort()).toEqual([0, 1, 2, 3]);
    expect(jobs.every((job) => job.ok)).toBe(true);

    const outputs = ["sample-image", "sample-cube", "field2/sample-stokes", "field2/sample-small-cube"].map((n) => join(outDir, `${n}.hdf5`));
    const inputs = [SAMPLES[0], SAMPLES[1], `field2/${SAMPLES[2]}`, `field2/${SAMPLES[3]}`].map((n) => join(inDir, n!));
    for (let i = 0; i < outputs.length; i++) {
      const verified = await run(command, ["verify", outputs[i]!, inputs[i]!], { env: env() });
      expect(verified.stderr).toBe("");
      expect(verified.stdout).toMatch(/^OK: /);
      expect(verified.code).toBe(0);
    }
    // Each task's log ends with its table; each task was given its Slurm memory and 1 CPU.
    const text = logs();
    expect(text.match(/^1 input: 1 converted, 0 skipped, 0 failed, in /gm)).toHaveLength(4);
    expect(text.match(/^at most 1 side by side, 1 thread each, in .* \(Slurm allocation, SLURM_MEM_PER_NODE=\d+ MB/gm)).toHaveLength(4);
  }, 240_000);

  it("submitted again, the tasks keep the outputs that pass verify", async () => {
    rmSync(join(outDir, "logs"), { recursive: true, force: true });
    const { jobs } = await submitAndWait([]); // default grouping: the four small inputs in one task
    expect(jobs.flatMap((job) => job.tasks).map((t) => t.state)).toEqual(["COMPLETED"]);
    expect(logs()).toMatch(/^4 inputs: 0 converted, 4 skipped, 0 failed, in /m);
  }, 240_000);
});

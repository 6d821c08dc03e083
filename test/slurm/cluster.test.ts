/**
 * Smoke tests of the test cluster itself (scripts/slurm/cluster.sh + ./cluster.ts): a job array
 * runs every task with the resources asked for, and failures come back with their exit code.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useSlurmCluster } from "./cluster.js";

const cluster = useSlurmCluster();
let work = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "f2i-slurm-jobs-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

describe("single-node Slurm test cluster", () => {
  it("has one idle node with this machine's CPUs", async () => {
    const c = cluster();
    const nodes = await c.command("sinfo", "-h", "-N", "-o", "%N %T %c");
    expect(nodes.trim()).toBe(`${c.nodeName} idle ${c.cpus}`);
  });

  it("runs a 3-task job array with the requested CPUs and memory", async () => {
    const c = cluster();
    const out = join(work, "array");
    const path = script(
      "array.sh",
      [
        "#!/bin/bash",
        "#SBATCH --job-name=f2i-smoke",
        "#SBATCH --array=0-2",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem=100M",
        "#SBATCH --time=00:02:00",
        `#SBATCH --output=${work}/array-%A_%a.out`,
        "set -euo pipefail",
        'mkdir -p "$OUT_DIR"',
        'echo "$SLURM_ARRAY_TASK_ID $SLURM_CPUS_PER_TASK $SLURM_MEM_PER_NODE $GREETING" > "$OUT_DIR/task-$SLURM_ARRAY_TASK_ID.txt"',
        "",
      ].join("\n"),
    );
    const id = await c.sbatchParsable(path, { OUT_DIR: out, GREETING: "hello" });
    const job = await c.waitForJob(id, 60_000);

    expect(job.tasks.map((t) => [t.arrayTaskId, t.state, t.exitCode]), job.tasks.map((t) => t.raw).join("\n")).toEqual([
      [0, "COMPLETED", 0],
      [1, "COMPLETED", 0],
      [2, "COMPLETED", 0],
    ]);
    expect(job.ok).toBe(true);
    for (const task of [0, 1, 2]) {
      // The submission environment (GREETING) reaches the job; --mem is per node, in MB.
      expect(readFileSync(join(out, `task-${task}.txt`), "utf8")).toBe(`${task} 1 100 hello\n`);
    }
    expect(job.tasks[0]?.stdOut).toBe(`${work}/array-${id}_0.out`);
  });

  it("reports a task that exits 3 as FAILED with exit code 3", async () => {
    const c = cluster();
    const path = script(
      "fail.sh",
      ["#!/bin/bash", "#SBATCH --mem=50M", "#SBATCH --cpus-per-task=1", `#SBATCH --output=${work}/fail-%j.out`, "echo failing", "exit 3", ""].join("\n"),
    );
    const id = await c.sbatchParsable(path);
    const job = await c.waitForJob(id, 60_000);
    expect(job.tasks).toHaveLength(1);
    expect(job.tasks[0]).toMatchObject({ jobId: id, arrayTaskId: null, state: "FAILED", exitCode: 3, signal: 0 });
    expect(job.ok).toBe(false);
    expect(readFileSync(job.tasks[0]!.stdOut, "utf8")).toBe("failing\n");
  });
});

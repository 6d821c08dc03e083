// Whole conversions against the I/O floor, measured side by side in one run: fast, slow and
// automatic modes on reproducible cubes. Writes bench/results/speed.{json,md}.
//   node bench/speed.mjs [--size small|medium|large] [--dir /tmp/fits2idia-bench] [--repeat 1]
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { convertInChild, ensureDir, ioFloor, machine, makeCube, markdownTable, ROOT, warm } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    dir: { type: "string", default: "/tmp/fits2idia-bench" },
    repeat: { type: "string", default: "1" },
    modes: { type: "string", default: "auto,fast,slow" },
    threads: { type: "string", default: "" },
  },
});
const dir = ensureDir(values.dir);
const CUBES = {
  small: [[512, 512, 64]],
  medium: [[1024, 1024, 256]],
  large: [[1024, 1024, 256], [2048, 2048, 256]],
}[values.size];
if (!CUBES) throw new Error(`unknown size ${values.size}`);
const repeat = Number(values.repeat);
// Runs: each mode with the default threads, then each mode with each thread count asked for.
const runsWanted = values.modes.split(",").map((mode) => ({ mode }));
for (const t of values.threads.split(",").filter(Boolean)) {
  for (const mode of values.modes.split(",").filter((m) => m !== "auto")) runsWanted.push({ mode, threads: Number(t) });
}

const results = [];
const rows = [];
for (const shape of CUBES) {
  const name = shape.join("x");
  const input = await makeCube(join(dir, `speed-${name}.fits`), shape);
  warm(input);
  const inputBytes = shape.reduce((a, b) => a * b, 1) * 4;
  for (let r = 0; r < repeat; r++) {
    let outputBytes;
    const runs = [];
    for (const { mode, threads } of runsWanted) {
      const output = join(dir, `speed-${name}-${mode}.hdf5`);
      const options = { ...(mode === "auto" ? {} : { mode }), ...(threads ? { threads } : {}) };
      const run = await convertInChild(input, output, options);
      outputBytes = run.bytesOut;
      rmSync(output, { force: true });
      runs.push({ mode, threads, run });
    }
    const floor = ioFloor(input, outputBytes, dir);
    rows.push([name, "I/O floor (cat + write)", floor.total.toFixed(2), (inputBytes / 1e6 / floor.total).toFixed(0), "-", "1.00"]);
    results.push({ shape, mode: "floor", seconds: floor.total, floor });
    for (const { mode, threads, run } of runs) {
      const label = `${mode === "auto" ? `auto (chose ${run.mode})` : mode}, ${run.threads} thread${run.threads === 1 ? "" : "s"}`;
      const ratio = run.wallSeconds / floor.total;
      rows.push([name, label, run.wallSeconds.toFixed(2), (inputBytes / 1e6 / run.wallSeconds).toFixed(0), (run.peakRssBytes / 2 ** 20).toFixed(0), ratio.toFixed(2)]);
      results.push({ shape, mode, threads: run.threads, chosen: run.mode, wallSeconds: run.wallSeconds, seconds: run.seconds, peakRssBytes: run.peakRssBytes, predictedBytes: run.predictedBytes, ratioToFloor: ratio });
    }
    for (const row of rows.slice(-runsWanted.length - 1)) console.log(row.join("  "));
  }
}
const header = `Whole conversions vs the I/O floor (${machine()}, ${new Date().toISOString().slice(0, 10)})`;
const table = markdownTable(["cube", "run", "wall s", "MB/s of input", "peak RSS MiB", "× floor"], rows);
writeFileSync(join(ROOT, "bench/results/speed.json"), JSON.stringify({ machine: machine(), results }, null, 2) + "\n");
writeFileSync(join(ROOT, "bench/results/speed.md"), `${header}\n\n${table}\n`);
console.log(`\n${header}\n\n${table}`);

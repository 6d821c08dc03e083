// The memory predictor against measured peak RSS: several shapes, both modes, each conversion
// in a fresh process. Writes bench/results/memory.{json,md}.
//   node bench/memory.mjs [--dir /tmp/fits2idia-bench] [--size small|medium]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { predictMemory } from "../dist/index.js";
import { convertInChild, ensureDir, machine, makeCube, markdownTable, ROOT } from "./lib.mjs";

const { values } = parseArgs({ options: { dir: { type: "string", default: "/tmp/fits2idia-bench" }, size: { type: "string", default: "medium" } } });
const dir = ensureDir(values.dir);

const SHAPES = {
  small: [[2048, 2048], [512, 512, 64], [300, 200, 40, 4], [1024, 1024, 32]],
  medium: [[4096, 4096], [1024, 1024, 64], [512, 512, 512], [2048, 2048, 16], [800, 600, 50, 4], [5000, 200, 100]],
}[values.size];
if (!SHAPES) throw new Error(`unknown size ${values.size}`);

const rows = [];
const results = [];
for (const shape of SHAPES) {
  const name = shape.join("x");
  const input = await makeCube(join(dir, `mem-${name}.fits`), shape);
  const prediction = await predictMemory(input);
  for (const mode of ["fast", "slow"]) {
    const output = join(dir, `mem-${name}-${mode}.hdf5`);
    const run = await convertInChild(input, output, { mode });
    const predicted = prediction[mode].total;
    const error = (predicted - run.peakRssBytes) / run.peakRssBytes;
    results.push({ shape, mode, predicted, measured: run.peakRssBytes, error, seconds: run.seconds.total });
    rows.push([name, mode, (predicted / 1e9).toFixed(3), (run.peakRssBytes / 1e9).toFixed(3), `${(100 * error).toFixed(1)} %`]);
    console.log(rows.at(-1).join("  "));
  }
}
const table = markdownTable(["shape", "mode", "predicted GB", "measured peak RSS GB", "error"], rows);
const header = `Memory predictor vs measured peak RSS (${machine()}, ${new Date().toISOString().slice(0, 10)})`;
writeFileSync(join(ROOT, "bench/results/memory.json"), JSON.stringify({ machine: machine(), results }, null, 2) + "\n");
writeFileSync(join(ROOT, "bench/results/memory.md"), `${header}\n\n${table}\n`);
console.log(`\n${header}\n\n${table}`);
const worst = Math.max(...results.map((r) => Math.abs(r.error)));
console.log(`\nworst error: ${(100 * worst).toFixed(1)} %`);

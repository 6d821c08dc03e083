// The memory predictor against measured peaks: several shapes, both modes, 1 and 2 threads,
// each conversion in a fresh process. Resident memory (peak RSS) against the prediction's
// total; with --address-space, the conversions run as the command runs them under `ulimit -v`
// (node --disable-wasm-trap-handler, MALLOC_ARENA_MAX=2) and the peak address space (VmPeak)
// is compared with the prediction's address space too. Writes bench/results/memory.{json,md}
// (memory-address-space.{json,md} with --address-space).
//   node bench/memory.mjs [--dir /tmp/fits2idia-bench] [--size small|medium] [--threads 1,2] [--address-space]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { predictMemory } from "../dist/index.js";
import { convertInChild, ensureDir, machine, makeCube, markdownTable, ROOT } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: "/tmp/fits2idia-bench" },
    size: { type: "string", default: "medium" },
    threads: { type: "string", default: "1,2" },
    "address-space": { type: "boolean", default: false },
  },
});
const dir = ensureDir(values.dir);
const addressSpace = values["address-space"];
const threadCounts = values.threads.split(",").map(Number);

const SHAPES = {
  small: [[2048, 2048], [512, 512, 64], [300, 200, 40, 4], [1024, 1024, 32], [1024, 1024, 96]],
  medium: [[4096, 4096], [1024, 1024, 64], [1024, 1024, 96], [512, 512, 512], [2048, 2048, 16], [800, 600, 50, 4], [5000, 200, 100]],
}[values.size];
if (!SHAPES) throw new Error(`unknown size ${values.size}`);

const childOptions = addressSpace ? { nodeFlags: ["--disable-wasm-trap-handler"], env: { MALLOC_ARENA_MAX: "2" } } : {};
const percent = (x) => `${(100 * x).toFixed(1)} %`;
const rows = [];
const results = [];
for (const shape of SHAPES) {
  const name = shape.join("x");
  const input = await makeCube(join(dir, `mem-${name}.fits`), shape);
  for (const threads of threadCounts) {
    const prediction = await predictMemory(input, { threads });
    for (const mode of ["fast", "slow"]) {
      const output = join(dir, `mem-${name}-${mode}.hdf5`);
      const run = await convertInChild(input, output, { mode, threads, ...childOptions });
      const predicted = prediction[mode].total;
      const error = (predicted - run.peakRssBytes) / run.peakRssBytes;
      const result = { shape, mode, threads, predicted, measured: run.peakRssBytes, error, seconds: run.seconds.total };
      const row = [name, mode, String(threads), (predicted / 1e9).toFixed(3), (run.peakRssBytes / 1e9).toFixed(3), percent(error)];
      if (addressSpace) {
        const space = prediction[mode].addressSpace.total;
        const spaceError = (space - run.vmPeakBytes) / run.vmPeakBytes;
        Object.assign(result, { addressSpace: space, vmPeak: run.vmPeakBytes, addressSpaceError: spaceError });
        row.push((space / 1e9).toFixed(3), (run.vmPeakBytes / 1e9).toFixed(3), percent(spaceError));
      }
      results.push(result);
      rows.push(row);
      console.log(row.join("  "));
    }
  }
}
const columns = ["shape", "mode", "threads", "predicted GB", "measured peak RSS GB", "error"];
if (addressSpace) columns.push("predicted address space GB", "measured VmPeak GB", "error");
const table = markdownTable(columns, rows);
const conditions = addressSpace ? ", as under ulimit -v: node --disable-wasm-trap-handler, MALLOC_ARENA_MAX=2" : "";
const header = `Memory predictor vs measured peaks (${machine()}, ${new Date().toISOString().slice(0, 10)}${conditions})`;
const base = addressSpace ? "memory-address-space" : "memory";
writeFileSync(join(ROOT, `bench/results/${base}.json`), JSON.stringify({ machine: machine(), results }, null, 2) + "\n");
writeFileSync(join(ROOT, `bench/results/${base}.md`), `${header}\n\n${table}\n`);
console.log(`\n${header}\n\n${table}`);
const under = results.filter((r) => r.error < 0 || (r.addressSpaceError ?? 0) < 0);
const worst = Math.max(...results.map((r) => r.error));
console.log(`\nlargest over-prediction of RSS: ${percent(worst)}; under-predictions: ${under.length}`);

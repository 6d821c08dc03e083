// Whole conversions with the TypeScript kernels and with the native (C++) ones, side by side in
// one run, each in a fresh process (FITS2IDIA_KERNELS=js / native), runs alternating so that
// both see the same machine, against the I/O floor. Writes bench/results/kernels-e2e.{json,md}.
//   node bench/kernels-e2e.mjs [--size small|medium|large] [--repeat 3] [--modes fast,slow] [--threads N]
import { writeFileSync } from "node:fs";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { convertInChild, ensureDir, ioFloor, machine, makeCube, markdownTable, ROOT, warm } from "./lib.mjs";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    dir: { type: "string", default: "/tmp/fits2idia-bench" },
    repeat: { type: "string", default: "3" },
    modes: { type: "string", default: "fast,slow" },
    threads: { type: "string", default: "" },
  },
});
const dir = ensureDir(values.dir);
const shape = { small: [512, 512, 64], medium: [1024, 1024, 256], large: [2048, 2048, 256] }[values.size];
if (!shape) throw new Error(`unknown size ${values.size}`);
const repeat = Number(values.repeat);
const modes = values.modes.split(",");
const threads = values.threads ? Number(values.threads) : undefined;
const KERNELS = ["js", "native"];

const name = shape.join("x");
const input = await makeCube(join(dir, `speed-${name}.fits`), shape);
warm(input);
const inputBytes = shape.reduce((a, b) => a * b, 1) * 4;
const loads = [loadavg()[0]];
/** wall seconds by `${mode}/${kernels}` */
const walls = new Map();
const runs = [];
let outputBytes = 0;
let threadsUsed = threads;
for (let r = 0; r < repeat; r++) {
  for (const mode of modes) {
    // Alternate which goes first, so that neither always follows the other.
    for (const kernels of r % 2 === 0 ? KERNELS : [...KERNELS].reverse()) {
      const output = join(dir, `e2e-${name}-${mode}-${kernels}.hdf5`);
      const run = await convertInChild(input, output, { mode, ...(threads ? { threads } : {}), env: { FITS2IDIA_KERNELS: kernels } });
      rmSync(output, { force: true });
      if (run.kernels !== kernels) throw new Error(`asked for ${kernels} kernels, the conversion ran ${run.kernels}`);
      outputBytes = run.bytesOut;
      threadsUsed = run.threads;
      const key = `${mode}/${kernels}`;
      walls.set(key, [...(walls.get(key) ?? []), run.wallSeconds]);
      runs.push({ mode, kernels, threads: run.threads, wallSeconds: run.wallSeconds, seconds: run.seconds, peakRssBytes: run.peakRssBytes });
      console.log(`${mode} ${kernels}: ${run.wallSeconds.toFixed(2)} s`);
      loads.push(loadavg()[0]);
    }
  }
}
const floor = ioFloor(input, outputBytes, dir);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const rows = [[name, "I/O floor (cat + write)", floor.total.toFixed(2), "-", (inputBytes / 1e6 / floor.total).toFixed(0), "1.00", "-"]];
for (const mode of modes) {
  const js = walls.get(`${mode}/js`);
  for (const kernels of KERNELS) {
    const w = walls.get(`${mode}/${kernels}`);
    const m = median(w);
    rows.push([
      name,
      `${mode}, ${threadsUsed} thread${threadsUsed === 1 ? "" : "s"}, ${kernels === "js" ? "TypeScript" : "native"} kernels`,
      m.toFixed(2),
      range(w),
      (inputBytes / 1e6 / m).toFixed(0),
      (m / floor.total).toFixed(2),
      kernels === "js" ? "1.00" : (median(js) / m).toFixed(2) + "×",
    ]);
  }
}
const load = `load average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (1 min) during the runs`;
const header = `Whole conversions, TypeScript vs native kernels (${machine()}, ${new Date().toISOString().slice(0, 10)}; median of ${repeat}, ${load})`;
const table = markdownTable(["cube", "run", "wall s (median)", "range", "MB/s of input", "× floor", "speed-up"], rows);
writeFileSync(join(ROOT, "bench/results/kernels-e2e.json"), JSON.stringify({ machine: machine(), shape, loads, floor, runs }, null, 2) + "\n");
writeFileSync(join(ROOT, "bench/results/kernels-e2e.md"), `${header}\n\n${table}\n`);
console.log(`\n${header}\n\n${table}`);

// Where the time of one conversion goes: wall time of each pass and, on the main thread, the
// seconds spent reading input, writing output and waiting for units. Usage:
//   node bench/profile-stages.mjs input.fits output.hdf5 '{"mode":"fast","threads":2}'
import { convert } from "../dist/index.js";

const [input, output, optionsText] = process.argv.slice(2);
const stages = new Map();
let last = performance.now();
let stage = "open";
const report = await convert(input, output, {
  ...JSON.parse(optionsText ?? "{}"),
  onProgress: (p) => {
    if (p.stage !== stage) {
      const now = performance.now();
      stages.set(stage, (now - last) / 1000);
      last = now;
      stage = p.stage;
    }
  },
});
stages.set(stage, (performance.now() - last) / 1000);
console.log(JSON.stringify({ mode: report.mode, threads: report.threads, total: report.seconds.total, mainThread: report.seconds, stages: Object.fromEntries(stages) }));

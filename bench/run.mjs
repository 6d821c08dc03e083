// The benchmark suite: `npm run bench [-- --size small|medium|large]`.
// Runs the kernel micro-benchmarks (benchmark.js, TypeScript and native kernels), whole
// conversions against the I/O floor, whole conversions with js and with native kernels, and the
// memory predictor against measured peak RSS; each writes its table to bench/results/.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    only: { type: "string", default: "kernels,speed,native,memory,batch" },
  },
  allowPositionals: true,
});
const parts = values.only.split(",");
const run = (script, args) => {
  console.log(`\n=== ${script} ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [new URL(script, import.meta.url).pathname, ...args], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
if (parts.includes("kernels")) run("kernels.mjs", values.size === "small" ? ["--quick"] : []);
if (parts.includes("speed")) run("speed.mjs", ["--size", values.size, "--threads", "1"]);
if (parts.includes("native")) run("kernels-e2e.mjs", ["--size", values.size, "--repeat", values.size === "small" ? "1" : "3"]);
if (parts.includes("memory")) run("memory.mjs", ["--size", values.size === "small" ? "small" : "medium"]);
if (parts.includes("batch")) run("batch.mjs", ["--size", values.size === "small" ? "small" : "medium"]);
run("charts.mjs", []);

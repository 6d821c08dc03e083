// The benchmark suite: `npm run bench [-- --size small|medium|large]`.
// Runs the kernel micro-benchmarks (benchmark.js), whole conversions against the I/O floor,
// and the memory predictor against measured peak RSS; each writes its table to bench/results/.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "small" },
    only: { type: "string", default: "kernels,speed,memory" },
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
if (parts.includes("memory")) run("memory.mjs", ["--size", values.size === "small" ? "small" : "medium"]);

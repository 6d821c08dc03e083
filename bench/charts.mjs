// Draws bench/results/speed.svg and memory.svg from the JSON results beside them (run by
// `npm run bench` after the benchmarks, or alone: `node bench/charts.mjs`).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { memoryChart, speedChart } from "./svg-charts.mjs";

const results = new URL("results/", import.meta.url);
const charts = [
  ["speed.json", "speed.svg", speedChart],
  ["memory.json", "memory.svg", memoryChart],
];
for (const [json, svg, chart] of charts) {
  const from = new URL(json, results);
  if (!existsSync(from)) continue;
  writeFileSync(new URL(svg, results), chart(JSON.parse(readFileSync(from, "utf8"))));
  console.log(`bench/results/${svg}`);
}

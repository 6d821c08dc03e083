// One conversion in its own process; prints a JSON line with the report and the peak RSS.
import { convert } from "../dist/index.js";

import { readFileSync } from "node:fs";

function vmPeak() {
  try {
    return Number(/^VmPeak:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
  } catch {
    return null;
  }
}

const [input, output, optionsText] = process.argv.slice(2);
const options = JSON.parse(optionsText ?? "{}");
delete options.env;
delete options.nodeFlags;
const report = await convert(input, output, options);
process.stdout.write(
  JSON.stringify({
    mode: report.mode,
    threads: report.threads,
    kernels: report.kernels?.name,
    seconds: report.seconds,
    bytesIn: report.bytesIn,
    bytesOut: report.bytesOut,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    // The peak address space (what `ulimit -v` limits), where /proc is there.
    vmPeakBytes: vmPeak(),
    predictedBytes: report.predictedBytes,
  }) + "\n",
);

// One conversion in its own process; prints a JSON line with the report and the peak RSS.
import { convert } from "../dist/index.js";

const [input, output, optionsText] = process.argv.slice(2);
const options = JSON.parse(optionsText ?? "{}");
delete options.env;
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
    predictedBytes: report.predictedBytes,
  }) + "\n",
);

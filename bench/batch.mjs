// Many small conversions: `fits2idia-ts batch` against converting the files one after another
// with the command (a shell loop), in the same run, with the I/O floor of all the files.
// `node bench/batch.mjs [--size small|medium] [--files N] [--dir /tmp/fits2idia-bench]`; writes bench/results/batch.{md,json}.
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, ensureDir, ioFloor, machine, makeCube, markdownTable, timeCommand } from "./lib.mjs";

const { values } = parseArgs({ options: { size: { type: "string", default: "small" }, files: { type: "string" }, dir: { type: "string", default: "/tmp/fits2idia-bench" } } });
// small: 16 cubes of 16 MiB; medium: 32 cubes of 32 MiB.
const shape = values.size === "medium" ? [512, 512, 32] : [256, 256, 64];
const files = Number(values.files ?? (values.size === "medium" ? 32 : 16));
const scratch = ensureDir(join(values.dir, `batch-${values.size}`));
const inDir = ensureDir(join(scratch, "in"));
for (let i = 0; i < files; i++) await makeCube(join(inDir, `cube-${String(i).padStart(3, "0")}.fits`), shape, 100 + i);
const inputs = readdirSync(inDir).filter((f) => f.endsWith(".fits")).sort().slice(0, files).map((f) => join(inDir, f));
const bin = join(ROOT, "dist", "cli", "main.js");
const env = { ...process.env, FITS2IDIA_RC: "/dev/null" };
const outDir = join(scratch, "out");
const outputBytes = () => readdirSync(outDir).reduce((n, f) => n + statSync(join(outDir, f)).size, 0);
const fresh = () => {
  rmSync(outDir, { recursive: true, force: true });
  ensureDir(outDir);
};

// Warm the page cache and measure the floor: reading every input, writing as many output bytes.
for (const input of inputs) execFileSync("sh", ["-c", `cat "${input}" > /dev/null`]);
fresh();
execFileSync(process.execPath, [bin, "batch", inDir, "-d", outDir, "--force"], { env, stdio: "ignore" });
const totalOut = outputBytes();
const floorRead = timeCommand("sh", ["-c", `cat "${inDir}"/*.fits > /dev/null`]);
const floorWrite = ioFloor("/dev/null", totalOut, scratch).write;
const floor = { read: floorRead, write: floorWrite, total: floorRead + floorWrite };

const runs = [];
const time = (name, command, args) => {
  fresh();
  const seconds = timeCommand(command, args, { env });
  runs.push({ name, seconds });
  console.log(`${name}: ${seconds.toFixed(2)} s`);
};
const loop = inputs.map((f) => `"${process.execPath}" "${bin}" "${f}" -o "${outDir}/$(basename "${f}" .fits).hdf5"`).join(" && ");
time("one after another (a shell loop of fits2idia-ts)", "sh", ["-c", loop]);
time("batch -j 1 (2 threads)", process.execPath, [bin, "batch", inDir, "-d", outDir, "-j", "1", "--threads", "2"]);
time("batch -j 2 (1 thread each)", process.execPath, [bin, "batch", inDir, "-d", outDir, "-j", "2", "--threads", "2"]);
time("batch (defaults)", process.execPath, [bin, "batch", inDir, "-d", outDir]);
fresh();
// A re-run over finished outputs: each is verified and kept.
execFileSync(process.execPath, [bin, "batch", inDir, "-d", outDir], { env, stdio: "ignore" });
time("batch again, outputs kept after verify", process.execPath, [bin, "batch", inDir, "-d", outDir]);

const inBytes = inputs.reduce((n, f) => n + statSync(f).size, 0);
const rows = [
  ["I/O floor (cat inputs + head -c outputs)", floor.total.toFixed(2), "1.00", "-"],
  ...runs.map((r) => [r.name, r.seconds.toFixed(2), (r.seconds / floor.total).toFixed(2), (inBytes / 1e6 / r.seconds).toFixed(0)]),
];
const table = markdownTable(["run", "wall s", "× floor", "input MB/s"], rows);
const text = `# Batch benchmark\n\n${files} cubes of ${shape.join("x")} float32 (${(inBytes / 1e6).toFixed(0)} MB in, ${(totalOut / 1e6).toFixed(0)} MB out); ${machine()}; load ${execFileSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).split(" ").slice(0, 3).join(" ")}.\n\n${table}\n`;
ensureDir(join(ROOT, "bench", "results"));
writeFileSync(join(ROOT, "bench", "results", "batch.md"), text);
writeFileSync(join(ROOT, "bench", "results", "batch.json"), `${JSON.stringify({ files, shape, inBytes, outBytes: totalOut, floor, runs }, null, 2)}\n`);
console.log(`\n${text}`);

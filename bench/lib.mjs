// Shared helpers of the benchmark suite: reproducible cubes, child-process measurements, the
// I/O floor and markdown tables. Everything imports the built package (dist/).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatCard } from "../dist/fits/card-format.js";
import { FitsWriter, encodeFloat32 } from "../dist/fits/writer.js";

export const ROOT = new URL("..", import.meta.url).pathname;

/** Write a float32 cube [stokes][depth][height][width] with 1 % NaN, seeded, plane by plane. */
export async function makeCube(path, [width, height, depth = 1, stokes = 1], seed = 1) {
  const naxes = [width, height, depth, stokes].slice(0, stokes > 1 ? 4 : depth > 1 ? 3 : 2);
  if (existsSync(path) && statSync(path).size >= width * height * depth * stokes * 4) return path;
  const writer = await FitsWriter.create(path);
  await writer.header([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", -32),
    formatCard("NAXIS", naxes.length),
    ...naxes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
    formatCard("BUNIT", "Jy/beam"),
  ]);
  let state = seed >>> 0;
  const plane = new Float32Array(width * height);
  for (let p = 0; p < depth * stokes; p++) {
    for (let i = 0; i < plane.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      plane[i] = state % 100 === 0 ? NaN : (state / 4294967296) * 10 - 2;
    }
    await writer.data(encodeFloat32(plane));
  }
  await writer.close();
  return path;
}

/** Run a command, return wall seconds (and throw on failure). */
export function timeCommand(command, args, options = {}) {
  const start = performance.now();
  execFileSync(command, args, { stdio: ["ignore", "ignore", "inherit"], ...options });
  return (performance.now() - start) / 1000;
}

/**
 * Convert in a child process (a fresh process per run, so its peak RSS is this run's alone).
 * Returns the child's report: seconds, mode, peak RSS, peak address space, predicted bytes.
 * `options.nodeFlags`: flags for node (e.g. --disable-wasm-trap-handler, as the command uses
 * under `ulimit -v`).
 */
export function convertInChild(input, output, options = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), join(ROOT, "bench/convert-child.mjs"), input, output, JSON.stringify(options)], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ...(options.env ?? {}) },
    });
    let text = "";
    child.stdout.on("data", (d) => (text += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`conversion of ${input} failed with exit code ${code}`));
      // The wall time of the whole process, start-up included, as a user would time the command.
      resolve({ ...JSON.parse(text), wallSeconds: (performance.now() - started) / 1000 });
    });
  });
}

/**
 * The I/O floor: reading the input once (cat to /dev/null) plus writing `outputBytes` bytes
 * (head -c from /dev/zero to a file), both with plain tools, in this run.
 */
export function ioFloor(input, outputBytes, scratchDir) {
  const target = join(scratchDir, "floor.bin");
  const read = timeCommand("sh", ["-c", `cat "${input}" > /dev/null`]);
  const write = timeCommand("sh", ["-c", `head -c ${outputBytes} /dev/zero > "${target}"`]);
  rmSync(target, { force: true });
  return { read, write, total: read + write };
}

/** Drop a file from the page cache's point of view: read it once so every run sees it warm. */
export function warm(path) {
  timeCommand("sh", ["-c", `cat "${path}" > /dev/null`]);
}

export function ensureDir(path) {
  mkdirSync(path, { recursive: true });
  return path;
}

export function markdownTable(headers, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function machine() {
  const cpus = (() => {
    try {
      return execFileSync("nproc", { encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  })();
  return `${cpus} cores, node ${process.version}`;
}

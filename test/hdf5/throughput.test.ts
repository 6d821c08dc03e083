/**
 * Manual throughput measurement of Hdf5Writer.writeSlab for the layouts the converter uses.
 * Skipped unless HDF5_BENCH=1:
 *
 *   HDF5_BENCH=1 npx vitest run test/hdf5/throughput
 *   HDF5_BENCH=1 HDF5_BENCH_DIR=/dev/shm HDF5_BENCH_MB=1024 npx vitest run test/hdf5/throughput
 *
 * Each configuration writes HDF5_BENCH_MB (default 1024) MB of float32 into a [1, Z, 4096, 4096]
 * dataset (create + slabs + close timed; then fsync, untimed, so runs do not inherit each
 * other's dirty pages) HDF5_BENCH_REPS (default 3) times and prints the median, the time spent in the kernel's write
 * calls, the peak RSS and the WebAssembly heap size.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "vitest";
import { openWriter } from "../../src/hdf5/index.js";
import { h5, loadH5 } from "../../src/hdf5/runtime.js";

const enabled = process.env["HDF5_BENCH"] === "1";

interface Config {
  name: string;
  chunked: boolean;
  /** Slab shape [1, planes, rows, cols] ([1, x, y, z] for the swizzled layout). */
  slab: [number, number, number, number];
  /** Write a swizzled-like [1, W, H, Z] dataset (contiguous) instead of DATA-like [1, Z, H, W]. */
  swizzled?: boolean;
}

const W = 4096;
const H = 4096;
const configs: Config[] = [
  { name: "chunked, 1 MB = one 512x512 chunk", chunked: true, slab: [1, 1, 512, 512] },
  { name: "chunked, 1 MB = 64 full rows (partial chunks)", chunked: true, slab: [1, 1, 64, W] },
  { name: "chunked, 8 MB = one row of chunks", chunked: true, slab: [1, 1, 512, W] },
  { name: "chunked, 16 MB = two rows of chunks", chunked: true, slab: [1, 1, 1024, W] },
  { name: "chunked, 64 MB = one plane", chunked: true, slab: [1, 1, H, W] },
  { name: "chunked, 256 MB = four planes", chunked: true, slab: [1, 4, H, W] },
  { name: "contiguous, 1 MB = 64 rows", chunked: false, slab: [1, 1, 64, W] },
  { name: "contiguous, 16 MB = 1024 rows", chunked: false, slab: [1, 1, 1024, W] },
  { name: "contiguous, 64 MB = one plane", chunked: false, slab: [1, 1, H, W] },
  { name: "contiguous, 256 MB = four planes", chunked: false, slab: [1, 4, H, W] },
  { name: "swizzled contiguous, 512x512xZ tile columns", chunked: false, slab: [1, 512, 512, 0], swizzled: true },
];

describe.skipIf(!enabled)("writeSlab throughput (manual)", () => {
  it("measures", async () => {
    await loadH5();
    const dir = fs.mkdtempSync(path.join(process.env["HDF5_BENCH_DIR"] ?? os.tmpdir(), "fits2idia-bench-"));
    const totalMB = Number(process.env["HDF5_BENCH_MB"] ?? 1024);
    const reps = Number(process.env["HDF5_BENCH_REPS"] ?? 3);
    const depth = Math.max(4, Math.round((totalMB * 2 ** 20) / (W * H * 4)));
    const shape = [1, depth, H, W];
    const lines: string[] = [];
    lines.push(`dataset [${shape.join(", ")}] float32 = ${(depth * H * W * 4) / 2 ** 20} MiB, in ${dir}`);
    // Time spent in the kernel's write calls (Emscripten's NODERAWFS writes with fs.writeSync).
    const below = fs.writeSync;
    let kernelMs = 0;
    (fs as { writeSync: unknown }).writeSync = function (this: unknown, ...args: unknown[]): number {
      const t = performance.now();
      try {
        return (below as (...a: unknown[]) => number).apply(this, args);
      } finally {
        kernelMs += performance.now() - t;
      }
    };
    try {
      for (const c of configs) {
        const dims = c.swizzled ? [1, W, H, depth] : shape;
        const slab = c.slab.map((n, i) => (n === 0 ? dims[i]! : n));
        const slabLen = slab.reduce((a, b) => a * b, 1);
        const data = new Float32Array(slabLen).map((_, i) => i % 1000);
        const runs: Array<{ s: number; kernel: number }> = [];
        let maxRss = 0;
        for (let rep = 0; rep < reps; rep++) {
          const p = path.join(dir, "bench.h5");
          kernelMs = 0;
          const t0 = performance.now();
          const w = await openWriter(p);
          w.createDataset({ path: "DATA", shape: dims, dtype: "float32", chunks: c.chunked ? [1, 1, 512, 512] : undefined });
          for (let a = 0; a < dims[1]!; a += slab[1]!)
            for (let b = 0; b < dims[2]!; b += slab[2]!)
              for (let d = 0; d < dims[3]!; d += slab[3]!) {
                w.writeSlab("DATA", [0, a, b, d], slab, data);
              }
          maxRss = Math.max(maxRss, process.memoryUsage().rss);
          w.close();
          runs.push({ s: (performance.now() - t0) / 1000, kernel: kernelMs / 1000 });
          const fd = fs.openSync(p, "r+");
          fs.fsyncSync(fd);
          fs.closeSync(fd);
          fs.rmSync(p);
        }
        runs.sort((a, b) => a.s - b.s);
        const med = runs[Math.floor(reps / 2)]!;
        const gb = (depth * H * W * 4) / 1e9;
        lines.push(
          `${c.name.padEnd(48)} ${(gb / med.s).toFixed(2).padStart(6)} GB/s  (median ${med.s.toFixed(2)} s, ` +
            `${med.kernel.toFixed(2)} s in write(), ${(med.s - med.kernel).toFixed(2)} s elsewhere; runs ${runs.map((r) => r.s.toFixed(2)).join("/")} s; ` +
            `peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB, wasm heap ${(h5().HEAPU8.length / 2 ** 20).toFixed(0)} MiB)`,
        );
      }
    } finally {
      (fs as { writeSync: unknown }).writeSync = below;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(lines.join("\n"));
  }, 1_800_000);
});

// Throughput of the numerical kernels (benchmark.js), printed as markdown tables: every row,
// then the TypeScript kernels against their C++ twins (native/) side by side.
//
//   npx tsc -p tsconfig.build.json && node bench/kernels.mjs [--quick] [--filter=text]
//
// MB/s counts the bytes of input each operation reads (1 MB = 1e6 bytes): the encoded FITS
// bytes for decoding, the float32 plane or cube otherwise. Rows marked "(alt)" are alternative
// implementations kept here for comparison with the one the kernel uses; rows marked
// "[native]" run the C++ addon (skipped, with a note, when it is not built).
import { loadavg } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import Benchmark from "benchmark";
import {
  MipmapAccumulator,
  ZStatsAccumulator,
  accumulateHistogram,
  createZStats,
  decodeToFloat32,
  numBins,
  planeStats,
  swizzle,
  swizzleBlocked,
  zStatsOfTile,
  gatherWindow,
} from "../dist/kernels/index.js";
import { nativeAddon } from "../dist/kernels/native-addon.js";
import { NativeKernels } from "../dist/kernels/native-kernels.js";

const addon = nativeAddon();
const native = addon.loaded ? new NativeKernels(addon.addon) : undefined;
if (!native) console.error(`native kernels not measured: ${addon.reason}`);

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const filter = (args.find((a) => a.startsWith("--filter=")) ?? "--filter=").slice("--filter=".length);
const maxTime = quick ? 0.5 : 1.5;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A plane of noise with 1% NaN, like a typical radio image. */
function makePlane(n, seed) {
  const rand = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() < 0.01 ? NaN : (rand() - 0.5) * 0.02;
  return a;
}

/** Big-endian float32 bytes of a plane, at byte `shift` of the buffer. */
function encodeF32(plane, shift) {
  const bytes = new Uint8Array(plane.length * 4 + shift).subarray(shift);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let i = 0; i < plane.length; i++) view.setFloat32(i * 4, plane[i], false);
  return bytes;
}

// ---- alternatives for the -32 decoder -------------------------------------------------------
function altSwapU32(src, n, dst) {
  // needs src.byteOffset % 4 === 0
  const s = new Uint32Array(src.buffer, src.byteOffset, n);
  const d = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const v = s[i];
    d[i] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
  }
}
function altCopySwap(src, n, dst) {
  new Uint8Array(dst.buffer, dst.byteOffset, n * 4).set(src.subarray(0, n * 4));
  const d = new Int32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const v = d[i];
    d[i] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
  }
}
function altGetFloat32(src, n, dst) {
  const view = new DataView(src.buffer, src.byteOffset, n * 4);
  for (let i = 0; i < n; i++) dst[i] = view.getFloat32(i * 4, false);
}

const rows = [];
/** Pairs of rows (TypeScript, native) of the same kernel on the same data, for the comparison table. */
const pairs = [];
function both(suite, name, bytes, jsFn, nativeFn) {
  add(suite, name, bytes, jsFn);
  if (!native || (filter && !name.includes(filter))) return;
  add(suite, `${name} [native]`, bytes, nativeFn);
  pairs.push(name);
}
function add(suite, name, bytes, fn) {
  if (filter && !name.includes(filter)) return;
  suite.add(name, fn, { maxTime, minSamples: 5, onStart: () => process.stderr.write(`${name} …\n`) });
  suite.bytesByName ??= new Map();
  suite.bytesByName.set(name, bytes);
}
function runSuite(suite) {
  suite.on("cycle", (e) => {
    const b = e.target;
    const bytes = suite.bytesByName.get(b.name);
    rows.push({ name: b.name, hz: b.hz, rme: b.stats.rme, mbps: (bytes * b.hz) / 1e6, samples: b.stats.sample.length });
  });
  suite.run({ async: false });
}

// ---- sizes ---------------------------------------------------------------------------------
const W = 4096;
const H = 4096;
const N = W * H; // a 64 MB float32 plane
const plane = makePlane(N, 1);
const out = new Float32Array(N);

{
  const s = new Benchmark.Suite("decode");
  const srcAligned = encodeF32(plane, 0);
  const srcUnaligned = encodeF32(plane, 1);
  const id = { bscale: 1, bzero: 0 };
  const scaled = { bscale: 2, bzero: 1 };
  both(s, `decode -32 ${W}x${H} aligned`, N * 4, () => decodeToFloat32(srcAligned, -32, N, out, 0, id), () => native.decodeToFloat32(srcAligned, -32, N, out, 0, id));
  add(s, `decode -32 ${W}x${H} unaligned`, N * 4, () => decodeToFloat32(srcUnaligned, -32, N, out, 0, id));
  // the bytes already sit in dst (as after a read into dst's buffer); swapping twice restores them
  both(s, `decode -32 ${W}x${H} in place`, N * 4, () => decodeToFloat32(new Uint8Array(out.buffer), -32, N, out, 0, id), () => native.decodeToFloat32(new Uint8Array(out.buffer), -32, N, out, 0, id));
  both(s, `decode -32 ${W}x${H} scaled`, N * 4, () => decodeToFloat32(srcAligned, -32, N, out, 0, scaled), () => native.decodeToFloat32(srcAligned, -32, N, out, 0, scaled));
  add(s, `(alt) -32 Uint32Array swap, aligned`, N * 4, () => altSwapU32(srcAligned, N, out));
  add(s, `(alt) -32 copy then swap in place, unaligned`, N * 4, () => altCopySwap(srcUnaligned, N, out));
  add(s, `(alt) -32 DataView.getFloat32, aligned`, N * 4, () => altGetFloat32(srcAligned, N, out));
  const i16 = new Uint8Array(N * 2 + 1).subarray(1);
  for (let i = 0; i < i16.length; i++) i16[i] = (i * 2654435761) >>> 13;
  const u16 = { bscale: 1, bzero: 32768, blank: -32768n };
  both(s, `decode 16 ${W}x${H} BZERO 32768 + BLANK`, N * 2, () => decodeToFloat32(i16, 16, N, out, 0, u16), () => native.decodeToFloat32(i16, 16, N, out, 0, u16));
  const i64 = new Uint8Array(N * 8 / 4);
  for (let i = 0; i < i64.length; i++) i64[i] = (i * 2654435761) >>> 13;
  both(s, `decode 64 ${W}x${H / 4} scaled`, (N / 4) * 8, () => decodeToFloat32(i64, 64, N / 4, out, 0, scaled), () => native.decodeToFloat32(i64, 64, N / 4, out, 0, scaled));
  runSuite(s);
}

{
  const s = new Benchmark.Suite("stats");
  const st = planeStats(plane);
  const bins = new Float64Array(numBins(W, H));
  both(s, `planeStats ${W}x${H}`, N * 4, () => planeStats(plane), () => native.planeStats(plane));
  both(
    s,
    `accumulateHistogram ${W}x${H} (${bins.length} bins)`,
    N * 4,
    () => accumulateHistogram(plane, 0, N, st.min, st.max, bins.fill(0)),
    () => native.accumulateHistogram(plane, 0, N, st.min, st.max, bins.fill(0)),
  );
  {
    // Noise around 0 with one bright pixel, as in a radio image: most values fall in a few bins.
    const peaked = plane.map((v) => v * 1e-3);
    peaked[12345] = 1000;
    const sp = planeStats(peaked);
    both(
      s,
      `accumulateHistogram ${W}x${H} (${bins.length} bins, values in a few bins)`,
      N * 4,
      () => accumulateHistogram(peaked, 0, N, sp.min, sp.max, bins.fill(0)),
      () => native.accumulateHistogram(peaked, 0, N, sp.min, sp.max, bins.fill(0)),
    );
  }
  const z = new ZStatsAccumulator(N);
  add(s, `ZStatsAccumulator.addPlane ${W}x${H}`, N * 4, () => z.addPlane(plane));
  {
    const [d, p] = [64, 512 * 512];
    const tile = makePlane(d * p, 3);
    const zs = createZStats(p);
    both(s, `zStatsOfTile ${d}x512x512`, d * p * 4, () => zStatsOfTile(tile, d, p, zs), () => native.zStatsOfTile(tile, d, p, zs));
  }
  const mip = new MipmapAccumulator(W, H);
  const nativeMip = native?.mipmapAccumulator(W, H);
  const means = mip.levels.map((l) => new Float32Array(l.width * l.height));
  const meansOf = (acc) => means.forEach((m, k) => acc.means(k, m));
  both(
    s,
    `mipmaps ${W}x${H} (${mip.levels.length} levels, sums and means)`,
    N * 4,
    () => (mip.addPlane(plane), meansOf(mip)),
    () => (nativeMip.addPlane(plane), meansOf(nativeMip)),
  );
  {
    // A fast-mode strip: 32 columns of a 64x1024x1024 cube through every channel.
    const [d, h, w] = [64, 1024, 1024];
    const cube = makePlane(d * h * w, 4);
    const window = { x: 512, y: 0, width: 32, height: h };
    const target = new Float32Array(d * h * 32);
    both(s, `gatherWindow 32x${h} of ${d}x${h}x${w}`, d * h * 32 * 4, () => gatherWindow(cube, d, h, w, window, target), () => native.gatherWindow(cube, d, h, w, window, target));
  }
  runSuite(s);
}

{
  const s = new Benchmark.Suite("swizzle");
  for (const [d, h, w] of [
    [64, 1024, 1024],
    [256, 512, 512],
    // the windows of the 1 GiB cube: fast mode's strips, slow mode's 512x85 windows
    [256, 1024, 32],
    [256, 85, 512],
    [4, 2048, 2048],
    [3, 512, 512],
  ]) {
    const n = d * h * w;
    const src = makePlane(n, 2);
    const dst = new Float32Array(n);
    both(s, `swizzle ${d}x${h}x${w}`, n * 4, () => swizzle(src, d, h, w, dst), () => native.swizzle(src, d, h, w, dst));
    if (native) {
      // The default is tiles of 8 columns by 32 channels for depth >= 8, else 4 by 16.
      const variants = d >= 8 ? [[1, "tiles 4x16"], [2, "tiles 8x8"], [3, "tiles 16x16"], [4, "tiles 16x4"], [5, "tiles 8x16"]] : [[7, "tiles 8x32"], [2, "tiles 8x8"]];
      for (const [variant, shape] of variants) {
        add(s, `(alt) swizzle ${d}x${h}x${w} ${shape} [native]`, n * 4, () => native.swizzle(src, d, h, w, dst, 0, 0, variant));
      }
    }
    if (d === 64 || d === 4) {
      for (const [bz, by] of [
        [1, 1],
        [8, 1],
        [16, 1],
        [d, Math.ceil(32 / d)],
      ]) {
        add(s, `(alt) swizzle ${d}x${h}x${w} blockZ ${bz} blockY ${by}`, n * 4, () =>
          swizzleBlocked(src, d, h, w, dst, 0, 0, bz, by),
        );
      }
    }
  }
  runSuite(s);
}

const load = loadavg().map((l) => l.toFixed(2)).join(" ");
const byName = new Map(rows.map((r) => [r.name, r]));
const comparison = pairs
  .map((name) => [name, byName.get(name), byName.get(`${name} [native]`)])
  .filter(([, js, nat]) => js && nat)
  .map(([name, js, nat]) => `| ${name} | ${js.mbps.toFixed(0)} | ${nat.mbps.toFixed(0)} | ${(nat.hz / js.hz).toFixed(2)}× |`);
const lines = [
  `Kernel throughput (Node ${process.version}, ${process.arch}; maxTime ${maxTime}s per row; load average ${load} at the end)`,
  "",
  "| kernel | ops/s | ±% | MB/s |",
  "|---|---:|---:|---:|",
  ...rows.map((r) => `| ${r.name} | ${r.hz.toFixed(2)} | ${r.rme.toFixed(1)} | ${r.mbps.toFixed(0)} |`),
  ...(comparison.length > 0
    ? ["", "TypeScript and native kernels, same data, same run", "", "| kernel | js MB/s | native MB/s | native / js |", "|---|---:|---:|---:|", ...comparison]
    : ["", `Native kernels not measured: ${addon.loaded ? "filtered out" : addon.reason}.`]),
];
console.log(`\n${lines.join("\n")}`);
const results = new URL("./results/", import.meta.url);
mkdirSync(results, { recursive: true });
writeFileSync(new URL("kernels.md", results), lines.join("\n") + "\n");
writeFileSync(new URL("kernels.json", results), JSON.stringify({ node: process.version, loadavg: loadavg(), native: addon.loaded, rows }, null, 2) + "\n");

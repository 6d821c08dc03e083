#!/usr/bin/env node
/**
 * Read throughput of FitsImage.readPlanes on a large BITPIX -32 file, compared with `cat`.
 *
 *   npx tsc -p tsconfig.build.json && node bench/read-throughput.mjs [options]
 *
 * Options: --width 1024 --height 1024 --depth 256 (1 GiB), --batches 8,64,256, --repeat 3,
 * --file /tmp/fits2idia-read-throughput.fits, --keep (do not delete the file afterwards).
 *
 * The file is written with plain fs writes (big-endian floats, FITS header and padding), read
 * once to warm the page cache, then timed: `cat file > /dev/null`, a plain Node read loop
 * (8 MiB reads, no decoding) and readPlanes over all planes in batches of N planes into one
 * Float32Array. Each is run --repeat times; the best and median runs are reported in MB/s
 * (10^6 bytes of file data per second). The output array of each batch size is allocated and
 * touched once before its runs are timed: the first touch of fresh memory costs page faults
 * (printed, not timed), which on some virtual machines are slower than the read itself.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { parseArgs } from "node:util";
import { FitsImage } from "../dist/fits/image.js";

const { values: args } = parseArgs({
  options: {
    width: { type: "string", default: "1024" },
    height: { type: "string", default: "1024" },
    depth: { type: "string", default: "256" },
    batches: { type: "string", default: "8,64,256" },
    repeat: { type: "string", default: "3" },
    file: { type: "string", default: "/tmp/fits2idia-read-throughput.fits" },
    keep: { type: "boolean", default: false },
  },
});
const width = Number(args.width);
const height = Number(args.height);
const depth = Number(args.depth);
const batches = args.batches.split(",").map(Number);
const repeat = Number(args.repeat);
const path = args.file;
const planeSize = width * height;
const dataBytes = planeSize * depth * 4;

function card(text) {
  return text.padEnd(80).slice(0, 80);
}
function valueCard(keyword, value) {
  return card(`${keyword.padEnd(8)}= ${String(value).padStart(20)}`);
}

function writeFile() {
  const cards = [
    valueCard("SIMPLE", "T"),
    valueCard("BITPIX", -32),
    valueCard("NAXIS", 3),
    valueCard("NAXIS1", width),
    valueCard("NAXIS2", height),
    valueCard("NAXIS3", depth),
    card("END"),
  ].join("");
  const header = Buffer.alloc(Math.ceil(cards.length / 2880) * 2880, " ");
  header.write(cards, "latin1");
  const fd = openSync(path, "w");
  try {
    writeSync(fd, header);
    const plane = Buffer.alloc(planeSize * 4);
    const view = new DataView(plane.buffer, plane.byteOffset, plane.length);
    for (let z = 0; z < depth; z++) {
      for (let i = 0; i < planeSize; i++) view.setFloat32(i * 4, ((i * 7 + z * 13) % 1000) * 0.25 - 100, false);
      writeSync(fd, plane);
    }
    const padding = (2880 - (dataBytes % 2880)) % 2880;
    if (padding > 0) writeSync(fd, Buffer.alloc(padding));
  } finally {
    closeSync(fd);
  }
}

function cat() {
  execFileSync("sh", ["-c", 'cat "$0" > /dev/null', path]);
}

async function nodeRead() {
  const handle = await open(path, "r");
  const buffer = new Uint8Array(8 << 20);
  try {
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Output arrays, one per batch size, allocated and touched once before timing. */
const outputs = new Map();
function outputFor(batch) {
  let out = outputs.get(batch);
  if (out === undefined) {
    out = new Float32Array(Math.min(batch, depth) * planeSize);
    const start = process.hrtime.bigint();
    out.fill(0); // first touch: page faults, not part of the read
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    console.log(`  (output of ${batch} planes, ${(out.byteLength / 2 ** 20).toFixed(0)} MiB: first touch ${s.toFixed(2)} s, not timed)`);
    outputs.set(batch, out);
  }
  return out;
}

async function readPlanes(batch) {
  const out = outputFor(batch);
  const image = await FitsImage.open(path);
  try {
    let check = 0;
    for (let first = 0; first < image.planeCount; first += batch) {
      const count = Math.min(batch, image.planeCount - first);
      await image.readPlanes(first, count, out, 0);
      check += out[count * planeSize - 1];
    }
    return check;
  } finally {
    await image.close();
  }
}

async function time(run) {
  const seconds = [];
  for (let r = 0; r < repeat; r++) {
    const start = process.hrtime.bigint();
    await run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return { best: seconds[0], median: seconds[Math.floor(seconds.length / 2)] };
}

const mbps = (bytes, s) => bytes / s / 1e6;
const fmt = (x) => x.toFixed(0).padStart(6);

const started = process.hrtime.bigint();
writeFile();
console.log(
  `wrote ${path}: ${width}x${height}x${depth} BITPIX -32, ${(dataBytes / 2 ** 30).toFixed(2)} GiB of data ` +
    `in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`,
);
try {
  cat(); // warm the page cache: every run below reads from memory
  const rows = [];
  const catTime = await time(async () => cat());
  rows.push(["cat file > /dev/null", catTime]);
  rows.push(["node fs read, 8 MiB, no decode", await time(nodeRead)]);
  for (const batch of batches) {
    outputFor(batch);
    rows.push([`readPlanes, batches of ${batch} planes`, await time(() => readPlanes(batch))]);
    outputs.delete(batch);
  }
  console.log(`node ${process.version}, ${repeat} runs each; MB/s = 10^6 bytes of file data per second\n`);
  console.log(`${"".padEnd(36)}  best MB/s  median MB/s  best/cat`);
  const catBest = mbps(dataBytes, catTime.best);
  for (const [name, t] of rows) {
    const best = mbps(dataBytes, t.best);
    console.log(`${name.padEnd(36)}  ${fmt(best)}     ${fmt(mbps(dataBytes, t.median))}      ${(best / catBest).toFixed(2)}`);
  }
} finally {
  if (!args.keep) rmSync(path, { force: true });
}

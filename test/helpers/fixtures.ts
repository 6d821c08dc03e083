/**
 * Test fixtures: cubes of chosen shapes and value patterns, and an independent minimal FITS
 * writer (DataView, big-endian) so that reader tests do not depend on src/fits/writer.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cube } from "./naive.js";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Pattern =
  | "random"
  | "nan-inf" // random with NaN, +Inf and -Inf sprinkled
  | "all-nan"
  | "nan-channel" // channel 1 (or 0 for depth 1) entirely NaN
  | "nan-pixel" // pixel (1,1) NaN in every channel
  | "single" // one finite value, the rest NaN
  | "constant"
  | "overflow" // values whose float32 squares overflow
  | "integers"; // small integers: many exact histogram edges

/** A cube [stokes][depth][height][width] with values following `pattern`. */
export function makeCube(
  naxis: 2 | 3 | 4,
  width: number,
  height: number,
  depth: number,
  stokes: number,
  pattern: Pattern,
  seed = 1,
): Cube {
  const random = mulberry32(seed);
  const n = width * height * depth * stokes;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % width;
    const y = Math.floor(i / width) % height;
    const z = Math.floor(i / (width * height)) % depth;
    let v: number;
    switch (pattern) {
      case "random":
        v = (random() - 0.3) * 100;
        break;
      case "nan-inf": {
        const r = random();
        v = r < 0.05 ? NaN : r < 0.07 ? Infinity : r < 0.09 ? -Infinity : (random() - 0.5) * 1e3;
        break;
      }
      case "all-nan":
        v = NaN;
        break;
      case "nan-channel":
        v = z === Math.min(1, depth - 1) ? NaN : random() * 10;
        break;
      case "nan-pixel":
        v = x === 1 % width && y === 1 % height ? NaN : random() - 0.5;
        break;
      case "single":
        v = i === Math.floor(n / 3) ? 42.5 : NaN;
        break;
      case "constant":
        v = 3.25;
        break;
      case "overflow":
        v = random() < 0.5 ? 3e19 * (1 + random()) : -1e30 * random();
        break;
      case "integers":
        v = Math.floor(random() * 7) - 3;
        break;
    }
    values[i] = v;
  }
  return { width, height, depth, stokes, naxis, values };
}

/** Header cards padded to 80 characters. */
export function card(text: string): string {
  if (text.length > 80) throw new Error(`card too long: ${text}`);
  return text.padEnd(80);
}

export function valueCard(keyword: string, value: string): string {
  return card(`${keyword.padEnd(8)}= ${value.padStart(20)}`);
}

export function headerBytes(cards: string[]): Uint8Array {
  const text = [...cards, card("END")].join("");
  const size = Math.ceil(text.length / 2880) * 2880;
  const bytes = new Uint8Array(size).fill(32);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export type Bitpix = 8 | 16 | 32 | 64 | -32 | -64;

/** Raw values (integers for integer BITPIX) as big-endian bytes, padded to 2880. */
export function dataBytes(values: ArrayLike<number | bigint>, bitpix: Bitpix, pad = true): Uint8Array {
  const size = Math.abs(bitpix) / 8;
  const length = values.length * size;
  const bytes = new Uint8Array(pad ? Math.ceil(length / 2880) * 2880 : length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (bitpix === 8) view.setUint8(i, Number(v));
    else if (bitpix === 16) view.setInt16(i * 2, Number(v));
    else if (bitpix === 32) view.setInt32(i * 4, Number(v));
    else if (bitpix === 64) view.setBigInt64(i * 8, BigInt(v));
    else if (bitpix === -32) view.setFloat32(i * 4, Number(v));
    else view.setFloat64(i * 8, Number(v));
  }
  return bytes;
}

export function primaryCards(bitpix: Bitpix, axes: number[], extra: string[] = []): string[] {
  return [
    valueCard("SIMPLE", "T"),
    valueCard("BITPIX", String(bitpix)),
    valueCard("NAXIS", String(axes.length)),
    ...axes.map((n, i) => valueCard(`NAXIS${i + 1}`, String(n))),
    ...extra,
  ];
}

export function extensionCards(bitpix: Bitpix, axes: number[], extra: string[] = [], xtension = "IMAGE"): string[] {
  return [
    card(`XTENSION= '${xtension.padEnd(8)}'`),
    valueCard("BITPIX", String(bitpix)),
    valueCard("NAXIS", String(axes.length)),
    ...axes.map((n, i) => valueCard(`NAXIS${i + 1}`, String(n))),
    valueCard("PCOUNT", "0"),
    valueCard("GCOUNT", "1"),
    ...extra,
  ];
}

/** Bytes of a float32 FITS file holding a cube, with optional extra header cards. */
export function cubeFile(cube: Cube, extra: string[] = []): Uint8Array {
  const axes = [cube.width, cube.height, cube.depth, cube.stokes].slice(0, cube.naxis);
  return concat([headerBytes(primaryCards(-32, axes, extra)), dataBytes(cube.values, -32)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A temporary folder removed by the returned cleanup. */
export function tempFolder(prefix = "fits2idia-test-"): { dir: string; file: (name: string) => string; write: (name: string, bytes: Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name) => join(dir, name),
    write: (name, bytes) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

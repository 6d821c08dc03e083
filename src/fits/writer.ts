/**
 * A small FITS writer: headers from cards, data in any BITPIX, big-endian, padded to 2880-byte
 * blocks. It makes the sample files in data/, the test fixtures and the benchmark cubes, and it
 * streams, so a cube of several GiB is written plane by plane.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { Bitpix } from "./hdu-info.js";

export const BLOCK = 2880;

/** Header bytes from 80-character cards (a card string may hold several cards), END appended. */
export function encodeHeader(cards: readonly string[]): Uint8Array {
  const text = cards.join("") + "END".padEnd(80);
  if (text.length % 80 !== 0) throw new RangeError("cards must be multiples of 80 characters");
  const size = Math.ceil(text.length / BLOCK) * BLOCK;
  const bytes = new Uint8Array(size).fill(0x20);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Encode values (already raw: integers for integer BITPIX) as big-endian bytes. */
export function encodeValues(values: ArrayLike<number> | BigInt64Array, bitpix: Bitpix): Uint8Array {
  const n = values.length;
  const size = Math.abs(bitpix) / 8;
  const bytes = new Uint8Array(n * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    switch (bitpix) {
      case 8: view.setUint8(i, Number(v)); break;
      case 16: view.setInt16(i * 2, Number(v)); break;
      case 32: view.setInt32(i * 4, Number(v)); break;
      case 64: view.setBigInt64(i * 8, typeof v === "bigint" ? v : BigInt(v)); break;
      case -32: view.setFloat32(i * 4, Number(v)); break;
      case -64: view.setFloat64(i * 8, Number(v)); break;
    }
  }
  return bytes;
}

/** Zero bytes that complete a data unit of `dataBytes` to a whole number of blocks. */
export function dataPadding(dataBytes: number): Uint8Array {
  return new Uint8Array((BLOCK - (dataBytes % BLOCK)) % BLOCK);
}

/**
 * Streams one or more HDUs into a file: `header()` then `data()` as often as needed; the data
 * unit is padded when the next header starts or the file closes.
 */
export class FitsWriter {
  #handle: FileHandle;
  #dataBytes = 0;
  #open = false;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async create(path: string): Promise<FitsWriter> {
    return new FitsWriter(await open(path, "w"));
  }

  async header(cards: readonly string[]): Promise<void> {
    await this.#pad();
    await this.#handle.write(encodeHeader(cards));
    this.#open = true;
    this.#dataBytes = 0;
  }

  /** Append encoded big-endian bytes (see encodeValues) to the current data unit. */
  async data(bytes: Uint8Array): Promise<void> {
    if (!this.#open) throw new Error("FitsWriter: data() before header()");
    await this.#handle.write(bytes);
    this.#dataBytes += bytes.length;
  }

  async close(): Promise<void> {
    await this.#pad();
    await this.#handle.close();
  }

  async #pad(): Promise<void> {
    if (this.#open && this.#dataBytes % BLOCK !== 0) await this.#handle.write(dataPadding(this.#dataBytes));
    this.#dataBytes = 0;
  }
}

/** Float32 values as big-endian BITPIX -32 bytes, fast (for large cubes). */
export function encodeFloat32(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const src = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < out.length; i += 4) {
    out[i] = src[i + 3]!;
    out[i + 1] = src[i + 2]!;
    out[i + 2] = src[i + 1]!;
    out[i + 3] = src[i]!;
  }
  return out;
}

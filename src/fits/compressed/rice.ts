/**
 * The Rice decoder of RICE_1 tile compression (FITS 4.0 §10.4.1; White, Greenfield, Pence &
 * Tody 2013). A tile is coded as: its first value in `bytePix` bytes (big-endian), then blocks
 * of `blockSize` pixel differences, each block led by an `fsBits`-bit code: 0 (all differences
 * zero), `fsMax + 1` (differences stored raw in 8 × bytePix bits), or fs + 1 (each difference
 * as a unary quotient, zeros ended by a one, then `fs` low bits). Differences are zig-zag mapped
 * (even: d / 2; odd: ~(d >> 1)) and added modulo 2^(8 × bytePix). Pure.
 */

/** fsBits and fsMax for each value width (bytes). */
const CODES: Readonly<Record<1 | 2 | 4, { fsBits: number; fsMax: number }>> = {
  1: { fsBits: 3, fsMax: 6 },
  2: { fsBits: 4, fsMax: 14 },
  4: { fsBits: 5, fsMax: 25 },
};

export class RiceError extends Error {
  override readonly name = "RiceError";
}

/**
 * Decode `count` values from `input` into `out` (unsigned 8-, 16- or 32-bit per `bytePix`;
 * read them through an Int16/Int32 view for the signed values). Throws RiceError when the
 * stream ends before every value is decoded.
 */
export function riceDecode(input: Uint8Array, bytePix: 1 | 2 | 4, blockSize: number, count: number, out: Uint8Array | Uint16Array | Uint32Array): void {
  const { fsBits, fsMax } = CODES[bytePix];
  const bBits = 8 * bytePix;
  if (out.length < count) throw new RangeError("riceDecode: output too small");
  if (input.length < bytePix) throw new RiceError(`${input.length} bytes cannot hold the first value (${bytePix} bytes)`);
  let last = 0;
  for (let i = 0; i < bytePix; i++) last = last * 256 + input[i]!;
  const mask = bBits === 32 ? 0xffffffff : (1 << bBits) - 1;
  const reader = new BitReader(input, bytePix);
  for (let i = 0; i < count; ) {
    const fs = reader.bits(fsBits) - 1;
    const end = Math.min(count, i + blockSize);
    if (fs < 0) {
      for (; i < end; i++) out[i] = last;
    } else if (fs === fsMax) {
      for (; i < end; i++) {
        const d = reader.bits(bBits);
        last = (last + unmap(d)) & mask;
        out[i] = last >>> 0;
      }
    } else if (fs > fsMax) {
      throw new RiceError(`block code ${fs + 1} is larger than ${fsMax + 1} at value ${i}`);
    } else {
      for (; i < end; i++) {
        const top = reader.zeros();
        const d = top * 2 ** fs + reader.bits(fs);
        last = (last + unmap(d)) & mask;
        out[i] = last >>> 0;
      }
    }
    if (reader.overrun) throw new RiceError(`the ${input.length} compressed bytes end before value ${Math.min(i, count)} of ${count}`);
  }
}

/** Zig-zag unmapping, modulo 2^32 (the caller masks to the value width). */
function unmap(d: number): number {
  // d < 2^32; even d: d / 2; odd d: the ones' complement of (d >> 1).
  const half = Math.floor(d / 2);
  return d % 2 === 0 ? half : ~half;
}

/** Big-endian bit reader; reads past the end give zeros and set `overrun`. */
class BitReader {
  readonly #bytes: Uint8Array;
  #byte: number;
  /** Bits of #bytes[#byte] not yet read (1..8); the current byte's unread bits are its low bits. */
  #left = 8;
  overrun = false;

  constructor(bytes: Uint8Array, start: number) {
    this.#bytes = bytes;
    this.#byte = start;
  }

  #current(): number {
    if (this.#byte >= this.#bytes.length) {
      this.overrun = true;
      return 0;
    }
    return this.#bytes[this.#byte]!;
  }

  /** The next `n` bits (0..32) as an unsigned number. */
  bits(n: number): number {
    let value = 0;
    while (n > 0) {
      const take = Math.min(n, this.#left);
      const byte = this.#current();
      const shifted = (byte >>> (this.#left - take)) & ((1 << take) - 1);
      value = value * 2 ** take + shifted;
      n -= take;
      this.#left -= take;
      if (this.#left === 0) {
        this.#byte++;
        this.#left = 8;
      }
    }
    return value;
  }

  /** Count zero bits up to the next one bit, and consume that one. */
  zeros(): number {
    let count = 0;
    for (;;) {
      if (this.#byte >= this.#bytes.length) {
        this.overrun = true;
        return count;
      }
      const unread = this.#bytes[this.#byte]! & ((1 << this.#left) - 1);
      if (unread === 0) {
        count += this.#left;
        this.#byte++;
        this.#left = 8;
        continue;
      }
      // Position of the highest set bit among the unread ones.
      const highest = 31 - Math.clz32(unread);
      count += this.#left - 1 - highest;
      this.#left = highest;
      if (this.#left === 0) {
        this.#byte++;
        this.#left = 8;
      }
      return count;
    }
  }
}

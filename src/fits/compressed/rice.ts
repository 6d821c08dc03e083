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
 * Decode `count` values from `input` into `out`, each as the unsigned `8 × bytePix`-bit value
 * (reinterpret it for the signed one: see signedRice). Throws RiceError when the stream ends
 * before every value is decoded or holds an impossible block code.
 */
export function riceDecode(input: Uint8Array, bytePix: 1 | 2 | 4, blockSize: number, count: number, out: Uint32Array): void {
  const { fsBits, fsMax } = CODES[bytePix];
  const bBits = 8 * bytePix;
  if (out.length < count) throw new RangeError("riceDecode: output too small");
  if (input.length < bytePix) throw new RiceError(`${input.length} bytes cannot hold the first value (${bytePix} bytes)`);
  const length = input.length;
  let last = 0;
  for (let i = 0; i < bytePix; i++) last = last * 256 + input[i]!;
  // Values are kept modulo 2^bBits: `& mask` (for 32 bits, `| 0` and `>>> 0` on output).
  const mask = bBits === 32 ? -1 : (1 << bBits) - 1;
  // The bit buffer: `bits` holds the `left` not yet used bits of the bytes read so far (its
  // value is below 2^left); `at` is the next byte. Bytes past the end read as 0; `at` then
  // passes `length`, which is checked after each block.
  let at = bytePix;
  let bits = 0;
  let left = 0;
  for (let i = 0; i < count; ) {
    // The block's code: fsBits bits.
    left -= fsBits;
    while (left < 0) {
      bits = ((bits << 8) | (at < length ? input[at]! : 0)) >>> 0;
      at++;
      left += 8;
    }
    const fs = (bits >>> left) - 1;
    bits &= (1 << left) - 1;
    const end = count < i + blockSize ? count : i + blockSize;
    if (fs < 0) {
      // All differences zero.
      for (; i < end; i++) out[i] = last >>> 0;
    } else if (fs === fsMax) {
      // Differences stored raw, bBits each (taken 16 bits at a time: the buffer holds at most 32).
      for (; i < end; i++) {
        let d = 0;
        for (let got = 0; got < bBits; got += 16) {
          const n = bBits - got < 16 ? bBits - got : 16;
          left -= n;
          while (left < 0) {
            bits = ((bits << 8) | (at < length ? input[at]! : 0)) >>> 0;
            at++;
            left += 8;
          }
          d = d * (1 << n) + (bits >>> left);
          bits &= (1 << left) - 1;
        }
        last = (last + ((d & 1) === 0 ? d >>> 1 : ~(d >>> 1))) & mask;
        out[i] = last >>> 0;
      }
    } else if (fs > fsMax) {
      throw new RiceError(`block code ${fs + 1} is larger than ${fsMax + 1} at value ${i}`);
    } else {
      const scale = 2 ** fs;
      const lowMask = (1 << fs) - 1;
      for (; i < end; i++) {
        // The unary part: zeros up to the next one bit.
        let zeros = 0;
        while (bits === 0) {
          zeros += left;
          if (at >= length) throw new RiceError(`the ${length} compressed bytes end before value ${i} of ${count}`);
          bits = input[at++]!;
          left = 8;
        }
        const width = 32 - Math.clz32(bits); // the leading one and the bits after it
        zeros += left - width;
        left = width - 1;
        bits &= (1 << left) - 1;
        // The fs low bits (fs < 25, and at most 7 bits are left over: the buffer stays within 32 bits).
        left -= fs;
        while (left < 0) {
          bits = ((bits << 8) | (at < length ? input[at]! : 0)) >>> 0;
          at++;
          left += 8;
        }
        const d = zeros * scale + ((bits >>> left) & lowMask);
        bits &= (1 << left) - 1;
        last = (last + ((d & 1) === 0 ? d >>> 1 : ~(d >>> 1))) & mask;
        out[i] = last >>> 0;
      }
    }
    if (at > length) throw new RiceError(`the ${length} compressed bytes end before value ${end} of ${count}`);
  }
}

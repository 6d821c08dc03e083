import { describe, expect, it } from "vitest";
import { decodeToFloat32, type Bitpix, type Scaling } from "../../src/kernels/index.js";
import { mulberry32 } from "./helpers.js";
import { describeNative, firstByteDifference, itLoadsTheAddon, native, SPECIAL_BITS } from "./native-helpers.js";

const BITPIXES: Bitpix[] = [8, 16, 32, 64, -32, -64];

/** Random raw bytes of `count` values, with the special float bit patterns (and BLANK) planted. */
function rawBytes(bitpix: Bitpix, count: number, rand: () => number, blank?: bigint): Uint8Array {
  const bpv = Math.abs(bitpix) / 8;
  const bytes = new Uint8Array(count * bpv);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i += 7) {
    const k = (i / 7) % SPECIAL_BITS.length;
    if (bitpix === -32) view.setUint32(i * 4, SPECIAL_BITS[k]!);
    if (bitpix === -64) view.setBigUint64(i * 8, [0x7ff8000000000000n, 0x7ff0000000000001n, 0xfff4000020000001n, 0x8000000000000000n, 0x7ff0000000000000n, 0x47efffffefffffffn, 0x36a0000000000000n][k % 7]!);
  }
  if (blank !== undefined) {
    for (let i = 3; i < count; i += 11) {
      if (bitpix === 8 && blank >= 0n && blank <= 255n) view.setUint8(i, Number(blank));
      if (bitpix === 16 && blank >= -32768n && blank <= 32767n) view.setInt16(i * 2, Number(blank));
      if (bitpix === 32 && blank >= -2147483648n && blank <= 2147483647n) view.setInt32(i * 4, Number(blank));
      if (bitpix === 64) view.setBigInt64(i * 8, BigInt.asIntN(64, blank));
    }
  }
  return bytes;
}

const SCALINGS: Scaling[] = [
  { bscale: 1, bzero: 0 },
  { bscale: 1, bzero: -0 },
  { bscale: 1, bzero: 32768 },
  { bscale: 2.5e-3, bzero: -17.25 },
  { bscale: -1, bzero: 0 },
  { bscale: 1e30, bzero: 1 },
  { bscale: 1, bzero: 0, blank: 37n },
  { bscale: 0.5, bzero: 3, blank: -32768n },
  { bscale: 1, bzero: 0, blank: -2147483648n },
  { bscale: 3, bzero: 1, blank: 999999999999n },
  { bscale: 1, bzero: 0, blank: 1n << 70n },
];

describeNative("native decodeToFloat32 equals the TypeScript kernel bit for bit", () => {
  itLoadsTheAddon();
  describe.each(BITPIXES)("BITPIX %i", (bitpix) => {
    it.each([0, 1, 3, 4, 5, 17, 1000, 4097, 9001])("%i values, every scaling and BLANK, any alignment", (count) => {
      const rand = mulberry32(count * 31 + bitpix + 100);
      for (const scaling of SCALINGS) {
        const raw = rawBytes(bitpix, count, rand, scaling.blank);
        for (const shift of [0, 1, 3]) {
          const src = new Uint8Array(raw.length + shift).subarray(shift);
          src.set(raw);
          for (const dstOffset of [0, 5]) {
            const js = new Float32Array(count + dstOffset + 2).fill(7);
            const nat = new Float32Array(count + dstOffset + 2).fill(7);
            decodeToFloat32(src, bitpix, count, js, dstOffset, scaling);
            native.decodeToFloat32(src, bitpix, count, nat, dstOffset, scaling);
            expect(firstByteDifference(nat, js), `shift ${shift}, offset ${dstOffset}, ${JSON.stringify({ ...scaling, blank: scaling.blank?.toString() })}`).toBe(-1);
          }
        }
      }
    });

    if (Math.abs(bitpix) <= 32) {
      it("decodes in place, in a SharedArrayBuffer, as TypeScript does", () => {
        const count = 5003;
        const rand = mulberry32(bitpix + 7);
        for (const scaling of SCALINGS.slice(0, 8)) {
          const raw = rawBytes(bitpix, count, rand, scaling.blank);
          const results = [decodeToFloat32, native.decodeToFloat32.bind(native)].map((decode) => {
            const shared = new SharedArrayBuffer(8 + count * 4);
            const plane = new Float32Array(shared, 8, count);
            new Uint8Array(shared, 8, raw.length).set(raw);
            decode(new Uint8Array(shared, 8, raw.length), bitpix, count, plane, 0, scaling);
            return plane;
          });
          expect(firstByteDifference(results[1]!, results[0]!)).toBe(-1);
        }
      });
    }
  });

  it("rejects what TypeScript rejects", () => {
    const src = new Uint8Array(16);
    const dst = new Float32Array(4);
    for (const call of [
      (d: typeof decodeToFloat32) => d(src, 12 as Bitpix, 2, dst, 0, { bscale: 1, bzero: 0 }),
      (d: typeof decodeToFloat32) => d(src, -64, 3, dst, 0, { bscale: 1, bzero: 0 }),
      (d: typeof decodeToFloat32) => d(src, -32, 4, dst, 1, { bscale: 1, bzero: 0 }),
      (d: typeof decodeToFloat32) => d(src, 16, -1, dst, 0, { bscale: 1, bzero: 0 }),
    ]) {
      expect(() => call(decodeToFloat32)).toThrow(RangeError);
      expect(() => call(native.decodeToFloat32.bind(native))).toThrow(RangeError);
    }
  });
});

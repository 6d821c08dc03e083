import { describe, expect, it } from "vitest";
import { decodeToFloat32, type Bitpix, type Scaling } from "../../src/kernels/index.js";
import { firstBitDifference, firstDifference, mulberry32 } from "./helpers.js";

const BITPIXES: Bitpix[] = [8, 16, 32, 64, -32, -64];

/** Raw values of a BITPIX: bigint for integers, number for floats; extremes and specials included. */
function rawValues(bitpix: Bitpix, n: number, rand: () => number): (bigint | number)[] {
  const out: (bigint | number)[] = [];
  const specials: Record<string, (bigint | number)[]> = {
    "8": [0n, 1n, 127n, 128n, 255n],
    "16": [0n, -1n, 32767n, -32768n, 12345n],
    "32": [0n, -1n, 2147483647n, -2147483648n, 16777217n],
    "64": [0n, -1n, (1n << 63n) - 1n, -(1n << 63n), (1n << 53n) + 1n, -(1n << 53n) - 3n, 9007199254740993n, (1n << 62n) + 12345n],
    "-32": [0, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45, -1.5],
    "-64": [0, -0, NaN, Infinity, -Infinity, 1e300, -1e-300, 3.4028235677973366e38, 1 + 2 ** -30, 16777217],
  };
  out.push(...specials[String(bitpix)]);
  while (out.length < n) {
    const r = rand();
    switch (bitpix) {
      case 8:
        out.push(BigInt(Math.floor(r * 256)));
        break;
      case 16:
        out.push(BigInt(Math.floor(r * 65536) - 32768));
        break;
      case 32:
        out.push(BigInt(Math.floor(r * 4294967296) - 2147483648));
        break;
      case 64:
        out.push(BigInt.asIntN(64, (BigInt(Math.floor(r * 4294967296)) << 32n) | BigInt(Math.floor(rand() * 4294967296))));
        break;
      case -32:
        out.push(Math.fround((r * 2 - 1) * 10 ** Math.floor(rand() * 20 - 10)));
        break;
      case -64:
        out.push((r * 2 - 1) * 10 ** Math.floor(rand() * 40 - 20));
        break;
    }
  }
  return out.slice(0, n);
}

/** Big-endian bytes of the raw values, written at byte `shift` of a fresh buffer. */
function encode(bitpix: Bitpix, raw: (bigint | number)[], shift: number): Uint8Array {
  const bpv = Math.abs(bitpix) / 8;
  const buf = new ArrayBuffer(shift + raw.length * bpv + 8);
  const view = new DataView(buf, shift);
  raw.forEach((v, i) => {
    const o = i * bpv;
    if (bitpix === 8) view.setUint8(o, Number(v));
    else if (bitpix === 16) view.setInt16(o, Number(v));
    else if (bitpix === 32) view.setInt32(o, Number(v));
    else if (bitpix === 64) view.setBigInt64(o, v as bigint);
    else if (bitpix === -32) view.setFloat32(o, v as number);
    else view.setFloat64(o, v as number);
  });
  return new Uint8Array(buf, shift, raw.length * bpv);
}

/** The schema's decoding, value by value through DataView and BigInt. */
function naiveDecode(src: Uint8Array, bitpix: Bitpix, count: number, s: Scaling): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const bpv = Math.abs(bitpix) / 8;
  for (let i = 0; i < count; i++) {
    const o = i * bpv;
    if (bitpix > 0) {
      let raw: bigint;
      if (bitpix === 8) raw = BigInt(view.getUint8(o));
      else if (bitpix === 16) raw = BigInt(view.getInt16(o, false));
      else if (bitpix === 32) raw = BigInt(view.getInt32(o, false));
      else raw = view.getBigInt64(o, false);
      out[i] = s.blank !== undefined && raw === s.blank ? NaN : Math.fround(Number(raw) * s.bscale + s.bzero);
    } else {
      const v = bitpix === -32 ? view.getFloat32(o, false) : view.getFloat64(o, false);
      out[i] = s.bscale === 1 && s.bzero === 0 ? Math.fround(v) : Math.fround(v * s.bscale + s.bzero);
    }
  }
  return out;
}

const SCALINGS: [string, Scaling][] = [
  ["identity", { bscale: 1, bzero: 0 }],
  ["scaled", { bscale: 2.5, bzero: -7.25 }],
  ["fine scale", { bscale: 1e-3, bzero: 1e5 }],
  ["unsigned-16 convention", { bscale: 1, bzero: 32768 }],
  ["blank -1", { bscale: 1, bzero: 0, blank: -1n }],
  ["blank 255 scaled", { bscale: 0.5, bzero: 3, blank: 255n }],
  ["blank -32768", { bscale: 1, bzero: 32768, blank: -32768n }],
  ["blank int64 min", { bscale: 1, bzero: 0, blank: -(1n << 63n) }],
  ["blank beyond 2^53", { bscale: 1, bzero: 0, blank: 9007199254740993n }],
  ["blank out of every range", { bscale: 1, bzero: 0, blank: 1n << 70n }],
];

describe("decodeToFloat32", () => {
  for (const bitpix of BITPIXES) {
    for (const [name, scaling] of SCALINGS) {
      for (const shift of [0, 1, 2, 3, 5]) {
        it(`BITPIX ${bitpix}, ${name}, source at byte offset ${shift}`, () => {
          const rand = mulberry32(Math.abs(bitpix) * 100 + shift + name.length);
          const count = 257;
          const raw = rawValues(bitpix, count, rand);
          const src = encode(bitpix, raw, shift);
          const expected = naiveDecode(src, bitpix, count, scaling);
          const dst = new Float32Array(count + 6).fill(77);
          decodeToFloat32(src, bitpix, count, dst, 3, scaling);
          expect(firstDifference(dst.subarray(3, 3 + count), expected)).toBeUndefined();
          expect([dst[2], dst[3 + count]]).toEqual([77, 77]);
        });
      }
    }
  }

  for (const bitpix of BITPIXES) {
    it(`BITPIX ${bitpix}: many values (several chunks), unaligned, scaled with BLANK`, () => {
      const count = 10001;
      const raw = rawValues(bitpix, count, mulberry32(bitpix + 77));
      const scaling: Scaling = { bscale: 0.25, bzero: -3, blank: bitpix > 0 ? (raw[4000] as bigint) : undefined };
      for (const s of [scaling, { bscale: 1, bzero: 0 }]) {
        const src = encode(bitpix, raw, 3);
        const dst = new Float32Array(count + 1);
        decodeToFloat32(src, bitpix, count, dst, 1, s);
        expect(firstDifference(dst.subarray(1), naiveDecode(src, bitpix, count, s))).toBeUndefined();
      }
    });
  }

  it("copies -32 bits unchanged without scaling (NaN payloads, -0, denormals)", () => {
    const bits = [0x7fc00001, 0xffc12345, 0x7f800001, 0x80000000, 0x00000001, 0x3f800000, 0xff800000];
    const src = new Uint8Array(bits.length * 4 + 1).subarray(1);
    const view = new DataView(src.buffer, src.byteOffset);
    bits.forEach((b, i) => view.setUint32(i * 4, b, false));
    const dst = new Float32Array(bits.length);
    decodeToFloat32(src, -32, bits.length, dst, 0, { bscale: 1, bzero: 0, blank: 0n });
    expect(Array.from(new Uint32Array(dst.buffer))).toEqual(bits);
  });

  it("decodes int64 beyond 2^53 like Number(bigint)", () => {
    const values = [(1n << 53n) + 1n, (1n << 53n) + 3n, (1n << 63n) - 1n, -(1n << 63n) + 1n, 0x123456789abcdefn, -0x7edcba9876543211n];
    const src = encode(64, values, 3);
    const dst = new Float32Array(values.length);
    decodeToFloat32(src, 64, values.length, dst, 0, { bscale: 1, bzero: 0 });
    expect(Array.from(dst)).toEqual(values.map((v) => Math.fround(Number(v))));
    // with a scaling that exposes the float64 value before rounding to float32
    const s = { bscale: 1e-10, bzero: 0.5 };
    decodeToFloat32(src, 64, values.length, dst, 0, s);
    expect(Array.from(dst)).toEqual(values.map((v) => Math.fround(Number(v) * s.bscale + s.bzero)));
  });

  it("maps the unsigned-16 convention to 0..65535", () => {
    const src = encode(16, [-32768n, -1n, 0n, 32767n], 1);
    const dst = new Float32Array(4);
    decodeToFloat32(src, 16, 4, dst, 0, { bscale: 1, bzero: 32768 });
    expect(Array.from(dst)).toEqual([0, 32767, 32768, 65535]);
  });

  it("ignores BLANK for float BITPIX", () => {
    const src = encode(-64, [0, 5], 0);
    const dst = new Float32Array(2);
    decodeToFloat32(src, -64, 2, dst, 0, { bscale: 1, bzero: 0, blank: 0n });
    expect(Array.from(dst)).toEqual([0, 5]);
  });

  for (const bitpix of BITPIXES) {
    it(`BITPIX ${bitpix}: decodes in place (source at the first output byte)`, () => {
      const count = 10001; // several chunks
      const raw = rawValues(bitpix, count, mulberry32(bitpix + 1000));
      const scaling: Scaling = bitpix > 0 ? { bscale: 3, bzero: -1, blank: raw[7] as bigint } : { bscale: 1, bzero: 0 };
      const encoded = encode(bitpix, raw, 0);
      const expected = naiveDecode(encoded, bitpix, count, scaling);
      const bpv = Math.abs(bitpix) / 8;
      const dst = new Float32Array(Math.ceil((count * Math.max(bpv, 4)) / 4) + 2);
      const src = new Uint8Array(dst.buffer, 8, count * bpv);
      src.set(encoded);
      decodeToFloat32(src, bitpix, count, dst, 2, scaling);
      expect(firstDifference(dst.subarray(2, 2 + count), expected)).toBeUndefined();
    });
  }

  it("works on SharedArrayBuffer sources and destinations", () => {
    const raw = rawValues(-32, 50, mulberry32(8));
    const enc = encode(-32, raw, 0);
    const sab = new SharedArrayBuffer(enc.length + 3);
    const src = new Uint8Array(sab, 3);
    src.set(enc);
    const dst = new Float32Array(new SharedArrayBuffer(200));
    decodeToFloat32(src, -32, 50, dst, 0, { bscale: 1, bzero: 0 });
    expect(firstBitDifference(dst, naiveDecode(enc, -32, 50, { bscale: 1, bzero: 0 }))).toBeUndefined();
  });

  it("rejects bad arguments", () => {
    const dst = new Float32Array(4);
    expect(() => decodeToFloat32(new Uint8Array(16), 24 as Bitpix, 4, dst, 0, { bscale: 1, bzero: 0 })).toThrow(RangeError);
    expect(() => decodeToFloat32(new Uint8Array(15), -32, 4, dst, 0, { bscale: 1, bzero: 0 })).toThrow(RangeError);
    expect(() => decodeToFloat32(new Uint8Array(16), -32, 4, dst, 1, { bscale: 1, bzero: 0 })).toThrow(RangeError);
  });
});

/**
 * gzip decompression with every member's trailer checked (src/fits/gunzip.ts), against members
 * written here: the header by hand (RFC 1952), the deflate data by zlib, the trailer from a
 * naive bitwise CRC-32. The input arrives in chunks of many sizes (1 byte, 7, 4 KiB, whole) so
 * that every boundary (header, deflate end, trailer, next member) falls inside and between chunks.
 */
import { deflateRawSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { gunzip, type TrailingGarbage } from "../../src/fits/gunzip.js";
import { concat, mulberry32 } from "../helpers/fixtures.js";

/** CRC-32 (IEEE 802.3, reflected, as gzip uses it), one bit at a time. */
function naiveCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const le32 = (value: number): number[] => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
const latin1 = (text: string): number[] => [...Buffer.from(text, "latin1")];

interface MemberOptions {
  name?: string;
  comment?: string;
  extra?: Uint8Array;
  headerCrc?: boolean | number;
  /** Replace the trailer's CRC-32 or size. */
  crc?: number;
  size?: number;
  flags?: number;
  method?: number;
}

/** One gzip member of `data`, written field by field. */
function member(data: Uint8Array, options: MemberOptions = {}): Uint8Array {
  let flags = options.flags ?? 0;
  if (options.headerCrc !== undefined) flags |= 0x02;
  if (options.extra !== undefined) flags |= 0x04;
  if (options.name !== undefined) flags |= 0x08;
  if (options.comment !== undefined) flags |= 0x10;
  const header = [0x1f, 0x8b, options.method ?? 8, flags, ...le32(1_700_000_000), 0, 3];
  if (options.extra !== undefined) header.push(options.extra.length & 0xff, options.extra.length >>> 8, ...options.extra);
  if (options.name !== undefined) header.push(...latin1(options.name), 0);
  if (options.comment !== undefined) header.push(...latin1(options.comment), 0);
  if (options.headerCrc !== undefined) {
    const crc16 = typeof options.headerCrc === "number" ? options.headerCrc : naiveCrc32(Uint8Array.from(header)) & 0xffff;
    header.push(crc16 & 0xff, crc16 >>> 8);
  }
  const trailer = [...le32(options.crc ?? naiveCrc32(data)), ...le32(options.size ?? data.length % 2 ** 32)];
  return concat([Uint8Array.from(header), deflateRawSync(data), Uint8Array.from(trailer)]);
}

/** Pseudo-random bytes: `compressible` repeats short runs (deflate then codes long matches). */
function bytesOf(n: number, seed: number, compressible = false): Uint8Array {
  const random = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = compressible ? (i % 251 < 200 ? i % 7 : Math.floor(random() * 256)) : Math.floor(random() * 256);
  return out;
}

/** The input in chunks of `size` bytes (0: one chunk), counting what was read from it. */
function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> & { read: number } {
  const source = {
    read: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      const step = size === 0 ? Math.max(1, bytes.length) : size;
      for (let i = 0; i < bytes.length; i += step) {
        const chunk = bytes.slice(i, i + step);
        source.read += chunk.length;
        yield chunk;
      }
    },
  };
  return source;
}

async function decompress(bytes: Uint8Array, size: number): Promise<{ data: Uint8Array; garbage: TrailingGarbage[]; read: number }> {
  const input = chunked(bytes, size);
  const garbage: TrailingGarbage[] = [];
  const parts: Uint8Array[] = [];
  for await (const part of gunzip(input, { onTrailingGarbage: (g) => garbage.push(g) })) parts.push(Uint8Array.from(part));
  return { data: concat(parts), garbage, read: input.read };
}

async function failure(bytes: Uint8Array, size: number): Promise<FitsError> {
  try {
    await decompress(bytes, size);
  } catch (error) {
    if (error instanceof FitsError) return error;
    throw error;
  }
  throw new Error("decompressed without an error");
}

function expectSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  expect(Buffer.compare(Buffer.from(actual), Buffer.from(expected)), `${what}: bytes`).toBe(0);
}

// 1-byte chunks make one call into zlib per byte: used on small streams only (below).
const CHUNKS = [7, 4096, 0];
// Small enough for 1-byte chunks to be quick (each chunk is one call into zlib).
const DATA = bytesOf(30_000, 1, true);
const SMALL = bytesOf(5_000, 2);

describe("whole gzip streams", () => {
  it.each(CHUNKS)("one member, in chunks of %i bytes: the data, the input read to its end", async (size) => {
    for (const bytes of [member(DATA), gzipSync(DATA)]) {
      const { data, garbage, read } = await decompress(bytes, size);
      expectSame(data, DATA, `chunks of ${size}`);
      expect(garbage).toEqual([]);
      expect(read).toBe(bytes.length);
    }
  });

  it.each(CHUNKS)("members one after another (cat a.gz b.gz), an empty one among them, in chunks of %i", async (size) => {
    const parts = [DATA.subarray(0, 1000), new Uint8Array(0), SMALL, DATA.subarray(1000)];
    const bytes = concat([member(parts[0]!), gzipSync(parts[1]!), member(parts[2]!, { name: "b.fits" }), gzipSync(parts[3]!)]);
    const { data, read } = await decompress(bytes, size);
    expectSame(data, concat(parts), `members in chunks of ${size}`);
    expect(read).toBe(bytes.length);
  });

  it("the optional header fields: extra field, file name, comment, header CRC-16", async () => {
    const options: MemberOptions[] = [
      { name: "cube.fits" },
      { comment: "a comment" },
      { extra: bytesOf(300, 3) },
      { headerCrc: true },
      { extra: Uint8Array.of(1, 2, 3), name: "x", comment: "y", headerCrc: true, flags: 0x01 },
    ];
    for (const o of options) {
      for (const size of [7, 0]) expectSame((await decompress(member(SMALL, o), size)).data, SMALL, JSON.stringify(o));
    }
  });

  it("in 1-byte chunks: members with every optional header field, then zero padding or garbage", async () => {
    const tiny = bytesOf(700, 6, true);
    const members = concat([member(tiny, { extra: Uint8Array.of(9, 9), name: "a", comment: "b", headerCrc: true }), gzipSync(tiny)]);
    const padded = await decompress(concat([members, new Uint8Array(20)]), 1);
    expectSame(padded.data, concat([tiny, tiny]), "padded");
    expect(padded.garbage).toEqual([]);
    const junk = await decompress(concat([members, Uint8Array.of(0, 0, 0x41)]), 1);
    expectSame(junk.data, concat([tiny, tiny]), "garbage");
    expect(junk.garbage).toEqual([{ offset: members.length, length: 3, members: 2 }]);
    const cut = await failure(members.subarray(0, members.length - 3), 1);
    expect(cut.message).toMatch(/^gzip data is truncated: the file ends 5 bytes into the 8-byte trailer \(CRC-32 and size\) of gzip member 2 /);
  });

  it("a chunk boundary at every byte around the end of the deflate data, the trailer and the next member", async () => {
    const first = member(DATA);
    const second = member(SMALL, { name: "second" });
    const bytes = concat([first, second, Uint8Array.from(latin1("tail"))]);
    const deflateEnd = first.length - 8;
    const splits = [
      ...Array.from({ length: 16 }, (_, i) => deflateEnd - 4 + i),
      ...Array.from({ length: 24 }, (_, i) => first.length + second.length - 12 + i),
    ];
    for (const split of splits) {
      const input = (async function* () {
        yield bytes.slice(0, split);
        yield bytes.slice(split);
      })();
      const parts: Uint8Array[] = [];
      const garbage: TrailingGarbage[] = [];
      for await (const part of gunzip(input, { onTrailingGarbage: (g) => garbage.push(g) })) parts.push(Uint8Array.from(part));
      expectSame(concat(parts), concat([DATA, SMALL]), `split at ${split}`);
      expect(garbage, `split at ${split}`).toEqual([{ offset: bytes.length - 4, length: 4, members: 2 }]);
    }
  });

  it("large members whose deflate data and output span many chunks, at random chunk sizes", async () => {
    const random = mulberry32(5);
    const big = bytesOf(3_000_000, 4);
    const bytes = concat([member(big.subarray(0, 1_234_567)), member(big.subarray(1_234_567))]);
    // Cut into pieces of random sizes, 1 byte to 300 kB.
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; ) {
      const n = 1 + Math.floor(random() ** 3 * 300_000);
      pieces.push(bytes.slice(i, i + n));
      i += n;
    }
    const parts: Uint8Array[] = [];
    const input = (async function* () {
      yield* pieces;
    })();
    for await (const part of gunzip(input)) parts.push(Uint8Array.from(part));
    expectSame(concat(parts), big, "random chunks");
  });
});

describe("a damaged member is refused", () => {
  const whole = member(DATA);
  const at = whole.length - 8; // where the trailer starts
  const cases: Array<[string, Uint8Array, string]> = [
    ["missing its trailer (-8 bytes)", whole.subarray(0, at), `gzip data is truncated: the file ends before the 8-byte trailer (CRC-32 and size) of gzip member 1, which should start at byte ${at}: the trailer is missing`],
    ["missing 4 bytes (the size)", whole.subarray(0, at + 4), `gzip data is truncated: the file ends 4 bytes into the 8-byte trailer (CRC-32 and size) of gzip member 1 (at byte ${at}): its last 4 bytes are missing`],
    ["missing its last byte", whole.subarray(0, at + 7), `gzip data is truncated: the file ends 7 bytes into the 8-byte trailer (CRC-32 and size) of gzip member 1 (at byte ${at}): its last 1 byte is missing`],
    ["cut inside its deflate data", whole.subarray(0, 500), "gzip data is truncated: the file ends inside the deflate data of gzip member 1 (which starts at byte 10), after 490 bytes"],
    ["cut inside its header", whole.subarray(0, 6), "gzip data is truncated: the file ends inside gzip member 1's header (at byte 0)"],
    ["cut inside its file name", member(SMALL, { name: "cube.fits" }).subarray(0, 14), "gzip data is truncated: the file ends inside gzip member 1's header (at byte 0)"],
    [
      "with a wrong CRC-32",
      member(DATA, { crc: (naiveCrc32(DATA) ^ 1) >>> 0 }),
      `gzip data is corrupt: gzip member 1's CRC-32 is 0x${((naiveCrc32(DATA) ^ 1) >>> 0).toString(16).padStart(8, "0")} in its trailer (at byte ${at}) but 0x${naiveCrc32(DATA).toString(16).padStart(8, "0")} for the ${DATA.length} bytes it decompresses to`,
    ],
    ["with a wrong size", member(DATA, { size: DATA.length + 1 }), `gzip data is corrupt: gzip member 1's trailer (at byte ${at}) gives its size as ${DATA.length + 1} bytes (modulo 2^32), but it decompresses to ${DATA.length}`],
    ["with a wrong header CRC-16", member(SMALL, { headerCrc: 0x1234 }), `gzip data is corrupt: gzip member 1's header (at byte 0) fails its CRC-16 (stored 0x1234, computed 0x${(naiveCrc32(Uint8Array.from([0x1f, 0x8b, 8, 2, ...le32(1_700_000_000), 0, 3])) & 0xffff).toString(16).padStart(4, "0")})`],
    ["naming another compression method", member(SMALL, { method: 7 }), "gzip data is corrupt: gzip member 1's header (at byte 0) names compression method 7, not deflate (8)"],
    ["with reserved flag bits", member(SMALL, { flags: 0x20 }), "gzip data is corrupt: gzip member 1's header (at byte 0) has reserved flag bits set (0x20)"],
  ];

  it.each(cases)("%s", async (_what, bytes, message) => {
    for (const size of CHUNKS) {
      const error = await failure(bytes, size);
      expect(error.code, `chunks of ${size}`).toBe("CORRUPT_GZIP");
      expect(error.message, `chunks of ${size}`).toBe(message);
    }
  });

  it("corrupt deflate data: zlib's reason, the member named", async () => {
    const bytes = member(DATA);
    bytes[10] = 0b111; // the first deflate block: final, of the reserved type 3
    for (const size of CHUNKS) {
      const error = await failure(bytes, size);
      expect(error.code).toBe("CORRUPT_GZIP");
      expect(error.message).toBe("gzip data is corrupt: invalid block type (in the deflate data of gzip member 1, which starts at byte 10)");
    }
  });

  it("the second member damaged: its trailer, its CRC-32, its header", async () => {
    const first = member(SMALL);
    const second = member(DATA);
    const start = first.length;
    const cut = await failure(concat([first, second.subarray(0, second.length - 8)]), 7);
    expect(cut.message).toBe(`gzip data is truncated: the file ends before the 8-byte trailer (CRC-32 and size) of gzip member 2, which should start at byte ${start + second.length - 8}: the trailer is missing`);
    const crc = await failure(concat([first, member(DATA, { crc: 0 })]), 4096);
    expect(crc.message).toMatch(/^gzip data is corrupt: gzip member 2's CRC-32 is 0x00000000 in its trailer/);
    // The magic number and then nonsense: gzip takes it for a member, and fails (unknown method 255).
    const header = await failure(concat([first, Uint8Array.of(0x1f, 0x8b, 0xff, 0xff), new Uint8Array(10)]), 1);
    expect(header.message).toBe(`gzip data is corrupt: gzip member 2's header (at byte ${start}) names compression method 255, not deflate (8)`);
    const short = await failure(concat([first, Uint8Array.of(0x1f, 0x8b)]), 0);
    expect(short.message).toBe(`gzip data is truncated: the file ends inside gzip member 2's header (at byte ${start})`);
  });
});

describe("what follows the last member, as gzip -d treats it", () => {
  const whole = member(DATA);
  const end = whole.length;

  it.each(CHUNKS)("zero padding is ignored silently, however long (chunks of %i)", async (size) => {
    for (const zeros of [1, 2, 100, 3000]) {
      const bytes = concat([whole, new Uint8Array(zeros)]);
      const { data, garbage, read } = await decompress(bytes, size);
      expectSame(data, DATA, `${zeros} zeros`);
      expect(garbage, `${zeros} zeros`).toEqual([]);
      expect(read).toBe(bytes.length);
    }
  });

  it.each(CHUNKS)("other bytes are trailing garbage: the data kept, the garbage reported (chunks of %i)", async (size) => {
    const garbageCases: Array<[string, Uint8Array]> = [
      ["text", Uint8Array.from(latin1("this is not gzip data\n"))],
      ["two bytes", Uint8Array.of(0x41, 0x42)],
      ["zeros then text", concat([new Uint8Array(5), Uint8Array.from(latin1("xx"))])],
      ["zeros then a member", concat([new Uint8Array(4), member(SMALL)])],
      ["text then a member", concat([Uint8Array.from(latin1("xx")), member(SMALL)])],
      ["the compress (LZW) magic", Uint8Array.of(0x1f, 0x9d, 0x90, 0x41)],
    ];
    for (const [what, tail] of garbageCases) {
      const bytes = concat([whole, tail]);
      const { data, garbage, read } = await decompress(bytes, size);
      // The members after garbage are garbage too: gzip stops at the first bytes that are not a member.
      expectSame(data, DATA, what);
      expect(garbage, what).toEqual([{ offset: end, length: tail.length, members: 1 }]);
      expect(read, what).toBe(bytes.length);
    }
  });

  it("after several members: the members counted, the offset after the last", async () => {
    const bytes = concat([member(SMALL), whole, Uint8Array.from(latin1("junk"))]);
    const { data, garbage } = await decompress(bytes, 7);
    expectSame(data, concat([SMALL, DATA]), "two members");
    expect(garbage).toEqual([{ offset: bytes.length - 4, length: 4, members: 2 }]);
  });

  it("one byte that is not zero: gzip -d reads two for the next magic number and fails", async () => {
    for (const byte of [0x41, 0x1f]) {
      const error = await failure(concat([whole, Uint8Array.of(byte)]), 7);
      expect(error.code).toBe("CORRUPT_GZIP");
      expect(error.message).toBe(`gzip data is corrupt: the file ends 1 byte after gzip member 1 (at byte ${end}), inside what would be the next member's magic number (gzip -d: unexpected end of file)`);
    }
  });
});

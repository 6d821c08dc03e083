/**
 * gzip decompression as a stream, checked the way `gzip -d` checks it: zlib's streaming
 * decompressor stops once a caller has the bytes it wants and says nothing about the rest, so a
 * file missing its last bytes looked whole. Here every member (RFC 1952; `cat a.gz b.gz` makes
 * a file of two) is read to its end and its trailer compared: the CRC-32 and the length modulo
 * 2^32 of the data it decompresses to. A member cut short anywhere, its header, its deflate
 * data or its trailer, is an error, as is a mismatch.
 *
 * What follows the last member is handled as GNU gzip 1.12 handles it (gzip.c, get_method):
 * - nothing: the end;
 * - the gzip magic (1f 8b): another member;
 * - zero bytes up to the end of the file (padding, as tape and block devices add): ignored,
 *   silently (gzip says so only with -v);
 * - anything else, zeros followed by something else included: "decompression OK, trailing
 *   garbage ignored": the data is kept and `onTrailingGarbage` is told (gzip warns, exit 2);
 * - exactly one byte that is not zero: gzip reads two bytes for the next magic and fails with
 *   "unexpected end of file"; so does this.
 * gzip also decompresses members of its older formats (pack, LZW, LZH, "old gzip") after a
 * gzip member; those are trailing garbage here (docs/compatibility.md).
 *
 * The input is read to its very end in every case, so that a hash of it covers the whole file.
 */
import { createInflateRaw, crc32 } from "node:zlib";
import { FitsError } from "./errors.js";

export interface GunzipOptions {
  /** Bytes after the last member that are neither a member nor zero padding: ignored, and reported here. */
  onTrailingGarbage?: (garbage: TrailingGarbage) => void;
}

export interface TrailingGarbage {
  /** Offset in the compressed input of the first byte after the last member. */
  readonly offset: number;
  /** Bytes from there to the end of the input. */
  readonly length: number;
  /** How many members were decompressed. */
  readonly members: number;
}

/** The decompressed bytes of a gzip stream (which must start with a member), checked as they come. */
export async function* gunzip(input: AsyncIterable<Uint8Array>, options: GunzipOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new PushbackReader(input[Symbol.asyncIterator]());
  for (let member = 1; ; member++) {
    await readMemberHeader(reader, member);
    let crc = 0;
    let size = 0;
    for await (const out of inflateMember(reader, member)) {
      crc = crc32(out, crc);
      size += out.length;
      yield out;
    }
    await checkTrailer(reader, member, crc, size);
    const next = await reader.take(2);
    if (next.length === 0) return;
    if (next[0] === 0x1f && next[1] === 0x8b) {
      reader.unshift(next);
      continue;
    }
    const offset = reader.offset - next.length;
    if (next.length === 1 && next[0] !== 0) {
      throw corrupt(`the file ends 1 byte after gzip member ${member} (at byte ${offset}), inside what would be the next member's magic number (gzip -d: unexpected end of file)`);
    }
    // Read to the end: zero padding is ignored silently, anything else is garbage.
    let zeros = next.every((b) => b === 0);
    for (let chunk = await reader.next(); chunk !== undefined; chunk = await reader.next()) {
      if (zeros && !chunk.every((b) => b === 0)) zeros = false;
    }
    if (!zeros) options.onTrailingGarbage?.({ offset, length: reader.offset - offset, members: member });
    return;
  }
}

/** A gzip stream that cannot be decompressed, cut short or failing its checks. */
function corrupt(detail: string): FitsError {
  return new FitsError("CORRUPT_GZIP", `gzip data is corrupt: ${detail}`);
}

function truncated(detail: string): FitsError {
  return new FitsError("CORRUPT_GZIP", `gzip data is truncated: ${detail}`);
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/** Read and check a member's header (RFC 1952, 2.3), leaving the reader at its deflate data. */
async function readMemberHeader(reader: PushbackReader, member: number): Promise<void> {
  const start = reader.offset;
  const where = `gzip member ${member}'s header (at byte ${start})`;
  const parts: Uint8Array[] = [];
  const need = async (n: number): Promise<Uint8Array> => {
    const bytes = await reader.take(n);
    if (bytes.length < n) throw truncated(`the file ends inside ${where}`);
    parts.push(bytes);
    return bytes;
  };
  const fixed = await need(10);
  if (fixed[0] !== 0x1f || fixed[1] !== 0x8b) throw corrupt(`${where} does not start with the gzip magic number`);
  if (fixed[2] !== 8) throw corrupt(`${where} names compression method ${fixed[2]}, not deflate (8)`);
  const flags = fixed[3]!;
  if ((flags & FRESERVED) !== 0) throw corrupt(`${where} has reserved flag bits set (0x${flags.toString(16)})`);
  if (flags & FEXTRA) {
    const xlen = await need(2);
    await need(xlen[0]! | (xlen[1]! << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if ((flags & flag) === 0) continue;
    // A zero-terminated string.
    for (;;) {
      const chunk = await reader.next();
      if (chunk === undefined) throw truncated(`the file ends inside ${where}`);
      const zero = chunk.indexOf(0);
      if (zero < 0) {
        parts.push(chunk);
        continue;
      }
      parts.push(chunk.subarray(0, zero + 1));
      reader.unshift(chunk.subarray(zero + 1));
      break;
    }
  }
  if (flags & FHCRC) {
    const expected = parts.reduce((crc, part) => crc32(part, crc), 0) & 0xffff;
    const stored = await reader.take(2);
    if (stored.length < 2) throw truncated(`the file ends inside ${where}`);
    const found = stored[0]! | (stored[1]! << 8);
    if (found !== expected) throw corrupt(`${where} fails its CRC-16 (stored ${hex(found, 4)}, computed ${hex(expected, 4)})`);
  }
}

/** Compare a member's trailer with the CRC-32 and length of what it decompressed to. */
async function checkTrailer(reader: PushbackReader, member: number, crc: number, size: number): Promise<void> {
  const at = reader.offset;
  const trailer = await reader.take(8);
  if (trailer.length < 8) {
    const missing = 8 - trailer.length;
    const what = "the 8-byte trailer (CRC-32 and size)";
    throw truncated(
      trailer.length === 0
        ? `the file ends before ${what} of gzip member ${member}, which should start at byte ${at}: the trailer is missing`
        : `the file ends ${trailer.length} byte${trailer.length === 1 ? "" : "s"} into ${what} of gzip member ${member} (at byte ${at}): ` +
            `its last ${missing} byte${missing === 1 ? " is" : "s are"} missing`,
    );
  }
  const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
  const storedCrc = view.getUint32(0, true);
  const storedSize = view.getUint32(4, true);
  const crcFound = crc >>> 0;
  if (storedCrc !== crcFound) {
    throw corrupt(`gzip member ${member}'s CRC-32 is ${hex(storedCrc, 8)} in its trailer (at byte ${at}) but ${hex(crcFound, 8)} for the ${size} bytes it decompresses to`);
  }
  const sizeFound = size % 2 ** 32;
  if (storedSize !== sizeFound) {
    throw corrupt(`gzip member ${member}'s trailer (at byte ${at}) gives its size as ${storedSize} bytes (modulo 2^32), but it decompresses to ${size}`);
  }
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, "0")}`;
}

/**
 * A member's deflate data, decompressed (zlib's raw inflate). The compressed chunks go in one
 * at a time, each once the last is consumed; once the deflate stream has ended, what the last
 * chunk holds beyond it (the trailer, the next member) goes back to the reader.
 */
async function* inflateMember(reader: PushbackReader, member: number): AsyncGenerator<Uint8Array, void, undefined> {
  const start = reader.offset;
  const inflate = createInflateRaw({ chunkSize: 128 << 10 });
  /** Compressed bytes written to the inflater, and the chunks among them that it may not have used up. */
  let written = 0;
  const recent: Uint8Array[] = [];
  let finished = false;
  const feed = async (): Promise<void> => {
    for (;;) {
      const chunk = await reader.next();
      if (chunk === undefined) {
        inflate.end(); // a deflate stream not yet complete then fails: "unexpected end of file"
        return;
      }
      recent.push(chunk);
      written += chunk.length;
      while (recent.length > 2) recent.shift();
      await new Promise<void>((resolve, reject) => inflate.write(chunk, (error) => (error ? reject(error) : resolve())));
      // The inflater stops taking bytes at the end of the deflate stream.
      if (inflate.bytesWritten < written || finished) return;
    }
  };
  const feeding = feed().catch((error: unknown) => {
    inflate.destroy(error as Error);
  });
  try {
    for await (const out of inflate as AsyncIterable<Buffer>) yield out;
  } catch (error) {
    const zlibError = error as NodeJS.ErrnoException;
    // Errors of the input itself (a read failing) go on as they are.
    if (typeof zlibError.code !== "string" || !zlibError.code.startsWith("Z_")) throw error;
    if (zlibError.code === "Z_BUF_ERROR") {
      throw truncated(`the file ends inside the deflate data of gzip member ${member} (which starts at byte ${start}), after ${reader.offset - start} bytes`);
    }
    throw corrupt(`${zlibError.message ?? String(error)} (in the deflate data of gzip member ${member}, which starts at byte ${start})`);
  } finally {
    finished = true;
    inflate.destroy();
  }
  await feeding;
  // Put back what the inflater did not use: the tail of the chunks written last.
  let unused = written - inflate.bytesWritten;
  const back: Uint8Array[] = [];
  for (let i = recent.length - 1; i >= 0 && unused > 0; i--) {
    const chunk = recent[i]!;
    const take = Math.min(unused, chunk.length);
    back.push(chunk.subarray(chunk.length - take));
    unused -= take;
  }
  for (const part of back) reader.unshift(part);
}

/** Chunks of an async iterator, with bytes taken but not used put back; counts its position. */
class PushbackReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  /** Bytes put back, the next one last. */
  readonly #back: Uint8Array[] = [];
  #done = false;
  /** Offset in the input of the next byte next() returns. */
  offset = 0;

  constructor(iterator: AsyncIterator<Uint8Array>) {
    this.#iterator = iterator;
  }

  /** The next chunk (never empty), or undefined at the end of the input. */
  async next(): Promise<Uint8Array | undefined> {
    let chunk = this.#back.pop();
    while (chunk === undefined && !this.#done) {
      const result = await this.#iterator.next();
      if (result.done) this.#done = true;
      else if (result.value.length > 0) chunk = result.value;
    }
    if (chunk !== undefined) this.offset += chunk.length;
    return chunk;
  }

  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#back.push(bytes);
    this.offset -= bytes.length;
  }

  /** The next `n` bytes, fewer only at the end of the input. */
  async take(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const chunk = await this.next();
      if (chunk === undefined) break;
      const use = chunk.subarray(0, n - got);
      this.unshift(chunk.subarray(use.length));
      parts.push(use);
      got += use.length;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(got);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

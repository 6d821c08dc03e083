/**
 * Where a contiguous dataset's data lies in an HDF5 file, read from the file itself (HDF5 File
 * Format Specification version 3: superblock → object headers → link messages → the data
 * layout message). h5wasm exposes no dataset offsets (HDF5's H5Dget_offset is not bound), but
 * once HDF5 has allocated a contiguous dataset's storage, its bytes are one run at a fixed
 * address: other threads may then fill it with positional writes while HDF5 writes the rest.
 *
 * This reads exactly the structures the files of this project use — superblock version 2 or 3
 * (what h5wasm's HDF5 writes), version 2 object headers with their continuation blocks, and
 * groups whose links are stored in the object header (compact) — and checks every checksum on
 * the way. Anything else (dense link storage, old-style symbol-table groups, an unknown layout
 * message version) is an error saying so, never a guess: the caller then writes through HDF5.
 * It never writes.
 */
import { readSync } from "node:fs";
import { lookup3 } from "./lookup3.js";

/** The storage of one contiguous dataset: `size` bytes from file offset `address`. */
export interface ContiguousStorage {
  readonly address: number;
  readonly size: number;
}

export class FileFormatError extends Error {
  override readonly name = "FileFormatError";
  readonly code = "HDF5_FORMAT";
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEFINED = -1;

/** Header message types used here (spec section IV.A.2). */
const MSG_LINK_INFO = 0x02;
const MSG_LAYOUT = 0x08;
const MSG_LINK = 0x06;
const MSG_CONTINUATION = 0x10;
const MSG_SYMBOL_TABLE = 0x11;

/**
 * The storage of the contiguous dataset at `datasetPath` ("/0/SwizzledData/ZYX") in the open
 * file `fd`: undefined while HDF5 has not allocated it yet (late allocation: before its first
 * write). Throws a FileFormatError when the path does not lead to a contiguous dataset or the
 * file uses structures this reader does not know.
 */
export function contiguousStorage(fd: number, datasetPath: string): ContiguousStorage | undefined {
  const file = new FileReader(fd);
  const superblock = readSuperblock(file);
  let header = superblock.rootObjectHeader;
  const names = datasetPath.split("/").filter((n) => n !== "");
  for (const [i, name] of names.entries()) {
    const messages = readObjectHeader(file, header, superblock);
    const target = findLink(messages, name, superblock);
    if (target === undefined) throw new FileFormatError(`${datasetPath}: no link "${name}" in /${names.slice(0, i).join("/")}`);
    header = target;
  }
  const layout = readObjectHeader(file, header, superblock).find((m) => m.type === MSG_LAYOUT);
  if (layout === undefined) throw new FileFormatError(`${datasetPath} is not a dataset (no data layout message)`);
  return contiguousLayout(layout.data, datasetPath, superblock);
}

// -------------------------------------------------------------------------------------------------

interface Superblock {
  readonly offsetSize: number;
  readonly lengthSize: number;
  readonly baseAddress: number;
  readonly rootObjectHeader: number;
}

interface Message {
  readonly type: number;
  readonly data: Uint8Array;
}

/** Positional reads, whole or failing. */
class FileReader {
  constructor(readonly fd: number) {}
  read(position: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) throw new FileFormatError(`the file ends at ${position + done}, inside a structure read from ${position} (${length} bytes)`);
      done += n;
    }
    return out;
  }
}

/** Little-endian unsigned integers of 1 to 8 bytes (an all-ones value is HDF5's "undefined address"). */
function uint(bytes: Uint8Array, offset: number, size: number): number {
  let allOnes = true;
  let value = 0;
  for (let i = size - 1; i >= 0; i--) {
    const b = bytes[offset + i]!;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (allOnes && size >= 4) return UNDEFINED;
  if (!Number.isSafeInteger(value)) throw new FileFormatError(`a ${size}-byte value at ${offset} is beyond 2^53`);
  return value;
}

function checkChecksum(bytes: Uint8Array, what: string): void {
  const stored = uint(bytes, bytes.length - 4, 4) >>> 0;
  const computed = lookup3(bytes.subarray(0, bytes.length - 4));
  if (stored !== computed) throw new FileFormatError(`${what}: checksum mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)})`);
}

function readSuperblock(file: FileReader): Superblock {
  // HDF5 looks for the signature at 0, 512, 1024, … (a user block before it); these files have none.
  const head = file.read(0, 12);
  if (!SIGNATURE.every((b, i) => head[i] === b)) throw new FileFormatError("no HDF5 signature at the start of the file (user blocks are not supported)");
  const version = head[8]!;
  if (version !== 2 && version !== 3) throw new FileFormatError(`superblock version ${version}: only versions 2 and 3 are read`);
  const offsetSize = head[9]!;
  const lengthSize = head[10]!;
  if (![2, 4, 8].includes(offsetSize) || ![2, 4, 8].includes(lengthSize)) throw new FileFormatError(`unusual sizes of offsets (${offsetSize}) or lengths (${lengthSize})`);
  // signature 8, version, sizes, flags (4 bytes), then base, extension, end-of-file and root addresses, checksum.
  const whole = file.read(0, 12 + 4 * offsetSize + 4);
  checkChecksum(whole, "superblock");
  const baseAddress = uint(whole, 12, offsetSize);
  const rootObjectHeader = uint(whole, 12 + 3 * offsetSize, offsetSize);
  if (baseAddress === UNDEFINED || rootObjectHeader === UNDEFINED) throw new FileFormatError("the superblock has no base or root group address");
  return { offsetSize, lengthSize, baseAddress, rootObjectHeader };
}

/** The messages of a version 2 object header ("OHDR") and of its continuation blocks ("OCHK"). */
function readObjectHeader(file: FileReader, address: number, sb: Superblock): Message[] {
  const at = sb.baseAddress + address;
  const prefix = file.read(at, 6);
  if (String.fromCharCode(...prefix.subarray(0, 4)) !== "OHDR") {
    throw new FileFormatError(`no version 2 object header at ${address} (version 1 object headers are not read)`);
  }
  if (prefix[4] !== 2) throw new FileFormatError(`object header at ${address}: version ${prefix[4]}`);
  const flags = prefix[5]!;
  const chunkSizeBytes = 1 << (flags & 0x03);
  const fixed = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const sizeField = file.read(at + fixed, chunkSizeBytes);
  const chunkSize = uint(sizeField, 0, chunkSizeBytes);
  const whole = file.read(at, fixed + chunkSizeBytes + chunkSize + 4);
  checkChecksum(whole, `object header at ${address}`);
  const creationOrder = (flags & 0x04) !== 0;
  const messages: Message[] = [];
  const pending: { address: number; length: number }[] = [];
  parseMessages(whole, fixed + chunkSizeBytes, whole.length - 4, creationOrder, messages, pending, sb);
  while (pending.length > 0) {
    const { address: blockAddress, length } = pending.shift()!;
    const block = file.read(sb.baseAddress + blockAddress, length);
    if (String.fromCharCode(...block.subarray(0, 4)) !== "OCHK") throw new FileFormatError(`no continuation block at ${blockAddress}`);
    checkChecksum(block, `continuation block at ${blockAddress}`);
    parseMessages(block, 4, block.length - 4, creationOrder, messages, pending, sb);
  }
  return messages;
}

function parseMessages(bytes: Uint8Array, start: number, end: number, creationOrder: boolean, out: Message[], continuations: { address: number; length: number }[], sb: Superblock): void {
  const headerSize = 4 + (creationOrder ? 2 : 0);
  let p = start;
  // What is left after the last message that cannot hold a message header is a gap.
  while (end - p >= headerSize) {
    const type = bytes[p]!;
    const size = uint(bytes, p + 1, 2);
    p += headerSize;
    if (p + size > end) throw new FileFormatError(`a header message (type ${type}) runs past its block`);
    const data = bytes.subarray(p, p + size);
    p += size;
    if (type === MSG_CONTINUATION) {
      continuations.push({ address: uint(data, 0, sb.offsetSize), length: uint(data, sb.offsetSize, sb.lengthSize) });
    } else {
      out.push({ type, data });
    }
  }
}

/** The object header address a link named `name` points at (hard links only), if the group has one. */
function findLink(messages: readonly Message[], name: string, sb: Superblock): number | undefined {
  if (messages.some((m) => m.type === MSG_SYMBOL_TABLE)) throw new FileFormatError("an old-style (symbol table) group: not read");
  for (const m of messages) {
    if (m.type === MSG_LINK_INFO) {
      // Link info: version, flags, [max creation index 8], fractal heap address, name index address, …
      const flags = m.data[1]!;
      const heap = uint(m.data, 2 + (flags & 0x01 ? 8 : 0), sb.offsetSize);
      if (heap !== UNDEFINED) throw new FileFormatError("a group with dense link storage (fractal heap): not read");
    }
  }
  const wanted = new TextEncoder().encode(name);
  for (const m of messages) {
    if (m.type !== MSG_LINK) continue;
    const d = m.data;
    if (d[0] !== 1) throw new FileFormatError(`link message version ${d[0]}`);
    const flags = d[1]!;
    let p = 2;
    let linkType = 0;
    if (flags & 0x08) linkType = d[p++]!;
    if (flags & 0x04) p += 8;
    if (flags & 0x10) p += 1;
    const lengthBytes = 1 << (flags & 0x03);
    const length = uint(d, p, lengthBytes);
    p += lengthBytes;
    const linkName = d.subarray(p, p + length);
    p += length;
    if (linkName.length !== wanted.length || !linkName.every((b, i) => b === wanted[i])) continue;
    if (linkType !== 0) throw new FileFormatError(`"${name}" is not a hard link (link type ${linkType})`);
    return uint(d, p, sb.offsetSize);
  }
  return undefined;
}

/** The contiguous layout of a data layout message (versions 3 and 4), or undefined while unallocated. */
function contiguousLayout(data: Uint8Array, datasetPath: string, sb: Superblock): ContiguousStorage | undefined {
  const version = data[0]!;
  if (version !== 3 && version !== 4) throw new FileFormatError(`${datasetPath}: data layout message version ${version}`);
  const layoutClass = data[1]!;
  if (layoutClass !== 1) throw new FileFormatError(`${datasetPath} is not contiguous (layout class ${layoutClass})`);
  const address = uint(data, 2, sb.offsetSize);
  const size = uint(data, 2 + sb.offsetSize, sb.lengthSize);
  if (address === UNDEFINED) return undefined;
  return { address: sb.baseAddress + address, size };
}

/**
 * Where FITS bytes come from: a plain file read at any offset; a gzip file decompressed as a
 * stream (never unpacked to disk, every member's CRC-32 and size checked: ./gunzip.ts); or a
 * stream read once, such as standard input, plain or gzip-compressed (told apart by the gzip
 * magic bytes). All answer `read(position, length)`; the gzip file source reads forward cheaply
 * and restarts from the beginning only when asked to go back, and a stream cannot go back.
 *
 * Each can hash the input while it is read (SHA-256 of the bytes as stored: the compressed bytes
 * of a gzip file), so that a conversion records its input's digest without reading it twice:
 * see `finishHash`, which also reads a gzip input to its end, so that all of it is checked.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { FitsError } from "./errors.js";
import { gunzip, type TrailingGarbage } from "./gunzip.js";

/**
 * A FITS input: a file's path, or the bytes of a FITS file as a stream read once (e.g.
 * `process.stdin`: plain or gzip-compressed).
 */
export type FitsInput = string | AsyncIterable<Uint8Array>;

/** The name a stream input goes by in messages and the provenance (after GNU grep's). */
export const STDIN_NAME = "(standard input)";
export const STREAM_NAME = "(stream)";

/** How a stream input is named: standard input, or another stream. */
export function streamName(input: AsyncIterable<Uint8Array>): string {
  return input === (process.stdin as unknown) ? STDIN_NAME : STREAM_NAME;
}

export interface ByteSource {
  /** The file's path, or the stream's name (STDIN_NAME). */
  readonly path: string;
  /**
   * Size in bytes when known: always for plain files; for gzip and streams only once a read has
   * reached the end of the (decompressed) stream (undefined before).
   */
  readonly size: number | undefined;
  readonly compressed: boolean;
  /** Read once from a stream (standard input): there is no file at `path`, and no going back. */
  readonly fromStream: boolean;
  /**
   * Read up to `length` bytes at `position` into `into` (or a new array). Returns the bytes
   * actually read: fewer only at the end of the data.
   */
  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * The SHA-256 of the whole input as stored. Opened with `hash: true` (streams always are), the
   * bytes already read were hashed as they came (in file order) and only the bytes never read
   * are read now (for a plain file, bytes that a forward jump skips are read at the jump);
   * otherwise the whole file is read now. A gzip input is decompressed to its end on the way,
   * so that every member's CRC-32 and size are checked: a damaged one rejects (CORRUPT_GZIP).
   * Call before close(); later calls return the same digest, and reads after it no longer hash.
   */
  finishHash(): Promise<FileDigest>;
  close(): Promise<void>;
}

export interface SourceOptions {
  /**
   * Hash the file's bytes as reads go through them (for `finishHash`). Reads must then come one
   * at a time (as FitsImage makes them); a read that goes back is fine, one that skips forward
   * also reads, for the hash, the bytes it skips.
   */
  hash?: boolean;
  /** Told of bytes ignored after the last gzip member (as `gzip -d` warns of them), once. */
  onWarning?: (message: string) => void;
}

/** The SHA-256 of a whole file as stored, and what completing it cost. */
export interface FileDigest {
  /** Lower-case hexadecimal. */
  readonly sha256: string;
  /** Bytes hashed: the size of the file as stored (compressed, for gzip; all that was read, for a stream). */
  readonly bytes: number;
  /** Bytes read only for the hash: those no read asked for (skipped over, or after the last read). */
  readonly bytesReadForHash: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

const isGzip = (head: Uint8Array): boolean => head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];

export async function openSource(input: FitsInput, options: SourceOptions = {}): Promise<ByteSource> {
  if (typeof input !== "string") return openStreamSource(input, streamName(input), options);
  const path = input;
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw ioError(path, error);
  }
  if (info.isDirectory()) throw new FitsError("IO", "is a directory, not a FITS file", path);
  if (!info.isFile()) throw new FitsError("IO", "is not a regular file", path);
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw ioError(path, error);
  }
  const head = new Uint8Array(2);
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(head, 0, 2, 0));
  } catch (error) {
    await handle.close();
    throw ioError(path, error);
  }
  if (isGzip(head.subarray(0, bytesRead))) {
    await handle.close();
    return gzipFileSource(path, options);
  }
  return new FileSource(path, handle, info.size, options.hash === true);
}

function ioError(path: string, error: unknown): FitsError {
  if (error instanceof FitsError) return error.withFile(path);
  const err = error as NodeJS.ErrnoException;
  const what =
    err.code === "ENOENT" ? "no such file" :
    err.code === "EACCES" ? "permission denied" :
    err.code === "EISDIR" ? "is a directory, not a FITS file" :
    (err.message ?? String(error));
  return new FitsError("IO", what, path);
}

/** Bytes per read when reading only for the hash. */
const HASH_CHUNK = 8 << 20;

/** Bytes per read of a gzip file's stream. */
const STREAM_CHUNK = 1 << 20;

/** Reads up to `into.length` bytes at `position`; returns how many (0 at the end of the file). */
type ReadAt = (position: number, into: Uint8Array) => Promise<number>;

/**
 * A SHA-256 over a file's bytes in file order, fed by the reads that reach the end of the
 * prefix hashed so far (a read that starts before it adds only its part beyond it; one that
 * starts after it adds nothing, so going back or jumping never corrupts the digest), and
 * completed by reading what was never fed.
 */
class RunningHash {
  readonly #hash: Hash = createHash("sha256");
  /** Length of the prefix of the file hashed so far. */
  #hashed = 0;
  #readForHash = 0;
  #buffer: Uint8Array | undefined;
  #finishing = false;
  #result: Promise<FileDigest> | undefined;

  /** `enabled` false: reads feed nothing, and finishing reads the whole file. */
  constructor(readonly enabled: boolean) {}

  /** Where the hashed prefix ends. */
  get position(): number {
    return this.#hashed;
  }

  /** Whether reads still feed the hash (enabled, and not finished). */
  get active(): boolean {
    return this.enabled && this.#result === undefined;
  }

  /** The bytes `bytes` that a read found at `position` of the file (while finishing: read for the hash). */
  seen(position: number, bytes: Uint8Array): void {
    if (!this.enabled || (this.#result !== undefined && !this.#finishing)) return;
    const end = position + bytes.length;
    if (position > this.#hashed || end <= this.#hashed) return;
    this.#hash.update(bytes.subarray(this.#hashed - position));
    if (this.#finishing) this.#readForHash += end - this.#hashed;
    this.#hashed = end;
  }

  /** Read and hash the bytes from the hashed position up to `until` (undefined: the end of the file). */
  async fill(readAt: ReadAt, until?: number): Promise<void> {
    // One buffer for every fill: reads out of the file's order (planes of a reordered cube) jump
    // forward often, and each jump fills the hash up to the read.
    let buffer = this.#buffer;
    while (until === undefined || this.#hashed < until) {
      const want = until === undefined ? HASH_CHUNK : Math.min(HASH_CHUNK, until - this.#hashed);
      if (buffer === undefined || buffer.length < want) buffer = this.#buffer = new Uint8Array(Math.max(want, Math.min(HASH_CHUNK, 1 << 20)));
      const got = await readAt(this.#hashed, buffer.subarray(0, want));
      if (got === 0) return;
      this.#hash.update(buffer.subarray(0, got));
      this.#hashed += got;
      this.#readForHash += got;
    }
  }

  /**
   * The digest of the whole file, once `complete` has fed the rest (by fill(), or by reads
   * whose bytes reach seen(), counted as read for the hash). Once: later calls return the same promise.
   */
  finish(complete: () => Promise<void>): Promise<FileDigest> {
    this.#result ??= (async () => {
      this.#finishing = true;
      try {
        await complete();
      } finally {
        this.#finishing = false;
      }
      return { sha256: this.#hash.digest("hex"), bytes: this.#hashed, bytesReadForHash: this.#readForHash };
    })();
    return this.#result;
  }
}

class FileSource implements ByteSource {
  readonly compressed = false;
  readonly fromStream = false;
  readonly #hash: RunningHash;
  /** The read in progress, when hashing: reads and the hash's own reads run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string, private readonly handle: FileHandle, readonly size: number, hash = false) {
    this.#hash = new RunningHash(hash);
  }

  #readAt: ReadAt = async (position, into) => (await this.handle.read(into, 0, into.length, position)).bytesRead;

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (!this.#hash.active) return this.#read(position, length, into);
    return this.#serial(async () => {
      // A jump forward: hash the bytes skipped now, so the bytes read next extend the prefix.
      if (position > this.#hash.position) await this.#hash.fill(this.#readAt, Math.min(position, this.size));
      const out = await this.#read(position, length, into);
      this.#hash.seen(position, out);
      return out;
    });
  }

  finishHash(): Promise<FileDigest> {
    return this.#serial(() => this.#hash.finish(() => this.#hash.fill(this.#readAt)));
  }

  async #read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const want = Math.max(0, Math.min(length, this.size - position));
    const out = into ?? new Uint8Array(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.handle.read(out, done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === out.length ? out : out.subarray(0, done);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The bytes of a file or a stream, in order, each fed to the hash as it arrives. */
async function* hashed(chunks: AsyncIterable<Uint8Array | string>, hash: RunningHash): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = 0;
  for await (const chunk of chunks) {
    // No encoding is set on the streams read here: always bytes.
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    hash.seen(offset, bytes);
    offset += bytes.length;
    yield bytes;
  }
}

/** One pass over the input: its (decompressed) bytes, and how to stop reading it. */
interface Pass {
  readonly bytes: AsyncIterator<Uint8Array>;
  /** Stop reading: release the file or stream (whatever the pass is doing). */
  readonly stop: () => void;
}

/** The warning for bytes after the last gzip member, in gzip's words. */
function garbageWarning(path: string, garbage: TrailingGarbage): string {
  const bytes = `${garbage.length} byte${garbage.length === 1 ? "" : "s"}`;
  return `${path}: decompression OK, trailing garbage ignored (as gzip -d does): the ${bytes} after the last gzip member, from byte ${garbage.offset}, are not gzip data`;
}

/** A gzip file: each pass streams it from the beginning (going back starts a new pass). */
function gzipFileSource(path: string, options: SourceOptions): ByteSource {
  let warned = false;
  const onTrailingGarbage = (garbage: TrailingGarbage): void => {
    if (warned) return;
    warned = true;
    options.onWarning?.(garbageWarning(path, garbage));
  };
  return new SequentialSource(path, {
    compressed: true,
    fromStream: false,
    hash: new RunningHash(options.hash === true),
    start: (hash) => {
      const file = createReadStream(path, { highWaterMark: STREAM_CHUNK });
      const bytes = gunzip(hashed(file, hash), { onTrailingGarbage });
      return { bytes, stop: () => file.destroy() };
    },
  });
}

/**
 * A stream read once (standard input): plain FITS bytes, or gzip-compressed ones when the
 * stream starts with the gzip magic number. Always hashed (the bytes cannot be read again).
 */
async function openStreamSource(stream: AsyncIterable<Uint8Array>, name: string, options: SourceOptions): Promise<ByteSource> {
  const hash = new RunningHash(true);
  const iterator = hashed(stream, hash);
  const stop = (): void => {
    // A Node stream is destroyed (a pipe's writer then gets EPIPE rather than waiting); any
    // other iterable is told to return.
    const destroyable = stream as { destroy?: () => void };
    if (typeof destroyable.destroy === "function") destroyable.destroy();
    void iterator.return(undefined).catch(() => undefined);
  };
  // The first two bytes say whether it is gzip.
  const head: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < 2) {
      const next = await iterator.next();
      if (next.done) break;
      head.push(next.value);
      length += next.value.length;
    }
  } catch (error) {
    stop();
    throw ioError(name, error);
  }
  const first = Buffer.concat(head);
  const bytes = (async function* (): AsyncGenerator<Uint8Array, void, undefined> {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  const compressed = isGzip(first);
  const onTrailingGarbage = (garbage: TrailingGarbage): void => options.onWarning?.(garbageWarning(name, garbage));
  let started = false;
  return new SequentialSource(name, {
    compressed,
    fromStream: true,
    hash,
    start: () => {
      if (started) throw new FitsError("IO", "a stream can be read only once, and the reader needed to go back in it (a bug: please report it)", name);
      started = true;
      return { bytes: compressed ? gunzip(bytes, { onTrailingGarbage }) : bytes, stop };
    },
  });
}

interface SequentialSourceKind {
  readonly compressed: boolean;
  readonly fromStream: boolean;
  readonly hash: RunningHash;
  /** A pass over the input from its beginning, feeding `hash` with the bytes as stored. */
  readonly start: (hash: RunningHash) => Pass;
}

/**
 * Bytes read in order from passes over the input (decompressed, for gzip), with a position;
 * going back starts a new pass, where the kind of input allows it.
 */
class SequentialSource implements ByteSource {
  readonly compressed: boolean;
  readonly fromStream: boolean;
  #hash: RunningHash;
  readonly #start: (hash: RunningHash) => Pass;
  #size: number | undefined; // the (decompressed) length, once the end has been reached
  #pass: Pass | undefined;
  #pending: Uint8Array | undefined; // bytes not yet consumed, starting at #position
  #position = 0;
  #ended = false;
  /** A stream's pass that failed: it cannot start again, so every later read meets its error. */
  #failure: unknown;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string, kind: SequentialSourceKind) {
    this.compressed = kind.compressed;
    this.fromStream = kind.fromStream;
    this.#hash = kind.hash;
    this.#start = kind.start;
  }

  get size(): number | undefined {
    return this.#size;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #restart(): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#stop();
    this.#pass = this.#start(this.#hash);
    this.#pending = undefined;
    this.#position = 0;
    this.#ended = false;
  }

  async #next(): Promise<Uint8Array | undefined> {
    if (this.#ended) return undefined;
    try {
      const { value, done } = await this.#pass!.bytes.next();
      if (done) {
        this.#ended = true;
        // Called only once the pending bytes are consumed: the position is the stream's length.
        this.#size = this.#position;
        return undefined;
      }
      return value;
    } catch (error) {
      // A failed pass cannot go on: the next read starts again from the beginning (and meets
      // the same error where the data is corrupt) rather than seeing a short, "clean" end.
      this.#stop();
      const failure = ioError(this.path, error);
      if (this.fromStream) this.#failure = failure;
      throw failure;
    }
  }

  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    return this.#serial(() => this.#read(position, length, into));
  }

  async #read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.#pass === undefined || position < this.#position) this.#restart();
    // Skip forward to the position.
    while (this.#position < position) {
      if (this.#pending === undefined || this.#pending.length === 0) {
        this.#pending = await this.#next();
        if (this.#pending === undefined) return new Uint8Array(0);
      }
      const skip = Math.min(position - this.#position, this.#pending.length);
      this.#pending = this.#pending.subarray(skip);
      this.#position += skip;
    }
    const out = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      if (this.#pending === undefined || this.#pending.length === 0) {
        this.#pending = await this.#next();
        if (this.#pending === undefined) break;
      }
      const take = Math.min(length - done, this.#pending.length);
      out.set(this.#pending.subarray(0, take), done);
      this.#pending = this.#pending.subarray(take);
      this.#position += take;
      done += take;
    }
    return done === out.length ? out : out.subarray(0, done);
  }

  /** Read the rest of the input: to the end of the stream (of every gzip member, checked) and of the bytes as stored. */
  async #drain(): Promise<void> {
    if (this.#pass === undefined) this.#restart();
    // The position follows, so that the end's position is the (decompressed) length.
    this.#position += this.#pending?.length ?? 0;
    this.#pending = undefined;
    for (let chunk = await this.#next(); chunk !== undefined; chunk = await this.#next()) this.#position += chunk.length;
  }

  finishHash(): Promise<FileDigest> {
    return this.#serial(() => {
      if (!this.#hash.enabled) {
        // Not hashed while read: a pass of its own from the beginning (possible for files only).
        this.#hash = new RunningHash(true);
        this.#restart();
      }
      return this.#hash.finish(() => this.#drain());
    });
  }

  #stop(): void {
    const pass = this.#pass;
    this.#pass = undefined;
    if (pass === undefined) return;
    // End the decompression (its zlib stream) and release the file or stream under it.
    void pass.bytes.return?.(undefined).catch(() => undefined);
    pass.stop();
  }

  async close(): Promise<void> {
    await this.#serial(async () => this.#stop());
  }
}

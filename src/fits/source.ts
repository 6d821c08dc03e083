/**
 * Where FITS bytes come from: a plain file read at any offset, or a gzip file decompressed as a
 * stream (never unpacked to disk). Both answer `read(position, length)`; the gzip source reads
 * forward cheaply and restarts from the beginning only when asked to go back.
 *
 * Either can hash the file while it is read (SHA-256 of the file as stored: the compressed bytes
 * of a gzip file), so that a conversion records its input's digest without reading it twice:
 * see `finishHash`.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { FitsError } from "./errors.js";

export interface ByteSource {
  readonly path: string;
  /**
   * Size in bytes when known: always for plain files; for gzip only once a read has reached the
   * end of the decompressed stream (undefined before).
   */
  readonly size: number | undefined;
  readonly compressed: boolean;
  /**
   * Read up to `length` bytes at `position` into `into` (or a new array). Returns the bytes
   * actually read: fewer only at the end of the data.
   */
  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * The SHA-256 of the whole file as stored. Opened with `hash: true`, the bytes already read
   * were hashed as they came (in file order) and only the bytes never read are read now (for a
   * plain file, bytes that a forward jump skips are read at the jump); otherwise the whole file
   * is read now. Call before close(); later calls return the same digest, and reads after it
   * no longer hash.
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
}

/** The SHA-256 of a whole file as stored, and what completing it cost. */
export interface FileDigest {
  /** Lower-case hexadecimal. */
  readonly sha256: string;
  /** Bytes hashed: the size of the file as stored (compressed, for gzip). */
  readonly bytes: number;
  /** Bytes read only for the hash: those no read asked for (skipped over, or after the last read). */
  readonly bytesReadForHash: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function openSource(path: string, options: SourceOptions = {}): Promise<ByteSource> {
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
  if (bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    await handle.close();
    return new GzipSource(path, options.hash === true);
  }
  return new FileSource(path, handle, info.size, options.hash === true);
}

function ioError(path: string, error: unknown): FitsError {
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
  #result: Promise<FileDigest> | undefined;

  /** `enabled` false: reads feed nothing, and finish() reads the whole file. */
  constructor(readonly enabled: boolean) {}

  /** Where the hashed prefix ends. */
  get position(): number {
    return this.#hashed;
  }

  /** Whether reads still feed the hash (enabled, and finish() not called yet). */
  get active(): boolean {
    return this.enabled && this.#result === undefined;
  }

  /** The bytes `bytes` that a read found at `position` of the file. */
  seen(position: number, bytes: Uint8Array): void {
    if (!this.active) return;
    const end = position + bytes.length;
    if (position > this.#hashed || end <= this.#hashed) return;
    this.#hash.update(bytes.subarray(this.#hashed - position));
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

  /** The digest of the whole file (once: later calls return the same promise). */
  finish(readAt: () => Promise<ReadAt>, done: () => Promise<void> = async () => {}): Promise<FileDigest> {
    this.#result ??= (async () => {
      try {
        await this.fill(await readAt());
      } finally {
        await done();
      }
      return { sha256: this.#hash.digest("hex"), bytes: this.#hashed, bytesReadForHash: this.#readForHash };
    })();
    return this.#result;
  }
}

class FileSource implements ByteSource {
  readonly compressed = false;
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
    return this.#serial(() => this.#hash.finish(async () => this.#readAt));
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

/** Sequential gzip decompression with a position; going back restarts the stream. */
class GzipSource implements ByteSource {
  readonly compressed = true;
  /** Over the compressed bytes, fed by the file streams as they read (each from the start). */
  readonly #hash: RunningHash;
  #size: number | undefined; // the decompressed length, once the end has been reached
  #iterator: AsyncIterator<Buffer> | undefined;
  #stream: NodeJS.ReadableStream | undefined;
  #input: ReturnType<typeof createReadStream> | undefined;
  #pending: Buffer | undefined; // decompressed bytes not yet consumed, starting at #position
  #position = 0;
  #ended = false;

  constructor(readonly path: string, hash = false) {
    this.#hash = new RunningHash(hash);
  }

  get size(): number | undefined {
    return this.#size;
  }

  #restart(): void {
    this.#destroy();
    const gunzip = createGunzip();
    const input = createReadStream(this.path, { highWaterMark: 1 << 20 });
    input.on("error", (error) => gunzip.destroy(error));
    if (this.#hash.active) {
      // Another listener of the same chunks: pipe's pauses (backpressure) stop it too.
      let offset = 0;
      input.on("data", (chunk: Buffer | string) => {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk; // no encoding is set: always a Buffer
        this.#hash.seen(offset, bytes);
        offset += bytes.length;
      });
    }
    const stream = input.pipe(gunzip);
    this.#input = input;
    this.#stream = stream;
    this.#iterator = stream[Symbol.asyncIterator]();
    this.#pending = undefined;
    this.#position = 0;
    this.#ended = false;
  }

  async #next(): Promise<Buffer | undefined> {
    if (this.#ended) return undefined;
    try {
      const { value, done } = await this.#iterator!.next();
      if (done) {
        this.#ended = true;
        // Called only once the pending bytes are consumed: the position is the stream's length.
        this.#size = this.#position;
        return undefined;
      }
      return value;
    } catch (error) {
      // A failed stream cannot go on: the next read starts again from the beginning (and meets
      // the same error where the data is corrupt) rather than seeing a short, "clean" end.
      this.#destroy();
      throw new FitsError("IO", `gzip data is corrupt: ${(error as Error).message}`, this.path);
    }
  }

  async read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.#iterator === undefined || position < this.#position) this.#restart();
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

  #destroy(): void {
    const stream = this.#stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    stream?.destroy?.();
    // Destroying the gunzip stream only unpipes the file stream, which would then stay open,
    // paused, holding its file descriptor: destroy it too.
    this.#input?.destroy();
    this.#input = undefined;
    this.#stream = undefined;
    this.#iterator = undefined;
  }

  finishHash(): Promise<FileDigest> {
    // The compressed bytes the streams have not read yet, through a handle of its own (a
    // stream still running no longer feeds the hash once this has started).
    let handle: FileHandle | undefined;
    return this.#hash.finish(
      async () => {
        const h = await open(this.path, "r").catch((error: unknown) => {
          throw ioError(this.path, error);
        });
        handle = h;
        return async (position, into) => (await h.read(into, 0, into.length, position)).bytesRead;
      },
      async () => {
        await handle?.close();
      },
    );
  }

  async close(): Promise<void> {
    this.#destroy();
  }
}

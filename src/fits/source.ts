/**
 * Where FITS bytes come from: a plain file read at any offset, or a gzip file decompressed as a
 * stream (never unpacked to disk). Both answer `read(position, length)`; the gzip source reads
 * forward cheaply and restarts from the beginning only when asked to go back.
 */
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
  close(): Promise<void>;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function openSource(path: string): Promise<ByteSource> {
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
    return new GzipSource(path);
  }
  return new FileSource(path, handle, info.size);
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

class FileSource implements ByteSource {
  readonly compressed = false;
  constructor(readonly path: string, private readonly handle: FileHandle, readonly size: number) {}

  async read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
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
  #size: number | undefined; // the decompressed length, once the end has been reached
  #iterator: AsyncIterator<Buffer> | undefined;
  #stream: NodeJS.ReadableStream | undefined;
  #input: ReturnType<typeof createReadStream> | undefined;
  #pending: Buffer | undefined; // decompressed bytes not yet consumed, starting at #position
  #position = 0;
  #ended = false;

  constructor(readonly path: string) {}

  get size(): number | undefined {
    return this.#size;
  }

  #restart(): void {
    this.#destroy();
    const gunzip = createGunzip();
    const input = createReadStream(this.path, { highWaterMark: 1 << 20 });
    input.on("error", (error) => gunzip.destroy(error));
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

  async close(): Promise<void> {
    this.#destroy();
  }
}

/**
 * Typed HDF5 errors. Every failure of the HDF5 layer (h5wasm, the HDF5 library inside it, or a
 * misuse of the writer) surfaces as an `Hdf5Error` that names the HDF5 file, the object inside it
 * and the operation, with the HDF5 error stack (when there is one) kept for a detailed report.
 */

export type Hdf5ErrorCode =
  /** The file could not be created or opened. */
  | "OPEN"
  /** A group, dataset, attribute or link could not be created. */
  | "CREATE"
  /** Data could not be written (disk full, I/O error, ...). */
  | "WRITE"
  /** Data or metadata could not be read. */
  | "READ"
  /** Flushing or closing the file failed: the file is released but probably incomplete. */
  | "CLOSE"
  /** The WebAssembly heap could not hold a buffer (slab too large). */
  | "MEMORY"
  /** The caller passed something the writer cannot store (wrong shape, type, value). */
  | "ARGUMENT"
  /** The writer or reader was used after close(), or after a fatal error. */
  | "STATE";

export class Hdf5Error extends Error {
  override readonly name = "Hdf5Error";
  readonly code: Hdf5ErrorCode;
  /** The HDF5 file the error is about. */
  readonly file: string;
  /** The object inside the file (e.g. "/0/DATA"), when there is one. */
  readonly object: string | undefined;
  /** The HDF5 error stack as printed by the library, when it printed one. */
  readonly hdf5Stack: string | undefined;

  constructor(
    code: Hdf5ErrorCode,
    message: string,
    options: { file: string; object?: string; hdf5Stack?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.object = options.object;
    this.hdf5Stack = options.hdf5Stack;
  }

  /** The message with the file named in front, for a one-line report. */
  describe(): string {
    return `${this.file}: ${this.message}`;
  }
}

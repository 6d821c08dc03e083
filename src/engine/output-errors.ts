/** The errors about a conversion's output: what is wrong with it, by code. */
import { hostname } from "node:os";
import type { LockOwner } from "./output-lock.js";

/**
 * OUTPUT_FOLDER: the output's folder is missing or not a folder, or the output is a folder;
 * OUTPUT_BUSY: another conversion holds the output's lock; OUTPUT_WRITE: the operating system
 * refused a write, a rename or a removal (`errno` says which error: ENOSPC, EFBIG, EDQUOT, …);
 * OUTPUT_IS_INPUT: the output, or one of its helper files, is the input file (OutputIsInputError);
 * OUTPUT_NOT_FILE: an existing output that is not a regular file (a device, FIFO, socket, a
 * dangling or looping link);
 * OUTPUT: anything else about the output.
 */
export type OutputErrorCode = "OUTPUT_FOLDER" | "OUTPUT_BUSY" | "OUTPUT_WRITE" | "OUTPUT_IS_INPUT" | "OUTPUT_NOT_FILE" | "OUTPUT";

export class OutputError extends Error {
  override readonly name: string = "OutputError";
  readonly code: OutputErrorCode;
  /** The operating system's error name (ENOSPC, EFBIG, …) when the failure came from it. */
  readonly errno: string | undefined;
  constructor(message: string, readonly file: string, options: { cause?: unknown; errno?: string; code?: OutputErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.errno = options.errno;
    this.code = options.code ?? (options.errno !== undefined ? "OUTPUT_WRITE" : "OUTPUT");
  }
}

/** The output, or one of its helper files, is the input file: refused before anything is written. */
export class OutputIsInputError extends OutputError {
  override readonly name = "OutputIsInputError";
  constructor(file: string, readonly clash: InputClash) {
    const what = clash.role === "the output" ? "the output" : `${clash.role} ${clash.path}`;
    // The input named only when spelled otherwise (`-o x/../c.fits ./c.fits`, a link).
    const input = clash.input === (clash.role === "the output" ? file : clash.path) ? "" : ` ${clash.input}`;
    super(`${what} is the input file${input}: refusing to overwrite it`, file, { code: "OUTPUT_IS_INPUT" });
  }
}

/** Another live conversion holds the output's lock. */
export class OutputBusyError extends OutputError {
  override readonly name = "OutputBusyError";
  constructor(file: string, readonly lockFile: string, readonly owner: LockOwner | undefined) {
    super(
      owner === undefined
        ? "another conversion is writing this output (its lock file names no owner yet)"
        : `another conversion (pid ${owner.pid}${owner.host === hostname() ? "" : ` on ${owner.host}`}) is writing this output`,
      file,
      { code: "OUTPUT_BUSY" },
    );
  }
}

/** What of a conversion's files would be an input: the output or a helper, by role. */
export interface InputClash {
  /** "the output", "its temporary file", "its lock file", "its take-over guard". */
  readonly role: string;
  readonly path: string;
  /** The input (as given) it would be. */
  readonly input: string;
}

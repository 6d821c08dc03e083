/**
 * Failures of the operating system in one line: an error's errno name and a short description
 * (found also when only HDF5's message or the C library's wording carries it), what was being
 * done when it happened, and the OutputError naming the output with both.
 */
import { Hdf5Error } from "../hdf5/errors.js";
import { OutputError } from "./output-errors.js";

/**
 * Causes from the operating system, by errno name and by the C library's message for it (HDF5
 * reports the message of the errno its write got: glibc's wording, or musl's inside h5wasm).
 */
const OS_CAUSES: ReadonlyArray<{ code: string; text: string; messages: readonly string[] }> = [
  { code: "ENOSPC", text: "no space left on the device", messages: ["No space left on device"] },
  { code: "EFBIG", text: "file size limit exceeded", messages: ["File too large"] },
  { code: "EDQUOT", text: "disk quota exceeded", messages: ["Disk quota exceeded", "Quota exceeded"] },
  { code: "EROFS", text: "read-only file system", messages: ["Read-only file system"] },
  { code: "EIO", text: "input/output error", messages: ["Input/output error", "I/O error"] },
  { code: "EACCES", text: "permission denied", messages: ["Permission denied"] },
  { code: "EPERM", text: "operation not permitted", messages: ["Operation not permitted"] },
  { code: "ENOENT", text: "no such file or folder", messages: ["No such file or directory"] },
  { code: "ENOTDIR", text: "a path component is not a folder", messages: ["Not a directory"] },
  { code: "EISDIR", text: "a folder is in the way", messages: ["Is a directory"] },
  { code: "EMFILE", text: "too many open files", messages: ["Too many open files", "No file descriptors available"] },
  { code: "ENAMETOOLONG", text: "file name too long", messages: ["File name too long", "Filename too long"] },
];

/** The operating-system cause of an error (its errno name and a short description), when one is known. */
export function osCauseOf(error: unknown): { code: string; text: string } | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== undefined && e !== null && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = errnoCode(e);
    const byCode = OS_CAUSES.find((c) => c.code === code);
    if (byCode !== undefined) return { code: byCode.code, text: byCode.text };
    const texts = [e instanceof Hdf5Error ? e.hdf5Stack : undefined, e instanceof Error ? e.message : undefined];
    for (const text of texts) {
      if (text === undefined) continue;
      // HDF5's file driver: "errno = 28, error message = 'No space left on device'".
      const message = /error message = '([^']*)'/.exec(text)?.[1];
      const byMessage = OS_CAUSES.find((c) => c.messages.some((m) => (message ?? text).includes(m)));
      if (byMessage !== undefined) return { code: byMessage.code, text: byMessage.text };
    }
  }
  return undefined;
}

/** "no space left on the device (ENOSPC)" */
export function causeText(cause: { code: string; text: string }): string {
  return `${cause.text} (${cause.code})`;
}

/** An OutputError about `file` for an operating-system error: `<cause> <during>`, or `<lead>: <cause>`. */
export function osError(error: unknown, file: string, during: string, lead?: string): OutputError {
  const cause = osCauseOf(error);
  const text = cause !== undefined ? causeText(cause) : error instanceof Error ? error.message : String(error);
  const message = lead !== undefined ? `${lead}: ${text}` : `${text} ${during}`.trim();
  return new OutputError(message, file, { cause: error, errno: cause?.code });
}

/** "while writing 0/DATA", "while finishing the file", … for an HDF5 error. */
export function duringText(error: Hdf5Error): string {
  const object = error.object?.replace(/^\/+/, "") || undefined;
  switch (error.code) {
    case "OPEN":
      return "while creating the temporary file";
    case "CLOSE":
      return "while finishing the file";
    case "CREATE":
      return object === undefined ? "while creating the file's structure" : `while creating ${object}`;
    case "READ":
      return object === undefined ? "while reading the file back" : `while reading back ${object}`;
    default:
      return object === undefined ? "while writing the file" : `while writing ${object}`;
  }
}

/** The errno name of an error (a Node.js system error's `code`), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

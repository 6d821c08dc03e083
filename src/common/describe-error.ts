/** One-line descriptions of errors for the command line; stack traces only when debugging. */
import { FitsError } from "../fits/errors.js";
import { OutputError } from "../engine/output-errors.js";

export function describeError(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack) return error.stack;
  let text: string;
  if (error instanceof FitsError) text = error.describe();
  // Never named in its message, which may name its helper files or the input (spelled, maybe, as
  // the output is): named in front always.
  else if (error instanceof OutputError) text = `${error.file}: ${error.message}`;
  else if (error instanceof Error && "file" in error && typeof error.file === "string" && !error.message.includes(error.file)) {
    text = `${error.file}: ${error.message}`;
  } else if (error instanceof Error) text = error.message;
  else text = String(error);
  // One line, and no doubled full stop before ". Aborting."
  return text.replace(/\s*\n\s*/g, " ").replace(/\.+$/, "");
}

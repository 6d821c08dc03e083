/** One-line descriptions of errors for the command line; stack traces only when debugging. */
import { FitsError } from "../fits/errors.js";
import { OutputIsInputError } from "../engine/output-file.js";

export function describeError(error: unknown, debug: boolean): string {
  if (debug && error instanceof Error && error.stack) return error.stack;
  let text: string;
  if (error instanceof FitsError) text = error.describe();
  // Its message names the input, which may be spelled as the output is: named in front anyway.
  else if (error instanceof OutputIsInputError) text = `${error.file}: ${error.message}`;
  else if (error instanceof Error && "file" in error && typeof error.file === "string" && !error.message.includes(error.file)) {
    text = `${error.file}: ${error.message}`;
  } else if (error instanceof Error) text = error.message;
  else text = String(error);
  // One line, and no doubled full stop before ". Aborting."
  return text.replace(/\s*\n\s*/g, " ").replace(/\.+$/, "");
}

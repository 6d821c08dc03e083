/**
 * The first step of every subcommand (convert, verify, batch): parse its arguments, print the
 * help text when asked, or a usage error as one line; and the one-line failure every step ends
 * with when something goes wrong.
 */
import { describeError } from "../common/describe-error.js";
import { Interrupted } from "../common/interrupt-signals.js";

/** `Error: <message>. Aborting.` on stderr; resolves to the exit status (128 + signal when interrupted). */
export function failure(stderr: { write(text: string): unknown }, error: unknown, debug: boolean): number {
  stderr.write(`Error: ${describeError(error, debug)}. Aborting.\n`);
  return error instanceof Interrupted ? error.exitCode : 1;
}

type Parsed<T> = { readonly kind: "print"; readonly text: string } | { readonly kind: string; readonly args: T };

/** The settings, or the exit status after printing the help (0) or a usage error (1). */
export async function parseStep<T>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => Promise<Parsed<T>>,
  io: { readonly stdout: { write(text: string): unknown }; readonly stderr: { write(text: string): unknown } },
): Promise<{ readonly args: T } | { readonly status: number }> {
  try {
    const parsed = await parse(argv);
    if (parsed.kind === "print") {
      io.stdout.write(`${(parsed as { text: string }).text}\n`);
      return { status: 0 };
    }
    return { args: (parsed as { args: T }).args };
  } catch (error) {
    return { status: failure(io.stderr, error, argv.includes("--debug")) };
  }
}

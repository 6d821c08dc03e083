/** A mistake in the command's arguments: printed as `Error: <message>. Aborting.`, exit 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

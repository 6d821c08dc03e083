/**
 * A deleted working directory (the folder a job was started from, removed meanwhile). Node.js's
 * worker threads ask for the working directory as they start and fail there (`uv_cwd`,
 * ENOENT), so the command moves to `/` first; that changes nothing for absolute paths. A
 * relative path is refused instead, in one line: after the move it would name another file.
 */
import { isAbsolute } from "node:path";

export class WorkingFolderError extends Error {
  override readonly name = "WorkingFolderError";
  constructor(readonly file: string) {
    super("a relative path, and the working directory has been deleted: give the path absolute");
  }
}

/** `paths`: every path the command was given (absent ones skipped), and FITS2IDIA_RC. */
export function leaveDeletedWorkingFolder(paths: readonly (string | undefined)[], env: NodeJS.ProcessEnv): void {
  try {
    process.cwd();
    return;
  } catch {
    // Deleted: below.
  }
  const relative = [...paths, env.FITS2IDIA_RC].find((path) => path !== undefined && path !== "" && !isAbsolute(path));
  if (relative !== undefined) throw new WorkingFolderError(relative);
  process.chdir("/");
}

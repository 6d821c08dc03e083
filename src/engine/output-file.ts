/**
 * The output is written under a temporary name beside the target and renamed over it only when
 * complete, so no file under the final name is ever partial, and an existing output survives a
 * failed run. On failure the temporary file is removed.
 */
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export class OutputFile {
  readonly target: string;
  readonly temporary: string;
  #done = false;

  constructor(target: string) {
    this.target = target;
    // A fixed name per target (as the reference does): a stale one left by a killed run is
    // simply replaced by the next run.
    this.temporary = join(dirname(target), `${basename(target)}.tmp`);
  }

  /** Check that the target's folder exists and is a folder, before any work is done. */
  async check(): Promise<void> {
    const folder = dirname(this.target);
    let info;
    try {
      info = await stat(folder);
    } catch {
      throw new OutputError(`output folder ${folder} does not exist`, this.target);
    }
    if (!info.isDirectory()) throw new OutputError(`${folder} is not a folder`, this.target);
    try {
      if ((await stat(this.target)).isDirectory()) throw new OutputError("the output path is a folder", this.target);
    } catch (error) {
      if (error instanceof OutputError) throw error;
    }
  }

  /** Move the complete temporary file to the final name (atomic on one file system). */
  async commit(): Promise<void> {
    await rename(this.temporary, this.target);
    this.#done = true;
  }

  /** Remove the temporary file if the run did not complete; never throws. */
  async discard(): Promise<void> {
    if (this.#done) return;
    await rm(this.temporary, { force: true }).catch(() => undefined);
  }
}

export class OutputError extends Error {
  override readonly name = "OutputError";
  constructor(message: string, readonly file: string) {
    super(message);
  }
}

/**
 * The output file's life: checked before any work, claimed, written under a temporary name,
 * then moved over the final name.
 *
 * - No file under the final name is ever partial: the output is written as `<output>.tmp` in the
 *   same folder and renamed over `<output>` only when complete (rename(2) in one folder is atomic,
 *   on local file systems as on Lustre, GPFS and NFS). An existing output survives a failed,
 *   interrupted or killed run, and is replaced only by a complete one.
 * - One conversion at a time per output: before the temporary file is created, the run claims the
 *   output with a lock file `<output>.lock` (src/engine/output-lock.ts: created exclusively and
 *   whole, a stale one taken over). The fixed temporary name (as the reference converter uses)
 *   is then safe, and a stale one left by a killed run is simply replaced by the next run.
 * - On failure the temporary file and the lock are removed (also synchronously, for a process
 *   that must exit at once: discardAllOutputsSync). After SIGKILL they stay, and the next run
 *   takes both over.
 * - Failures of the operating system while writing (disk full, file-size limit, quota, read-only
 *   file system, I/O error) become one-line OutputErrors naming the output, the cause (with its
 *   errno name) and what was being written (the wording: src/engine/os-errors.ts; the errors:
 *   src/engine/output-errors.ts).
 * - Refused before anything is written (check): an output that is the input, however spelled
 *   (same device and inode, after following links: `x/../c.fits`, a symbolic or hard link), or
 *   whose helper files would be the input (an input named `out.hdf5.tmp`); an existing output
 *   that is not a regular file (a folder, a device such as /dev/null, a FIFO, a socket); a
 *   symbolic link that leads nowhere.
 * - An output that is a symbolic link to a file is written through: the target is replaced (its
 *   helper files beside it, so the rename stays in one folder) and the link kept, as cp(1) and a
 *   shell's `>` do. Two runs naming the link and its target share one lock.
 * - Helper names that would pass NAME_MAX (255 bytes) get a short stem (src/engine/helper-names.ts).
 * - A process that ends by an uncaught error or process.exit() removes its unfinished outputs'
 *   files on 'exit'.
 */
import { lstatSync, readlinkSync, realpathSync, rmSync, type Stats } from "node:fs";
import { access, constants, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Hdf5Error } from "../hdf5/errors.js";
import { helperPath, NAME_MAX, SUFFIX } from "./helper-names.js";
import { causeText, duringText, errnoCode, osCauseOf, osError } from "./os-errors.js";
import { OutputError, OutputIsInputError, type InputClash } from "./output-errors.js";
import { discardLockDraftsSync, OutputLock } from "./output-lock.js";
import { identityKey, identityOf, sameIdentity, type FileIdentity } from "./same-file.js";

/** Outputs claimed and not yet committed or discarded in this process. */
const live = new Set<OutputFile>();

/**
 * Whether the process removes its unfinished outputs' files when it exits: after an uncaught
 * error or an unhandled rejection, or a process.exit() from anywhere, as after a failed run.
 */
let exitHook = false;

/**
 * Remove the temporary files and locks of every unfinished output of this process, synchronously:
 * for a process about to exit at once (a second SIGINT/SIGTERM). Never throws.
 */
export function discardAllOutputsSync(): void {
  for (const output of [...live]) output.discardSync();
  // A claim in progress: its lock draft (the lock itself is not ours yet, or is released above).
  discardLockDraftsSync();
}

/** Where a conversion to an output writes: the file itself and its helper files beside it. */
export interface OutputPaths {
  /** The file replaced at the end (a symbolic link's target). */
  readonly file: string;
  readonly temporary: string;
  readonly lock: string;
  readonly takeover: string;
}

/** The helper files of `file` (src/engine/helper-names.ts). */
export function outputPaths(file: string): OutputPaths {
  return { file, temporary: helperPath(file, SUFFIX.temporary), lock: helperPath(file, SUFFIX.lock), takeover: helperPath(file, SUFFIX.takeover) };
}

export class OutputFile {
  /** The output as given. */
  readonly target: string;
  #paths: OutputPaths;
  /** The input the output must not be (set by check). */
  #input: { path: string; identity: FileIdentity } | undefined;
  #lock: OutputLock | undefined;
  #done = false;

  constructor(target: string) {
    this.target = target;
    this.#paths = outputPaths(target);
  }

  /** The file written: the target, or where the symbolic link it names leads (known after check()). */
  get file(): string {
    return this.#paths.file;
  }

  get temporary(): string {
    return this.#paths.temporary;
  }

  get lockFile(): string {
    return this.#paths.lock;
  }

  /** Whether this run holds the output's lock (between claim() and commit() / discard()). */
  get claimed(): boolean {
    return this.#lock?.held === true;
  }

  /**
   * Check, before any work is done and before anything is written, that the output can be
   * written and would not destroy anything but an earlier output: its folder exists, is a folder
   * and is writable; an existing output is a regular file (a symbolic link to one is followed);
   * and neither the output nor its helper files are the `input` file.
   */
  async check(input?: string): Promise<void> {
    if (this.target === "" || this.target.endsWith("/")) throw new OutputError("the output path ends with '/': it names a folder, not a file", this.target, { code: "OUTPUT_FOLDER" });
    const name = this.target.slice(this.target.lastIndexOf("/") + 1);
    if (Buffer.byteLength(name) > NAME_MAX) throw new OutputError(`the output's name is ${Buffer.byteLength(name)} bytes long: a file name holds at most ${NAME_MAX}`, this.target);
    this.#paths = outputPaths(followLink(this.target));
    // First the one that would lose data: the output, or a helper file, is the input.
    if (input !== undefined) {
      const identity = identityOf(input);
      if (identity !== undefined) {
        this.#input = { path: input, identity };
        const clash = clashOf(this.#paths, new Map([[identityKey(identity), input]]));
        if (clash !== undefined) throw new OutputIsInputError(this.target, clash);
      }
    }
    // What is there already: an earlier output (a regular file) may be replaced, nothing else.
    const existing = await stat(this.file).catch(() => undefined);
    if (existing?.isDirectory()) throw new OutputError("the output path is a folder", this.target, { code: "OUTPUT_FOLDER" });
    if (existing !== undefined && !existing.isFile()) {
      throw new OutputError(`the output is ${kindOf(existing)}, not a regular file: refusing to replace it`, this.target, { code: "OUTPUT_NOT_FILE" });
    }
    const folder = dirname(this.file);
    let info;
    try {
      info = await stat(folder);
    } catch (error) {
      const code = errnoCode(error);
      if (code === "ENOENT") throw new OutputError(`output folder ${folder} does not exist`, this.target, { code: "OUTPUT_FOLDER" });
      if (code === "ENOTDIR") throw new OutputError(`${folder} is not a folder`, this.target, { code: "OUTPUT_FOLDER" });
      throw osError(error, this.target, `while checking the output folder ${folder}`);
    }
    if (!info.isDirectory()) throw new OutputError(`${folder} is not a folder`, this.target, { code: "OUTPUT_FOLDER" });
    try {
      await access(folder, constants.W_OK);
    } catch (error) {
      throw osError(error, this.target, "", `output folder ${folder} is not writable`);
    }
    // A lock that is not a regular file (a FIFO would block the read of its owner) is not ours.
    const lock = await stat(this.lockFile).catch(() => undefined);
    if (lock !== undefined && !lock.isFile()) throw new OutputError(`its lock file ${this.lockFile} is ${kindOf(lock)}, not a regular file`, this.target);
  }

  /**
   * Claim the output for this run: create the lock (taking over a stale one) and remove a stale
   * temporary file. Throws OutputBusyError when another live conversion holds the output.
   */
  async claim(): Promise<void> {
    if (this.claimed || this.#done) throw new Error(`${this.target}: claimed twice`);
    const lock = new OutputLock(this.#paths, this.target);
    await lock.acquire();
    this.#lock = lock;
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", discardAllOutputsSync);
    }
    // Checked again now that no other run of ours can create it: the input is never removed.
    if (this.#input !== undefined && sameIdentity(identityOf(this.temporary), this.#input.identity)) {
      await this.discard();
      throw new OutputIsInputError(this.target, { role: "its temporary file", path: this.temporary, input: this.#input.path });
    }
    await lock.removeStaleDrafts(this.#input?.identity);
    // A temporary file left by a killed run is ours now; the writer truncates it anyway, but
    // removing it first also clears one we could not truncate (a read-only file).
    try {
      await rm(this.temporary, { force: true });
    } catch (error) {
      await this.discard();
      throw osError(error, this.target, "while removing the stale temporary file");
    }
  }

  /** Move the complete temporary file to the final name (atomic in one folder), then release the lock. */
  async commit(): Promise<void> {
    try {
      await rename(this.temporary, this.file);
    } catch (error) {
      throw osError(error, this.target, "while moving the finished file to its name");
    }
    this.#done = true;
    this.#release();
  }

  /** Remove the temporary file and the lock if the run claimed the output and did not complete; never throws. */
  async discard(): Promise<void> {
    if (this.#done || !this.claimed) return;
    await rm(this.temporary, { force: true }).catch(() => undefined);
    this.#release();
  }

  /** discard(), synchronously (for a process exiting at once); never throws. */
  discardSync(): void {
    if (this.#done || !this.claimed) return;
    try {
      rmSync(this.temporary, { force: true });
    } catch {
      // Nothing more can be done; the next run replaces it.
    }
    this.#release();
  }

  /**
   * The error to report for a failure during the run: failures of the output file (HDF5 errors
   * on the temporary file, file-system errors on its paths) become one-line OutputErrors naming
   * the final output; anything else is returned unchanged.
   */
  describeFailure(error: unknown): unknown {
    if (error instanceof OutputError) return error;
    const ours = new Set([this.temporary, this.target, this.file, this.lockFile].map(absolute));
    if (error instanceof Hdf5Error && ours.has(absolute(error.file))) {
      const cause = osCauseOf(error);
      const during = duringText(error);
      if (cause !== undefined) return new OutputError(`${causeText(cause)} ${during}`, this.target, { cause: error, errno: cause.code });
      return new OutputError(error.message, this.target, { cause: error });
    }
    const path = (error as { path?: unknown } | null)?.path;
    if (typeof path === "string" && ours.has(absolute(path)) && osCauseOf(error) !== undefined) {
      const syscall = (error as { syscall?: unknown }).syscall;
      const role = absolute(path) === absolute(this.temporary) ? "the temporary file" : absolute(path) === absolute(this.lockFile) ? "the lock file" : "the output";
      return osError(error, this.target, `while ${typeof syscall === "string" ? `${syscall} on` : "using"} ${role}`);
    }
    return error;
  }

  // ---------------------------------------------------------------------------------------------

  /** Release the lock (if still held and still ours); never throws. */
  #release(): void {
    live.delete(this);
    this.#lock?.release();
  }
}

// -------------------------------------------------------------------------------------------------

/**
 * The input a conversion to `target` would overwrite or remove, among `inputs` (by
 * identityKey): the output itself (after following a symbolic link) or one of its helper files;
 * undefined when none would. For planning (a batch): nothing is written, nothing is refused here.
 */
export function inputClash(target: string, inputs: ReadonlyMap<string, string>): InputClash | undefined {
  let file = target;
  try {
    file = followLink(target);
  } catch {
    // A link that leads nowhere is refused by the conversion itself.
  }
  return clashOf(outputPaths(file), inputs);
}

function clashOf(paths: OutputPaths, inputs: ReadonlyMap<string, string>): InputClash | undefined {
  const roles: [string, string][] = [
    ["the output", paths.file],
    ["its temporary file", paths.temporary],
    ["its lock file", paths.lock],
    ["its take-over guard", paths.takeover],
  ];
  for (const [role, path] of roles) {
    const identity = identityOf(path);
    const input = identity === undefined ? undefined : inputs.get(identityKey(identity));
    if (input !== undefined) return { role, path, input };
  }
  return undefined;
}

/**
 * Where an output path leads: itself, or, for a symbolic link, the file at the end of its chain
 * (written through, the link kept). A link to nothing, or a loop, is refused.
 */
function followLink(target: string): string {
  let info: Stats;
  try {
    info = lstatSync(target);
  } catch {
    return target; // no such file yet (or its folder is refused by check)
  }
  if (!info.isSymbolicLink()) return target;
  try {
    return realpathSync(target);
  } catch (error) {
    const code = errnoCode(error);
    let to = "";
    try {
      to = readlinkSync(target);
    } catch {
      // Removed meanwhile.
    }
    if (code === "ELOOP") throw new OutputError(`the output is a symbolic link that loops (to ${to}): refusing to write through it`, target, { code: "OUTPUT_NOT_FILE" });
    throw new OutputError(`the output is a symbolic link to ${to}, which does not exist: refusing to write through it (remove the link, or name its target)`, target, { code: "OUTPUT_NOT_FILE" });
  }
}

/** "a character device", "a FIFO (named pipe)", … for a file that is not a regular file. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a folder";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  if (info.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/** The path made absolute; as it is when the working directory has been deleted (resolve needs it). */
function absolute(path: string): string {
  try {
    return resolve(path);
  } catch {
    return path;
  }
}

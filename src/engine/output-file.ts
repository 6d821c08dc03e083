/**
 * The output file's life: checked before any work, claimed, written under a temporary name,
 * then moved over the final name.
 *
 * - No file under the final name is ever partial: the output is written as `<output>.tmp` in the
 *   same folder and renamed over `<output>` only when complete (rename(2) in one folder is atomic,
 *   on local file systems as on Lustre, GPFS and NFS). An existing output survives a failed,
 *   interrupted or killed run, and is replaced only by a complete one.
 * - One conversion at a time per output: before the temporary file is created, the run claims the
 *   output with a lock file `<output>.lock`, created exclusively and whole (a written draft
 *   hard-linked to that name: link(2) fails when the name exists, atomically on those file
 *   systems too; O_EXCL where hard links are not supported), holding the owner's pid, host,
 *   start time and a random id. A second conversion to the
 *   same output is refused ("another conversion (pid N) is writing this output") instead of the
 *   two writing one temporary file. The fixed temporary name (as the reference converter uses)
 *   is then safe, and a stale one left by a killed run is simply replaced by the next run.
 * - A lock is stale (taken over) when its process is gone: its pid is not running on this host,
 *   or, from another host (or a reused pid), its heartbeat (the lock's modification time,
 *   refreshed every minute while the run lives) is older than LOCK_STALE_MS. It is removed under
 *   a take-over guard (`<output>.lock.takeover`, also created exclusively), only if it is still
 *   the lock judged stale, so that runs taking over at once never remove each other's fresh lock.
 * - On failure the temporary file and the lock are removed (also synchronously, for a process
 *   that must exit at once: discardAllOutputsSync). After SIGKILL they stay, and the next run
 *   takes both over.
 * - Failures of the operating system while writing (disk full, file-size limit, quota, read-only
 *   file system, I/O error) become one-line OutputErrors naming the output, the cause (with its
 *   errno name) and what was being written.
 * - Refused before anything is written (check): an output that is the input, however spelled
 *   (same device and inode, after following links: `x/../c.fits`, a symbolic or hard link), or
 *   whose helper files would be the input (an input named `out.hdf5.tmp`); an existing output
 *   that is not a regular file (a folder, a device such as /dev/null, a FIFO, a socket); a
 *   symbolic link that leads nowhere.
 * - An output that is a symbolic link to a file is written through: the target is replaced (its
 *   helper files beside it, so the rename stays in one folder) and the link kept, as cp(1) and a
 *   shell's `>` do. Two runs naming the link and its target share one lock.
 * - Helper names that would pass NAME_MAX (255 bytes) get a short stem (src/engine/helper-names.ts).
 * - A lock draft exists only within one synchronous step (created, linked to the lock's name,
 *   removed), so no JavaScript failure or signal can leave it; one left by a process that died in
 *   those few system calls is removed by the next run that claims the output. A process that
 *   ends by an uncaught error or process.exit() removes its unfinished outputs' files on 'exit'.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, linkSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync, rmSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { access, constants, lstat, open, readdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { Hdf5Error } from "../hdf5/errors.js";
import { DRAFT_ID_DIGITS, helperPath, isDraftName, NAME_MAX, SUFFIX } from "./helper-names.js";
import { identityKey, identityOf, sameIdentity, type FileIdentity } from "./same-file.js";

/** A lock whose heartbeat (modification time) is older than this is stale, whoever holds it. */
export const LOCK_STALE_MS = 10 * 60_000;
/** How often a live run refreshes its lock's modification time. */
const HEARTBEAT_MS = 60_000;
/** A lock without readable contents (its creator died between creating and writing it) is stale after this. */
const UNREADABLE_LOCK_STALE_MS = 60_000;
/** How long a claim waits for an unreadable (just created) lock to get its owner before refusing. */
const UNREADABLE_LOCK_WAIT_MS = 1000;
/** A take-over guard older than this was left by a run killed while taking over a lock. */
const TAKEOVER_STALE_MS = 30_000;
/** Rounds of claim / take-over before giving up on a lock that keeps changing. */
const CLAIM_ATTEMPTS = 200;

/** Outputs claimed and not yet committed or discarded in this process. */
const live = new Set<OutputFile>();

/** Lock drafts being written (between their creation and their removal in #create). */
const drafts = new Set<string>();

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
  for (const draft of [...drafts]) {
    try {
      rmSync(draft, { force: true });
    } catch {
      // Nothing more can be done.
    }
  }
}

/** What a lock file says about its owner. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the owner's run started. */
  readonly started: string;
}

interface LockState {
  /** The lock file's exact text, to recognize our own (or the one judged stale). */
  readonly text: string;
  readonly dev: number;
  readonly ino: number;
}

interface HeldLock {
  readonly state: LockState;
  readonly heartbeat: NodeJS.Timeout;
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
  #lock: HeldLock | undefined;
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
    return this.#lock !== undefined;
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
      throw this.osError(error, `while checking the output folder ${folder}`);
    }
    if (!info.isDirectory()) throw new OutputError(`${folder} is not a folder`, this.target, { code: "OUTPUT_FOLDER" });
    try {
      await access(folder, constants.W_OK);
    } catch (error) {
      throw this.osError(error, "", `output folder ${folder} is not writable`);
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
    if (this.#lock !== undefined || this.#done) throw new Error(`${this.target}: claimed twice`);
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    // The random id tells apart the locks of two runs of one process (same pid, same start).
    const text = `${JSON.stringify({ tool: "fits2idia-ts", ...owner, id: randomBytes(8).toString("hex") })}\n`;
    const claimStart = performance.now();
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const state = await this.#create(text);
      if (state !== undefined) {
        const heartbeat = setInterval(() => {
          const now = new Date();
          utimes(this.lockFile, now, now).catch(() => undefined);
        }, HEARTBEAT_MS);
        heartbeat.unref();
        this.#lock = { state, heartbeat };
        live.add(this);
        break;
      }
      const holder = await this.#inspect();
      if (holder === undefined) continue; // gone meanwhile: try again
      if (holder.owner === undefined && !holder.stale && performance.now() - claimStart < UNREADABLE_LOCK_WAIT_MS) {
        // Being written (a lock created in place), or left empty by a killed run: look again.
        await pause();
        continue;
      }
      if (!holder.stale) throw new OutputBusyError(this.target, this.lockFile, holder.owner);
      await this.#takeOver(holder.state);
    }
    if (this.#lock === undefined) {
      throw new OutputError("cannot claim the output: its lock file keeps changing", this.target);
    }
    if (!exitHook) {
      exitHook = true;
      process.on("exit", discardAllOutputsSync);
    }
    // Checked again now that no other run of ours can create it: the input is never removed.
    if (this.#input !== undefined && sameIdentity(identityOf(this.temporary), this.#input.identity)) {
      await this.discard();
      throw new OutputIsInputError(this.target, { role: "its temporary file", path: this.temporary, input: this.#input.path });
    }
    await this.#removeStaleDrafts();
    // A temporary file left by a killed run is ours now; the writer truncates it anyway, but
    // removing it first also clears one we could not truncate (a read-only file).
    try {
      await rm(this.temporary, { force: true });
    } catch (error) {
      await this.discard();
      throw this.osError(error, "while removing the stale temporary file");
    }
  }

  /** Move the complete temporary file to the final name (atomic in one folder), then release the lock. */
  async commit(): Promise<void> {
    try {
      await rename(this.temporary, this.file);
    } catch (error) {
      throw this.osError(error, "while moving the finished file to its name");
    }
    this.#done = true;
    this.#release();
  }

  /** Remove the temporary file and the lock if the run claimed the output and did not complete; never throws. */
  async discard(): Promise<void> {
    if (this.#done || this.#lock === undefined) return;
    await rm(this.temporary, { force: true }).catch(() => undefined);
    this.#release();
  }

  /** discard(), synchronously (for a process exiting at once); never throws. */
  discardSync(): void {
    if (this.#done || this.#lock === undefined) return;
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
      return this.osError(error, `while ${typeof syscall === "string" ? `${syscall} on` : "using"} ${role}`);
    }
    return error;
  }

  // ---------------------------------------------------------------------------------------------

  /** An OutputError for an operating-system error: `<cause> <during>`, or `<lead>: <cause>`. */
  private osError(error: unknown, during: string, lead?: string): OutputError {
    const cause = osCauseOf(error);
    const text = cause !== undefined ? causeText(cause) : error instanceof Error ? error.message : String(error);
    const message = lead !== undefined ? `${lead}: ${text}` : `${text} ${during}`.trim();
    return new OutputError(message, this.target, { cause: error, errno: cause?.code });
  }

  /**
   * Create the lock file with `text`, exclusively; undefined when it exists already. The text is
   * written to a draft first, then hard-linked to the lock's name (link(2) fails if the name
   * exists), so the lock never appears without its owner. Where hard links are not supported,
   * the lock is created with O_EXCL and written after. The draft's whole life is one synchronous
   * step: no signal handler, timer or failure elsewhere can run while it exists.
   */
  async #create(text: string): Promise<LockState | undefined> {
    const created = this.#createLinked(text);
    return created === "no links" ? this.#createInPlace(text) : created;
  }

  #createLinked(text: string): LockState | undefined | "no links" {
    let draft = "";
    let fd: number | undefined;
    // O_EXCL: a draft never opens an existing file (the names are random; another try on a clash).
    for (let attempt = 0; fd === undefined; attempt++) {
      draft = helperPath(this.file, SUFFIX.draft(randomBytes(DRAFT_ID_DIGITS / 2).toString("hex")));
      try {
        fd = openSync(draft, "wx", 0o644);
      } catch (error) {
        if (errnoCode(error) !== "EEXIST" || attempt >= 3) throw this.osError(error, "while creating the lock file");
      }
    }
    drafts.add(draft);
    try {
      let info: Stats;
      try {
        writeSync(fd, text);
        info = fstatSync(fd);
      } finally {
        closeSync(fd);
      }
      // The last step: once the lock exists, nothing here can fail.
      linkSync(draft, this.lockFile);
      return { text, dev: info.dev, ino: info.ino };
    } catch (error) {
      const code = errnoCode(error);
      if (code === "EEXIST") return undefined;
      if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EMLINK") return "no links";
      throw this.osError(error, "while creating the lock file");
    } finally {
      try {
        unlinkSync(draft);
      } catch {
        // Already gone; a later run removes one left behind.
      }
      drafts.delete(draft);
    }
  }

  /** #create without hard links: O_EXCL, then the text (briefly empty: see UNREADABLE_LOCK_WAIT_MS). */
  async #createInPlace(text: string): Promise<LockState | undefined> {
    let handle;
    try {
      handle = await open(this.lockFile, "wx", 0o644);
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return undefined;
      throw this.osError(error, "while creating the lock file");
    }
    try {
      await handle.writeFile(text);
      const info = await handle.stat();
      return { text, dev: info.dev, ino: info.ino };
    } catch (error) {
      await rm(this.lockFile, { force: true }).catch(() => undefined);
      throw this.osError(error, "while creating the lock file");
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** The lock file's owner and whether it is stale; undefined when there is no lock file any more. */
  async #inspect(): Promise<{ state: LockState; owner: LockOwner | undefined; stale: boolean } | undefined> {
    const state = await this.#readState();
    if (state === undefined) return undefined;
    const owner = parseLock(state.text);
    const age = Date.now() - state.mtimeMs;
    const stale =
      owner === undefined
        ? age > UNREADABLE_LOCK_STALE_MS
        : age > LOCK_STALE_MS || (owner.host === hostname() && !processRuns(owner.pid));
    return { state, owner, stale };
  }

  /**
   * Remove a lock judged stale, under a take-over guard (`<output>.lock.takeover`, created
   * exclusively): holding it, the lock is read again and removed only if it is still the one
   * judged stale. Fresh locks are only ever created (never removed) by other runs, so a run that
   * claimed the output meanwhile keeps its lock. Without the guard, one run taking over could
   * remove the fresh lock of another that took over just before it.
   */
  async #takeOver(stale: LockState): Promise<void> {
    const guard = this.#paths.takeover;
    try {
      await (await open(guard, "wx", 0o644)).close();
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw this.osError(error, "while taking over the stale lock file");
      // Another run is taking it over: look again shortly. A guard left by a run killed in
      // the middle of a take-over (a few system calls) is removed once old.
      try {
        if (Date.now() - (await stat(guard)).mtimeMs > TAKEOVER_STALE_MS) await rm(guard, { force: true });
      } catch {
        // Gone already.
      }
      await pause();
      return;
    }
    try {
      const now = await this.#readState();
      if (now !== undefined && now.dev === stale.dev && now.ino === stale.ino && now.text === stale.text) {
        await rm(this.lockFile, { force: true });
      }
    } finally {
      await rm(guard, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Remove the lock drafts of this output left by runs that died while creating their lock
   * (between a draft's creation and its removal: a few system calls): drafts, by name and by
   * contents (a fits2idia-ts lock), whose owner is gone (or whose heartbeat age says so). Live
   * runs' drafts are left; so is anything that is not a draft. Never fails the claim.
   */
  async #removeStaleDrafts(): Promise<void> {
    const cut = this.file.lastIndexOf("/") + 1;
    const folder = this.file.slice(0, cut);
    const name = this.file.slice(cut);
    let names: string[];
    try {
      names = await readdir(folder === "" ? "." : folder);
    } catch {
      return;
    }
    for (const entry of names) {
      if (!isDraftName(name, entry)) continue;
      const path = folder + entry;
      try {
        const info = await lstat(path, { bigint: true });
        if (!info.isFile() || info.size > 4096n) continue;
        if (this.#input !== undefined && sameIdentity({ dev: info.dev, ino: info.ino }, this.#input.identity)) continue;
        const text = await readFile(path, "utf8");
        const tool = (() => {
          try {
            return (JSON.parse(text) as { tool?: unknown } | null)?.tool;
          } catch {
            return undefined;
          }
        })();
        const owner = parseLock(text);
        const age = Date.now() - Number(info.mtimeMs);
        const stale =
          tool === "fits2idia-ts" && owner !== undefined
            ? age > LOCK_STALE_MS || (owner.host === hostname() && !processRuns(owner.pid))
            : text === "" && age > UNREADABLE_LOCK_STALE_MS; // created, never written
        if (stale) await rm(path, { force: true });
      } catch {
        // Gone meanwhile, or not readable: left alone.
      }
    }
  }

  /** The lock file's contents and identity; undefined when there is none. */
  async #readState(): Promise<(LockState & { mtimeMs: number }) | undefined> {
    let handle;
    try {
      handle = await open(this.lockFile, "r");
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return undefined;
      throw this.osError(error, "while reading the lock file");
    }
    try {
      const info = await handle.stat();
      const text = await handle.readFile("utf8");
      return { text, dev: info.dev, ino: info.ino, mtimeMs: info.mtimeMs };
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /** Stop the heartbeat and remove the lock file if it is still ours; never throws. */
  #release(): void {
    const lock = this.#lock;
    live.delete(this);
    if (lock === undefined) return;
    this.#lock = undefined;
    clearInterval(lock.heartbeat);
    try {
      const fd = openSync(this.lockFile, "r");
      let mine = false;
      try {
        const info = fstatSync(fd);
        mine = info.dev === lock.state.dev && info.ino === lock.state.ino && readFileSync(fd, "utf8") === lock.state.text;
      } finally {
        closeSync(fd);
      }
      if (mine) unlinkSync(this.lockFile);
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  }
}

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

// -------------------------------------------------------------------------------------------------

/** What of a conversion's files would be an input: the output or a helper, by role. */
export interface InputClash {
  /** "the output", "its temporary file", "its lock file", "its take-over guard". */
  readonly role: string;
  readonly path: string;
  /** The input (as given) it would be. */
  readonly input: string;
}

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

/** A short, random pause between two looks at a lock that is changing. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function parseLock(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (value === null || typeof value !== "object") return undefined;
    if (!Number.isSafeInteger(value.pid) || value.pid! <= 0 || typeof value.host !== "string") return undefined;
    return { pid: value.pid!, host: value.host, started: typeof value.started === "string" ? value.started : "" };
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this host (one we may not signal still runs). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === "EPERM";
  }
}

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

/** "while writing 0/DATA", "while finishing the file", … for an HDF5 error. */
function duringText(error: Hdf5Error): string {
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

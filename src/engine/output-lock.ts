/**
 * The output's lock: one conversion at a time per output.
 *
 * - Before the temporary file is created, the run claims the output with a lock file
 *   `<output>.lock`, created exclusively and whole (a written draft hard-linked to that name:
 *   link(2) fails when the name exists, atomically on local file systems as on Lustre, GPFS and
 *   NFS; O_EXCL where hard links are not supported), holding the owner's pid, host, start time
 *   and a random id. A second conversion to the same output is refused ("another conversion
 *   (pid N) is writing this output") instead of the two writing one temporary file.
 * - A lock is stale (taken over) when its process is gone: its pid is not running on this host,
 *   or, from another host (or a reused pid), its heartbeat (the lock's modification time,
 *   refreshed every minute while the run lives) is older than LOCK_STALE_MS. It is removed under
 *   a take-over guard (`<output>.lock.takeover`, also created exclusively), only if it is still
 *   the lock judged stale, so that runs taking over at once never remove each other's fresh lock.
 * - A lock draft exists only within one synchronous step (created, linked to the lock's name,
 *   removed), so no JavaScript failure or signal can leave it; one left by a process that died in
 *   those few system calls is removed by the next run that claims the output
 *   (removeStaleDrafts); a process exiting at once removes its drafts (discardLockDraftsSync).
 *
 * The output's life around it (check, temporary file, commit, discard): src/engine/output-file.ts.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, linkSync, openSync, readFileSync, rmSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { lstat, open, readdir, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { DRAFT_ID_DIGITS, helperPath, isDraftName, SUFFIX } from "./helper-names.js";
import { errnoCode, osError } from "./os-errors.js";
import { OutputBusyError, OutputError } from "./output-errors.js";
import { sameIdentity, type FileIdentity } from "./same-file.js";

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

/** Lock drafts being written (between their creation and their removal in #create). */
const drafts = new Set<string>();

/**
 * Remove the lock drafts being written by this process, synchronously: for a process about to
 * exit at once, in the middle of a claim. Never throws.
 */
export function discardLockDraftsSync(): void {
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

/** The files of the lock: the output (beside which the drafts are made), the lock, the take-over guard. */
export interface LockPaths {
  readonly file: string;
  readonly lock: string;
  readonly takeover: string;
}

/** The lock of one output, for one claim: acquired, then released. */
export class OutputLock {
  readonly #paths: LockPaths;
  /** The output as given, named in errors. */
  readonly #target: string;
  #held: HeldLock | undefined;

  constructor(paths: LockPaths, target: string) {
    this.#paths = paths;
    this.#target = target;
  }

  /** Whether this lock is held (between acquire() and release()). */
  get held(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Create the lock (taking over a stale one). Throws OutputBusyError when another live
   * conversion holds it, an OutputError when it cannot be created or keeps changing.
   */
  async acquire(): Promise<void> {
    if (this.#held !== undefined) throw new Error(`${this.#target}: locked twice`);
    const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    // The random id tells apart the locks of two runs of one process (same pid, same start).
    const text = `${JSON.stringify({ tool: "fits2idia-ts", ...owner, id: randomBytes(8).toString("hex") })}\n`;
    const claimStart = performance.now();
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const state = await this.#create(text);
      if (state !== undefined) {
        const heartbeat = setInterval(() => {
          const now = new Date();
          utimes(this.#paths.lock, now, now).catch(() => undefined);
        }, HEARTBEAT_MS);
        heartbeat.unref();
        this.#held = { state, heartbeat };
        return;
      }
      const holder = await this.#inspect();
      if (holder === undefined) continue; // gone meanwhile: try again
      if (holder.owner === undefined && !holder.stale && performance.now() - claimStart < UNREADABLE_LOCK_WAIT_MS) {
        // Being written (a lock created in place), or left empty by a killed run: look again.
        await pause();
        continue;
      }
      if (!holder.stale) throw new OutputBusyError(this.#target, this.#paths.lock, holder.owner);
      await this.#takeOver(holder.state);
    }
    throw new OutputError("cannot claim the output: its lock file keeps changing", this.#target);
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
      draft = helperPath(this.#paths.file, SUFFIX.draft(randomBytes(DRAFT_ID_DIGITS / 2).toString("hex")));
      try {
        fd = openSync(draft, "wx", 0o644);
      } catch (error) {
        if (errnoCode(error) !== "EEXIST" || attempt >= 3) throw osError(error, this.#target, "while creating the lock file");
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
      linkSync(draft, this.#paths.lock);
      return { text, dev: info.dev, ino: info.ino };
    } catch (error) {
      const code = errnoCode(error);
      if (code === "EEXIST") return undefined;
      if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS" || code === "EMLINK") return "no links";
      throw osError(error, this.#target, "while creating the lock file");
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
      handle = await open(this.#paths.lock, "wx", 0o644);
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return undefined;
      throw osError(error, this.#target, "while creating the lock file");
    }
    try {
      await handle.writeFile(text);
      const info = await handle.stat();
      return { text, dev: info.dev, ino: info.ino };
    } catch (error) {
      await rm(this.#paths.lock, { force: true }).catch(() => undefined);
      throw osError(error, this.#target, "while creating the lock file");
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
      if (errnoCode(error) !== "EEXIST") throw osError(error, this.#target, "while taking over the stale lock file");
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
        await rm(this.#paths.lock, { force: true });
      }
    } finally {
      await rm(guard, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Remove the lock drafts of this output (never the `input`) left by runs that died while creating their lock
   * (between a draft's creation and its removal: a few system calls): drafts, by name and by
   * contents (a fits2idia-ts lock), whose owner is gone (or whose heartbeat age says so). Live
   * runs' drafts are left; so is anything that is not a draft. Never fails the claim.
   */
  async removeStaleDrafts(input?: FileIdentity): Promise<void> {
    const cut = this.#paths.file.lastIndexOf("/") + 1;
    const folder = this.#paths.file.slice(0, cut);
    const name = this.#paths.file.slice(cut);
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
        if (input !== undefined && sameIdentity({ dev: info.dev, ino: info.ino }, input)) continue;
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
      handle = await open(this.#paths.lock, "r");
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return undefined;
      throw osError(error, this.#target, "while reading the lock file");
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
  release(): void {
    const lock = this.#held;
    if (lock === undefined) return;
    this.#held = undefined;
    clearInterval(lock.heartbeat);
    try {
      const fd = openSync(this.#paths.lock, "r");
      let mine = false;
      try {
        const info = fstatSync(fd);
        mine = info.dev === lock.state.dev && info.ino === lock.state.ino && readFileSync(fd, "utf8") === lock.state.text;
      } finally {
        closeSync(fd);
      }
      if (mine) unlinkSync(this.#paths.lock);
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  }
}

/** A short, random pause between two looks at a lock that is changing. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
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

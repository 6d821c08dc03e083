/**
 * The names of an output's helper files, beside it in its folder: `<output>.tmp` (the file being
 * written), `<output>.lock` (the claim), `<output>.lock.<12 hex digits>.new` (a lock being
 * created) and `<output>.lock.takeover` (the guard of a take-over).
 *
 * A name (one path component) holds at most NAME_MAX = 255 bytes on the file systems clusters
 * use (ext4, XFS, Lustre, GPFS, NFS, tmpfs). An output name that fits may leave no room for a
 * suffix (a 245-byte name and the draft's 22 bytes failed with ENAMETOOLONG), so a helper whose
 * name would be longer is named from a short stem instead: the name's first 216 bytes, `~`, and
 * 16 hex digits of the SHA-256 of the whole name. The stem is the same for every run (a second
 * conversion still finds the lock, a later run still finds a killed run's files), differs for
 * names that share their first bytes, and leaves room for the longest suffix. Names that fit
 * keep the documented `<output>.tmp` and `<output>.lock`.
 */
import { createHash } from "node:crypto";

/** The longest name (bytes) of one path component on the file systems this runs on. */
export const NAME_MAX = 255;

/** Hex digits of the name's SHA-256 in a short stem. */
const HASH_DIGITS = 16;

/** Hex digits of a lock draft's random id. */
export const DRAFT_ID_DIGITS = 12;

/** The suffixes of the helper files, the longest last. */
export const SUFFIX = {
  temporary: ".tmp",
  lock: ".lock",
  takeover: ".lock.takeover",
  draft: (id: string) => `.lock.${id}.new`,
} as const;

/** Bytes of the longest suffix: a lock draft's. */
const LONGEST_SUFFIX = SUFFIX.draft("0".repeat(DRAFT_ID_DIGITS)).length;

/** The helper of the file named `name` with this suffix: `name + suffix` when that fits in NAME_MAX bytes. */
export function helperName(name: string, suffix: string): string {
  const whole = name + suffix;
  return Buffer.byteLength(whole) <= NAME_MAX ? whole : shortStem(name) + suffix;
}

/** The helper beside the file at `path` (its folder kept as written: no `..` is folded away). */
export function helperPath(path: string, suffix: string): string {
  const cut = path.lastIndexOf("/") + 1;
  return path.slice(0, cut) + helperName(path.slice(cut), suffix);
}

/** Whether `name` (in the output's folder) is a lock draft of the file named `file`. */
export function isDraftName(file: string, name: string): boolean {
  const example = helperName(file, SUFFIX.draft("0".repeat(DRAFT_ID_DIGITS)));
  const stem = example.slice(0, example.length - LONGEST_SUFFIX);
  if (!name.startsWith(stem)) return false;
  return new RegExp(`^\\.lock\\.[0-9a-f]{${DRAFT_ID_DIGITS}}\\.new$`).test(name.slice(stem.length));
}

/** `<first bytes of name>~<hash>`, short enough for any suffix. */
function shortStem(name: string): string {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_DIGITS);
  return `${utf8Prefix(name, NAME_MAX - LONGEST_SUFFIX - 1 - HASH_DIGITS)}~${hash}`;
}

/** The longest prefix of `text` of at most `bytes` bytes in UTF-8, whole characters only. */
function utf8Prefix(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}

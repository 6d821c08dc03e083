/**
 * Whether two paths name one file, however they are spelled (`x/../c.fits` and `./c.fits`, a
 * symbolic link and its target, two hard links): by device and inode, after following links.
 * Inode numbers are read as bigints: on XFS, Lustre and GPFS they can pass 2^53.
 */
import { statSync } from "node:fs";
import { stat } from "node:fs/promises";

export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** The identity of the file `path` leads to; undefined when there is none (or it cannot be reached). */
export function identityOf(path: string): FileIdentity | undefined {
  try {
    const info = statSync(path, { bigint: true, throwIfNoEntry: false });
    return info === undefined ? undefined : { dev: info.dev, ino: info.ino };
  } catch {
    return undefined;
  }
}

/** identityOf, without blocking. */
export async function identityOfAsync(path: string): Promise<FileIdentity | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    return { dev: info.dev, ino: info.ino };
  } catch {
    return undefined;
  }
}

export function sameIdentity(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** A key for maps of identities. */
export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}`;
}

/**
 * The administrator's configuration: `/etc/fits2idiarc`, or the file named by the environment
 * variable FITS2IDIA_RC. One `key = value` per line; `#` starts a comment; blank lines are
 * ignored. The one key is `memory_limit`: the most memory, in bytes, that a conversion may be
 * predicted to need (0 = no limit; a unit such as `50GB` is accepted too). Keys this version
 * does not know are reported as warnings, not errors, so that one file can serve several
 * versions; a malformed line or value is an error naming the file and the line.
 */
import { readFileSync } from "node:fs";
import { parseSize, SizeError } from "./size.js";

export const DEFAULT_RC_PATH = "/etc/fits2idiarc";
export const RC_ENV = "FITS2IDIA_RC";

export interface RcSettings {
  /** Bytes; 0 = no limit; absent when the file does not set it. */
  readonly memoryLimit?: number;
  /** Lines the parser skipped (unknown keys), each naming file and line. */
  readonly warnings: readonly string[];
}

export interface RcFile extends RcSettings {
  /** The file read, or would have been read. */
  readonly path: string;
  /** Whether the file exists (a missing default file means no settings). */
  readonly found: boolean;
}

export class RcError extends Error {
  override readonly name = "RcError";
  readonly code = "RC_FILE";
  constructor(message: string, readonly file: string, readonly line?: number) {
    super(line === undefined ? `${file}: ${message}` : `${file}, line ${line}: ${message}`);
  }
}

const LINE = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

export function parseRc(text: string, file: string): RcSettings {
  let memoryLimit: number | undefined;
  let memoryLimitLine = 0;
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const lineNumber = i + 1;
    const hash = raw.indexOf("#");
    const content = hash >= 0 ? raw.slice(0, hash) : raw;
    if (content.trim() === "") return;
    const match = LINE.exec(content);
    if (match === null) throw new RcError(`expected "key = value", found "${content.trim()}"`, file, lineNumber);
    const [, key, value] = match as unknown as [string, string, string];
    if (key !== "memory_limit") {
      warnings.push(`${file}, line ${lineNumber}: unknown setting "${key}" ignored`);
      return;
    }
    if (memoryLimitLine > 0) throw new RcError(`memory_limit is already set on line ${memoryLimitLine}`, file, lineNumber);
    if (value === "") throw new RcError("memory_limit has no value", file, lineNumber);
    try {
      memoryLimit = parseSize(value);
    } catch (error) {
      if (error instanceof SizeError) throw new RcError(`memory_limit: ${error.message}`, file, lineNumber);
      throw error;
    }
    memoryLimitLine = lineNumber;
  });
  return memoryLimit === undefined ? { warnings } : { memoryLimit, warnings };
}

/**
 * Read the rc file: `path` if given, else FITS2IDIA_RC from `env`, else /etc/fits2idiarc.
 * The default file may be missing (no settings); a file named explicitly must exist.
 */
export function readRc(env: NodeJS.ProcessEnv = process.env, path?: string): RcFile {
  const fromEnv = env[RC_ENV];
  const explicit = path ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
  const file = explicit ?? DEFAULT_RC_PATH;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && explicit === undefined) return { path: file, found: false, warnings: [] };
    const how = path === undefined && explicit !== undefined ? ` (named by ${RC_ENV})` : "";
    const what = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a folder" : `cannot be read (${code ?? String(error)})`;
    throw new RcError(`the configuration file${how} ${what}`, file);
  }
  return { path: file, found: true, ...parseRc(text, file) };
}

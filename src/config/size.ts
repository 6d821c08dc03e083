/**
 * Sizes of memory as people write them: `50GB`, `512MiB`, `2.5 GB`, `1e9` (plain numbers are
 * bytes). The arithmetic of units and prefixes is mathjs's: GB = 1e9 bytes, GiB = 2^30 bytes.
 * Unit spellings are matched without regard to case (`gb`, `Gb`, `KB` are all bytes: nobody
 * sizes memory in bits or millibytes), and a unit other than bytes is refused.
 */
import { createRequire } from "node:module";

// mathjs takes most of a second to load: only load it when a size has a unit, so that the
// command starts quickly otherwise.
const require = createRequire(import.meta.url);
let mathjs: typeof import("mathjs") | undefined;
/** `value` `unitName` (a mathjs unit of bytes) in bytes. */
function toBytes(value: number, unitName: string): number {
  mathjs ??= require("mathjs") as typeof import("mathjs");
  return mathjs.unit(value, unitName).toNumber("B");
}

export class SizeError extends Error {
  override readonly name = "SizeError";
  readonly code = "BAD_SIZE";
}

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const SIZE = new RegExp(`^\\s*(${NUMBER})\\s*([A-Za-z]*)\\s*$`);
/** Byte units as mathjs spells them, by lower-case spelling: B, kB..EB, KiB..EiB. */
const BYTE_UNITS = new Map<string, string>([
  ["b", "B"],
  ...["k", "M", "G", "T", "P", "E"].map((p): [string, string] => [`${p.toLowerCase()}b`, `${p}B`]),
  ...["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].map((p): [string, string] => [`${p.toLowerCase()}b`, `${p}B`]),
]);
const HINT = "use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024); a plain number is bytes";

/** Bytes (a whole number, at least 0) of a size written as a number with an optional unit. */
export function parseSize(text: string): number {
  const match = SIZE.exec(text);
  if (match === null) throw new SizeError(`"${text}" is not a size (${HINT})`);
  const [, number, unitName] = match as unknown as [string, string, string];
  let bytes: number;
  if (unitName === "") {
    bytes = Number(number);
  } else {
    const canonical = BYTE_UNITS.get(unitName.toLowerCase());
    if (canonical === undefined) throw new SizeError(`"${text}" is not a size: unknown unit "${unitName}" (${HINT})`);
    bytes = toBytes(Number(number), canonical);
  }
  if (!Number.isFinite(bytes) || bytes > Number.MAX_SAFE_INTEGER) throw new SizeError(`"${text}" is too large a size`);
  if (bytes < 0) throw new SizeError(`"${text}" is negative: a size is at least 0`);
  return Math.round(bytes);
}

/** Bytes as GB (1e9 bytes): three decimals, or three significant digits below 1 MB. */
export function formatGB(bytes: number): string {
  const gb = bytes / 1e9;
  if (bytes === 0 || bytes >= 1e6 || !Number.isFinite(bytes)) return `${gb.toFixed(3)} GB`;
  return `${gb.toPrecision(3)} GB`;
}

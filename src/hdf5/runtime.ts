/**
 * The h5wasm runtime: loading the WebAssembly module, running HDF5 calls with their error output
 * captured, and turning HDF5 error stacks into short messages.
 *
 * HDF5's default error handler prints an error stack on file descriptor 2 and the wrapped C
 * function goes on (returning a status that is not always meaningful). h5wasm's alternative
 * "throwing" handler throws from inside the C code, which leaks the HDF5 identifiers the C
 * wrapper would have closed, so an open dataset would keep the file open after H5Fclose. We keep
 * the default handler and capture what it prints instead: inside the Emscripten runtime (built with
 * NODERAWFS) every write to fd 2 goes through `fs.writeSync`, which we swap, only for the duration
 * of one synchronous call, for a function that keeps the text of fd 2 and passes every other write
 * through. Any text captured means the call failed.
 */

import fs from "node:fs";
import * as h5wasm from "h5wasm/node";

export type H5Module = Awaited<typeof h5wasm.ready>;

let moduleInstance: H5Module | undefined;

// The instantiation starts when h5wasm is imported. If it fails (its WebAssembly memory cannot
// be reserved under `ulimit -v`) before anyone awaits it, the rejection must not end the process
// as an unhandled one, with h5wasm's minified source as the message: loadH5() reports it.
h5wasm.ready.catch(() => undefined);

/** Loads (once per thread) and returns the h5wasm module. */
export async function loadH5(): Promise<H5Module> {
  if (moduleInstance === undefined) moduleInstance = await h5wasm.ready;
  return moduleInstance;
}

/** The loaded module; only valid after `loadH5()` resolved. */
export function h5(): H5Module {
  if (moduleInstance === undefined) throw new Error("h5wasm is not loaded: await loadH5() first");
  return moduleInstance;
}

export { h5wasm };

/** What one captured call produced. */
export interface Captured<T> {
  /** The call's return value (undefined when it threw). */
  result: T | undefined;
  /** What the call threw, if it threw. */
  thrown: unknown;
  /** Everything HDF5 (or the Emscripten runtime) wrote on fd 2 during the call. */
  stderr: string;
}

type WriteSync = typeof fs.writeSync;
let capturing = false;
let captureBuffer = "";

function decodeWrite(args: unknown[]): { text: string; length: number } {
  const [, buffer, a2, a3] = args;
  if (typeof buffer === "string") {
    return { text: buffer, length: Buffer.byteLength(buffer) };
  }
  if (ArrayBuffer.isView(buffer)) {
    const offset = typeof a2 === "number" ? a2 : 0;
    const length = typeof a3 === "number" ? a3 : buffer.byteLength - offset;
    const bytes = Buffer.from(buffer.buffer, buffer.byteOffset + offset, length);
    return { text: bytes.toString("latin1"), length };
  }
  return { text: String(buffer), length: 0 };
}

/**
 * Runs `fn` (synchronous h5wasm calls) with fd 2 captured. Nested calls share the outer capture.
 * Never throws: the caller decides what is an error.
 */
export function captured<T>(fn: () => T): Captured<T> {
  if (capturing) {
    // Nested: the outer capture collects our text too; report only what this call added.
    const start = captureBuffer.length;
    let result: T | undefined;
    let thrown: unknown;
    try {
      result = fn();
    } catch (e) {
      thrown = e ?? new Error("unknown error");
    }
    return { result, thrown, stderr: captureBuffer.slice(start) };
  }
  const original: WriteSync = fs.writeSync;
  const replacement = function (this: unknown, ...args: unknown[]): number {
    if (args[0] === 2) {
      const { text, length } = decodeWrite(args);
      captureBuffer += text;
      return length;
    }
    return (original as (...a: unknown[]) => number).apply(this, args);
  };
  capturing = true;
  captureBuffer = "";
  (fs as { writeSync: unknown }).writeSync = replacement;
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = fn();
  } catch (e) {
    thrown = e ?? new Error("unknown error");
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
    capturing = false;
  }
  const stderr = captureBuffer;
  captureBuffer = "";
  return { result, thrown, stderr };
}

/** One entry of an HDF5 error stack: `#003: file line N in FUNC(): description`. */
export interface StackEntry {
  func: string;
  description: string;
}

/** Parses the entries of the HDF5 error stack(s) in `text`, outermost first. */
export function parseErrorStack(text: string): StackEntry[] {
  const entries: StackEntry[] = [];
  // An entry runs from "#NNN:" to its "major:" line; descriptions may contain newlines (ctime).
  const re = /#\d{3}: .*? line \d+ in ([A-Za-z0-9_]+)\(\): ([\s\S]*?)\n\s*major:/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    entries.push({ func: m[1]!, description: m[2]!.replace(/\s*\n\s*/g, " ").trim() });
  }
  return entries;
}

/**
 * A one-line summary of an HDF5 error stack: the innermost cause (the operating system's message
 * when the file driver failed) and the API function that failed.
 */
export function summarizeErrorStack(text: string): string {
  // The first stack is the failure; the C wrapper's later calls on the invalid identifiers it
  // got back ("not an attribute ID") only add noise.
  const stacks = text.split(/HDF5-DIAG: Error detected in HDF5[^\n]*\n/).filter((s) => s.trim() !== "");
  const entries = parseErrorStack(stacks[0] ?? text);
  if (entries.length === 0) {
    const firstLine = text.split("\n").find((l) => l.trim() !== "");
    return firstLine?.trim() ?? "unknown HDF5 error";
  }
  const outer = entries[0]!;
  const inner = entries[entries.length - 1]!;
  const os = /error message = '([^']*)'/.exec(inner.description);
  const cause = os ? os[1]! : `${inner.func}(): ${inner.description}`;
  if (inner === outer) return cause;
  return `${cause} (HDF5: ${outer.func}(): ${outer.description})`;
}

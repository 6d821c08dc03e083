/**
 * The built `fits2idia-ts` command for the robustness tests, run as a child process (so that it
 * can be signalled, killed and limited like a cluster job), as test/cli/command.test.ts does: the
 * sources are compiled (tsconfig.build.json) into a private folder under node_modules/.cache, so
 * that neither dist/ nor another test file's build is touched. Also: a FITS cube of any size,
 * written plane by plane.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { buildPackage } from "../helpers/build.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

export interface BuiltCommand {
  /** The compiled dist/cli/main.js. */
  readonly bin: string;
  /** An rc file with no settings (so the machine's /etc/fits2idiarc does not apply). */
  readonly emptyRc: string;
  remove(): void;
}

/** Compile the command into node_modules/.cache/<name>-<pid> (its own, even when test runs overlap). */
export function buildCommand(name: string): BuiltCommand {
  const build = buildPackage(name);
  const emptyRc = join(build.dir, "empty.rc");
  writeFileSync(emptyRc, "");
  return { bin: join(build.dist, "cli", "main.js"), emptyRc, remove: build.remove };
}

/** An environment without the Slurm, OpenMP and rc settings of the machine running the tests. */
export function cleanEnv(command: BuiltCommand, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, FITS2IDIA_RC: command.emptyRc, ...extra };
}

export interface Finished {
  /** Exit status, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** performance.now() when the process ended. */
  readonly endedAt: number;
}

export interface Running {
  readonly child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** Resolves when a line of stderr matches (rejects if the process ends first, or after timeoutMs). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly finished: Promise<Finished>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  shell?: string;
  /** Bytes piped into the command's standard input (else it has none). */
  stdin?: Uint8Array;
}

/**
 * Start the command; `shell` runs it through `bash -c` after that text (e.g. `ulimit -f 100;`),
 * exec'ing node so that the pid is the command's.
 */
export function start(command: BuiltCommand, args: string[], options: StartOptions = {}): Running {
  const env = cleanEnv(command, options.env);
  const stdio: ["ignore" | "pipe", "pipe", "pipe"] = [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"];
  const child =
    options.shell === undefined
      ? spawn(process.execPath, [command.bin, ...args], { env, stdio })
      : spawn("bash", ["-c", `${options.shell} exec "$0" "$@"`, process.execPath, command.bin, ...args], { env, stdio });
  if (options.stdin !== undefined) {
    // A command that stops reading early (a refusal) closes the pipe: EPIPE here is expected.
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(options.stdin);
  }
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
    for (const check of [...waiters]) check();
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    // "close": the process has ended and its output has been read to the end.
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, endedAt: performance.now() }));
  });
  const waitForLine = (pattern: RegExp, timeoutMs = 25_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const line = stderr.split("\n").find((l) => pattern.test(l));
        if (line === undefined) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no stderr line matching ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      void finished.then((f) => {
        if (!waiters.has(check)) return;
        done();
        reject(new Error(`the command ended (code ${f.code}, signal ${f.signal}) before a line matching ${pattern}; stderr:\n${f.stderr}`));
      }, reject);
      check();
    });
  return { child, stderr: () => stderr, waitForLine, finished };
}

/** Run the command to its end. */
export function run(command: BuiltCommand, args: string[], options: StartOptions = {}): Promise<Finished> {
  return start(command, args, options).finished;
}

/**
 * Write a float32 cube (width × height × depth) as a FITS file, plane by plane: smooth values
 * with a little structure, and a NaN per plane, cheap to make at any size.
 */
export function writeCube(path: string, width: number, height: number, depth: number): void {
  const cards = [
    "SIMPLE  =                    T",
    "BITPIX  =                  -32",
    "NAXIS   =                    3",
    `NAXIS1  = ${String(width).padStart(20)}`,
    `NAXIS2  = ${String(height).padStart(20)}`,
    `NAXIS3  = ${String(depth).padStart(20)}`,
    "BUNIT   = 'Jy/beam '",
    "END",
  ];
  const text = cards.map((c) => c.padEnd(80)).join("");
  const header = Buffer.alloc(Math.ceil(text.length / 2880) * 2880, 0x20);
  header.write(text, "latin1");
  const fd = openSync(path, "w");
  try {
    writeSync(fd, header);
    const plane = new Float32Array(width * height);
    const bytes = Buffer.from(plane.buffer);
    for (let z = 0; z < depth; z++) {
      for (let i = 0; i < plane.length; i++) plane[i] = ((i * 7 + z * 13) % 1021) * 0.01 - 2 + z;
      plane[(z * 31) % plane.length] = NaN;
      bytes.swap32(); // to big-endian
      writeSync(fd, bytes);
      bytes.swap32();
    }
    const pad = (2880 - ((width * height * depth * 4) % 2880)) % 2880;
    if (pad > 0) writeSync(fd, Buffer.alloc(pad));
  } finally {
    closeSync(fd);
  }
}

/** DATA's shape in an output file, read with h5wasm directly (independently of src/hdf5). */
export async function dataShape(path: string): Promise<number[]> {
  const h5wasm = await import("h5wasm/node");
  await h5wasm.ready;
  const file = new h5wasm.File(path, "r");
  try {
    const data = file.get("0/DATA");
    if (!(data instanceof h5wasm.Dataset)) throw new Error(`${path}: no dataset 0/DATA`);
    return data.shape ?? [];
  } finally {
    file.close();
  }
}

/** Mount a tmpfs on `dir` with these options; false when mounting is not permitted here (not root, no CAP_SYS_ADMIN). */
export function mountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

export function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "pipe" });
  } catch {
    execFileSync("umount", ["-l", dir], { stdio: "pipe" });
  }
}

/** A source of fresh, empty output folders under `base`, each with an output path named `name`. */
export function outputFolders(base: string, name: string): () => { dir: string; out: string; files: () => string[] } {
  let counter = 0;
  return () => {
    const dir = join(base, `out-${counter++}`);
    mkdirSync(dir);
    return { dir, out: join(dir, name), files: () => readdirSync(dir).sort() };
  };
}

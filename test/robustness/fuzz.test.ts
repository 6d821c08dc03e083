/**
 * Fuzzing: random mutations (seeded, so every run is the same) of a few valid small FITS files
 * (2-D, 3-D with CHECKSUM/DATASUM, 4-D, an IMAGE extension after an empty primary, BITPIX 16
 * with BSCALE/BZERO/BLANK, BITPIX 8 and -64, gzip). Each mutated input goes through the library's
 * convert() in-process, under a time limit: it must either convert (an output file, no temporary
 * file) or refuse with a FitsError (or MemoryLimitError) of one line, leaving nothing behind —
 * never another kind of error (TypeError, RangeError, …), never a hang. A smaller number goes
 * through the built command: exit status 0, or 1 with one `Error: …. Aborting.` line.
 *
 * A failure names the input's number, its seed file and its mutations. For longer runs by hand,
 * FUZZ_SEED picks another sequence of inputs, FUZZ_INPUTS and FUZZ_BUDGET_MS (environment) their
 * number and time.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { MemoryLimitError } from "../../src/engine/mode-choice.js";
import { addSums, checksumOf, encodeChecksum, encodeDatasum } from "../../src/fits/checksum.js";
import { FitsError } from "../../src/fits/errors.js";
import { card, concat, dataBytes, extensionCards, headerBytes, mulberry32, primaryCards, tempFolder, valueCard, type Bitpix } from "../helpers/fixtures.js";
import { buildCommand, run, type BuiltCommand } from "./built-command.js";

/** Inputs converted in-process, at most, and the time after which no new one starts. */
const API_INPUTS = Number(process.env.FUZZ_INPUTS ?? 300);
const API_BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 90_000);
/** Inputs run through the built command. */
const CLI_INPUTS = 20;
/** A conversion of one of these small inputs that takes longer is taken for a hang. */
const PER_INPUT_MS = 15_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20251126);

const tmp = tempFolder("fits2idia-fuzz-");
let command: BuiltCommand | undefined;
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

// ---------------------------------------------------------------------------------------------
// The valid seed files.

interface Seed {
  readonly name: string;
  /** The FITS bytes (decompressed, for gzip seeds). */
  readonly bytes: Uint8Array;
  readonly gzip: boolean;
}

function values(n: number, seed: number, scale: number, offset = 0, integer = false): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const v = (random() - 0.5) * scale + offset;
    return integer ? Math.round(v) : v;
  });
}

function image(bitpix: Bitpix, axes: number[], extra: string[] = [], seed = 1): Uint8Array {
  const n = axes.reduce((a, b) => a * b, 1);
  const integer = bitpix > 0;
  const scale = bitpix === 8 ? 250 : bitpix === 16 ? 60000 : 1e4;
  const offset = bitpix === 8 ? 127 : 0;
  return concat([headerBytes(primaryCards(bitpix, axes, extra)), dataBytes(values(n, seed, scale, offset, integer), bitpix)]);
}

/** The same image with CHECKSUM and DATASUM (computed with src/fits/checksum.ts, tested on its own against astropy). */
function withChecksums(bitpix: Bitpix, axes: number[], seed: number): Uint8Array {
  const n = axes.reduce((a, b) => a * b, 1);
  const unit = dataBytes(values(n, seed, 100), bitpix);
  const cards = primaryCards(bitpix, axes, [card("CHECKSUM= '0000000000000000'"), valueCard("DATASUM", `'${encodeDatasum(checksumOf(unit))}'`)]);
  const header = headerBytes(cards);
  const text = encodeChecksum(addSums(checksumOf(header), checksumOf(unit)));
  for (let i = 0; i < 16; i++) header[(cards.length - 2) * 80 + 11 + i] = text.charCodeAt(i);
  return concat([header, unit]);
}

const cube3d = withChecksums(-32, [9, 7, 5], 3);
const seeds: Seed[] = [
  { name: "2-D float32", bytes: image(-32, [16, 12], [valueCard("BUNIT", "'Jy/beam'"), valueCard("CRVAL1", "1.5")], 1), gzip: false },
  { name: "3-D float32 with CHECKSUM", bytes: cube3d, gzip: false },
  { name: "4-D float32", bytes: image(-32, [6, 5, 3, 2], [valueCard("CTYPE4", "'STOKES'")], 4), gzip: false },
  {
    name: "IMAGE extension",
    bytes: concat([
      headerBytes(primaryCards(8, [], [valueCard("EXTEND", "T")])),
      headerBytes(extensionCards(32, [8, 6, 3], [valueCard("EXTNAME", "'SCI'")])),
      dataBytes(values(8 * 6 * 3, 5, 1e6, 0, true), 32),
    ]),
    gzip: false,
  },
  { name: "BITPIX 16 scaled", bytes: image(16, [10, 8, 4], [valueCard("BSCALE", "0.25"), valueCard("BZERO", "100.0"), valueCard("BLANK", "-32768")], 6), gzip: false },
  { name: "BITPIX 8", bytes: image(8, [7, 7], [], 7), gzip: false },
  { name: "BITPIX -64", bytes: image(-64, [5, 4, 3], [], 8), gzip: false },
  { name: "gzip 3-D", bytes: cube3d, gzip: true },
];

// ---------------------------------------------------------------------------------------------
// Mutations.

type Random = () => number;
const int = (random: Random, n: number): number => Math.floor(random() * n);
const pick = <T>(random: Random, list: readonly T[]): T => list[int(random, list.length)]!;

/** Byte offsets of the cards with this keyword (at the start of an 80-byte card in any header). */
function cardsOf(bytes: Uint8Array, keyword: string): number[] {
  const key = keyword.padEnd(8);
  const found: number[] = [];
  for (let at = 0; at + 80 <= bytes.length; at += 80) {
    let match = true;
    for (let i = 0; i < 8 && match; i++) match = bytes[at + i] === key.charCodeAt(i);
    if (match) found.push(at);
  }
  return found;
}

/** Where the first header ends (just past its END card), or a guess. */
function headerEnd(bytes: Uint8Array): number {
  const end = cardsOf(bytes, "END")[0];
  return end === undefined ? Math.min(bytes.length, 2880) : end + 80;
}

function write(bytes: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length && at + i < bytes.length; i++) bytes[at + i] = text.charCodeAt(i);
}

const VALUES = ["0", "1", "2", "3", "4", "5", "-1", "-32", "-64", "8", "16", "32", "64", "7", "-16", "999", "1000", "65536", "2147483648",
  "9007199254740993", "99999999999999999999", "1.5", "-0.0", "1E300", "'abc'", "T", "F", "", "'", "NaN", "0x10"];

interface Mutation {
  readonly name: string;
  apply(bytes: Uint8Array, random: Random): Uint8Array;
}

const mutations: Mutation[] = [
  {
    name: "flip bytes",
    apply: (bytes, random) => {
      const out = bytes.slice();
      for (let n = 1 + int(random, 8); n > 0 && out.length > 0; n--) out[int(random, out.length)] ^= 1 + int(random, 255);
      return out;
    },
  },
  {
    name: "overwrite a header character",
    apply: (bytes, random) => {
      const out = bytes.slice();
      const end = headerEnd(out);
      for (let n = 1 + int(random, 3); n > 0 && end > 0; n--) out[int(random, end)] = random() < 0.8 ? 32 + int(random, 95) : int(random, 256);
      return out;
    },
  },
  {
    name: "change a header digit",
    apply: (bytes, random) => {
      const out = bytes.slice();
      const end = headerEnd(out);
      const digits: number[] = [];
      for (let i = 0; i < end; i++) if (out[i]! >= 0x30 && out[i]! <= 0x39) digits.push(i);
      if (digits.length > 0) out[pick(random, digits)] = 0x30 + int(random, 10);
      return out;
    },
  },
  {
    name: "set a keyword's value",
    apply: (bytes, random) => {
      const out = bytes.slice();
      const keyword = pick(random, ["BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "NAXIS3", "NAXIS4", "BSCALE", "BZERO", "BLANK", "PCOUNT", "GCOUNT", "SIMPLE", "EXTNAME", "DATASUM", "CHECKSUM"]);
      const places = cardsOf(out, keyword);
      if (places.length === 0) return out;
      const value = random() < 0.3 ? String(int(random, 2 ** 31) - 2 ** 20) : pick(random, VALUES);
      write(out, pick(random, places) + 8, `= ${value.padStart(20)}`.padEnd(72));
      return out;
    },
  },
  {
    name: "delete the END card",
    apply: (bytes, random) => {
      const out = bytes.slice();
      const places = cardsOf(out, "END");
      if (places.length > 0) write(out, pick(random, places), random() < 0.5 ? " ".repeat(80) : "COMMENT no end".padEnd(80));
      return out;
    },
  },
  {
    name: "truncate",
    apply: (bytes, random) => bytes.slice(0, random() < 0.5 ? int(random, bytes.length) : 2880 * int(random, Math.ceil(bytes.length / 2880))),
  },
  {
    name: "duplicate a block",
    apply: (bytes, random) => {
      const blocks = Math.floor(bytes.length / 2880);
      if (blocks === 0) return bytes;
      const from = int(random, blocks) * 2880;
      const to = int(random, blocks + 1) * 2880;
      return concat([bytes.subarray(0, to), bytes.subarray(from, from + 2880), bytes.subarray(to)]);
    },
  },
  {
    name: "delete a block",
    apply: (bytes, random) => {
      const blocks = Math.floor(bytes.length / 2880);
      if (blocks === 0) return bytes;
      const at = int(random, blocks) * 2880;
      return concat([bytes.subarray(0, at), bytes.subarray(at + 2880)]);
    },
  },
  {
    name: "insert junk",
    apply: (bytes, random) => {
      const at = int(random, bytes.length + 1);
      const junk = Uint8Array.from({ length: 1 + int(random, 4000) }, () => (random() < 0.5 ? 32 + int(random, 95) : int(random, 256)));
      return concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
    },
  },
  {
    name: "zero a range",
    apply: (bytes, random) => {
      const out = bytes.slice();
      const at = int(random, out.length);
      out.fill(0, at, at + 1 + int(random, 3000));
      return out;
    },
  },
];

interface FuzzInput {
  readonly index: number;
  readonly seed: Seed;
  /** What was done, for the failure report. */
  readonly steps: readonly string[];
  readonly bytes: Uint8Array;
  readonly name: string;
}

/** The index-th input of the sequence `stream`: a seed file and 1 to 3 mutations. */
function makeInput(stream: number, index: number): FuzzInput {
  const random = mulberry32(SEED * 7919 + stream * 104729 + index);
  const seed = pick(random, seeds);
  const steps: string[] = [];
  const compressedMutation = seed.gzip && random() < 0.3;
  let bytes = seed.bytes;
  for (let n = 1 + int(random, 3); n > 0; n--) {
    const mutation = pick(random, mutations);
    steps.push(mutation.name);
    if (!compressedMutation) bytes = mutation.apply(bytes, random);
  }
  if (seed.gzip) {
    bytes = new Uint8Array(gzipSync(bytes)); // a plain Uint8Array: Buffer's slice and fill differ
    // Mutating the compressed bytes mostly makes corrupt gzip streams.
    if (compressedMutation) {
      for (const step of steps) bytes = mutations.find((m) => m.name === step)!.apply(bytes, random);
      steps.unshift("(on the compressed bytes)");
    }
  }
  return { index, seed, steps, bytes, name: seed.gzip ? `input-${index}.fits.gz` : `input-${index}.fits` };
}

const describeInput = (input: FuzzInput): string => `input ${input.index} (${input.seed.name}: ${input.steps.join(", ")})`;

// ---------------------------------------------------------------------------------------------

interface Outcome {
  readonly kind: "converted" | "refused" | "failed";
  /** Refused: the error's code; failed: what went wrong. */
  readonly detail: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function convertOne(input: FuzzInput, random: Random): Promise<Outcome> {
  const dir = tmp.file(`api-${input.index}`);
  mkdirSync(dir);
  const path = join(dir, input.name);
  writeFileSync(path, input.bytes);
  const output = join(dir, "out.hdf5");
  const mode = random() < 0.5 ? "fast" : "slow";
  // Mostly one thread (a pool of worker threads takes a while to start); now and then two.
  const threads = random() < 0.1 ? 2 : 1;
  try {
    const result = await withTimeout(
      convert(path, output, { mode, threads, rcFile: false, env: {} }).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      PER_INPUT_MS,
    );
    const files = readdirSync(dir).sort();
    if (result === "timeout") return { kind: "failed", detail: `no answer within ${PER_INPUT_MS} ms (mode ${mode})` };
    if (result.ok) {
      if (!existsSync(output) || files.join() !== [input.name, "out.hdf5"].sort().join()) {
        return { kind: "failed", detail: `converted, but the folder holds ${files.join(", ")}` };
      }
      return { kind: "converted", detail: mode };
    }
    const error = result.error;
    const known = error instanceof FitsError || error instanceof MemoryLimitError;
    if (!known) {
      const e = error as Error;
      return { kind: "failed", detail: `${e?.name ?? typeof error}: ${e?.message ?? String(error)} (mode ${mode})\n${e?.stack ?? ""}` };
    }
    const text = error instanceof FitsError ? error.describe() : error.message;
    if (/[\r\n]/.test(text) || text.length === 0) return { kind: "failed", detail: `an error of more than one line: ${JSON.stringify(text)}` };
    if (files.join() !== input.name) return { kind: "failed", detail: `refused (${text}), but the folder holds ${files.join(", ")}` };
    return { kind: "refused", detail: error instanceof FitsError ? error.code : "MEMORY_LIMIT" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tally(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.kind === "refused") counts.set(o.detail, (counts.get(o.detail) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(", ");
}

describe("fuzzing", () => {
  it("the seed files themselves convert", async () => {
    const random = mulberry32(SEED);
    for (const [i, seed] of seeds.entries()) {
      const input: FuzzInput = { index: -1 - i, seed, steps: [], bytes: seed.gzip ? gzipSync(seed.bytes) : seed.bytes, name: seed.gzip ? "seed.fits.gz" : "seed.fits" };
      expect(await convertOne(input, random), seed.name).toEqual({ kind: "converted", detail: expect.any(String) });
    }
  });

  it(`up to ${API_INPUTS} mutated inputs through convert(): converted or refused cleanly, never a crash or a hang`, { timeout: API_BUDGET_MS + 4 * PER_INPUT_MS }, async () => {
    const random = mulberry32(SEED + 1);
    const started = performance.now();
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    for (let i = 0; i < API_INPUTS && performance.now() - started < API_BUDGET_MS; i++) {
      const input = makeInput(1, i);
      const outcome = await convertOne(input, random);
      outcomes.push(outcome);
      if (outcome.kind === "failed") failures.push(`${describeInput(input)}: ${outcome.detail}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const converted = outcomes.filter((o) => o.kind === "converted").length;
    const refused = outcomes.filter((o) => o.kind === "refused").length;
    console.log(
      `fuzz (seed ${SEED}): ${outcomes.length} inputs through convert() in ${seconds.toFixed(1)} s: ` +
        `${converted} converted, ${refused} refused (${tally(outcomes)}), ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    // The budget is generous: on a quiet machine all of them run.
    expect(outcomes.length).toBeGreaterThanOrEqual(Math.min(API_INPUTS, 100));
    expect(converted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  describe("through the built command", () => {
    beforeAll(() => {
      command = buildCommand("fits2idia-ts-fuzz-test");
    });

    it(`${CLI_INPUTS} mutated inputs: exit 0 with an output, or 1 with one error line and nothing written`, { timeout: 120_000 }, async () => {
      const started = performance.now();
      const failures: string[] = [];
      let converted = 0;
      let refused = 0;
      const check = async (i: number): Promise<void> => {
        const input = makeInput(2, i);
        const dir = tmp.file(`cli-${i}`);
        mkdirSync(dir);
        const path = join(dir, input.name);
        writeFileSync(path, input.bytes);
        const output = join(dir, "out.hdf5");
        const result = await run(command!, ["--threads", "1", "-o", output, path]);
        const files = readdirSync(dir).sort();
        // Warnings (printed by default, one `Warning: …` line each) may come first.
        const lines = result.stderr.split("\n").filter((line) => !line.startsWith("Warning: "));
        if (result.code === 0 && existsSync(output) && files.length === 2 && lines.join("") === "") converted++;
        else if (
          result.code === 1 &&
          lines.length === 2 &&
          lines[0]!.startsWith(`Error: ${path}: `) &&
          lines[0]!.endsWith(". Aborting.") &&
          !result.stderr.includes("    at ") &&
          files.join() === input.name
        ) {
          refused++;
        } else {
          failures.push(`${describeInput(input)}: exit ${result.code} (signal ${result.signal}), stderr ${JSON.stringify(result.stderr)}, folder: ${files.join(", ")}`);
        }
      };
      // Two at a time.
      const queue = Array.from({ length: CLI_INPUTS }, (_, i) => i);
      const worker = async (): Promise<void> => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) await check(i);
      };
      await Promise.all([worker(), worker()]);
      console.log(
        `fuzz (seed ${SEED}): ${CLI_INPUTS} inputs through the command in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
          `${converted} converted, ${refused} refused, ${failures.length} failed`,
      );
      expect(failures).toEqual([]);
    });
  });
});

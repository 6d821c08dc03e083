/**
 * Differences found while comparing a file's datasets with values computed here: the first
 * few of each dataset, with their index, expected and found values; after that the dataset is
 * no longer compared (callers ask `done` before reading more of it).
 */

/** One value that differs. */
export interface Difference {
  /** Dataset path, e.g. "0/Statistics/XY/MIN". */
  readonly dataset: string;
  /** Index in the dataset (HDF5 order; [] for a scalar). */
  readonly index: readonly number[];
  readonly expected: string;
  readonly found: string;
}

/** Index arithmetic for a slab `[start, start + count)` of a dataset. */
export interface Slab {
  readonly start: readonly number[];
  readonly count: readonly number[];
}

export class Differences {
  readonly #limit: number;
  readonly #shown: Difference[] = [];
  readonly #counts = new Map<string, number>();

  /** `limit`: differences listed per dataset before it is no longer compared. */
  constructor(limit = 10) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the number of differences to list must be at least 1, not ${limit}`);
    this.#limit = limit;
  }

  /** Whether the dataset has had its share of differences (stop comparing it). */
  done(dataset: string): boolean {
    return (this.#counts.get(dataset) ?? 0) >= this.#limit;
  }

  /** Records a difference; returns false once the dataset has had its share. */
  add(dataset: string, index: readonly number[], expected: string, found: string): boolean {
    const n = this.#counts.get(dataset) ?? 0;
    if (n >= this.#limit) return false;
    this.#counts.set(dataset, n + 1);
    this.#shown.push({ dataset, index: [...index], expected, found });
    return n + 1 < this.#limit;
  }

  get list(): readonly Difference[] {
    return this.#shown;
  }

  get count(): number {
    return this.#shown.length;
  }

  /** One line per difference, and one per dataset whose comparison stopped at the limit. */
  lines(): string[] {
    const lines: string[] = [];
    const stopped = new Set<string>();
    for (const d of this.#shown) {
      const at = d.index.length === 0 ? "" : `[${d.index.join(", ")}]`;
      lines.push(`${d.dataset}${at} differs: expected ${d.expected}, found ${d.found}`);
      if (this.done(d.dataset)) stopped.add(d.dataset);
    }
    for (const dataset of stopped) lines.push(`${dataset}: not compared further after ${this.#limit} differences`);
    return lines;
  }
}

/** The dataset index of element `i` of a slab read as a C-order array. */
export function slabIndex(slab: Slab, i: number): number[] {
  const { start, count } = slab;
  const index = new Array<number>(count.length);
  let rest = i;
  for (let d = count.length - 1; d >= 0; d--) {
    const n = count[d]!;
    index[d] = start[d]! + (rest % n);
    rest = Math.floor(rest / n);
  }
  return index;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A float32 value for people: shortest round-trip text, and the bits of a NaN or a zero's sign. */
export function formatFloat32(value: number): string {
  f32[0] = value;
  const bits = u32[0]!;
  if (Number.isNaN(value)) return `NaN (0x${bits.toString(16).padStart(8, "0")})`;
  if (value === 0) return bits === 0 ? "0" : "-0";
  // 9 significant digits always identify a float32; drop the ones that are not needed.
  for (let digits = 6; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The 32-bit words of both arrays when they differ somewhere (one memcmp decides), else
 * undefined; also undefined when the dataset is no longer compared.
 */
function differingWords(diffs: Differences, dataset: string, expected: Float32Array, found: Float32Array): { n: number; e: Uint32Array; f: Uint32Array } | undefined {
  if (diffs.done(dataset)) return undefined;
  const n = expected.length;
  if (Buffer.compare(bytesOf(expected), bytesOf(found.subarray(0, n))) === 0) return undefined;
  return { n, e: new Uint32Array(expected.buffer, expected.byteOffset, n), f: new Uint32Array(found.buffer, found.byteOffset, n) };
}

/**
 * Bit-for-bit comparison of float32 values (NaN payloads and zero signs included), as DATA
 * and the swizzled data must be: one memcmp when equal, a scan for the differences otherwise.
 * `found` may be longer than `expected` only if the caller means it (extra values ignored).
 */
export function compareBits(diffs: Differences, dataset: string, slab: Slab, expected: Float32Array, found: Float32Array): void {
  const words = differingWords(diffs, dataset, expected, found);
  if (words === undefined) return;
  const { n, e, f } = words;
  for (let i = 0; i < n; i++) {
    if (e[i] !== f[i] && !diffs.add(dataset, slabIndex(slab, i), formatFloat32(expected[i]!), formatFloat32(found[i]!))) return;
  }
}

/**
 * Comparison of computed float32 values (statistics, mipmaps): equal bits, or both NaN (any
 * payload: the NaN of an empty block or channel is not a value read from the input).
 */
export function compareValues(diffs: Differences, dataset: string, slab: Slab, expected: Float32Array, found: Float32Array): void {
  const words = differingWords(diffs, dataset, expected, found);
  if (words === undefined) return;
  const { n, e, f } = words;
  for (let i = 0; i < n; i++) {
    if (e[i] === f[i]) continue;
    const a = expected[i]!;
    const b = found[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!diffs.add(dataset, slabIndex(slab, i), formatFloat32(a), formatFloat32(b))) return;
  }
}

/** Comparison of counts (exact integers held as float64) with int64 values read back. */
export function compareCounts(diffs: Differences, dataset: string, slab: Slab, expected: ArrayLike<number>, found: BigInt64Array): void {
  if (diffs.done(dataset)) return;
  // The int64 values as (low, high) 32-bit halves (little-endian): no BigInt per value.
  const halves = new Uint32Array(found.buffer, found.byteOffset, found.length * 2);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const high = halves[2 * i + 1]!;
    // A count is below 2^53: its high half is below 2^21, so `high` of a negative value is not.
    if (high < 0x200000 && halves[2 * i]! + high * 4294967296 === e) continue;
    if (!diffs.add(dataset, slabIndex(slab, i), String(e), String(found[i]!))) return;
  }
}

/** Bit-for-bit comparison of int64 values computed as stored (Z statistics' NAN_COUNT). */
export function compareInt64(diffs: Differences, dataset: string, slab: Slab, expected: BigInt64Array, found: BigInt64Array): void {
  if (diffs.done(dataset)) return;
  const n = expected.length;
  if (Buffer.compare(bytesOf(expected), bytesOf(found.subarray(0, n))) === 0) return;
  for (let i = 0; i < n; i++) {
    if (expected[i] !== found[i] && !diffs.add(dataset, slabIndex(slab, i), String(expected[i]), String(found[i]))) return;
  }
}

/**
 * Choosing between fast and slow mode from the memory each is predicted to need. An explicit
 * request is obeyed unless it is above the memory limit; otherwise fast mode is chosen when it
 * fits in the memory available to the process (and under the limit), else slow mode, and a
 * run that even slow mode cannot fit is refused.
 */
import { formatGB } from "../config/size.js";
import type { Mode } from "./defaults.js";
import type { MemoryPrediction } from "./memory.js";
import type { AvailableMemory } from "./resources.js";

/** A ceiling on the predicted memory of a conversion, and who set it. */
export interface MemoryLimit {
  readonly bytes: number;
  /** For people: `memory_limit in /etc/fits2idiarc`, `the run's memory limit`. */
  readonly source: string;
}

export interface ModeChoiceOptions {
  /** An explicit mode (`-s`, `--fast`); absent: automatic. */
  requested?: Mode;
  available: AvailableMemory;
  /** The administrator's or the run's limit; absent (or 0 bytes): none. */
  limit?: MemoryLimit;
  /**
   * The address-space limit (`ulimit -v`) in bytes; absent: none. A mode whose predicted
   * address space (MemoryBreakdown.addressSpace) is above it is never chosen, and refused when
   * requested.
   */
  addressSpaceLimit?: number;
}

export interface ModeChoice {
  readonly mode: Mode;
  /** Why, in one line: `requested; predicted …`, `fast mode's predicted 1.234 GB fits in …`. */
  readonly reason: string;
}

/** A conversion refused for its memory: one line naming the prediction and the ceiling, in GB. */
export class MemoryLimitError extends Error {
  override readonly name: string = "MemoryLimitError";
  readonly code: string = "MEMORY_LIMIT";
  constructor(
    message: string,
    /** The mode refused (in automatic mode, slow: the smaller). */
    readonly mode: Mode,
    /** Its predicted memory, bytes. */
    readonly predicted: number,
    /** The ceiling it exceeds, bytes. */
    readonly allowed: number,
    /** Whether the ceiling is a memory limit or the memory available. */
    readonly ceiling: "limit" | "available",
  ) {
    super(message);
  }
}

/** `ulimit -v` takes KiB: the smallest value that gives `bytes`. */
export const ulimitValue = (bytes: number): number => Math.ceil(bytes / 1024);

/**
 * A conversion refused because the address-space limit (`ulimit -v`, src/engine/address-space.ts)
 * is below what it needs: `predicted` is the address space needed, `allowed` the limit.
 */
export class AddressSpaceError extends MemoryLimitError {
  override readonly name = "AddressSpaceError";
  override readonly code = "ADDRESS_SPACE_LIMIT";
}

/** The one-line refusal: the limit, what is needed, and the `ulimit -v` that would do. */
export function addressSpaceError(mode: Mode, needed: number, limit: number, hint = "", subject = `${mode} mode`): AddressSpaceError {
  return new AddressSpaceError(
    `the virtual-memory limit (ulimit -v) of ${formatGB(limit)} is below the ${formatGB(needed)} of address space ${subject} needs` +
      `${hint}; raise it to ulimit -v ${ulimitValue(needed)} or more`,
    mode,
    needed,
    limit,
    "limit",
  );
}

/** The tightest of several limits (0 or absent = none). */
export function tightestLimit(...limits: (MemoryLimit | undefined)[]): MemoryLimit | undefined {
  let best: MemoryLimit | undefined;
  for (const limit of limits) {
    if (limit === undefined || !(limit.bytes > 0)) continue;
    if (best === undefined || limit.bytes < best.bytes) best = limit;
  }
  return best;
}

export function chooseMode(prediction: MemoryPrediction, options: ModeChoiceOptions): ModeChoice {
  const { requested } = options;
  const asLimit = options.addressSpaceLimit !== undefined && options.addressSpaceLimit > 0 ? options.addressSpaceLimit : undefined;
  const space = (mode: Mode): number => prediction[mode].addressSpace?.total ?? 0;
  const fitsSpace = (mode: Mode): boolean => asLimit === undefined || space(mode) <= asLimit;
  const threadsHint = (prediction.threads ?? 1) > 1 ? ` with ${prediction.threads} threads` : "";
  if (requested !== undefined && !fitsSpace(requested)) throw addressSpaceError(requested, space(requested), asLimit!, threadsHint);
  if (requested === undefined && !fitsSpace("fast") && !fitsSpace("slow")) throw addressSpaceError("slow", space("slow"), asLimit!, threadsHint);
  const { available } = options;
  const limit = options.limit !== undefined && options.limit.bytes > 0 ? options.limit : undefined;
  const need = (mode: Mode): number => prediction[mode].total;
  const aboveLimit = (mode: Mode, even = ""): MemoryLimitError =>
    new MemoryLimitError(
      `${even}${mode} mode is predicted to need ${formatGB(need(mode))}, above the memory limit of ${formatGB(limit!.bytes)} (${limit!.source})` +
        (mode === "fast" && need("slow") <= limit!.bytes ? "; slow mode would fit" : ""),
      mode,
      need(mode),
      limit!.bytes,
      "limit",
    );

  if (requested !== undefined) {
    if (limit !== undefined && need(requested) > limit.bytes) throw aboveLimit(requested);
    const over = need(requested) > available.bytes ? `, more than the ${formatGB(available.bytes)} available (${available.detail})` : "";
    return { mode: requested, reason: `requested; predicted ${formatGB(need(requested))}${over}` };
  }

  // The ceiling of the automatic choice: the memory available, or the limit if not higher.
  const byLimit = limit !== undefined && limit.bytes <= available.bytes;
  const ceiling = byLimit ? limit!.bytes : available.bytes;
  const ceilingText = byLimit
    ? `the memory limit of ${formatGB(limit!.bytes)} (${limit!.source})`
    : `the ${formatGB(available.bytes)} available (${available.detail})`;

  if (need("fast") <= ceiling && fitsSpace("fast")) {
    return { mode: "fast", reason: `fast mode's predicted ${formatGB(need("fast"))} fits in ${ceilingText}` };
  }
  if (need("slow") <= ceiling) {
    const why =
      need("fast") <= ceiling
        ? `fast mode would need ${formatGB(space("fast"))} of address space, more than the virtual-memory limit (ulimit -v) of ${formatGB(asLimit!)}`
        : `fast mode would need ${formatGB(need("fast"))}, more than ${ceilingText}`;
    return { mode: "slow", reason: `${why}; slow mode needs ${formatGB(need("slow"))}` };
  }
  if (byLimit) throw aboveLimit("slow", "even ");
  throw new MemoryLimitError(
    `even slow mode is predicted to need ${formatGB(need("slow"))}, more than the ${formatGB(available.bytes)} available (${available.detail})`,
    "slow",
    need("slow"),
    available.bytes,
    "available",
  );
}

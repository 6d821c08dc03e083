/**
 * A conversion's settings: what it does, as plain data, declared once here. They cross every
 * boundary whole: the command line builds them (src/cli/args.ts), `convert` takes them (its
 * options are these settings with the hooks beside them), a batch hands them to each
 * conversion process (src/batch/job.ts), the `--slurm` manifest carries them to its array
 * tasks, and the provenance records them (CONVERSION_OPTIONS `settings`). Hooks — the signal,
 * the callbacks, the environment, the rc file — travel beside them, never inside.
 */
import { OptionError } from "../config/option-error.js";
import type { HduSelector } from "../fits/hdu.js";
import type { Mode } from "./defaults.js";
import type { KernelsRequest } from "./kernel-set.js";

/**
 * What a CHECKSUM / DATASUM mismatch does, as astropy's verification levels: "fail" (the
 * default: the conversion fails), "warn" (a warning, the file converted anyway), "skip" (the
 * keywords are not verified).
 */
export type ChecksumPolicy = "fail" | "warn" | "skip";
export const CHECKSUM_POLICIES: readonly ChecksumPolicy[] = ["fail", "warn", "skip"];

export interface ConversionSettings {
  /**
   * "fast" (one stokes of the cube in memory), "slow" (one plane at a time) or "auto" (the
   * default): fast mode when its predicted memory fits in the memory available, else slow.
   */
  readonly mode?: Mode | "auto";
  /**
   * The run's memory limit in bytes (0 = none): a mode predicted above it is refused, and it
   * is the memory taken as available. The administrator's rc file still applies (the lower wins).
   */
  readonly memoryLimit?: number;
  /** Threads (default: SLURM_CPUS_PER_TASK, else OMP_NUM_THREADS, else the available parallelism). */
  readonly threads?: number;
  /** The HDU to convert (overrides a `[..]` suffix of the input path; default: the first image). */
  readonly hdu?: HduSelector;
  /** What a CHECKSUM or DATASUM mismatch does (default "fail"). */
  readonly checksum?: ChecksumPolicy;
  /**
   * The numerical kernels: "native" (the C++ addon; an error when it is not available), "js"
   * (TypeScript), or "auto" (native when the addon loads). Default: FITS2IDIA_KERNELS, else
   * "auto". The output does not depend on it.
   */
  readonly kernels?: KernelsRequest;
  /** Square window size of the slow mode's tile pass (default: 512 wide, as tall as 128 MiB allows, at most 512). */
  readonly tileSize?: number;
  /** Upper bound of the bytes of one buffer in fast mode's batches (default 64 MiB). */
  readonly batchBytes?: number;
}

/** The settings' names, in the order they are recorded. */
export const SETTING_NAMES = ["mode", "memoryLimit", "threads", "hdu", "checksum", "kernels", "tileSize", "batchBytes"] as const satisfies readonly (keyof ConversionSettings)[];

/**
 * The older spellings the options still accept beside the settings: `slow: true` for
 * `mode: "slow"`, and the checksum's two booleans (`checksum: false` = "skip",
 * `ignoreChecksum: true` = "warn").
 */
export interface LegacySettings {
  /** The older spelling of `mode`: true ⇒ slow, false ⇒ fast (absent: `mode` decides). */
  readonly slow?: boolean;
  /** The policy, or the older boolean: true = "fail" (verify), false = "skip". */
  readonly checksum?: ChecksumPolicy | boolean;
  /** Older: a mismatch is a warning rather than an error (= checksum "warn"). */
  readonly ignoreChecksum?: boolean;
}

/** Settings as an API caller may give them: the settings, or their older spellings. */
export type SettingsInput = Omit<ConversionSettings, "checksum"> & LegacySettings;

/** The checksum policy of options that give it as a policy or as the older two booleans. */
export function checksumPolicyOf(options: Pick<LegacySettings, "checksum" | "ignoreChecksum">): ChecksumPolicy {
  const { checksum, ignoreChecksum } = options;
  if (typeof checksum === "string") {
    if (!CHECKSUM_POLICIES.includes(checksum)) throw new OptionError("checksum", `checksum must be "fail", "warn" or "skip", not ${JSON.stringify(checksum)}`);
    if (ignoreChecksum === true && checksum !== "warn") throw new OptionError("ignoreChecksum", `ignoreChecksum contradicts checksum: "${checksum}"`);
    return checksum;
  }
  if (checksum === false) return "skip";
  return ignoreChecksum === true ? "warn" : "fail";
}

/**
 * The settings of `options` (which may hold hooks and older spellings beside them), whole and
 * as plain data: only the settings, only those given, the checksum as its policy, the older
 * `slow` as `mode`.
 */
export function conversionSettings(options: SettingsInput): ConversionSettings {
  const given: Record<string, unknown> = {};
  const mode = options.mode ?? (options.slow === undefined ? undefined : options.slow ? "slow" : "fast");
  const values: Record<(typeof SETTING_NAMES)[number], unknown> = {
    mode,
    memoryLimit: options.memoryLimit,
    threads: options.threads,
    hdu: options.hdu,
    checksum: options.checksum === undefined && options.ignoreChecksum === undefined ? undefined : checksumPolicyOf(options),
    kernels: options.kernels,
    tileSize: options.tileSize,
    batchBytes: options.batchBytes,
  };
  for (const name of SETTING_NAMES) if (values[name] !== undefined) given[name] = values[name];
  return given as ConversionSettings;
}

/** The settings a batch gives every one of its conversions (mode, threads and memory are its own, per input). */
export const SHARED_SETTING_NAMES = ["hdu", "checksum", "kernels", "tileSize", "batchBytes"] as const satisfies readonly (keyof ConversionSettings)[];
export type SharedSettings = Pick<ConversionSettings, (typeof SHARED_SETTING_NAMES)[number]>;
/** The same, as a caller may give them (the checksum's older booleans too). */
export type SharedSettingsInput = Pick<SettingsInput, Exclude<(typeof SHARED_SETTING_NAMES)[number], "checksum">> & Pick<LegacySettings, "checksum" | "ignoreChecksum">;

/** The shared settings of `options`, whole, as plain data (see conversionSettings). */
export function sharedSettings(options: SharedSettingsInput): SharedSettings {
  const all = conversionSettings(options);
  const shared: Record<string, unknown> = {};
  for (const name of SHARED_SETTING_NAMES) if (all[name] !== undefined) shared[name] = all[name];
  return shared as SharedSettings;
}

/**
 * The conversion: FITS image → IDIA HDF5 file, in fast or slow mode. Both modes run the same
 * units of work (plane units, then tile units for cubes) and differ only in buffering:
 * - fast: one stokes of the cube in memory; planes come from it, windows are strips of whole
 *   columns gathered from it;
 * - slow: one plane in memory at a time; afterwards, windows through all channels are read
 *   back from the written DATA.
 * Results are written by position, so the files are identical whatever the order of the units.
 */
import { statSync, type Stats } from "node:fs";
import { checksumError } from "../fits/checksum.js";
import { FitsImage } from "../fits/image.js";
import { checksumPolicyOf, type SettingsInput } from "./settings.js";
import { readImageBeams } from "../fits/image-beams.js";
import type { FitsInput } from "../fits/source.js";
import { openWriter, type Hdf5Writer } from "../hdf5/writer.js";
import { layoutOf } from "../schema/layout.js";
import { loadH5WithinAddressSpace } from "./hdf5-address-space.js";
import type { Mode } from "./defaults.js";
import { convertFast } from "./fast-mode.js";
import { resolveKernels, type KernelsChoice } from "./kernel-set.js";
import { Timer, type Job } from "./job.js";
import { OutputFile } from "./output-file.js";
import { writeStructure } from "./output-writes.js";
import { planConversion, type ConversionPlan } from "./plan.js";
import { createPool, type UnitPool } from "./pool.js";
import { ProgressTracker, type ProgressCallback } from "./progress.js";
import { provenanceOf } from "./provenance.js";
import { convertSlow } from "./slow-mode.js";
import { ConversionScratch } from "./stats-store.js";

export type { Mode };

/**
 * The options of `convert`: the conversion's settings (src/engine/settings.ts: mode, memory
 * limit, threads, HDU, checksum policy, kernels, tile and batch sizes — plain data, recorded in
 * the provenance as given), their older spellings (`slow`, `checksum: true | false`,
 * `ignoreChecksum`), and the hooks beside them.
 */
export interface ConvertOptions extends SettingsInput {
  /** Environment for Slurm, OpenMP and FITS2IDIA_RC variables (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The administrator's rc file (default: FITS2IDIA_RC, else /etc/fits2idiarc); false: none. */
  rcFile?: string | false;
  /** Called once the mode is chosen, before any output is created. */
  onPlan?: (plan: ConversionPlan) => void;
  /** Called as units of work complete. */
  onProgress?: ProgressCallback;
  /** Called for each warning (header values kept as text, shortened strings, …). */
  onWarning?: (message: string) => void;
  /** Cancels the conversion: no output and no temporary file are left. */
  signal?: AbortSignal;
}

export interface ConvertReport {
  /** The input's path as given, or the stream's name ("(standard input)"). */
  readonly input: string;
  readonly output: string;
  readonly mode: Mode;
  /** Why this mode, in one line: `requested; predicted …`, or the automatic choice's reason. */
  readonly reason: string;
  /** Predicted peak memory of the mode, bytes (src/engine/memory.ts). */
  readonly predictedBytes: number;
  /** Threads the conversion was given. */
  readonly threads: number;
  /** The kernels that computed: native (C++ addon) or js (TypeScript), and why. */
  readonly kernels: KernelsChoice;
  readonly shape: { naxis: number; width: number; height: number; depth: number; stokes: number };
  /** Seconds: total, and time spent reading input, computing, and writing output. */
  readonly seconds: { total: number; read: number; compute: number; write: number };
  /** Bytes of image data in the input (as stored in the FITS file). */
  readonly bytesIn: number;
  /** Size of the output file. */
  readonly bytesOut: number;
  /** Peak resident memory of the process so far, in bytes. */
  readonly peakRssBytes: number;
  readonly warnings: readonly string[];
  /** SHA-256 of the input file as stored (recorded in the output's provenance, INPUT_SHA256). */
  readonly inputSha256: string;
  /**
   * Bytes of the input read only to complete its SHA-256: those the conversion did not need
   * (other HDUs, padding). The rest was hashed as it was read for the conversion.
   */
  readonly bytesReadForHash: number;
}

/**
/**
 * Converts the FITS image `input` (a path: `file.fits[1]`, `[SCI]`, `[SCI,2]` select an HDU, as
 * does `options.hdu`; or its bytes as a stream read once, e.g. `process.stdin`, plain or gzip)
 * into the IDIA HDF5 file `output`. The output is written under a temporary name beside it and
 * renamed only when complete: on any failure, or when cancelled, no output, no temporary file
 * and no lock file are left, and an existing output is kept as it was.
 *
 * @returns what was done: the mode and why, the time by stage, the throughput, the predicted
 *   and the measured peak memory, the kernels, the warnings, the input's SHA-256.
 * @throws (the promise rejects with) `FitsError` for input that is not a FITS image it can
 *   read, a damaged gzip stream, or a CHECKSUM/DATASUM mismatch; `MemoryLimitError` when the
 *   run is refused for its memory (before any output exists); `OutputError` (`OutputBusyError`
 *   when another conversion is writing the same output) for the output's folder, lock or a
 *   failed write (`errno` ENOSPC, EDQUOT, EFBIG…); `Hdf5Error` when HDF5 itself fails;
 *   `OptionError` or `ThreadsError` for options it cannot take; `RcError` for a bad
 *   administrator's rc file. Every one has a stable string `code`.
 * Cancelling: abort `options.signal`; the promise then rejects with the signal's `reason`
 * (a DOMException named "AbortError" unless the caller gave one) once the workers have stopped
 * and the temporary file is removed.
 */
export async function convert(input: FitsInput, output: string, options: ConvertOptions = {}): Promise<ConvertReport> {
  const started = performance.now();
  const startedAt = new Date();
  const signal = options.signal;
  signal?.throwIfAborted();
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };

  const checksum = checksumPolicyOf(options);
  const image = await FitsImage.open(input, { hdu: options.hdu, checksum: checksum !== "skip", hash: true, onWarning: warn });
  const inputName = typeof input === "string" ? input : image.path;
  const out = new OutputFile(output);
  let writer: Hdf5Writer | undefined;
  let pool: UnitPool | undefined;
  try {
    // A stream (standard input) has no file to stat: it is read once, to its end.
    const fileStat = (): Stats | undefined => (image.fromStream ? undefined : statSync(image.path));
    const statAtStart = fileStat();
    // A gzip header claiming more than the file can hold: refused before buffers are sized by it.
    await image.checkClaimedSize();
    // Mode, threads and memory limits from the shape alone, before any output is created.
    const kernels = resolveKernels(options.kernels, options.env ?? process.env);
    // h5wasm first: its address space is measured, not predicted, when the limit is checked.
    const addressSpace = await loadH5WithinAddressSpace(options.mode ?? "auto");
    const plan = { ...planConversion(image.shape, { ...options, readerBufferBytes: image.readerBufferBytes, addressSpace }), kernels };
    plan.warnings.forEach(warn);
    options = { ...options, mode: plan.mode, threads: plan.threads };
    options.onPlan?.(plan);
    signal?.throwIfAborted();
    // The per-channel beams (a BEAMS table elsewhere in the file): read, or refused, before
    // anything is written.
    const beams = await readImageBeams(image.path, image.header, { fromStream: image.fromStream });
    // Refused before anything is written: an output (or helper file) that is the input, a device, …
    await out.check(image.fromStream ? undefined : image.path);
    // What can fail for want of resources (the HDF5 runtime's heap, loaded above within the
    // address space; the worker threads and their address space) is started before anything is
    // written: such a failure, even one that ends the process at once, leaves no lock and no
    // temporary file.
    pool = createPool(plan.threads, kernels.name);
    await pool.ready();
    signal?.throwIfAborted();
    // The output's lock: a second conversion to the same output is refused, not interleaved.
    await out.claim();
    const layout = layoutOf(image.shape);
    const mode: Mode = plan.mode;
    const timer = new Timer();
    const progress = new ProgressTracker(options.onProgress, image.info.dataBytes, layout.hasDepth);
    progress.report("open", 0, 0);

    writer = await openWriter(out.temporary);
    writeStructure(writer, layout, image, warn, beams);
    beams.warnings.forEach(warn);

    const job: Job = { image, layout, writer, timer, progress, signal, options, scratch: new ConversionScratch(), pool };
    if (mode === "fast") await convertFast(job);
    else await convertSlow(job);

    signal?.throwIfAborted();
    // The data read above was summed as it came: only the padding is read now.
    if (checksum !== "skip" && image.hasChecksums) {
      const result = await timer.time("read", () => image.verifyChecksums());
      if (result.problems.length > 0 && checksum === "fail") throw checksumError(result, image.path);
      if (result.problems.length > 0) warn(`${checksumError(result, image.path).describe()}; converted anyway`);
    }
    // Provenance on the root group. The input was hashed as it was read: only the bytes the
    // conversion did not need (other HDUs, padding) are read for its digest now; a gzip input
    // is decompressed to its end, so that every member's CRC-32 and size are checked before
    // the output is committed.
    const digest = await timer.time("read", () => image.fileDigest());
    const provenance = provenanceOf({ input: inputName, output, options, plan, image, digest, statAtStart, statAtEnd: fileStat(), start: startedAt, end: new Date() });
    provenance.warnings.forEach(warn);
    timer.timeSync("write", () => writer!.setAttributes("/", provenance.attributes));
    progress.report("finish", 1);
    await timer.time("write", () => writer!.close());
    writer = undefined;
    await out.commit();
    return {
      input: inputName,
      output,
      mode,
      reason: plan.reason,
      predictedBytes: plan.predictedBytes,
      threads: plan.threads,
      kernels,
      shape: { ...image.shape },
      seconds: { total: (performance.now() - started) / 1000, read: timer.read, compute: timer.compute, write: timer.write },
      bytesIn: image.info.dataBytes,
      bytesOut: statSync(output).size,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      warnings,
      inputSha256: digest.sha256,
      bytesReadForHash: digest.bytesReadForHash,
    };
  } catch (error) {
    // Once aborted, the abort's reason is the report, whatever failed after it; failures of the
    // output file (disk full, file-size limit, …) become one line naming the output.
    if (signal?.aborted) throw signal.reason;
    throw out.describeFailure(error);
  } finally {
    // Workers first: nothing may still be computing into buffers while the file is closed.
    await pool?.close();
    if (writer !== undefined) {
      try {
        writer.close();
      } catch {
        // The run already failed; the temporary file goes next.
      }
    }
    await out.discard();
    await image.close();
  }
}


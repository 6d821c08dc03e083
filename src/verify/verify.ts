/**
 * `verifyFile`: is this IDIA file what the schema says, and what its FITS file converts to?
 *
 * - Always: the structure (src/verify/structure.ts): group 0's attributes, every dataset with
 *   its shape, type and storage, the PermutedData link, nothing extra, the provenance and its
 *   recorded options (src/verify/options-check.ts); and what CARTA derives from the file
 *   (src/verify/carta-view.ts): the header it rebuilds, its spectral and Stokes axes, the
 *   shapes it then expects, the beam.
 * - With the FITS file: its size and SHA-256 against the recorded INPUT_SIZE and INPUT_SHA256
 *   (the hash is computed while the planes stream through, not in a pass of its own); group 0's
 *   attributes (name, type, value, order) and the root's header-derived and SOURCE_* attributes
 *   against what the converter derives from the FITS header (src/verify/header-check.ts); then
 *   DATA against its planes bit for bit, and every statistic, histogram, mipmap, the Z
 *   statistics and the swizzled data recomputed and compared (src/verify/content.ts).
 * - Without it: the same recomputation from DATA itself — the file is consistent with its own
 *   DATA (statistics, histograms, mipmaps, swizzled data = DATA transposed) — unless
 *   `structureOnly`.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Timer } from "../engine/job.js";
import type { ProgressCallback, Stage } from "../engine/progress.js";
import type { Provenance } from "../schema/provenance.js";
import { threadCount } from "../engine/resources.js";
import { FitsImage } from "../fits/image.js";
import { describePermutation } from "../schema/axes.js";
import type { HduSelector } from "../fits/hdu.js";
import type { FileDigest, FitsInput } from "../fits/source.js";
import { readImageBeams } from "../fits/image-beams.js";
import { openReader, type Hdf5Reader } from "../hdf5/reader.js";
import { DATA_PATH, IMAGE_GROUP, type Shape4 } from "../schema/layout.js";
import { checkBeams } from "./beams.js";
import { checkCartaView } from "./carta-view.js";
import { checkContent } from "./content.js";
import { Differences, type Difference } from "./differences.js";
import { checkHeaderAgainstFits } from "./header-check.js";
import { conversionOptionsProblems } from "./options-check.js";
import { checkStructure } from "./structure.js";

export interface VerifyOptions {
  /**
   * The FITS file's HDU to compare with (default: the path's `[..]` suffix, else the HDU the
   * file records as converted, INPUT_HDU, else the first image).
   */
  hdu?: HduSelector;
  /** Check the structure only: no values are read (the FITS file, if given, is still hashed, and a gzip one checked to its end). */
  structureOnly?: boolean;
  /** Differences listed per dataset before it is no longer compared (default 10). */
  maxDifferences?: number;
  /**
   * Threads recomputing (default as for a conversion: SLURM_CPUS_PER_TASK, else
   * OMP_NUM_THREADS, else the available parallelism); the verdict does not depend on it.
   */
  threads?: number;
  /** Environment for the default number of threads (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Bytes of DATA read at a time when a plane is larger: a band of rows (default 32 MiB). */
  batchBytes?: number;
  /** Bytes of the windows through every channel in flight together, for the Z statistics and swizzled data (default 128 MiB). */
  windowBytes?: number;
  /**
   * Called as the check advances, with the same Progress as a conversion's: stage ("open": the
   * structure and header; "planes": DATA against the FITS planes, XY histograms and mipmaps;
   * "tiles": windows through every channel for the Z statistics, the swizzled data and the XYZ
   * histograms; "finish": the rest of the FITS file hashed), the fraction of the whole, bytes
   * read (HDF5 and FITS files) of those the comparison reads, seconds elapsed.
   */
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface VerifyReport {
  /** True when no problem was found. */
  readonly ok: boolean;
  /** The HDF5 file (absolute). */
  readonly file: string;
  /** The FITS file compared with (absolute; a stream's name, "(standard input)"), if any. */
  readonly fits?: string;
  /**
   * What is wrong, one line each: the FITS file not being the one converted first, then the
   * structure, then the values that differ (the first few of each dataset).
   */
  readonly problems: readonly string[];
  /** The values that differ, as listed in `problems`. */
  readonly differences: readonly Difference[];
  /** Things not checked and why (no provenance recorded, structure only, …). */
  readonly notes: readonly string[];
  /**
   * What CARTA shows differently from what a user may expect, without the conversion being at
   * fault (e.g. a per-beam BUNIT without a beam, as in the FITS file itself), one line each.
   */
  readonly warnings: readonly string[];
  readonly provenance?: Provenance;
  /** The image's shape as the file describes it (undefined when it cannot be told). */
  readonly shape?: Shape4;
  /** "structure": no values read; "internal": values recomputed from DATA; "fits": and DATA compared with the FITS file. */
  readonly checked: "structure" | "internal" | "fits";
  /** The FITS file's SHA-256 against the recorded one (undefined without a FITS file). */
  readonly sha256?: "match" | "mismatch" | "not recorded";
  /**
   * Seconds spent checking, as ConvertReport's: total (from the HDF5 file's opening, the HDF5
   * runtime loaded), reading (HDF5 and FITS, the final hash included), comparing on the main
   * thread, and writing (always 0: verify writes nothing).
   */
  readonly seconds: { total: number; read: number; compute: number; write: number };
  /** Bytes read and checked: of the HDF5 file's datasets, plus the FITS file's. */
  readonly bytesChecked: number;
}

const MiB = 2 ** 20;

/**
/**
 * Checks the converted file `hdf5Path` (`fits2idia-ts verify`): its structure always; with
 * `fitsPath` (a path, or the file's bytes as a stream read once, e.g. `process.stdin`), its
 * recorded SHA-256 and every value against the FITS file; without it, every statistic,
 * histogram, mipmap and the rotated data recomputed from its own DATA (`options.structureOnly`:
 * the structure only). Nothing is written.
 *
 * @returns the verdict: `ok`, the differences found (at most `maxDifferences` per dataset), what
 *   was checked, the SHA-256 comparison, the time and the bytes checked. Differences are not
 *   errors: the promise resolves with `ok: false`.
 * @throws (rejects with) `Hdf5Error` when the file cannot be read as HDF5 at all; `FitsError`
 *   when the FITS file cannot be read (a gzip FITS file is decompressed to its end and every
 *   member's CRC-32 and size checked: `CORRUPT_GZIP` when one is damaged or cut short);
 *   `OptionError`/`ThreadsError` for bad options.
 * Cancelling: abort `options.signal`; the promise rejects with the signal's `reason`.
 */
export async function verifyFile(hdf5Path: string, fitsPath?: FitsInput, options: VerifyOptions = {}): Promise<VerifyReport> {
  const diffs = new Differences(options.maxDifferences ?? 10);
  const reader = await openReader(hdf5Path);
  // Timed from here: loading the HDF5 runtime (the first time) is not part of the check.
  const started = performance.now();
  const timer = new Timer();
  const report = (stage: Stage, fraction: number, bytesProcessed: number, bytesTotal: number): void =>
    options.onProgress?.({ stage, fraction, bytesProcessed, bytesTotal, elapsed: (performance.now() - started) / 1000 });
  report("open", 0, 0, 0);
  let image: FitsImage | undefined;
  try {
    const structure = checkStructure(reader);
    const { layout, provenance } = structure;
    const first: string[] = []; // the FITS file not being the one converted
    const problems = [...structure.problems];
    const notes: string[] = [];
    const warnings: string[] = [];
    let bytesChecked = 0;
    let bytesTotal = 0;
    let sizeDiffers = false;
    let checked: VerifyReport["checked"] = options.structureOnly || layout === undefined ? "structure" : "internal";

    const recordedSize = provenance?.inputSize;
    const sizeProblem = (size: number): string => `the FITS file is not the one converted: it has ${size} bytes, the conversion's input had ${recordedSize}`;
    if (fitsPath !== undefined) {
      image = await openFits(fitsPath, options.hdu, provenance, (message) => notes.push(message));
      // A stream's size is known once it has been read to its end (below).
      const size = image.fromStream ? undefined : statSync(image.path).size;
      sizeDiffers = recordedSize !== undefined && size !== undefined && size !== recordedSize;
      if (sizeDiffers) first.push(sizeProblem(size!));
      if (provenance?.inputHdu !== undefined && image.hdu.index !== provenance.inputHdu) {
        first.push(`the FITS file's HDU ${image.hdu.index} is not the one converted (HDU ${provenance.inputHdu})`);
      }
      // The FITS file's axes (from its CTYPEs) against the order the conversion recorded.
      const axes = image.axes.identity ? undefined : describePermutation(image.axes);
      if (provenance !== undefined && provenance.axisPermutation !== axes) {
        problems.push(
          `the FITS file's axes give DATA the FITS axes ${axes ?? "in order"}, but the conversion recorded ` +
            (provenance.axisPermutation === undefined ? "none (AXIS_PERMUTATION absent)" : `AXIS_PERMUTATION = '${provenance.axisPermutation}'`),
        );
      }
      if (layout !== undefined && !sameShape(image.shape, layout.shape)) {
        problems.push(`the FITS image is ${describeShape(image.shape)}, the file holds ${describeShape(layout.shape)}: values not compared`);
        checked = "structure";
      } else if (checked === "internal") {
        checked = "fits";
      }
    }

    // The header: against the FITS file's (with it), and as CARTA reads it (always).
    const hasGroup0 = reader.kind(IMAGE_GROUP) === "group";
    const group0 = hasGroup0 ? reader.attributes(IMAGE_GROUP) : [];
    let sourceHasBeam: boolean | undefined;
    if (image !== undefined && hasGroup0) {
      const header = checkHeaderAgainstFits(image, await readImageBeams(image.path, image.header, { fromStream: image.fromStream }), group0, reader.attributes("/"));
      problems.push(...header.problems);
      notes.push(...header.notes);
      sourceHasBeam = header.sourceHasBeam;
    }
    if (provenance !== undefined) problems.push(...conversionOptionsProblems(provenance));
    if (hasGroup0) {
      const shapeOf = (path: string): readonly number[] | undefined => (reader.kind(path) === "dataset" ? reader.datasetInfo(path).shape : undefined);
      const carta = checkCartaView(group0, layout, shapeOf, structure.usable, { sourceHasBeam });
      problems.push(...carta.problems);
      warnings.push(...carta.warnings);
    }

    if (checked !== "structure" && layout !== undefined) {
      if (!structure.usable.has(layout.data.path)) {
        notes.push(`${DATA_PATH} cannot be read as the schema's DATA: values not compared`);
        checked = "structure";
      } else {
        bytesChecked += await checkContent(reader, layout, structure.usable, diffs, {
          image,
          threads: threadCount({ threads: options.threads, env: options.env }).threads,
          batchBytes: options.batchBytes ?? 32 * MiB,
          windowBytes: options.windowBytes ?? 128 * MiB,
          signal: options.signal,
          timer,
          onProgress: (p) => {
            bytesTotal = p.bytesTotal;
            report(p.stage, p.fraction, p.bytesRead, p.bytesTotal);
          },
        });
      }
    } else if (options.structureOnly) {
      notes.push("structure only: no values compared");
    }

    problems.push(...(await checkBeams(reader, image, options.structureOnly)));

    let sha256: VerifyReport["sha256"];
    if (image !== undefined) {
      // Everything the comparison read was hashed as it streamed: only the rest is read now.
      report("finish", 1, bytesChecked, Math.max(bytesTotal, bytesChecked));
      const digest: FileDigest = await timer.time("read", () => image!.fileDigest());
      bytesChecked += digest.bytes;
      if (image.fromStream && recordedSize !== undefined && digest.bytes !== recordedSize) {
        sizeDiffers = true;
        first.unshift(sizeProblem(digest.bytes));
      }
      const recorded = provenance?.inputSha256;
      if (recorded === undefined) {
        sha256 = "not recorded";
        notes.push(`the file records no INPUT_SHA256: the FITS file's identity not checked (its SHA-256 is ${digest.sha256})`);
      } else if (recorded === digest.sha256) {
        sha256 = "match";
      } else {
        sha256 = "mismatch";
        if (!sizeDiffers) first.unshift(`the FITS file is not the one converted: its SHA-256 is ${digest.sha256}, the conversion's input had ${recorded}`);
      }
    }
    if (provenance === undefined) notes.push("the file records no provenance (root attributes FITS2IDIA_*, INPUT_*, CONVERSION_*)");

    report("finish", 1, bytesChecked, bytesChecked);
    const all = [...first, ...problems, ...diffs.lines()];
    return {
      ok: all.length === 0,
      file: resolve(hdf5Path),
      ...(image !== undefined ? { fits: image.fromStream ? image.path : resolve(image.path) } : {}),
      problems: all,
      differences: diffs.list,
      notes,
      warnings,
      ...(provenance !== undefined ? { provenance } : {}),
      ...(layout !== undefined ? { shape: layout.shape } : {}),
      checked,
      ...(sha256 !== undefined ? { sha256 } : {}),
      seconds: { total: (performance.now() - started) / 1000, read: timer.read, compute: timer.compute, write: 0 },
      bytesChecked,
    };
  } finally {
    await image?.close();
    closeQuietly(reader);
  }
}

/** The FITS image: the path's `[..]` suffix or the option, else the HDU recorded as converted. */
async function openFits(spec: FitsInput, hdu: HduSelector | undefined, provenance: Provenance | undefined, onWarning: (message: string) => void): Promise<FitsImage> {
  const hasSuffix = typeof spec === "string" && !existsSync(spec) && /\[[^\[\]]+\]$/.test(spec);
  const selector = hdu ?? (hasSuffix ? undefined : provenance?.inputHdu);
  return FitsImage.open(spec, { hdu: selector, hash: true, checksum: false, onWarning });
}

function closeQuietly(reader: Hdf5Reader): void {
  try {
    reader.close();
  } catch {
    // Nothing was written; the verdict stands.
  }
}

function sameShape(a: Shape4, b: Shape4): boolean {
  return a.naxis === b.naxis && a.width === b.width && a.height === b.height && a.depth === b.depth && a.stokes === b.stokes;
}

/** `3-D 1024×1024×256` (FITS order: width × height × depth × stokes). */
export function describeShape(shape: Shape4): string {
  const axes = [shape.width, shape.height, shape.depth, shape.stokes].slice(0, shape.naxis);
  return `${shape.naxis}-D ${axes.join("×")}`;
}

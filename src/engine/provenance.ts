/**
 * Provenance of a conversion: the facts of one run (this converter, h5wasm and HDF5 versions,
 * the effective options, the input's path, HDU, size, time and SHA-256, the source's storage)
 * gathered from the image and the input, as the root attributes of the schema's provenance
 * table (src/schema/provenance.ts, which also reads them back for `verify`).
 */
import { checksumPolicyOf, conversionSettings } from "./settings.js";
import type { Stats } from "node:fs";
import { resolve } from "node:path";
import type { FitsImage } from "../fits/image.js";
import type { FileDigest } from "../fits/source.js";
import { hdf5Versions } from "../hdf5/versions.js";
import type { AttrValue } from "../hdf5/writer.js";
import { describePermutation } from "../schema/axes.js";
import { provenanceAttributes, type ProvenanceFacts } from "../schema/provenance.js";
import { CONVERTER_NAME, CONVERTER_VERSION } from "../version.js";
import type { ConvertOptions } from "./convert.js";
import type { ConversionPlan } from "./plan.js";

/**
 * The provenance of a conversion that has read all of its input: the facts gathered from the
 * image, its digest and the file's status taken when the conversion started (plus the versions
 * of this converter, h5wasm and HDF5), as root attributes; and a warning when the file changed
 * while it was converted (its size or modification time differ from the start's).
 */
export function provenanceOf(run: {
  readonly input: string;
  readonly output: string;
  readonly options: ConvertOptions;
  readonly plan: ConversionPlan;
  readonly image: FitsImage;
  readonly digest: FileDigest;
  /** The input file's status when the conversion started, and now (undefined for a stream). */
  readonly statAtStart: Stats | undefined;
  readonly statAtEnd: Stats | undefined;
  readonly start: Date;
  readonly end: Date;
}): { attributes: Array<[string, AttrValue]>; warnings: string[] } {
  const { image, digest, statAtStart: before, statAtEnd: after } = run;
  const header = image.header;
  const facts: ProvenanceFacts = {
    converter: { name: CONVERTER_NAME, version: CONVERTER_VERSION },
    libraries: hdf5Versions(),
    options: conversionOptions(run.input, run.output, run.options, run.plan),
    input: {
      path: image.fromStream ? image.path : resolve(image.path),
      hdu: image.hdu.index,
      size: digest.bytes,
      mtime: before?.mtime,
      sha256: digest.sha256,
    },
    start: run.start,
    end: run.end,
    source: {
      bitpix: image.info.bitpix,
      ...(header.has("BSCALE") ? { bscale: image.info.bscale } : {}),
      ...(header.has("BZERO") ? { bzero: image.info.bzero } : {}),
      ...(image.info.blank !== undefined ? { blank: image.info.blank } : {}),
    },
    ...(image.axes.identity ? {} : { axisPermutation: describePermutation(image.axes) }),
  };
  const warnings: string[] = [];
  if (before !== undefined && after !== undefined && (digest.bytes !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs)) {
    warnings.push(
      `${image.path} changed while it was converted (size ${before.size} → ${after.size} bytes, ${digest.bytes} hashed; ` +
        `modified ${before.mtime.toISOString()} → ${after.mtime.toISOString()}): its recorded SHA-256 may not match the data converted`,
    );
  }
  return { attributes: provenanceAttributes(facts), warnings };
}

/**
 * The options a conversion ran with, as plain JSON values: what was asked for (mode, limits,
 * HDU, window and batch sizes, rc file) and what it resolved to (mode and why, threads and
 * where they come from, the memory available and the limit). No callbacks, signal or
 * environment.
 */
export function conversionOptions(input: string, output: string, options: ConvertOptions, plan: ConversionPlan): Record<string, unknown> {
  return {
    input,
    output,
    mode: plan.mode,
    requestedMode: plan.requested ? plan.mode : "auto",
    reason: plan.reason,
    threads: plan.threads,
    threadsFrom: plan.threadsDetail,
    kernels: plan.kernels?.name ?? null,
    memoryLimit: options.memoryLimit ?? null,
    limit: plan.limit ? { bytes: plan.limit.bytes, from: plan.limit.source } : null,
    available: { bytes: plan.available.bytes, from: plan.available.detail },
    predictedBytes: plan.predictedBytes,
    hdu: options.hdu ?? null,
    rcFile: options.rcFile ?? null,
    tileSize: options.tileSize ?? null,
    batchBytes: options.batchBytes ?? null,
    checksum: checksumPolicyOf(options),
    // The settings whole, as the run had them (src/engine/settings.ts): what a batch task or a
    // caller would pass again to convert the same way.
    settings: conversionSettings(options),
  };
}

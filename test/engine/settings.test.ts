/**
 * The conversion's settings, declared once (src/engine/settings.ts): the checksum as one policy
 * (fail / warn / skip) with the older two booleans still read, the settings picked whole out of
 * options that carry hooks beside them, and the same settings arriving whole where they cross a
 * boundary: convert's behaviour, the provenance, a Slurm manifest.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/engine/convert.js";
import { checksumPolicyOf, conversionSettings, sharedSettings } from "../../src/engine/settings.js";
import { OptionError } from "../../src/config/option-error.js";
import { openReader } from "../../src/hdf5/reader.js";
import { writeSlurmJob } from "../../src/batch/slurm-job.js";
import { fitsError } from "../helpers/fits-error.js";
import { concat, dataBytes, headerBytes, makeCube, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-settings-");
afterAll(() => tmp.cleanup());
const env = { FITS2IDIA_RC: tmp.write("empty.rc", new Uint8Array(0)) };

describe("the checksum policy", () => {
  it("is one of fail, warn, skip; the older booleans map onto it", () => {
    expect(checksumPolicyOf({})).toBe("fail");
    for (const policy of ["fail", "warn", "skip"] as const) expect(checksumPolicyOf({ checksum: policy })).toBe(policy);
    expect(checksumPolicyOf({ checksum: true })).toBe("fail");
    expect(checksumPolicyOf({ checksum: false })).toBe("skip");
    expect(checksumPolicyOf({ ignoreChecksum: true })).toBe("warn");
    expect(checksumPolicyOf({ checksum: true, ignoreChecksum: true })).toBe("warn");
    expect(checksumPolicyOf({ checksum: "warn", ignoreChecksum: true })).toBe("warn");
  });

  it("refuses a value it does not know, and a contradiction, naming the option", () => {
    expect(() => checksumPolicyOf({ checksum: "lenient" as "warn" })).toThrow(OptionError);
    expect(() => checksumPolicyOf({ checksum: "lenient" as "warn" })).toThrow('checksum must be "fail", "warn" or "skip", not "lenient"');
    expect(() => checksumPolicyOf({ checksum: "fail", ignoreChecksum: true })).toThrow('ignoreChecksum contradicts checksum: "fail"');
  });
});

describe("conversionSettings", () => {
  it("picks the settings out of options with hooks beside them, as plain data", () => {
    const options = {
      mode: "slow" as const,
      threads: 3,
      hdu: { extname: "SCI", extver: 2 },
      ignoreChecksum: true,
      kernels: "js" as const,
      tileSize: 64,
      env: { A: "1" },
      signal: new AbortController().signal,
      onProgress: () => undefined,
      rcFile: false as const,
    };
    const settings = conversionSettings(options);
    expect(settings).toEqual({ mode: "slow", threads: 3, hdu: { extname: "SCI", extver: 2 }, checksum: "warn", kernels: "js", tileSize: 64 });
    expect(JSON.parse(JSON.stringify(settings))).toEqual(settings);
    expect(conversionSettings({})).toEqual({});
    expect(conversionSettings({ slow: true })).toEqual({ mode: "slow" });
    expect(conversionSettings({ checksum: false })).toEqual({ checksum: "skip" });
  });

  it("the shared ones: what a batch gives every conversion (not its mode, threads or memory)", () => {
    expect(sharedSettings({ hdu: 2, checksum: false, kernels: "native", batchBytes: 1 << 20, ...{ mode: "fast", threads: 8, memoryLimit: 1e9 } })).toEqual({ hdu: 2, checksum: "skip", kernels: "native", batchBytes: 1 << 20 });
  });
});

/** A small image whose DATASUM is wrong. */
function badDatasum(name: string): string {
  const cube = makeCube(2, 20, 10, 1, 1, "random", 9);
  return tmp.write(name, concat([headerBytes(primaryCards(-32, [20, 10], [valueCard("DATASUM", "'12345'")])), dataBytes(cube.values, -32)]));
}

describe("the policy through convert, and the settings recorded whole", () => {
  it("fail refuses, warn converts with a warning, skip converts without looking", async () => {
    const input = badDatasum("bad.fits");
    expect((await fitsError(convert(input, tmp.file("fail.hdf5"), { env, checksum: "fail" }))).code).toBe("CHECKSUM");
    const warnings: string[] = [];
    await convert(input, tmp.file("warn.hdf5"), { env, checksum: "warn", onWarning: (w) => warnings.push(w) });
    expect(warnings.some((w) => w.includes("DATASUM mismatch"))).toBe(true);
    const skipped: string[] = [];
    await convert(input, tmp.file("skip.hdf5"), { env, checksum: "skip", onWarning: (w) => skipped.push(w) });
    expect(skipped.some((w) => w.includes("DATASUM"))).toBe(false);
    // The older spellings do the same.
    expect((await fitsError(convert(input, tmp.file("old-fail.hdf5"), { env }))).code).toBe("CHECKSUM");
    await convert(input, tmp.file("old-warn.hdf5"), { env, ignoreChecksum: true });
    await convert(input, tmp.file("old-skip.hdf5"), { env, checksum: false });
  });

  it("CONVERSION_OPTIONS records the settings whole, with the mode and threads the run had", async () => {
    const input = badDatasum("recorded.fits");
    const output = tmp.file("recorded.hdf5");
    await convert(input, output, { env, mode: "slow", threads: 1, checksum: "warn", tileSize: 16, onProgress: () => undefined });
    const reader = await openReader(output);
    try {
      const options = JSON.parse(String(reader.attributes("/").find((a) => a.name === "CONVERSION_OPTIONS")!.value)) as Record<string, unknown>;
      expect(options.settings).toEqual({ mode: "slow", threads: 1, checksum: "warn", tileSize: 16 });
      expect(options.checksum).toBe("warn");
    } finally {
      reader.close();
    }
  });

  it("a Slurm manifest carries the shared settings whole, the older checksum booleans as the policy", async () => {
    const input = badDatasum("slurm.fits");
    const job = await writeSlurmJob([input], { outDir: tmp.file("slurm"), cpusPerTask: 1, maxMem: 64e9, memMargin: 0.2, groupBytes: 0, hdu: 0, ignoreChecksum: true, kernels: "js" });
    const manifest = JSON.parse(readFileSync(job.manifest, "utf8")) as Record<string, unknown>;
    expect({ hdu: manifest.hdu, checksum: manifest.checksum, kernels: manifest.kernels, ignoreChecksum: manifest.ignoreChecksum }).toEqual({ hdu: 0, checksum: "warn", kernels: "js", ignoreChecksum: undefined });
  });
});

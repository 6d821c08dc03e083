/**
 * Whole conversions with the TypeScript and the native kernels give the same files, dataset
 * for dataset, byte for byte (NaN payloads included), in both modes, inline and on 2 and 3
 * worker threads; and the choice of kernels is reported, forced and refused as documented.
 * Skipped where the addon is not built, except under CI or FITS2IDIA_REQUIRE_NATIVE=1.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli/run.js";
import { convert } from "../../src/engine/convert.js";
import { resolveKernels } from "../../src/engine/kernel-set.js";
import { buildPackage } from "../helpers/build.js";
import { concat, cubeFile, dataBytes, headerBytes, makeCube, primaryCards, tempFolder, valueCard, type Bitpix } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";
import { addonStatus, describeNative, itLoadsTheAddon } from "../kernels/native-helpers.js";

const tmp = tempFolder("fits2idia-native-");
afterAll(() => tmp.cleanup());

/** A float32 cube file with some values replaced by NaNs with payloads (quiet and signalling). */
function cubeWithPayloads(naxis: 2 | 3 | 4, size: [number, number, number, number], seed: number): Uint8Array {
  const [w, h, d, s] = size;
  const cube = makeCube(naxis, w, h, d, s, "nan-inf", seed);
  const bytes = cubeFile(cube);
  const data = new DataView(bytes.buffer, bytes.length - Math.ceil((cube.values.length * 4) / 2880) * 2880);
  const payloads = [0x7f800001, 0xffc12345, 0x7fa00000, 0xff800002];
  for (let i = 5; i < cube.values.length; i += 97) data.setUint32(i * 4, payloads[i % payloads.length]!);
  return bytes;
}

/** An integer (or float64) cube with BSCALE/BZERO/BLANK: raw values spread over the type. */
function scaledCube(bitpix: Bitpix, size: [number, number, number], cards: string[]): Uint8Array {
  const [w, h, d] = size;
  const n = w * h * d;
  const values: Array<number | bigint> = [];
  let state = 12345;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const r = state / 4294967296;
    if (bitpix === 8) values.push(i % 53 === 0 ? 7 : Math.floor(r * 256));
    else if (bitpix === 16) values.push(i % 53 === 0 ? -32768 : Math.floor(r * 65536) - 32768);
    else if (bitpix === 32) values.push(i % 53 === 0 ? -1 : Math.floor(r * 4294967296) - 2147483648);
    else if (bitpix === 64) values.push(i % 53 === 0 ? 99n : BigInt(Math.floor(r * 2 ** 53)) * (i % 2 ? 1n : -1n));
    else values.push(i % 53 === 0 ? NaN : (r - 0.5) * 1e6);
  }
  return concat([headerBytes(primaryCards(bitpix, [w, h, d], cards)), dataBytes(values, bitpix)]);
}

interface Case {
  name: string;
  bytes: () => Uint8Array;
}

const CASES: Case[] = [
  { name: "3-D 300x260x9 NaN/Inf with NaN payloads", bytes: () => cubeWithPayloads(3, [300, 260, 9, 1], 3) },
  { name: "4-D 140x130x5x2, an all-NaN channel", bytes: () => cubeFile(makeCube(4, 140, 130, 5, 2, "nan-channel", 4)) },
  { name: "2-D 700x530 random (mipmaps, chunked)", bytes: () => cubeFile(makeCube(2, 700, 530, 1, 1, "random", 5)) },
  { name: "3-D 1030x520x3 integers (histogram edges, 3 levels)", bytes: () => cubeFile(makeCube(3, 1030, 520, 3, 1, "integers", 6)) },
  { name: "3-D 33x40x17 overflowing squares", bytes: () => cubeFile(makeCube(3, 33, 40, 17, 1, "overflow", 7)) },
  { name: "3-D all NaN", bytes: () => cubeFile(makeCube(3, 50, 60, 4, 1, "all-nan", 8)) },
  { name: "BITPIX 8 with BSCALE, BZERO, BLANK", bytes: () => scaledCube(8, [90, 70, 5], [valueCard("BSCALE", "0.5"), valueCard("BZERO", "-10.0"), valueCard("BLANK", "7")]) },
  { name: "BITPIX 16 with BZERO 32768 and BLANK", bytes: () => scaledCube(16, [150, 130, 6], [valueCard("BZERO", "32768.0"), valueCard("BLANK", "-32768")]) },
  { name: "BITPIX 32 with BSCALE 1e-3 and BLANK", bytes: () => scaledCube(32, [77, 66, 5], [valueCard("BSCALE", "1.0E-3"), valueCard("BLANK", "-1")]) },
  { name: "BITPIX 64 with BSCALE and BLANK", bytes: () => scaledCube(64, [64, 50, 4], [valueCard("BSCALE", "2.5"), valueCard("BZERO", "1.0"), valueCard("BLANK", "99")]) },
  { name: "BITPIX -64", bytes: () => scaledCube(-64, [129, 131, 3], []) },
];

async function expectSameFiles(a: string, b: string, label: string): Promise<void> {
  const x = await readDatasets(a);
  const y = await readDatasets(b);
  expect([...y.keys()].sort(), label).toEqual([...x.keys()].sort());
  for (const [path, dump] of x) {
    const other = y.get(path)!;
    expect(other.shape, `${label} ${path}`).toEqual(dump.shape);
    expect(other.chunks, `${label} ${path}`).toEqual(dump.chunks);
    expect(firstDifference(other.values, dump.values), `${label} ${path}`).toBe(-1);
  }
}

describeNative("whole conversions: native kernels write the same datasets as the TypeScript ones", () => {
  itLoadsTheAddon();
  it.each(CASES)("$name, fast and slow modes", async ({ name, bytes }) => {
    const input = tmp.write(`${name.replace(/[^a-z0-9]+/gi, "-")}.fits`, bytes());
    for (const mode of ["fast", "slow"] as const) {
      const js = tmp.file(`${mode}-js.hdf5`);
      const nat = tmp.file(`${mode}-native.hdf5`);
      // Small windows and batches: several windows and strips even for these cubes.
      const options = { mode, threads: 1, tileSize: 48, batchBytes: 2 ** 18 };
      const a = await convert(input, js, { ...options, kernels: "js" });
      const b = await convert(input, nat, { ...options, kernels: "native" });
      expect(a.kernels).toEqual({ name: "js", detail: 'TypeScript (kernels: "js")' });
      expect(b.kernels).toEqual({ name: "native", detail: "native (C++ addon)" });
      await expectSameFiles(js, nat, mode);
    }
  });

  describe("on worker threads (the built package)", () => {
    type Convert = typeof convert;
    let builtConvert: Convert;
    let build: ReturnType<typeof buildPackage>;
    beforeAll(async () => {
      build = buildPackage("fits2idia-ts-native-test");
      ({ convert: builtConvert } = (await import(join(build.dist, "engine", "convert.js"))) as { convert: Convert });
    }, 120_000);
    afterAll(() => build?.remove());

    it("2 and 3 threads with native kernels give the TypeScript kernels' file, in both modes", async () => {
      const input = tmp.write("threads.fits", cubeWithPayloads(4, [210, 190, 7, 2], 9));
      for (const mode of ["fast", "slow"] as const) {
        const reference = tmp.file(`threads-${mode}-js.hdf5`);
        await convert(input, reference, { mode, threads: 1, kernels: "js", batchBytes: 210 * 190 * 4 * 2 });
        for (const threads of [2, 3]) {
          const out = tmp.file(`threads-${mode}-${threads}.hdf5`);
          const report = await builtConvert(input, out, { mode, threads, kernels: "native", batchBytes: 210 * 190 * 4 * 2 });
          expect([report.threads, report.kernels.name]).toEqual([threads, "native"]);
          await expectSameFiles(reference, out, `${mode}, ${threads} threads`);
        }
      }
    });
  });
});

describe("choosing the kernels", () => {
  const missing = () => ({ loaded: false as const, reason: "the addon is not built (npm run build:native)" });

  it("auto takes the addon when it loads, else says why not", () => {
    expect(resolveKernels(undefined, {}, missing)).toEqual({ name: "js", detail: "TypeScript (native addon not available: the addon is not built (npm run build:native))" });
    expect(resolveKernels("auto", { FITS2IDIA_KERNELS: "native" }, missing).name).toBe("js");
    if (addonStatus.loaded) expect(resolveKernels(undefined, {})).toEqual({ name: "native", detail: "native (C++ addon)" });
  });

  it("FITS2IDIA_KERNELS forces either; the option wins over it", () => {
    expect(resolveKernels(undefined, { FITS2IDIA_KERNELS: "js" })).toEqual({ name: "js", detail: "TypeScript (FITS2IDIA_KERNELS=js)" });
    expect(resolveKernels("js", { FITS2IDIA_KERNELS: "native" }).name).toBe("js");
    expect(() => resolveKernels(undefined, { FITS2IDIA_KERNELS: "native" }, missing)).toThrow(
      "native kernels were asked for (FITS2IDIA_KERNELS=native) but are not available: the addon is not built (npm run build:native)",
    );
    expect(() => resolveKernels("native", {}, missing)).toThrow('native kernels were asked for (kernels: "native") but are not available');
    expect(() => resolveKernels(undefined, { FITS2IDIA_KERNELS: "fortran" })).toThrow('FITS2IDIA_KERNELS=fortran: the kernels must be "auto", "js" or "native"');
  });

  it("-p says which kernels run; --kernels chooses them; a bad value is a usage error", async () => {
    const input = tmp.write("cli.fits", cubeFile(makeCube(3, 40, 30, 3, 1, "random", 1)));
    const rc = tmp.write("empty.rc", new Uint8Array());
    const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      let err = "";
      const io: CliIo = { stdout: { write: () => true }, stderr: { write: (t: string) => void (err += t) }, env: { FITS2IDIA_RC: rc, ...env } };
      return { status: await main(argv, io), stderr: err };
    };
    const js = await run(["-p", "--kernels", "js", "-o", tmp.file("cli-js.hdf5"), input]);
    expect(js.status).toBe(0);
    expect(js.stderr).toMatch(/Z Kernels: TypeScript \(kernels: "js"\)\n/);
    const env = await run(["-p", "-o", tmp.file("cli-env.hdf5"), input], { FITS2IDIA_KERNELS: "js" });
    expect(env.stderr).toMatch(/Z Kernels: TypeScript \(FITS2IDIA_KERNELS=js\)\n/);
    if (addonStatus.loaded) {
      const nat = await run(["-p", "-o", tmp.file("cli-native.hdf5"), input]);
      expect(nat.stderr).toMatch(/Z Kernels: native \(C\+\+ addon\)\n/);
    }
    const bad = await run(["--kernels", "fast", input]);
    expect(bad).toEqual({ status: 1, stderr: 'Error: --kernels must be auto, js or native, not "fast". Aborting.\n' });
  });
});

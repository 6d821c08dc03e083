/**
 * FitsImage against files written here with an independent writer (test/helpers/fixtures.ts),
 * with every expected float32 value computed in the test with plain arithmetic:
 * `Math.fround(raw * bscale + bzero)`, NaN where an integer raw value equals BLANK.
 */
import { afterAll, describe, expect, it } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { fitsError } from "../helpers/fits-error.js";
import type { HduInfo } from "../../src/fits/hdu-info.js";
import { FitsImage, imageShape } from "../../src/fits/image.js";
import {
  card,
  concat,
  dataBytes,
  extensionCards,
  headerBytes,
  mulberry32,
  primaryCards,
  tempFolder,
  valueCard,
  type Bitpix,
} from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-image-test-");
afterAll(() => tmp.cleanup());

let serial = 0;
function write(bytes: Uint8Array, name = `image-${serial++}.fits`): string {
  return tmp.write(name, bytes);
}

type Raw = number | bigint;

/** Physical values as float32, computed the way the FITS standard defines them. */
function physical(raw: readonly Raw[], bitpix: Bitpix, bscale = 1, bzero = 0, blank?: bigint): Float32Array {
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    if (bitpix > 0 && blank !== undefined && BigInt(r) === blank) out[i] = NaN;
    else out[i] = Math.fround(Number(r) * bscale + bzero);
  }
  return out;
}

/** Equal value by value (NaN equals NaN), reporting the first difference. */
function expectValues(actual: Float32Array, expected: ArrayLike<number>, what = "values"): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) {
      expect.fail(`${what}: value ${i} is ${a}, expected ${e}`);
    }
  }
}


async function withImage<T>(path: string, use: (image: FitsImage) => Promise<T>): Promise<T> {
  const image = await FitsImage.open(path);
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}

/** A primary image file: header, raw values, padded data. */
function imageFile(bitpix: Bitpix, axes: number[], raw: readonly Raw[], extra: string[] = []): string {
  return write(concat([headerBytes(primaryCards(bitpix, axes, extra)), dataBytes(raw as ArrayLike<number | bigint>, bitpix)]));
}

/** Deterministic raw values covering the whole range of each BITPIX. */
function fill(bitpix: Bitpix, n: number, seed: number): Raw[] {
  const random = mulberry32(seed);
  const out: Raw[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    switch (bitpix) {
      case 8: out.push(Math.floor(r * 256)); break;
      case 16: out.push(Math.floor(r * 65536) - 32768); break;
      case 32: out.push(Math.floor(r * 4294967296) - 2147483648); break;
      case 64:
        out.push(BigInt.asIntN(64, (BigInt(Math.floor(r * 4294967296)) << 32n) | BigInt(Math.floor(random() * 4294967296))));
        break;
      case -32: out.push(Math.fround((r - 0.5) * 1e6)); break;
      case -64: out.push((r - 0.5) * 1e10); break;
    }
  }
  return out;
}

const TWO63 = 1n << 63n;
const TWO53 = 1n << 53n;

interface ValueCase {
  name: string;
  bitpix: Bitpix;
  specials: Raw[];
  bscale?: number;
  bzero?: number;
  blank?: bigint;
  /** Header text of BSCALE/BZERO/BLANK when String() of the number is not what to write. */
  cards?: string[];
}

const VALUE_CASES: ValueCase[] = [
  { name: "8 unsigned bytes up to 255", bitpix: 8, specials: [0, 1, 127, 128, 200, 254, 255] },
  { name: "8 scaled", bitpix: 8, specials: [0, 1, 128, 255], bscale: 0.5, bzero: -10 },
  { name: "8 BLANK = 255", bitpix: 8, specials: [0, 254, 255, 255, 1], blank: 255n },
  { name: "8 signed-byte convention with BLANK = 0", bitpix: 8, specials: [0, 1, 127, 128, 255], bzero: -128, blank: 0n },
  { name: "16 plain", bitpix: 16, specials: [-32768, -32767, -1, 0, 1, 32766, 32767] },
  { name: "16 unsigned (BZERO = 32768)", bitpix: 16, specials: [-32768, -1, 0, 1, 32767], bzero: 32768 },
  { name: "16 scaled", bitpix: 16, specials: [-32768, -3, 0, 7, 32767], bscale: 0.001, bzero: 5 },
  { name: "16 BLANK with scaling", bitpix: 16, specials: [-32768, -32767, 0, 32767, -32768], bscale: 0.25, bzero: 32768, blank: -32768n },
  { name: "32 plain", bitpix: 32, specials: [-2147483648, -2147483647, -1, 0, 1, 2147483647, 16777217, -16777217, 123456789] },
  { name: "32 unsigned (BZERO = 2^31)", bitpix: 32, specials: [-2147483648, -1, 0, 2147483647], bzero: 2147483648 },
  { name: "32 scaled with BLANK = -1", bitpix: 32, specials: [-1, 0, 1, 2147483647, -2147483648, -1], bscale: 0.001, bzero: 0.5, blank: -1n },
  {
    name: "64 plain, beyond 2^53",
    bitpix: 64,
    specials: [-TWO63, -TWO63 + 1n, -1n, 0n, 1n, TWO63 - 1n, TWO53 + 1n, TWO53 - 1n, (1n << 60n) + 3n, -(1n << 62n) - 5n, 123456789012345678n, 16777217n],
  },
  {
    name: "64 unsigned (BZERO = 2^63)",
    bitpix: 64,
    specials: [-TWO63, -1n, 0n, TWO63 - 1n, 1n << 40n],
    bzero: 2 ** 63,
    cards: [valueCard("BZERO", "9223372036854775808")],
  },
  {
    // BLANK differs from its neighbour only below the precision of a double: the comparison
    // must be on the exact 64-bit integer.
    name: "64 BLANK = 2^53 + 1 (not 2^53) with scaling",
    bitpix: 64,
    specials: [TWO53 + 1n, TWO53, TWO53 + 2n, 0n, -(TWO53 + 1n), TWO53 + 1n],
    bscale: 2.5,
    bzero: -3,
    blank: TWO53 + 1n,
  },
  { name: "64 BLANK = -2^63", bitpix: 64, specials: [-TWO63, TWO63 - 1n, 0n, -TWO63 + 1n], blank: -TWO63 },
  {
    name: "-32 with NaN, ±Inf, extremes and denormals",
    bitpix: -32,
    specials: [0, -0, 1.5, NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -2.5e-40, NaN],
  },
  {
    // BLANK is meaningless for floating-point data and must be ignored (raw 0 stays a number).
    name: "-32 scaled, BLANK ignored",
    bitpix: -32,
    specials: [0, 1.5, NaN, Infinity, -Infinity, 3.4028234663852886e38, -7.25],
    bscale: 2,
    bzero: 1,
    cards: [valueCard("BSCALE", "2.0"), valueCard("BZERO", "1.0"), valueCard("BLANK", "0")],
  },
  {
    name: "-64 with values outside float32",
    bitpix: -64,
    specials: [0, 0.1, 1e300, -1e300, 1e-300, NaN, Infinity, -Infinity, 123.456, 3.4028235677973366e38, 3.4028235677973362e38, 1e-46],
  },
  { name: "-64 scaled", bitpix: -64, specials: [0, 0.1, NaN, Infinity, -1e300, 42], bscale: 0.001, bzero: 1000 },
];

describe("values of every BITPIX", () => {
  const [W, H, D] = [7, 5, 3];
  for (const [k, c] of VALUE_CASES.entries()) {
    it(`BITPIX ${c.name}`, async () => {
      const raw = [...c.specials, ...fill(c.bitpix, W * H * D - c.specials.length, 100 + k)];
      const cards = c.cards ?? [
        ...(c.bscale !== undefined ? [valueCard("BSCALE", String(c.bscale))] : []),
        ...(c.bzero !== undefined ? [valueCard("BZERO", String(c.bzero))] : []),
        ...(c.blank !== undefined ? [valueCard("BLANK", String(c.blank))] : []),
      ];
      const path = imageFile(c.bitpix, [W, H, D], raw, cards);
      const expected = physical(raw, c.bitpix, c.bscale, c.bzero, c.blank);
      // The special values must make a difference where the case says so.
      if (c.blank !== undefined) expect(expected.some(Number.isNaN)).toBe(true);
      await withImage(path, async (image) => {
        expect(image.info.bitpix).toBe(c.bitpix);
        expect(image.scaling.bscale).toBe(c.bscale ?? 1);
        expect(image.scaling.bzero).toBe(c.bzero ?? 0);
        expectValues(await image.readPlanes(0, D), expected, "whole cube");
        for (let p = D - 1; p >= 0; p--) {
          expectValues(await image.readPlanes(p, 1), expected.subarray(p * W * H, (p + 1) * W * H), `plane ${p}`);
        }
        // A partial-width tile goes through the row-by-row decode path.
        const tile = await image.readTile({ x: 2, y: 1, width: 4, height: 3, firstPlane: 1, planeCount: 2 });
        expectValues(tile, subArray(expected, W, H, { x: 2, y: 1, width: 4, height: 3, firstPlane: 1, planeCount: 2 }), "tile");
      });
    });
  }

  it("spot checks of the arithmetic the cases rely on", () => {
    // These pin down the independent expectations themselves.
    expect(physical([-32768, 32767], 16, 1, 32768)).toEqual(new Float32Array([0, 65535]));
    expect(physical([255, 0], 8, 1, -128)).toEqual(new Float32Array([127, -128]));
    expect(physical([TWO63 - 1n, -TWO63], 64, 1, 2 ** 63)).toEqual(new Float32Array([2 ** 64, 0]));
    expect(physical([TWO53 + 1n], 64)[0]).toBe(2 ** 53);
    expect(physical([16777217], 32)[0]).toBe(16777216);
    expect(physical([1e300], -64)[0]).toBe(Infinity);
    expect(physical([3.4028234663852886e38], -32, 2, 1)[0]).toBe(Infinity);
    expect(Number.isNaN(physical([TWO53 + 1n, TWO53], 64, 1, 0, TWO53 + 1n)[0])).toBe(true);
    expect(physical([TWO53 + 1n, TWO53], 64, 1, 0, TWO53 + 1n)[1]).toBe(2 ** 53);
  });

  it("reads across the internal 8 MiB read chunk (BITPIX -64, 10.6 MB)", async () => {
    // 1300 rows of 8 KiB: whole-plane reads and partial-width tiles both take two reads.
    const [w, h, d] = [1024, 1300, 1];
    const n = w * h * d;
    const raw = new Array<number>(n);
    for (let i = 0; i < n; i++) raw[i] = (i % 1000003) * 0.001 - 7 + i * 1e-9;
    const path = imageFile(-64, [w, h, d], raw);
    const expected = physical(raw, -64);
    await withImage(path, async (image) => {
      expectValues(await image.readPlanes(0, d), expected, "whole cube");
      for (const window of [
        { x: 1000, y: 0, width: 24, height: h, firstPlane: 0, planeCount: 1 },
        { x: 3, y: 5, width: 1020, height: 1290, firstPlane: 0, planeCount: 1 },
        { x: 0, y: 200, width: w, height: 1100, firstPlane: 0, planeCount: 1 },
      ]) {
        expectValues(await image.readTile(window), subArray(expected, w, h, window), `tile ${JSON.stringify(window)}`);
      }
    });
  });

  it("reads an unpadded last data unit", async () => {
    const raw = [1, 2, 3, 4, 5, 6];
    const path = write(concat([headerBytes(primaryCards(16, [3, 2])), dataBytes(raw, 16, false)]));
    await withImage(path, async (image) => expectValues(await image.readPlanes(0, 1), [1, 2, 3, 4, 5, 6]));
  });
});

interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
  firstPlane: number;
  planeCount: number;
}

/** The expected tile [plane][y][x] cut out of a whole cube. */
function subArray(cube: Float32Array, width: number, height: number, t: Window): Float32Array {
  const out = new Float32Array(t.width * t.height * t.planeCount);
  let o = 0;
  for (let p = 0; p < t.planeCount; p++) {
    for (let y = 0; y < t.height; y++) {
      for (let x = 0; x < t.width; x++) out[o++] = cube[((t.firstPlane + p) * height + t.y + y) * width + t.x + x]!;
    }
  }
  return out;
}

describe("readPlanes, readPlane and readTile", () => {
  // A float cube whose values are all distinct and exact in float32.
  const [W, H, D] = [9, 6, 5];
  const raw = Array.from({ length: W * H * D }, (_, i) => i * 0.5 - 40);
  const expected = physical(raw, -32);
  let path = "";
  const cube = () => (path ||= imageFile(-32, [W, H, D], raw));

  it("reads each plane", async () => {
    await withImage(cube(), async (image) => {
      expect(image.planeCount).toBe(D);
      expect(image.planeSize).toBe(W * H);
      expect(image.planeBytes).toBe(W * H * 4);
      for (const p of [3, 0, 4, 1, 2]) {
        expectValues(await image.readPlanes(p, 1), expected.subarray(p * W * H, (p + 1) * W * H), `plane ${p}`);
      }
    });
  });

  it("reads a range of planes into an output array at an offset", async () => {
    await withImage(cube(), async (image) => {
      const offset = 11;
      const out = new Float32Array(offset + 3 * W * H + 7).fill(-999);
      const returned = await image.readPlanes(1, 3, out, offset);
      expect(returned).toBe(out);
      expectValues(out.subarray(0, offset), new Array(offset).fill(-999), "before the offset");
      expectValues(out.subarray(offset, offset + 3 * W * H), expected.subarray(W * H, 4 * W * H), "planes 1..3");
      expectValues(out.subarray(offset + 3 * W * H), new Array(7).fill(-999), "after the planes");
    });
  });

  it("reads the whole cube, and no planes", async () => {
    await withImage(cube(), async (image) => {
      expectValues(await image.readPlanes(0, D), expected, "whole cube");
      expect((await image.readPlanes(D, 0)).length).toBe(0);
    });
  });

  it("refuses plane ranges outside the cube and outputs that are too small", async () => {
    await withImage(cube(), async (image) => {
      await expect(image.readPlanes(-1, 1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(D, 1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(0, D + 1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(3, 3)).rejects.toThrow(/outside 0\.\.4/);
      await expect(image.readPlanes(0.5, 1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(0, -1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(0, 2, new Float32Array(2 * W * H - 1))).rejects.toThrow(/too small/);
      await expect(image.readPlanes(0, 1, new Float32Array(W * H + 2), 3)).rejects.toThrow(/too small/);
      const out = new Float32Array(2 * W * H).fill(5);
      await expect(image.readPlanes(0, 1, out, -1)).rejects.toThrow(RangeError);
      await expect(image.readPlanes(0, 1, out, 0.5)).rejects.toThrow(RangeError);
      expectValues(out, new Array(2 * W * H).fill(5), "output untouched");
    });
  });

  it("readPlane(channel, stokes) on a 4-D cube", async () => {
    const [w, h, d, s] = [4, 3, 5, 2];
    const raw4 = fill(16, w * h * d * s, 7);
    const p = imageFile(16, [w, h, d, s], raw4, [valueCard("BSCALE", "0.5"), valueCard("BZERO", "100")]);
    const all = physical(raw4, 16, 0.5, 100);
    await withImage(p, async (image) => {
      expect(image.shape).toEqual({ naxis: 4, width: w, height: h, depth: d, stokes: s });
      expect(image.planeCount).toBe(d * s);
      for (let stokes = s - 1; stokes >= 0; stokes--) {
        for (let channel = 0; channel < d; channel++) {
          const plane = (stokes * d + channel) * w * h;
          expectValues(await image.readPlane(channel, stokes), all.subarray(plane, plane + w * h), `channel ${channel} stokes ${stokes}`);
        }
      }
      expectValues(await image.readPlane(2), all.subarray(2 * w * h, 3 * w * h), "stokes defaults to 0");
      const out = new Float32Array(w * h);
      expect(await image.readPlane(1, 1, out)).toBe(out);
      expectValues(out, all.subarray(6 * w * h, 7 * w * h), "into out");
      // A channel past the depth must not silently read the next stokes' planes.
      await expect(image.readPlane(d, 0)).rejects.toThrow(RangeError);
      await expect(image.readPlane(0, s)).rejects.toThrow(RangeError);
      await expect(image.readPlane(-1, 1)).rejects.toThrow(RangeError);
    });
  });

  const WINDOWS: Array<[string, Window]> = [
    ["full width, some rows", { x: 0, y: 1, width: W, height: 3, firstPlane: 2, planeCount: 1 }],
    ["full plane", { x: 0, y: 0, width: W, height: H, firstPlane: 0, planeCount: 1 }],
    ["full width, several planes", { x: 0, y: 2, width: W, height: 4, firstPlane: 1, planeCount: 3 }],
    ["partial width inside", { x: 2, y: 1, width: 3, height: 2, firstPlane: 3, planeCount: 1 }],
    ["right edge column", { x: W - 1, y: 0, width: 1, height: H, firstPlane: 0, planeCount: 2 }],
    ["bottom-right corner", { x: W - 2, y: H - 2, width: 2, height: 2, firstPlane: D - 1, planeCount: 1 }],
    ["top-left pixel", { x: 0, y: 0, width: 1, height: 1, firstPlane: 0, planeCount: 1 }],
    ["last row, partial", { x: 3, y: H - 1, width: 6, height: 1, firstPlane: 2, planeCount: 3 }],
    ["partial width, all planes", { x: 1, y: 0, width: W - 2, height: H, firstPlane: 0, planeCount: D }],
  ];

  for (const [name, window] of WINDOWS) {
    it(`readTile: ${name}`, async () => {
      await withImage(cube(), async (image) => {
        expectValues(await image.readTile(window), subArray(expected, W, H, window), name);
        const out = new Float32Array(window.width * window.height * window.planeCount + 3).fill(-1);
        expect(await image.readTile(window, out)).toBe(out);
        expectValues(out.subarray(0, out.length - 3), subArray(expected, W, H, window), `${name} into out`);
        expectValues(out.subarray(out.length - 3), [-1, -1, -1], "past the tile");
      });
    });
  }

  it("readTile of 8-, 16-, 32-, 64-bit integers and -64 floats", async () => {
    const [w, h, d] = [11, 7, 3];
    const window = { x: 3, y: 2, width: 5, height: 4, firstPlane: 1, planeCount: 2 };
    const full = { x: 0, y: 3, width: w, height: 2, firstPlane: 0, planeCount: 3 };
    for (const bitpix of [8, 16, 32, 64, -64] as Bitpix[]) {
      const r = fill(bitpix, w * h * d, 40 + bitpix);
      const p = imageFile(bitpix, [w, h, d], r, [valueCard("BSCALE", "1.5"), valueCard("BZERO", "-2")]);
      const all = physical(r, bitpix, 1.5, -2);
      await withImage(p, async (image) => {
        expectValues(await image.readTile(window), subArray(all, w, h, window), `BITPIX ${bitpix} window`);
        expectValues(await image.readTile(full), subArray(all, w, h, full), `BITPIX ${bitpix} full width`);
      });
    }
  });

  it("readTile refuses windows and planes outside the image", async () => {
    await withImage(cube(), async (image) => {
      const ok = { x: 0, y: 0, width: 2, height: 2, firstPlane: 0, planeCount: 1 };
      for (const bad of [
        { x: -1 },
        { y: -1 },
        { x: W - 1 },
        { y: H - 1 },
        { width: 0 },
        { height: 0 },
        { width: W + 1 },
        { x: 0.5 },
        { width: 1.5 },
        { firstPlane: D },
        { firstPlane: -1 },
        { planeCount: D + 1 },
      ]) {
        await expect(image.readTile({ ...ok, ...bad }), JSON.stringify(bad)).rejects.toThrow(RangeError);
      }
      await expect(image.readTile(ok, new Float32Array(3))).rejects.toThrow(/too small/);
      await expect(image.readTile({ ...ok, x: W - 1 })).rejects.toThrow(`outside the ${W}x${H} plane`);
    });
  });
});

describe("shapes", () => {
  it("2-D", async () => {
    const raw = fill(-32, 6, 1);
    await withImage(imageFile(-32, [3, 2], raw), async (image) => {
      expect(image.shape).toEqual({ naxis: 2, width: 3, height: 2, depth: 1, stokes: 1 });
      expect(image.planeCount).toBe(1);
      expectValues(await image.readPlane(0), physical(raw, -32));
    });
  });

  it("3-D", async () => {
    const raw = fill(16, 4 * 3 * 2, 2);
    await withImage(imageFile(16, [4, 3, 2], raw), async (image) => {
      expect(image.shape).toEqual({ naxis: 3, width: 4, height: 3, depth: 2, stokes: 1 });
      expectValues(await image.readPlane(1), physical(raw, 16).subarray(12));
    });
  });

  it("4-D", async () => {
    const raw = fill(8, 2 * 3 * 4 * 3, 3);
    await withImage(imageFile(8, [2, 3, 4, 3], raw), async (image) => {
      expect(image.shape).toEqual({ naxis: 4, width: 2, height: 3, depth: 4, stokes: 3 });
      expect(image.planeCount).toBe(12);
      expectValues(await image.readPlanes(0, 12), physical(raw, 8));
    });
  });

  it("NAXIS 5 and 6 with degenerate trailing axes read as 4-D", async () => {
    for (const axes of [[3, 2, 2, 2, 1], [3, 2, 2, 1, 1, 1], [2, 2, 1, 1, 1]]) {
      const n = axes.reduce((a, b) => a * b, 1);
      const raw = fill(-32, n, n);
      await withImage(imageFile(-32, axes, raw), async (image) => {
        expect(image.shape).toEqual({ naxis: 4, width: axes[0], height: axes[1], depth: axes[2], stokes: axes[3] });
        expectValues(await image.readPlanes(0, image.planeCount), physical(raw, -32), `axes ${axes}`);
      });
    }
  });

  it("NAXIS 5 with a fifth axis longer than 1 is refused", async () => {
    const path = imageFile(-32, [3, 2, 2, 1, 2], fill(-32, 24, 1));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("UNSUPPORTED_NAXIS");
    expect(error.message).toContain("NAXIS = 5");
    expect(error.message).toContain("NAXIS5 = 2");
    expect(error.file).toBe(path);
  });

  it("NAXIS 6 with a sixth axis longer than 1 is refused", async () => {
    const path = imageFile(-32, [3, 2, 1, 1, 1, 4], fill(-32, 24, 1));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("UNSUPPORTED_NAXIS");
    expect(error.message).toContain("NAXIS6 = 4");
    expect(error.file).toBe(path);
  });

  it("NAXIS 0 primary without extensions: no image", async () => {
    const path = write(headerBytes(primaryCards(8, [])));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NO_IMAGE");
    expect(error.message).toMatch(/no image data/);
    expect(error.file).toBe(path);
  });

  it("NAXIS 1 is refused", async () => {
    const path = imageFile(-32, [10], fill(-32, 10, 1));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("UNSUPPORTED_NAXIS");
    expect(error.message).toContain("NAXIS = 1");
    expect(error.file).toBe(path);
  });

  it("an axis of length 0 holds no image", async () => {
    for (const [axes, name] of [[[4, 0], "NAXIS2 = 0"], [[0, 3, 2], "NAXIS1 = 0"], [[2, 2, 0, 1], "NAXIS3 = 0"]] as const) {
      const path = write(headerBytes(primaryCards(-32, [...axes])));
      const error = await fitsError(FitsImage.open(path));
      expect(error.code).toBe("NO_IMAGE");
      expect(error.message).toContain(name);
      expect(error.file).toBe(path);
    }
  });

  it("imageShape on its own", () => {
    const info = (axes: number[]): HduInfo => ({
      kind: "primary", bitpix: -32, axes, pcount: 0, gcount: 1, dataBytes: 0, paddedDataBytes: 0, bscale: 1, bzero: 0,
    });
    expect(imageShape(info([5, 4, 3]))).toEqual({ naxis: 3, width: 5, height: 4, depth: 3, stokes: 1 });
    expect(imageShape(info([5, 4, 3, 2, 1, 1, 1]))).toEqual({ naxis: 4, width: 5, height: 4, depth: 3, stokes: 2 });
    expect(() => imageShape(info([]), "x.fits")).toThrow(/NAXIS = 0 is not supported/);
    expect(() => imageShape(info([5, 4, 3, 2, 1, 3]))).toThrow(/NAXIS6 = 3/);
  });
});

describe("open: data-size errors", () => {
  it("truncated data names the expected and actual byte counts", async () => {
    const raw = fill(-32, 10 * 10, 5);
    const data = dataBytes(raw, -32, false).subarray(0, 100);
    const path = write(concat([headerBytes(primaryCards(-32, [10, 10])), data]));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("TRUNCATED_DATA");
    expect(error.message).toContain("400 bytes");
    expect(error.message).toContain("holds 100");
    expect(error.file).toBe(path);
  });

  it("truncated data in an extension", async () => {
    const path = write(
      concat([headerBytes(primaryCards(8, [])), headerBytes(extensionCards(16, [20, 10])), dataBytes(fill(16, 150, 1), 16, false)]),
    );
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("TRUNCATED_DATA");
    expect(error.message).toContain("needs 400 bytes");
    expect(error.message).toContain("holds 300");
    expect(error.file).toBe(path);
  });

  it("a header with no data at all after it", async () => {
    const path = write(headerBytes(primaryCards(16, [3, 3])));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("TRUNCATED_DATA");
    expect(error.message).toContain("needs 18 bytes of data but the file holds 0");
  });

  it("a header claiming 4 TB is refused at open without allocating", async () => {
    const path = write(headerBytes(primaryCards(-32, [1000000, 1000000])));
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const error = await fitsError(FitsImage.open(path));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect(error.code).toBe("TRUNCATED_DATA");
    expect(error.message).toContain("needs 4000000000000 bytes");
    expect(error.message).toContain("holds 0");
    expect(error.file).toBe(path);
  });

  it("a header claiming more data than any file can hold (NAXIS1 = NAXIS2 = 1000000000)", async () => {
    const path = write(headerBytes(primaryCards(-32, [1000000000, 1000000000])));
    const started = performance.now();
    const error = await fitsError(FitsImage.open(path));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(["BAD_KEYWORD", "TRUNCATED_DATA"]).toContain(error.code);
    expect(error.message).toContain("4000000000000000000 bytes");
    expect(error.file).toBe(path);
  });

  it("a directory", async () => {
    const error = await fitsError(FitsImage.open(tmp.dir));
    expect(error.code).toBe("IO");
    expect(error.message).toContain("directory");
    expect(error.file).toBe(tmp.dir);
  });

  it("a missing path", async () => {
    const path = tmp.file("does-not-exist.fits");
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("IO");
    expect(error.message).toContain("no such file");
    expect(error.file).toBe(path);
    expect(error.describe()).toBe(`${path}: no such file`);
  });

  it("trailing junk after the last HDU is tolerated", async () => {
    const raw = fill(16, 12, 9);
    const image = concat([headerBytes(primaryCards(16, [4, 3])), dataBytes(raw, 16)]);
    for (const junk of [new Uint8Array(17).fill(0x41), new Uint8Array(5000).fill(0), new Uint8Array(2880).fill(0x20)]) {
      await withImage(write(concat([image, junk])), async (img) => expectValues(await img.readPlane(0), physical(raw, 16)));
    }
  });

  it("exposes header, info and compressed", async () => {
    const raw = fill(-32, 6, 1);
    const path = imageFile(-32, [3, 2], raw, [card("OBJECT  = 'M31'"), valueCard("BUNIT", "'Jy/beam'")]);
    await withImage(path, async (image) => {
      expect(image.path).toBe(path);
      expect(image.compressed).toBe(false);
      expect(image.header.string("OBJECT")).toBe("M31");
      expect(image.info.axes).toEqual([3, 2]);
      expect(image.hdu.index).toBe(0);
      expect(image.hdu.dataStart).toBe(2880);
    });
  });
});

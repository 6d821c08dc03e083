/**
 * Byte sources (plain files read at any offset, gzip decompressed as a stream) and FitsImage on
 * gzip input, against files written here with an independent writer and zlib.gzipSync.
 */
import { existsSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { fitsError } from "../helpers/fits-error.js";
import { FitsImage } from "../../src/fits/image.js";
import { openSource, type ByteSource } from "../../src/fits/source.js";
import { card, concat, dataBytes, extensionCards, headerBytes, mulberry32, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-source-test-");
afterAll(() => tmp.cleanup());

let serial = 0;
function write(bytes: Uint8Array, name = `source-${serial++}.fits`): string {
  return tmp.write(name, bytes);
}


/** Equal value by value (NaN equals NaN), reporting the first difference. */
function expectValues(actual: Float32Array, expected: ArrayLike<number>, what = "values"): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)))) expect.fail(`${what}: value ${i} is ${a}, expected ${e}`);
  }
}

function expectBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const first = actual.findIndex((b, i) => b !== expected[i]);
  expect(first, `${what}: first differing byte`).toBe(-1);
}

async function withSource<T>(path: string, use: (source: ByteSource) => Promise<T>): Promise<T> {
  const source = await openSource(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

async function withImage<T>(spec: string, use: (image: FitsImage) => Promise<T>): Promise<T> {
  const image = await FitsImage.open(spec);
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}

/** Pseudo-random bytes (poorly compressible, so gzip streams are several chunks long). */
function noise(n: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
}

// A 3-D BITPIX 16 cube with scaling and BLANK, 40x30x6: 14 400 bytes of data.
const [W, H, D] = [40, 30, 6];
const RAW = (() => {
  const random = mulberry32(11);
  return Array.from({ length: W * H * D }, (_, i) => (i % 97 === 0 ? -32768 : Math.floor(random() * 65536) - 32768));
})();
const EXPECTED = Float32Array.from(RAW, (r) => (r === -32768 ? NaN : Math.fround(r * 0.125 + 32768)));
const CUBE = concat([
  headerBytes(primaryCards(16, [W, H, D], [valueCard("BSCALE", "0.125"), valueCard("BZERO", "32768"), valueCard("BLANK", "-32768")])),
  dataBytes(RAW, 16),
]);
const plainCube = write(CUBE, "cube.fits");
const gzipCube = write(gzipSync(CUBE), "cube.fits.gz");
const plane = (p: number) => EXPECTED.subarray(p * W * H, (p + 1) * W * H);

describe("plain file source", () => {
  const bytes = noise(10_000, 1);
  const path = write(bytes, "noise.bin");

  it("reads at any offset, short at the end", async () => {
    await withSource(path, async (source) => {
      expect(source.compressed).toBe(false);
      expect(source.size).toBe(10_000);
      expect(source.path).toBe(path);
      expectBytes(await source.read(0, 100), bytes.subarray(0, 100), "start");
      expectBytes(await source.read(5000, 1234), bytes.subarray(5000, 6234), "middle");
      expectBytes(await source.read(10, 5), bytes.subarray(10, 15), "backwards");
      expectBytes(await source.read(9990, 100), bytes.subarray(9990), "across the end");
      expect((await source.read(10_000, 10)).length).toBe(0);
      expect((await source.read(20_000, 10)).length).toBe(0);
    });
  });

  it("reads into a given array", async () => {
    await withSource(path, async (source) => {
      const into = new Uint8Array(50);
      const got = await source.read(300, 50, into);
      expect(got).toBe(into);
      expectBytes(into, bytes.subarray(300, 350), "into");
      const short = await source.read(9980, 50, into);
      expect(short.buffer).toBe(into.buffer);
      expectBytes(short, bytes.subarray(9980), "short into");
    });
  });

  it("a missing path", async () => {
    const missing = tmp.file("nope.fits");
    const error = await fitsError(openSource(missing));
    expect(error.code).toBe("IO");
    expect(error.message).toBe("no such file");
    expect(error.file).toBe(missing);
  });

  it("a directory", async () => {
    const error = await fitsError(openSource(tmp.dir));
    expect(error.code).toBe("IO");
    expect(error.message).toBe("is a directory, not a FITS file");
    expect(error.file).toBe(tmp.dir);
  });

  it("a file of one byte is a plain file", async () => {
    await withSource(write(new Uint8Array([0x1f]), "one-byte"), async (source) => {
      expect(source.compressed).toBe(false);
      expect(source.size).toBe(1);
      expectBytes(await source.read(0, 10), new Uint8Array([0x1f]), "one byte");
    });
  });
});

describe("gzip source", () => {
  // 3 MB of noise: the decompressed stream arrives in many chunks.
  const bytes = noise(3_000_000, 2);
  const path = write(gzipSync(bytes), "noise.gz");

  it("is recognised by its magic bytes, not its name", async () => {
    await withSource(path, async (source) => {
      expect(source.compressed).toBe(true);
      expect(source.size).toBeUndefined();
    });
    await withSource(write(gzipSync(bytes.subarray(0, 1000)), "gzip-named.fits"), async (source) => {
      expect(source.compressed).toBe(true);
      expectBytes(await source.read(0, 1000), bytes.subarray(0, 1000), "gzip named .fits");
    });
    await withSource(write(bytes.subarray(2, 1002), "plain.fits.gz"), async (source) => {
      expect(source.compressed).toBe(false);
    });
  });

  it("reads forwards, backwards, overlapping and past the end", async () => {
    await withSource(path, async (source) => {
      const reads: Array<[number, number]> = [
        [0, 2880],
        [2880, 100_000],
        [1_500_000, 70_000],
        [1_000, 10], // backwards: restarts the stream
        [1_005, 20], // overlapping the previous read, forwards
        [1_010, 5], // backwards by a little
        [2_999_000, 5_000], // across the end
        [2_000_000, 1_000_000],
        [3_000_000, 10],
        [4_000_000, 10],
        [0, 3_000_000],
      ];
      for (const [position, length] of reads) {
        const end = Math.min(position + length, bytes.length);
        expectBytes(await source.read(position, length), bytes.subarray(Math.min(position, end), end), `read ${position}+${length}`);
      }
    });
  });

  it("knows its size only once the end of the stream has been reached", async () => {
    await withSource(path, async (source) => {
      expect(source.size).toBeUndefined();
      await source.read(2_000_000, 10);
      expect(source.size).toBeUndefined();
      expect((await source.read(3_500_000, 10)).length).toBe(0);
      expect(source.size).toBe(3_000_000);
      expectBytes(await source.read(5, 5), bytes.subarray(5, 10), "back after the end");
      expect(source.size).toBe(3_000_000);
    });
  });

  it("reads into a given array", async () => {
    await withSource(path, async (source) => {
      const into = new Uint8Array(4096);
      expect(await source.read(123_456, 4096, into)).toBe(into);
      expectBytes(into, bytes.subarray(123_456, 127_552), "into");
    });
  });

  it("concatenated gzip members are one stream", async () => {
    const multi = write(concat([gzipSync(bytes.subarray(0, 5000)), gzipSync(bytes.subarray(5000, 9000))]), "members.gz");
    await withSource(multi, async (source) => {
      expectBytes(await source.read(0, 10_000), bytes.subarray(0, 9000), "two members");
    });
  });

  it("garbage after the gzip magic is a corrupt-gzip error", async () => {
    const garbage = write(concat([new Uint8Array([0x1f, 0x8b]), noise(5000, 3)]), "garbage.fits.gz");
    await withSource(garbage, async (source) => {
      const error = await fitsError(source.read(0, 2880));
      expect(error.code).toBe("CORRUPT_GZIP");
      expect(error.message).toMatch(/^gzip data is corrupt: /);
      expect(error.file).toBe(garbage);
    });
  });

  it("truncated gzip data is a corrupt-gzip error once the stream runs out", async () => {
    const compressed = gzipSync(bytes);
    const half = Math.floor(compressed.length / 2);
    const cut = write(compressed.subarray(0, half), "cut.gz");
    const message = `gzip data is truncated: the file ends inside the deflate data of gzip member 1 (which starts at byte 10), after ${half - 10} bytes`;
    await withSource(cut, async (source) => {
      expectBytes(await source.read(0, 1000), bytes.subarray(0, 1000), "before the cut");
      const error = await fitsError(source.read(1000, 3_000_000));
      expect(error.code).toBe("CORRUPT_GZIP");
      expect(error.message).toBe(message);
      expect(error.file).toBe(cut);
      // The same error again on a second try, not a short read of a stream that broke.
      const again = await fitsError(source.read(2_000_000, 100));
      expect(again.message).toBe(message);
      expectBytes(await source.read(10, 10), bytes.subarray(10, 20), "going back after the error");
    });
  });

  it("does not leak file descriptors when going back and closing", async () => {
    const fds = (): number => readdirSync("/proc/self/fd").length;
    if (!existsSync("/proc/self/fd")) return;
    // Descriptors of the tests before may still be closing (asynchronously): let them settle.
    let before = fds();
    for (let wait = 0; wait < 10; wait++) {
      await sleep(20);
      const now = fds();
      if (now === before) break;
      before = now;
    }
    for (let round = 0; round < 3; round++) {
      const source = await openSource(path);
      for (let i = 0; i < 10; i++) {
        // Forward a little, then back to the start: each going back restarts the stream.
        expectBytes(await source.read(200_000 + i, 8), bytes.subarray(200_000 + i, 200_008 + i), `round ${round} read ${i}`);
        expectBytes(await source.read(i, 8), bytes.subarray(i, i + 8), `round ${round} back ${i}`);
      }
      await source.close();
    }
    // Closing a stream's descriptor is asynchronous: give it a moment.
    for (let wait = 0; wait < 50 && fds() > before; wait++) await sleep(20);
    expect(fds()).toBe(before);
  });
});

describe("FitsImage on gzip input", () => {
  it("reads the same values as the plain file, planes in order", async () => {
    await withImage(plainCube, async (image) => {
      expect(image.compressed).toBe(false);
      expectValues(await image.readPlanes(0, D), EXPECTED, "plain cube");
    });
    await withImage(gzipCube, async (image) => {
      expect(image.compressed).toBe(true);
      expect(image.shape).toEqual({ naxis: 3, width: W, height: H, depth: D, stokes: 1 });
      expect(image.scaling).toEqual({ bscale: 0.125, bzero: 32768, blank: -32768n });
      expectValues(await image.readPlanes(0, D), EXPECTED, "gzip cube");
      for (let p = 0; p < D; p++) expectValues(await image.readPlanes(p, 1), plane(p), `plane ${p}`);
    });
  });

  it("reads planes out of order (going back restarts the stream)", async () => {
    await withImage(gzipCube, async (image) => {
      for (const p of [3, 0, 5, 5, 1, 4, 2, 0]) expectValues(await image.readPlane(p), plane(p), `plane ${p}`);
      const out = new Float32Array(3 * W * H + 5).fill(9);
      await image.readPlanes(2, 3, out, 5);
      expectValues(out.subarray(0, 5), [9, 9, 9, 9, 9], "before the offset");
      expectValues(out.subarray(5), EXPECTED.subarray(2 * W * H, 5 * W * H), "planes 2..4");
    });
  });

  it("concurrent reads on one image (plain and gzip) each get their own planes", async () => {
    for (const path of [plainCube, gzipCube]) {
      await withImage(path, async (image) => {
        const order = [4, 1, 5, 0, 3, 2, 1];
        const planes = await Promise.all(order.map((p) => image.readPlane(p)));
        order.forEach((p, i) => expectValues(planes[i]!, plane(p), `${path} plane ${p}`));
        const t = { x: 3, y: 2, width: 7, height: 5, firstPlane: 2, planeCount: 2 };
        const [tile, whole] = await Promise.all([image.readTile(t), image.readPlanes(0, D)]);
        expectValues(whole, EXPECTED, `${path} whole cube`);
        expect(tile[0]).toBe(EXPECTED[(2 * H + 2) * W + 3]);
      });
    }
  });

  it("reads tiles, full and partial width, in any order", async () => {
    const windows = [
      { x: 5, y: 7, width: 10, height: 9, firstPlane: 4, planeCount: 2 },
      { x: 0, y: 0, width: W, height: 3, firstPlane: 1, planeCount: 2 },
      { x: W - 1, y: H - 1, width: 1, height: 1, firstPlane: 0, planeCount: D },
      { x: 0, y: 10, width: W, height: H - 10, firstPlane: 5, planeCount: 1 },
    ];
    await withImage(gzipCube, async (image) => {
      for (const t of windows) {
        const expected: number[] = [];
        for (let p = 0; p < t.planeCount; p++) {
          for (let y = 0; y < t.height; y++) {
            for (let x = 0; x < t.width; x++) expected.push(EXPECTED[((t.firstPlane + p) * H + t.y + y) * W + t.x + x]!);
          }
        }
        expectValues(await image.readTile(t), expected, `tile ${JSON.stringify(t)}`);
      }
    });
  });

  it("selects extensions inside gzip", async () => {
    const sci2 = [1.5, -2.5, NaN, Infinity];
    const bytes = concat([
      headerBytes(primaryCards(8, [])),
      headerBytes(extensionCards(8, [8, 2], [valueCard("TFIELDS", "1"), card("TFORM1  = '2E      '")], "BINTABLE")),
      dataBytes(Array.from({ length: 16 }, (_, i) => i), 8),
      headerBytes(extensionCards(16, [3, 1], [card("EXTNAME = 'SCI'")])),
      dataBytes([-1, 0, 1], 16),
      headerBytes(extensionCards(-32, [2, 2], [card("EXTNAME = 'SCI'"), valueCard("EXTVER", "2")])),
      dataBytes(sci2, -32),
    ]);
    const path = write(gzipSync(bytes), "multi.fits.gz");
    await withImage(path, async (image) => {
      expect(image.hdu.index).toBe(2);
      expectValues(await image.readPlane(0), [-1, 0, 1]);
    });
    await withImage(`${path}[SCI,2]`, async (image) => {
      expect(image.hdu.index).toBe(3);
      expectValues(await image.readPlane(0), sci2);
    });
    await withImage(`${path}[3]`, async (image) => expectValues(await image.readPlane(0), sci2));
    const beyond = await fitsError(FitsImage.open(`${path}[7]`));
    expect(beyond.code).toBe("HDU_NOT_FOUND");
    expect(beyond.message).toBe("HDU 7 not found (the file has 4 HDUs)");
    expect(beyond.file).toBe(path);
    const table = await fitsError(FitsImage.open(`${path}[1]`));
    expect(table.code).toBe("NO_IMAGE");
    expect(table.file).toBe(path);
  });

  it("truncated gzip data", async () => {
    const compressed = gzipSync(CUBE);
    const path = write(compressed.subarray(0, Math.floor(compressed.length * 0.6)), "cut.fits.gz");
    const image = await FitsImage.open(path); // the header is in the part that is left
    try {
      expectValues(await image.readPlane(0), plane(0), "plane 0, before the cut");
      const error = await fitsError(image.readPlanes(0, D));
      expect(["CORRUPT_GZIP", "TRUNCATED_DATA"]).toContain(error.code);
      expect(error.message).toMatch(/^(gzip data is truncated: |truncated data: )/);
      expect(error.file).toBe(path);
    } finally {
      await image.close();
    }
  });

  it("a complete gzip of a FITS file whose data is cut short", async () => {
    const cut = CUBE.subarray(0, 2880 + 5000);
    const path = write(gzipSync(cut), "short-data.fits.gz");
    await withImage(path, async (image) => {
      expectValues(await image.readPlane(0), plane(0), "plane 0 is complete");
      const error = await fitsError(image.readPlanes(0, D));
      expect(error.code).toBe("TRUNCATED_DATA");
      expect(error.message).toBe(`truncated data: the header needs ${W * H * D * 2} bytes of data but the file holds 5000`);
      expect(error.file).toBe(path);
    });
  });

  it("a gzip whose header claims 4 TB: tiles fail on the missing data without sizing buffers by the header", async () => {
    const bytes = concat([headerBytes(primaryCards(-32, [1000000, 1000000])), dataBytes([1, 2, 3, 4], -32)]);
    const path = write(gzipSync(bytes), "huge-claim.fits.gz");
    // The size of a gzip stream is not known without decompressing it all, so open succeeds.
    const image = await FitsImage.open(path);
    try {
      expect(image.shape).toEqual({ naxis: 2, width: 1000000, height: 1000000, depth: 1, stokes: 1 });
      expectValues(await image.readTile({ x: 0, y: 0, width: 4, height: 1, firstPlane: 0, planeCount: 1 }), [1, 2, 3, 4]);
      const before = process.memoryUsage().arrayBuffers;
      const error = await fitsError(image.readTile({ x: 10, y: 5, width: 3, height: 3, firstPlane: 0, planeCount: 1 }));
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
      expect(error.code).toBe("TRUNCATED_DATA");
      expect(error.message).toBe("truncated data: the header needs 4000000000000 bytes of data but the file holds 2880");
      expect(error.file).toBe(path);
    } finally {
      await image.close();
    }
  });

  it("garbage gzip", async () => {
    const path = write(concat([new Uint8Array([0x1f, 0x8b, 8, 0]), noise(3000, 4)]), "garbage.fits.gz");
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("CORRUPT_GZIP");
    expect(error.message).toMatch(/^gzip data is (corrupt|truncated): /);
    expect(error.file).toBe(path);
  });

  it("an empty gzip stream is an empty file", async () => {
    const path = write(gzipSync(new Uint8Array(0)), "empty.fits.gz");
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NOT_FITS");
    expect(error.message).toBe("not a FITS file: the file is empty");
    expect(error.file).toBe(path);
  });
});

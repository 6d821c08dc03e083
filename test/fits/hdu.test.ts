/**
 * HDU navigation (selectImageHdu, the `[..]` suffix of a path and the `{hdu}` option) and the
 * errors of reading headers, on files written here with an independent writer.
 */
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { FitsError } from "../../src/fits/errors.js";
import { fitsError } from "../helpers/fits-error.js";
import { parseHduSelector, parseHduSuffix, selectImageHdu, type HduSelector } from "../../src/fits/hdu.js";
import { FitsImage } from "../../src/fits/image.js";
import { openSource } from "../../src/fits/source.js";
import { card, concat, dataBytes, extensionCards, headerBytes, primaryCards, tempFolder, valueCard } from "../helpers/fixtures.js";

const tmp = tempFolder("fits2idia-hdu-test-");
afterAll(() => tmp.cleanup());

let serial = 0;
function write(bytes: Uint8Array, name = `hdu-${serial++}.fits`): string {
  return tmp.write(name, bytes);
}


function syncFitsError(fn: () => unknown): FitsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FitsError);
    return error as FitsError;
  }
  return expect.fail("expected a FitsError");
}

/** Open, and report which HDU was chosen and its first plane. */
async function chosen(spec: string, hdu?: HduSelector): Promise<{ index: number; extname?: string; plane: number[] }> {
  const image = await FitsImage.open(spec, hdu === undefined ? {} : { hdu });
  try {
    const plane = Array.from(await image.readPlanes(0, 1));
    return { index: image.hdu.index, ...(image.info.extname !== undefined && { extname: image.info.extname }), plane };
  } finally {
    await image.close();
  }
}

const extname = (name: string) => card(`EXTNAME = '${name}'`);
const extver = (v: number) => valueCard("EXTVER", String(v));

// HDU 0: empty primary; 1: BINTABLE 'TABLE'; 2: IMAGE SCI v1 (16-bit 4x3); 3: IMAGE ERR
// (-32 4x3); 4: IMAGE SCI v2 (32-bit 2x2x2); 5: IMAGE 'EMPTY' with NAXIS = 0.
const SCI1 = Array.from({ length: 12 }, (_, i) => 100 + i);
const ERR = Array.from({ length: 12 }, (_, i) => -0.5 * i);
const SCI2 = [7, 8, 9, 10, 11, 12, 13, 14];
const MULTI = concat([
  headerBytes(primaryCards(8, [], [valueCard("EXTEND", "T")])),
  headerBytes(extensionCards(8, [8, 3], [valueCard("TFIELDS", "1"), card("TFORM1  = '2E      '"), extname("TABLE")], "BINTABLE")),
  dataBytes(Array.from({ length: 24 }, (_, i) => i), 8),
  headerBytes(extensionCards(16, [4, 3], [extname("SCI"), extver(1)])),
  dataBytes(SCI1, 16),
  headerBytes(extensionCards(-32, [4, 3], [extname("ERR")])),
  dataBytes(ERR, -32),
  headerBytes(extensionCards(32, [2, 2, 2], [extname("SCI"), extver(2)])),
  dataBytes(SCI2, 32),
  headerBytes(extensionCards(8, [], [extname("EMPTY")])),
]);
const multi = write(MULTI, "multi.fits");

describe("parseHduSuffix and parseHduSelector", () => {
  it("splits the suffix off", () => {
    expect(parseHduSuffix("a.fits")).toEqual({ path: "a.fits" });
    expect(parseHduSuffix("/d/a.fits[2]")).toEqual({ path: "/d/a.fits", selector: 2 });
    expect(parseHduSuffix("a.fits[0]")).toEqual({ path: "a.fits", selector: 0 });
    expect(parseHduSuffix("a.fits[SCI]")).toEqual({ path: "a.fits", selector: { extname: "SCI" } });
    expect(parseHduSuffix("a.fits[ sci , 3 ]")).toEqual({ path: "a.fits", selector: { extname: "sci", extver: 3 } });
    expect(parseHduSuffix("a.fits.gz[SCI,2]")).toEqual({ path: "a.fits.gz", selector: { extname: "SCI", extver: 2 } });
  });

  it("leaves brackets that are not a final suffix alone", () => {
    expect(parseHduSuffix("dir[1]/a.fits")).toEqual({ path: "dir[1]/a.fits" });
    expect(parseHduSuffix("a.fits[]")).toEqual({ path: "a.fits[]" });
    expect(parseHduSuffix("a[1].fits")).toEqual({ path: "a[1].fits" });
  });

  it("refuses malformed selectors", () => {
    for (const text of ["SCI,2,3", "SCI,x", ",2", "SCI,-1", " , "]) {
      const error = syncFitsError(() => parseHduSelector(text));
      expect(error.code).toBe("HDU_NOT_FOUND");
      expect(error.message).toContain(`invalid HDU selector '[${text}]'`);
    }
    expect(parseHduSelector(" 12 ")).toBe(12);
    expect(parseHduSelector("SCI,0")).toEqual({ extname: "SCI", extver: 0 });
  });
});

describe("HDU navigation", () => {
  it("an empty primary then extensions: the first IMAGE extension, skipping a BINTABLE", async () => {
    expect(await chosen(multi)).toEqual({ index: 2, extname: "SCI", plane: SCI1 });
  });

  it("by index", async () => {
    expect(await chosen(`${multi}[2]`)).toEqual({ index: 2, extname: "SCI", plane: SCI1 });
    expect(await chosen(`${multi}[3]`)).toEqual({ index: 3, extname: "ERR", plane: ERR });
    expect(await chosen(`${multi}[4]`)).toEqual({ index: 4, extname: "SCI", plane: SCI2.slice(0, 4) });
  });

  it("by EXTNAME and EXTVER (EXTNAME case-insensitive, EXTVER 1 by default)", async () => {
    expect((await chosen(`${multi}[SCI]`)).index).toBe(2);
    expect((await chosen(`${multi}[SCI,1]`)).index).toBe(2);
    expect(await chosen(`${multi}[SCI,2]`)).toEqual({ index: 4, extname: "SCI", plane: SCI2.slice(0, 4) });
    expect(await chosen(`${multi}[sci,2]`)).toEqual({ index: 4, extname: "SCI", plane: SCI2.slice(0, 4) });
    expect(await chosen(`${multi}[ERR]`)).toEqual({ index: 3, extname: "ERR", plane: ERR });
    expect((await chosen(`${multi}[ERR,1]`)).index).toBe(3);
  });

  it("the {hdu} option overrides the suffix", async () => {
    expect((await chosen(`${multi}[2]`, 4)).index).toBe(4);
    expect((await chosen(`${multi}[SCI]`, { extname: "ERR" })).index).toBe(3);
    expect((await chosen(multi, { extname: "SCI", extver: 2 })).index).toBe(4);
    expect((await chosen(multi, 3)).index).toBe(3);
  });

  it("a BINTABLE selected explicitly is not an image", async () => {
    for (const spec of [`${multi}[1]`, `${multi}[TABLE]`]) {
      const error = await fitsError(FitsImage.open(spec));
      expect(error.code).toBe("NO_IMAGE");
      expect(error.message).toBe("HDU 1 is a BINTABLE extension, not an image");
      expect(error.file).toBe(multi);
    }
  });

  it("HDUs without data selected explicitly", async () => {
    const primary = await fitsError(FitsImage.open(`${multi}[0]`));
    expect(primary.code).toBe("NO_IMAGE");
    expect(primary.message).toBe("HDU 0 holds no data (NAXIS = 0)");
    expect(primary.file).toBe(multi);
    const empty = await fitsError(FitsImage.open(multi, { hdu: { extname: "EMPTY" } }));
    expect(empty.code).toBe("NO_IMAGE");
    expect(empty.message).toBe("HDU 5 holds no data (NAXIS = 0)");
  });

  it("an HDU index beyond the file names the number of HDUs", async () => {
    const error = await fitsError(FitsImage.open(`${multi}[6]`));
    expect(error.code).toBe("HDU_NOT_FOUND");
    expect(error.message).toBe("HDU 6 not found (the file has 6 HDUs)");
    expect(error.file).toBe(multi);

    const single = write(concat([headerBytes(primaryCards(16, [2, 2])), dataBytes([1, 2, 3, 4], 16)]));
    const one = await fitsError(FitsImage.open(single, { hdu: 1 }));
    expect(one.code).toBe("HDU_NOT_FOUND");
    expect(one.message).toBe("HDU 1 not found (the file has 1 HDU)");
    expect(one.file).toBe(single);
  });

  it("an unknown EXTNAME or EXTVER", async () => {
    const name = await fitsError(FitsImage.open(`${multi}[NOPE]`));
    expect(name.code).toBe("HDU_NOT_FOUND");
    expect(name.message).toBe("no HDU with EXTNAME NOPE");
    expect(name.file).toBe(multi);
    const version = await fitsError(FitsImage.open(multi, { hdu: { extname: "SCI", extver: 3 } }));
    expect(version.code).toBe("HDU_NOT_FOUND");
    expect(version.message).toBe("no HDU with EXTNAME SCI,3");
  });

  it("a malformed selector names the file and the selector", async () => {
    const error = await fitsError(FitsImage.open(`${multi}[SCI,2,3]`));
    expect(error.code).toBe("HDU_NOT_FOUND");
    expect(error.message).toContain("invalid HDU selector '[SCI,2,3]'");
    expect(error.file).toBe(multi);
  });

  it("a negative or fractional index is refused", async () => {
    for (const hdu of [-1, 1.5]) {
      const error = await fitsError(FitsImage.open(multi, { hdu }));
      expect(error.code).toBe("HDU_NOT_FOUND");
      expect(error.message).toBe(`invalid HDU index ${hdu}`);
    }
  });

  it("a path that really ends in brackets and exists is opened as it is", async () => {
    const bytes = concat([headerBytes(primaryCards(16, [2, 1])), dataBytes([5, 6], 16)]);
    const odd = write(bytes, "odd.fits[1]");
    expect(await chosen(odd)).toEqual({ index: 0, plane: [5, 6] });
    // ... while the same name with a suffix that is not part of the file name selects an HDU.
    const error = await fitsError(FitsImage.open(`${odd}[1]`));
    expect(error.code).toBe("HDU_NOT_FOUND");
    expect(error.message).toBe("HDU 1 not found (the file has 1 HDU)");
    expect(error.file).toBe(odd);
  });

  it("a suffix on a missing file reports the missing file", async () => {
    const missing = tmp.file("missing.fits");
    const error = await fitsError(FitsImage.open(`${missing}[SCI]`));
    expect(error.code).toBe("IO");
    expect(error.message).toBe("no such file");
    expect(error.file).toBe(missing);
  });

  it("a primary image is used by default even when extensions follow", async () => {
    const path = write(
      concat([
        headerBytes(primaryCards(16, [2, 2])),
        dataBytes([1, 2, 3, 4], 16),
        headerBytes(extensionCards(-32, [2, 1], [extname("SCI")])),
        dataBytes([0.5, 1.5], -32),
      ]),
    );
    expect(await chosen(path)).toEqual({ index: 0, plane: [1, 2, 3, 4] });
    expect(await chosen(`${path}[1]`)).toEqual({ index: 1, extname: "SCI", plane: [0.5, 1.5] });
    expect(await chosen(`${path}[0]`)).toEqual({ index: 0, plane: [1, 2, 3, 4] });
  });

  it("a primary with an axis of length 0 holds no data: the first IMAGE extension is used", async () => {
    const path = write(
      concat([
        headerBytes(primaryCards(16, [0, 5])),
        headerBytes(extensionCards(16, [3, 0], [extname("ZERO")])),
        headerBytes(extensionCards(16, [2, 1], [extname("SCI")])),
        dataBytes([3, 4], 16),
      ]),
    );
    expect(await chosen(path)).toEqual({ index: 2, extname: "SCI", plane: [3, 4] });
  });

  it("only a BINTABLE after an empty primary: no image", async () => {
    const path = write(
      concat([
        headerBytes(primaryCards(8, [])),
        headerBytes(extensionCards(8, [4, 2], [valueCard("TFIELDS", "1"), card("TFORM1  = 'J       '")], "BINTABLE")),
        dataBytes([1, 2, 3, 4, 5, 6, 7, 8], 8),
      ]),
    );
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NO_IMAGE");
    expect(error.message).toContain("no IMAGE extension holds data");
    expect(error.file).toBe(path);
  });

  it("trailing junk after the last extension ends the list of HDUs", async () => {
    for (const junk of [new Uint8Array(100).fill(0x58), new Uint8Array(2880 * 2).fill(0), new Uint8Array(2880 * 3).fill(0x20)]) {
      const path = write(concat([MULTI, junk]));
      expect((await chosen(path)).index).toBe(2);
      expect((await chosen(`${path}[SCI,2]`)).index).toBe(4);
      const missing = await fitsError(FitsImage.open(`${path}[NOPE]`));
      expect(missing.code).toBe("HDU_NOT_FOUND");
      expect(missing.message).toBe("no HDU with EXTNAME NOPE");
      const beyond = await fitsError(FitsImage.open(`${path}[9]`));
      expect(beyond.code).toBe("HDU_NOT_FOUND");
      expect(beyond.message).toBe("HDU 9 not found (the file has 6 HDUs)");
    }
  });

  it("selectImageHdu on a source, with data offsets", async () => {
    const source = await openSource(multi);
    try {
      const hdu = await selectImageHdu(source, { extname: "ERR" });
      expect(hdu.index).toBe(3);
      // primary (1 block) + table (1 + 1) + SCI (1 + 1) + ERR header (1)
      expect(hdu.headerStart).toBe(5 * 2880);
      expect(hdu.dataStart).toBe(6 * 2880);
      expect(hdu.info.kind).toBe("image");
      expect(hdu.info.axes).toEqual([4, 3]);
      expect((await selectImageHdu(source)).index).toBe(2);
      expect((await selectImageHdu(source, 4)).dataStart).toBe(8 * 2880);
    } finally {
      await source.close();
    }
  });
});

describe("header errors", () => {
  it("an empty file is not FITS", async () => {
    const path = write(new Uint8Array(0));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NOT_FITS");
    expect(error.message).toBe("not a FITS file: the file is empty");
    expect(error.file).toBe(path);
  });

  it("a text file is not FITS", async () => {
    const path = write(new TextEncoder().encode("hello, this is not an image\n".repeat(200)));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NOT_FITS");
    expect(error.message).toBe("not a FITS file: it does not start with 'SIMPLE  ='");
    expect(error.file).toBe(path);
  });

  it("SIMPLE = F is not standard FITS", async () => {
    const path = write(concat([headerBytes([valueCard("SIMPLE", "F"), ...primaryCards(16, [1, 1]).slice(1)]), dataBytes([0], 16)]));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("NOT_FITS");
    expect(error.message).toContain("SIMPLE = F");
    expect(error.file).toBe(path);
  });

  it("a header cut short in its first block", async () => {
    const path = write(headerBytes(primaryCards(-32, [10, 10])).subarray(0, 1000));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("TRUNCATED_HEADER");
    expect(error.message).toContain("ends after 1000 bytes, before its END card");
    expect(error.file).toBe(path);
  });

  it("whole blocks of cards with no END, then the end of the file", async () => {
    // Two full blocks of cards: the header cannot end, so the file is cut short.
    const cards = [...primaryCards(-32, [10, 10])];
    while (cards.length < 72) cards.push(card(`COMMENT filler ${cards.length}`));
    const text = cards.join("");
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(bytes.length).toBe(5760);
    const path = write(bytes);
    const error = await fitsError(FitsImage.open(path));
    expect(["TRUNCATED_HEADER", "MISSING_END"]).toContain(error.code);
    expect(error.code).toBe("TRUNCATED_HEADER");
    expect(error.message).toContain("ends after 5760 bytes, before its END card");
    expect(error.file).toBe(path);
  });

  it("an extension header cut short", async () => {
    const ext = headerBytes(extensionCards(16, [2, 2], [extname("SCI")])).subarray(0, 400);
    const path = write(concat([headerBytes(primaryCards(8, [])), ext]));
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("TRUNCATED_HEADER");
    expect(error.message).toContain("HDU 1 header at byte 2880 ends after 400 bytes");
    expect(error.file).toBe(path);
  });

  it("a hostile header of many blocks without END is refused by the block limit", async () => {
    const block = new Uint8Array(2880).fill(0x20);
    const comment = Uint8Array.from(card("COMMENT no end in sight"), (c) => c.charCodeAt(0));
    for (let c = 0; c < 36; c++) block.set(comment, c * 80);
    const first = headerBytes(primaryCards(-32, [10, 10])).subarray(0, 2880).slice();
    first.fill(0x20, 4 * 80); // remove END: SIMPLE, BITPIX, NAXIS, NAXIS1 then blank cards
    const blocks = 10_050;
    const bytes = new Uint8Array(blocks * 2880);
    bytes.set(first, 0);
    for (let b = 1; b < blocks; b++) bytes.set(block, b * 2880);
    const path = tmp.file("hostile.fits");
    writeFileSync(path, bytes);
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("MISSING_END");
    expect(error.message).toContain("no END card in the first 10000 header blocks");
    expect(error.file).toBe(path);
  });

  it("the block limit also stops a small gzip that expands to a huge header", async () => {
    const block = new Uint8Array(2880).fill(0x20);
    const comment = Uint8Array.from(card("COMMENT no end"), (c) => c.charCodeAt(0));
    for (let c = 0; c < 36; c++) block.set(comment, c * 80);
    const first = Uint8Array.from(primaryCards(8, [1, 1]).join("").padEnd(2880), (c) => c.charCodeAt(0));
    // 10 500 blocks: 30 MB of header once decompressed, a few tens of kB compressed.
    const plain = new Uint8Array(10_500 * 2880);
    plain.set(first, 0);
    for (let b = 1; b < 10_500; b++) plain.set(block, b * 2880);
    const path = tmp.write("hostile.fits.gz", gzipSync(plain, { level: 1 }));
    const started = performance.now();
    const error = await fitsError(FitsImage.open(path));
    expect(error.code).toBe("MISSING_END");
    expect(error.message).toContain("10000 header blocks");
    expect(error.file).toBe(path);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

/**
 * An independent check of the tile-compressed reader against real fpack: the files under
 * test/fixtures/fpack were packed by fpack and unpacked by funpack (cfitsio 4.2.0, see the
 * README there); each .fz must decode bit for bit to funpack's image, with funpack's header.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FitsImage } from "../../../src/fits/image.js";
import { fitsError } from "../../helpers/fits-error.js";

const DIR = join(import.meta.dirname, "../../fixtures/fpack");

const FIXTURES = [
  "i16-rice",
  "i16-gzip2-tiles",
  "i16-nocompress",
  "i32-gzip1",
  "i32-rice-tiles",
  "u8-rice",
  "f32-dither1-rice",
  "f32-dither2-gzip2",
  "f32-nodither-gzip1",
  "f32-lossless-gzip1",
  "f64-dither1-rice",
];

/** The header's cards as text, without the checksums funpack writes afresh. */
function cards(image: FitsImage): string[] {
  return image.header.cards.filter((c) => c.keyword !== "CHECKSUM" && c.keyword !== "DATASUM").map((c) => `${c.keyword}=${c.valueText}`);
}

/**
 * The values' bits, every NaN as the canonical one: funpack writes null pixels as the NaN with
 * all bits set, the reader produces the canonical NaN; both are the same NaN to CARTA.
 */
function bitsOf(values: Float32Array): Uint32Array {
  const bits = new Uint32Array(values.length);
  const view = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) bits[i] = Number.isNaN(values[i]) ? 0x7fc00000 : view[i]!;
  return bits;
}

describe("fpack fixtures decode as funpack decodes them", () => {
  for (const name of FIXTURES) {
    it(name, async () => {
      const packed = await FitsImage.open(join(DIR, `${name}.fz`));
      const unpacked = await FitsImage.open(join(DIR, `${name}.funpack.fits`));
      try {
        expect(packed.tileCompressed).toBe(true);
        expect(packed.hdu.index).toBe(1);
        expect(packed.shape).toEqual(unpacked.shape);
        expect(packed.info.bitpix).toBe(unpacked.info.bitpix);
        expect(cards(packed)).toEqual(cards(unpacked));
        const a = await packed.readPlanes(0, packed.planeCount);
        const b = await unpacked.readPlanes(0, unpacked.planeCount);
        expect(bitsOf(a)).toEqual(bitsOf(b));
        // The table's own CHECKSUM and DATASUM, as fpack wrote them, hold.
        expect(packed.hasChecksums).toBe(true);
        expect((await packed.verifyChecksums()).problems).toEqual([]);
      } finally {
        await packed.close();
        await unpacked.close();
      }
    });
  }

  it("refuses HCOMPRESS_1 and PLIO_1, naming the algorithm", async () => {
    for (const [file, algorithm] of [["refused-hcompress.fz", "HCOMPRESS_1"], ["refused-plio.fz", "PLIO_1"]] as const) {
      const error = await fitsError(FitsImage.open(join(DIR, file)));
      expect(error.code).toBe("UNSUPPORTED_COMPRESSION");
      expect(error.describe()).toBe(`${join(DIR, file)}: tile compression ${algorithm} is not supported (RICE_1, GZIP_1, GZIP_2 and NOCOMPRESS are)`);
    }
  });
});

/** The image header a compressed-image table presents (cfitsio's fits_img_decompress_header). */
import { describe, expect, it } from "vitest";
import { compressedImageHeader } from "../../../src/fits/compressed/image-header.js";
import { compressionParameters } from "../../../src/fits/compressed/parameters.js";
import { parseHeaderBytes } from "../../../src/fits/header.js";
import { describeHdu } from "../../../src/fits/hdu-info.js";
import { card, headerBytes, valueCard } from "../../helpers/fixtures.js";

const table = [
  card("XTENSION= 'BINTABLE'"),
  valueCard("BITPIX", "8"),
  valueCard("NAXIS", "2"),
  valueCard("NAXIS1", "8"),
  valueCard("NAXIS2", "10"),
  valueCard("PCOUNT", "100"),
  valueCard("GCOUNT", "1"),
  valueCard("TFIELDS", "1"),
  card("TTYPE1  = 'COMPRESSED_DATA'"),
  card("TFORM1  = '1PB(40) '"),
  valueCard("ZIMAGE", "T"),
  valueCard("ZTILE1", "20"),
  valueCard("ZTILE2", "1"),
  card("ZCMPTYPE= 'RICE_1  '"),
  card("ZNAME1  = 'BLOCKSIZE'"),
  valueCard("ZVAL1", "16"),
];

function lines(cards: string[]): string[] {
  return compressedImageHeader(parseHeaderBytes(headerBytes(cards))).cards.map((c) => `${c.keyword}=${c.valueText}`);
}

describe("the image header of a compressed image", () => {
  it("an image extension (ZTENSION): mandatory keywords first, user EXTNAME kept, the table's keywords gone, ZHECKSUM/ZDATASUM restored", () => {
    const got = lines([
      ...table,
      card("EXTNAME = 'SCI     '"),
      card("ZTENSION= 'IMAGE   '"),
      valueCard("ZBITPIX", "16"),
      valueCard("ZNAXIS", "2"),
      valueCard("ZNAXIS1", "20"),
      valueCard("ZNAXIS2", "10"),
      valueCard("ZPCOUNT", "0"),
      valueCard("ZGCOUNT", "1"),
      card("BUNIT   = 'Jy      '"),
      card("LONGSTR = 'abc&'"),
      card("CONTINUE  'def'"),
      card("HISTORY made by a test"),
      card("ZHECKSUM= 'ABCDEFGHIJKLMNOP'"),
      card("ZDATASUM= '12345   '"),
      card("CHECKSUM= 'PONMLKJIHGFEDCBA'"),
      card("DATASUM = '999     '"),
    ]);
    expect(got).toEqual([
      "XTENSION='IMAGE   '",
      "BITPIX=16",
      "NAXIS=2",
      "NAXIS1=20",
      "NAXIS2=10",
      "PCOUNT=0",
      "GCOUNT=1",
      "EXTNAME='SCI     '",
      "BUNIT='Jy      '",
      "LONGSTR='abcdef'",
      "HISTORY=made by a test",
      "CHECKSUM='ABCDEFGHIJKLMNOP'",
      "DATASUM='12345   '",
    ]);
  });

  it("a primary image (ZSIMPLE): EXTNAME 'COMPRESSED_IMAGE' dropped, ZEXTEND restored", () => {
    const header = compressedImageHeader(
      parseHeaderBytes(
        headerBytes([
          ...table,
          card("EXTNAME = 'COMPRESSED_IMAGE'"),
          valueCard("ZSIMPLE", "T"),
          valueCard("ZBITPIX", "-32"),
          valueCard("ZNAXIS", "2"),
          valueCard("ZNAXIS1", "20"),
          valueCard("ZNAXIS2", "10"),
          valueCard("ZEXTEND", "T"),
          valueCard("CRVAL1", "1.5"),
        ]),
      ),
    );
    expect(header.cards.map((c) => c.keyword)).toEqual(["SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "CRVAL1"]);
    const info = describeHdu(header, { primary: true });
    expect(info).toMatchObject({ kind: "primary", bitpix: -32, axes: [20, 10] });
  });

  it("neither ZSIMPLE nor ZTENSION: a primary header from ZBITPIX and ZNAXISn, the Z-keywords dropped", () => {
    const header = compressedImageHeader(
      parseHeaderBytes(
        headerBytes([...table, valueCard("ZBITPIX", "32"), valueCard("ZNAXIS", "2"), valueCard("ZNAXIS1", "20"), valueCard("ZNAXIS2", "10"), card("ZHECKSUM= 'ABCDEFGHIJKLMNOP'"), valueCard("OBSRA", "10.5")]),
      ),
    );
    expect(header.cards.map((c) => c.keyword)).toEqual(["SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "OBSRA"]);
    expect(describeHdu(header, { primary: true })).toMatchObject({ bitpix: 32, axes: [20, 10] });
  });
});

describe("compression parameters", () => {
  const image = [valueCard("ZBITPIX", "16"), valueCard("ZNAXIS", "2"), valueCard("ZNAXIS1", "20"), valueCard("ZNAXIS2", "10")];
  const params = (cards: string[]) => compressionParameters(parseHeaderBytes(headerBytes(cards)), "x.fz");

  it("reads RICE_1's BLOCKSIZE by name and BYTEPIX's default, and the ZTILEn defaults", () => {
    const p = params([...table.filter((c) => !c.startsWith("ZTILE")), ...image]);
    expect(p).toMatchObject({ algorithm: "RICE_1", blockSize: 16, bytePix: 4, tile: [20, 1], tileCounts: [1, 10], quantization: "NONE", ditherSeed: 1 });
  });

  it("refuses a table whose rows are not one per tile, and unknown or unsupported algorithms", () => {
    expect(() => params([...table.map((c) => c.replace("NAXIS2  =                   10", "NAXIS2  =                    9")), ...image])).toThrow(/the table has 9 rows but the image has 10 tiles/);
    expect(() => params([...table.map((c) => c.replace("RICE_1  ", "LZMA_9  ")), ...image])).toThrow(/unknown tile compression ZCMPTYPE = 'LZMA_9'/);
    expect(() => params([...table.map((c) => c.replace("RICE_1  ", "BZIP2_1 ")), ...image])).toThrow(/tile compression BZIP2_1 is not supported/);
  });
});

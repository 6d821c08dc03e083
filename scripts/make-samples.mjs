#!/usr/bin/env node
// Makes the small sample FITS files in data/, reproducibly (a seeded generator, fixed headers):
//   npm run build && npm run make-samples
// Each sample is a sky-like image: a few Gaussian sources on noise, a spectral line that moves
// across the channels, a corner of NaN (blanked) pixels, and a real header with WCS keywords.
import { writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { formatCard, formatCommentary } from "../dist/fits/card-format.js";
import { encodeHeader, encodeValues, dataPadding } from "../dist/fits/writer.js";

const out = new URL("../data/", import.meta.url);
mkdirSync(out, { recursive: true });

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random) {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Float values of a width × height × depth × stokes sky, NaN in a blanked corner. */
function sky(width, height, depth, stokes, seed) {
  const random = mulberry32(seed);
  const values = new Float32Array(width * height * depth * stokes);
  const sources = Array.from({ length: 5 }, () => ({
    x: random() * width, y: random() * height, s: 2 + random() * 6, a: 0.5 + random() * 4,
  }));
  let i = 0;
  for (let w = 0; w < stokes; w++) {
    const polarisation = w === 0 ? 1 : 0.1 * (w + 1);
    for (let z = 0; z < depth; z++) {
      const line = Math.exp(-(((z - depth / 2) / Math.max(1, depth / 6)) ** 2));
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++, i++) {
          if (x + y < Math.min(width, height) / 8) { values[i] = NaN; continue; }
          let v = 0.01 * gaussian(random);
          for (const s of sources) {
            const r2 = ((x - s.x) ** 2 + (y - s.y) ** 2) / (2 * s.s * s.s);
            v += s.a * Math.exp(-r2) * (0.3 + line) * polarisation;
          }
          values[i] = v;
        }
      }
    }
  }
  return values;
}

function wcsCards(naxes) {
  const cards = [
    formatCard("SIMPLE", true, "conforms to FITS standard"),
    formatCard("BITPIX", -32, "array data type"),
    formatCard("NAXIS", naxes.length, "number of array dimensions"),
    ...naxes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
    formatCard("EXTEND", true),
    formatCard("BSCALE", 1.0),
    formatCard("BZERO", 0.0),
    formatCard("BMAJ", 0.0027777778, "[deg] beam major axis"),
    formatCard("BMIN", 0.0022222222, "[deg] beam minor axis"),
    formatCard("BPA", -12.5, "[deg] beam position angle"),
    formatCard("BTYPE", "Intensity"),
    formatCard("OBJECT", "SAMPLE FIELD"),
    formatCard("BUNIT", "Jy/beam", "brightness unit"),
    formatCard("EQUINOX", 2000.0),
    formatCard("RADESYS", "FK5"),
    formatCard("LONPOLE", 180.0),
    formatCard("LATPOLE", -30.0),
    formatCard("CTYPE1", "RA---SIN"),
    formatCard("CRVAL1", 201.365063),
    formatCard("CDELT1", -0.000555555556),
    formatCard("CRPIX1", naxes[0] / 2 + 1),
    formatCard("CUNIT1", "deg"),
    formatCard("CTYPE2", "DEC--SIN"),
    formatCard("CRVAL2", -43.0191125),
    formatCard("CDELT2", 0.000555555556),
    formatCard("CRPIX2", naxes[1] / 2 + 1),
    formatCard("CUNIT2", "deg"),
  ];
  if (naxes.length >= 3) {
    cards.push(
      formatCard("CTYPE3", "FREQ"),
      formatCard("CRVAL3", 1.4204057517e9),
      formatCard("CDELT3", 2.08984e4),
      formatCard("CRPIX3", 1.0),
      formatCard("CUNIT3", "Hz"),
      formatCard("SPECSYS", "LSRK"),
      formatCard("RESTFRQ", 1.420405751786e9, "rest frequency"),
    );
  }
  if (naxes.length >= 4) {
    cards.push(formatCard("CTYPE4", "STOKES"), formatCard("CRVAL4", 1.0), formatCard("CDELT4", 1.0), formatCard("CRPIX4", 1.0));
  }
  cards.push(
    formatCard("TELESCOP", "MeerKAT"),
    formatCard("OBSERVER", "fits2idia-ts"),
    formatCard("DATE-OBS", "2019-07-21T04:12:33.5"),
    formatCard("NCHAN", BigInt(naxes[2] ?? 1), "an integer beyond 32 bits follows"),
    formatCard("UVRANGE", 123456789012n, "[lambda] longest baseline, int64"),
    formatCard("ORIGIN", "fits2idia-ts make-samples: sky-like test data with sources on noise and a blanked corner, written reproducibly"),
    formatCommentary("COMMENT", "Sample data made by scripts/make-samples.mjs; not a real observation."),
    formatCommentary("HISTORY", "Generated with a seeded pseudo-random generator (mulberry32)."),
    formatCommentary("HISTORY", "Values are float32 Jy/beam; a corner is blanked with NaN."),
  );
  return cards;
}

function writeSample(name, naxes, seed, { gzip = false } = {}) {
  const [width, height, depth = 1, stokes = 1] = naxes;
  const values = sky(width, height, depth, stokes, seed);
  const data = encodeValues(values, -32);
  const bytes = Buffer.concat([encodeHeader(wcsCards(naxes)), data, dataPadding(data.length)]);
  const file = new URL(name, out);
  // zlib writes no timestamp into the gzip header, so the .gz is reproducible too.
  const written = gzip ? gzipSync(bytes, { level: 9 }) : bytes;
  writeFileSync(file, written);
  console.log(`${name}: ${naxes.join("x")} float32, ${written.length} bytes`);
}

writeSample("sample-image.fits", [300, 200], 1);
writeSample("sample-cube.fits", [200, 150, 16], 2);
writeSample("sample-stokes.fits", [140, 130, 6, 4], 3);
writeSample("sample-small-cube.fits.gz", [100, 80, 8], 4, { gzip: true });

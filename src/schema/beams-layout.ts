/**
 * A documented extension of the schema (docs/compatibility.md): the per-channel beams of a
 * multi-beam cube, kept under group `0` (every link at the file's root is an HDU in CARTA's
 * file browser; CARTA's HDF5 reader opens only the datasets it names, so an extra group under
 * `0` is harmless) as `0/Beams`, one row per row of the FITS BEAMS table, in its order:
 *
 * | path | type | shape |
 * |---|---|---|
 * | `0/Beams/BMAJ`, `BMIN`, `BPA` | float64 LE, degrees | `[rows]` |
 * | `0/Beams/CHAN`, `POL` | int64 LE | `[rows]` |
 *
 * with attributes NCHAN, NPOL (int64, the table's keywords), UNIT = 'deg', INPUT_HDU (the FITS
 * HDU the table came from) and MEDIAN_ROW (int64: the row whose beam group 0's BMAJ, BMIN, BPA
 * hold, the median-area beam; -1 when group 0's beam is the header's own or there is none).
 * CHAN indexes the spectral axis and POL the Stokes axis.
 */
import { IMAGE_GROUP, type DatasetType } from "./layout.js";

export const BEAMS_GROUP = `${IMAGE_GROUP}/Beams`;
export const BEAM_ANGLES = ["BMAJ", "BMIN", "BPA"] as const;
export const BEAM_INDICES = ["CHAN", "POL"] as const;

export interface BeamDataset {
  readonly path: string;
  readonly dtype: Exclude<DatasetType, "float32"> | "float64";
  readonly shape: readonly [number];
}

/** The datasets of a table of `rows` beams. */
export function beamDatasets(rows: number): BeamDataset[] {
  return [
    ...BEAM_ANGLES.map((name) => ({ path: `${BEAMS_GROUP}/${name}`, dtype: "float64" as const, shape: [rows] as const })),
    ...BEAM_INDICES.map((name) => ({ path: `${BEAMS_GROUP}/${name}`, dtype: "int64" as const, shape: [rows] as const })),
  ];
}

/** Every object path of the extension (absolute), for verify's "nothing the schema does not have". */
export const BEAM_PATHS: readonly string[] = [`/${BEAMS_GROUP}`, ...beamDatasets(0).map((d) => `/${d.path}`)];

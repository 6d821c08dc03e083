/**
 * Through the built command: a CASA multi-beam cube carrying a DSS-style non-standard card
 * converts (exit 0), `-p` names the card and says the cube has per-channel beams, and `verify`
 * with the FITS file passes (the 0/Beams extension included).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beamsTableHdu } from "../helpers/bintable.js";
import { card, concat, cubeFile, makeCube, tempFolder, valueCard } from "../helpers/fixtures.js";
import { buildCommand, cleanEnv, run, type BuiltCommand } from "../robustness/built-command.js";

const tmp = tempFolder();
let command: BuiltCommand;
beforeAll(() => {
  command = buildCommand("fits2idia-ts-beams-command");
}, 120_000);
afterAll(() => {
  command?.remove();
  tmp.cleanup();
});

describe("the command on a real-world multi-beam cube", () => {
  it("converts with warnings under -p, and verify passes", async () => {
    const rows = Array.from({ length: 5 }, (_, c) => ({ bmaj: 3 - 0.2 * c, bmin: 2 - 0.1 * c, bpa: 10 * c, chan: c, pol: 0 }));
    const extra = [
      valueCard("EXTEND", "T"),
      card("CASAMBM =                    T / CASA multiple BEAMS table present"),
      card("SKEW    = -1.3869888376036E+00, -1.6912592180432E+00"),
      card("BUNIT   = 'Jy/beam '"),
    ];
    const input = tmp.write("multibeam.fits", concat([cubeFile(makeCube(3, 5, 4, 5, 1, "random", 21), extra), beamsTableHdu(rows)]));
    const output = tmp.file("multibeam.hdf5");
    const env = cleanEnv(command);
    const converted = await run(command, ["-p", "--threads", "1", "-o", output, input], { env });
    expect(converted.code).toBe(0);
    expect(converted.stderr).toContain("Warning: header card 9 (SKEW): unparsable value '-1.3869888376036E+00, -1.6912592180432E+00'; kept as the text");
    expect(converted.stderr).toContain(
      "Warning: the cube has per-channel beams (BEAMS table, HDU 1, 5 rows, NCHAN × NPOL = 5 × 1), kept in 0/Beams; group 0's BMAJ, BMIN, BPA are the median-area beam (channel 2, polarization 0: 2.6\" × 1.8\", PA 20°)",
    );
    const verified = await run(command, ["verify", "--threads", "1", output, input], { env });
    expect(verified.stderr).toBe("");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^OK: /);
  }, 60_000);
});

/** `-` on the command line (src/cli/standard-streams.ts): standard input as the input, `-o -` refused. */
import { describe, expect, it } from "vitest";
import { commandInput, fitsArgument, type StandardInput } from "../../src/cli/standard-streams.js";
import { UsageError } from "../../src/cli/usage-error.js";

function fakeStdin(isTTY?: boolean): { stdin: () => StandardInput; opened: () => number } {
  let opened = 0;
  const stream: StandardInput = Object.assign((async function* () {})(), isTTY === undefined ? {} : { isTTY });
  return {
    stdin: () => {
      opened++;
      return stream;
    },
    opened: () => opened,
  };
}

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("no usage error");
}

describe("commandInput", () => {
  it("a path stays a path; standard input is not touched", () => {
    const s = fakeStdin();
    expect(commandInput({ input: "cube.fits", memory: false }, s.stdin)).toBe("cube.fits");
    expect(commandInput({ input: "./-", output: "x.hdf5", memory: false }, s.stdin)).toBe("./-");
    expect(s.opened()).toBe(0);
  });

  it("- with -o (or -m): standard input", () => {
    const s = fakeStdin(false);
    expect(commandInput({ input: "-", output: "x.hdf5", memory: false }, s.stdin)).toBe(s.stdin());
    expect(commandInput({ input: "-", memory: true }, s.stdin)).toBe(s.stdin());
  });

  it("- without -o, -o - for any input, and a terminal as standard input: usage errors", () => {
    const s = fakeStdin(true);
    expect(usageError(() => commandInput({ input: "-", memory: false }, s.stdin))).toBe(
      "reading standard input (-) needs -o: there is no input file name to name the output after",
    );
    for (const input of ["-", "cube.fits"]) {
      expect(usageError(() => commandInput({ input, output: "-", memory: false }, s.stdin))).toBe(
        "-o -: the output cannot be standard output, HDF5 needs a file it can seek in: give a file name",
      );
    }
    expect(usageError(() => commandInput({ input: "-", output: "x.hdf5", memory: false }, s.stdin))).toMatch(/^standard input \(-\) is a terminal: pipe a FITS file into it/);
    expect(usageError(() => fitsArgument("-", s.stdin))).toMatch(/^standard input \(-\) is a terminal/);
  });
});

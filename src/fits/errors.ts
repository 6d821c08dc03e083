/**
 * Typed FITS errors. Every error names the file (when known) and says what is wrong and
 * where, so that the command line can print it on one line.
 */

export type FitsErrorCode =
  | "NOT_FITS"
  | "TRUNCATED_HEADER"
  | "TRUNCATED_DATA"
  | "MISSING_END"
  | "BAD_KEYWORD"
  | "BAD_CARD"
  | "UNSUPPORTED_NAXIS"
  | "UNSUPPORTED_AXES"
  | "UNSUPPORTED_BITPIX"
  | "HDU_NOT_FOUND"
  | "NO_IMAGE"
  | "CHECKSUM"
  | "UNSUPPORTED_COMPRESSION"
  | "CORRUPT_DATA"
  /** A gzip file cut short, or failing its CRC-32 or size check (src/fits/gunzip.ts). */
  | "CORRUPT_GZIP"
  /** What a stream read once cannot give (the BEAMS table of a multi-beam cube read from standard input). */
  | "NEEDS_FILE"
  | "IO";

export class FitsError extends Error {
  override readonly name = "FitsError";
  readonly code: FitsErrorCode;
  /** The file the error is about, when known. */
  file: string | undefined;

  constructor(code: FitsErrorCode, message: string, file?: string) {
    super(message);
    this.code = code;
    this.file = file;
  }

  /** The message with the file named in front, for a one-line report. */
  describe(): string {
    return this.file === undefined ? this.message : `${this.file}: ${this.message}`;
  }

  /** Attach a file name to an error raised by code that did not know it. */
  withFile(file: string): this {
    if (this.file === undefined) this.file = file;
    return this;
  }
}

/** The header ended (end of file) before an END card was found or a block was complete. */
export function truncatedHeader(detail: string, file?: string): FitsError {
  return new FitsError("TRUNCATED_HEADER", `truncated header: ${detail}`, file);
}

/** The data unit is shorter than the header says. */
export function truncatedData(expected: number, actual: number, file?: string): FitsError {
  return new FitsError(
    "TRUNCATED_DATA",
    `truncated data: the header needs ${expected} bytes of data but the file holds ${actual}`,
    file,
  );
}

/** A mandatory keyword is missing or has a value of the wrong type or range. */
export function badKeyword(keyword: string, detail: string, file?: string): FitsError {
  return new FitsError("BAD_KEYWORD", `malformed mandatory keyword ${keyword}: ${detail}`, file);
}

/**
 * An option of the library API (or its environment variable) that has a value it cannot take:
 * `mode: "quick"`, `memoryLimit: -1`, `kernels: "gpu"`. A RangeError, as before, with the
 * option named and a stable `code` for callers that test for it.
 */
export class OptionError extends RangeError {
  override readonly name = "OptionError";
  readonly code = "BAD_OPTION";
  /** The option (or environment variable) at fault, e.g. "mode", "FITS2IDIA_KERNELS". */
  readonly option: string;
  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

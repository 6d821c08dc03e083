/** Verifying a conversion: the file's structure against the schema, and its values against its FITS file. */
export { verifyFile, describeShape, type VerifyOptions, type VerifyReport } from "./verify.js";
export { okLine, problemLines, provenanceText, warningLines } from "./format.js";
export type { Difference } from "./differences.js";

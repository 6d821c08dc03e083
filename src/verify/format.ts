/** The verdict of `verifyFile` as text for people: the one-line OK, the problems, the provenance. */
import { provenanceLines } from "../schema/provenance.js";
import { describeShape, type VerifyReport } from "./verify.js";

/** `OK: out.hdf5 (3-D 1024×1024×256, DATA equals in.fits (SHA-256 matches), 2148 MB checked in 3.10 s, 693 MB/s)`. */
export function okLine(report: VerifyReport, file = report.file): string {
  const parts: string[] = [];
  if (report.shape !== undefined) parts.push(describeShape(report.shape));
  parts.push(checkedText(report));
  parts.push(`${megabytes(report.bytesChecked)} MB checked in ${report.seconds.total.toFixed(2)} s, ${rate(report)} MB/s`);
  return `OK: ${file} (${parts.join(", ")})`;
}

/** One line per problem, then one saying what was checked, each starting `Error: `. */
export function problemLines(report: VerifyReport, file = report.file): string[] {
  const n = report.problems.length;
  return [
    ...report.problems.map((p) => `Error: ${p}`),
    `Error: ${file} failed verification: ${n} problem${n === 1 ? "" : "s"} (${checkedText(report)}, ${megabytes(report.bytesChecked)} MB checked in ${report.seconds.total.toFixed(2)} s)`,
  ];
}

/** One `Warning: …` line per warning (what CARTA shows differently, the conversion not at fault). */
export function warningLines(report: VerifyReport): string[] {
  return report.warnings.map((w) => `Warning: ${w}`);
}

/** `Provenance: NAME = value` lines, or one line saying there is none. */
export function provenanceText(report: VerifyReport): string[] {
  if (report.provenance === undefined) return ["Provenance: none recorded"];
  return provenanceLines(report.provenance).map((line) => `Provenance: ${line}`);
}

function checkedText(report: VerifyReport): string {
  switch (report.checked) {
    case "fits": {
      const sha = report.sha256 === "match" ? "SHA-256 matches" : report.sha256 === "mismatch" ? "SHA-256 differs" : "no SHA-256 recorded";
      return `values checked against ${report.fits ?? "the FITS file"} (${sha})`;
    }
    case "internal":
      return "values consistent with DATA (no FITS file given)";
    case "structure":
      return report.fits !== undefined && report.sha256 === "match" ? "structure only, SHA-256 of the FITS file matches" : "structure only";
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0);
}

function rate(report: VerifyReport): string {
  return report.seconds.total > 0 ? (report.bytesChecked / 1e6 / report.seconds.total).toFixed(0) : "-";
}

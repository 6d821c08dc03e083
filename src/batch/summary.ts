/**
 * The table printed at the end of a batch: one row per input in the batch's order (file, mode,
 * threads, time, input and output sizes, status), then the totals, then the warnings of each
 * conversion that had any (the status column only counts them). Plain text with aligned
 * columns, so that it reads in a terminal and in a Slurm log alike.
 */
import type { JobResult } from "./job.js";

const MB = 1e6;

function megabytes(bytes: number | undefined): string {
  if (bytes === undefined) return "-";
  return bytes >= 100 * MB ? `${(bytes / MB).toFixed(0)} MB` : `${(bytes / MB).toFixed(1)} MB`;
}

function statusText(result: JobResult): string {
  const detail = result.detail !== undefined ? `: ${result.detail}` : "";
  if (result.status === "failed") return `FAILED${detail}`;
  if (result.status === "skipped") return "skipped (output verified)";
  return `converted${detail}`;
}

/** Rows of text cells, padded into columns (the last column is not padded). */
export function formatTable(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

export function summaryTable(results: readonly JobResult[], seconds: number): string {
  const header = ["file", "mode", "threads", "time", "input", "output", "status"];
  const rows = results.map((r) => [
    r.input,
    r.mode ?? "-",
    r.threads !== undefined ? String(r.threads) : "-",
    r.status === "failed" ? "-" : `${r.seconds.toFixed(1)} s`,
    megabytes(r.bytesIn),
    megabytes(r.bytesOut),
    statusText(r),
  ]);
  const lines = formatTable([header, ...rows], new Set([2, 3, 4, 5]));
  const count = (status: JobResult["status"]): number => results.filter((r) => r.status === status).length;
  const failed = count("failed");
  lines.push(
    `${results.length} input${results.length === 1 ? "" : "s"}: ${count("converted")} converted, ${count("skipped")} skipped, ${failed} failed, in ${seconds.toFixed(1)} s`,
  );
  lines.push(...warningLines(results));
  return `${lines.join("\n")}\n`;
}

/** Below the table: every conversion's warnings, one line each, under the input's name. */
export function warningLines(results: readonly JobResult[]): string[] {
  const warned = results.filter((r) => (r.warnings ?? []).length > 0);
  if (warned.length === 0) return [];
  return ["Warnings:", ...warned.flatMap((r) => [`  ${r.input}:`, ...r.warnings!.map((w) => `    ${w}`)])];
}

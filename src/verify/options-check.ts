/**
 * CONVERSION_OPTIONS (the options a conversion ran with, src/engine/provenance.ts
 * conversionOptions) consistent with themselves and with the rest of the provenance: a JSON
 * object, a mode that exists, a positive number of threads, the HDU asked for (an index) being
 * the one recorded as converted, the input named being the file recorded. Pure.
 */
import { basename } from "node:path";
import type { Provenance } from "../schema/provenance.js";

export function conversionOptionsProblems(provenance: Provenance): string[] {
  const options = provenance.options;
  // Absent or not JSON: said by readProvenance already.
  if (options === undefined) return [];
  if (options === null || typeof options !== "object" || Array.isArray(options)) return ["provenance: CONVERSION_OPTIONS is not a JSON object"];
  const o = options as Record<string, unknown>;
  const problems: string[] = [];
  const say = (what: string): void => {
    problems.push(`provenance: CONVERSION_OPTIONS ${what}`);
  };
  if (o.mode !== "fast" && o.mode !== "slow") say(`mode is ${JSON.stringify(o.mode)}, not "fast" or "slow"`);
  if (o.requestedMode !== undefined && o.requestedMode !== "auto" && o.requestedMode !== o.mode) {
    say(`requestedMode is ${JSON.stringify(o.requestedMode)} but mode is ${JSON.stringify(o.mode)}`);
  }
  if (typeof o.threads !== "number" || !Number.isInteger(o.threads) || o.threads < 1) say(`threads is ${JSON.stringify(o.threads)}, not a positive whole number`);
  if (typeof o.hdu === "number" && provenance.inputHdu !== undefined && o.hdu !== provenance.inputHdu) {
    say(`hdu is ${o.hdu} but INPUT_HDU is ${provenance.inputHdu}`);
  }
  if (typeof o.input !== "string") say(`input is ${JSON.stringify(o.input)}, not a file name`);
  else if (o.input !== "-" && provenance.inputPath !== undefined) {
    // The input as given (relative, maybe with a [..] HDU suffix) names the file recorded.
    const given = basename(o.input.replace(/\[[^\[\]]+\]$/, ""));
    const recorded = basename(provenance.inputPath);
    if (given !== recorded && basename(o.input) !== recorded) say(`input ${JSON.stringify(o.input)} does not name INPUT_PATH ${provenance.inputPath}`);
  }
  return problems;
}

/**
 * The layers point one way: the command line (src/cli/) is a thin layer over the library, and
 * nothing below it imports from it. Scans every source file outside src/cli/ for an import,
 * re-export or dynamic import whose module resolves into src/cli/.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
const CLI = join(SRC, "cli");

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(entry.name) ? [path] : [];
  });
}

/** The module specifiers of a source text: static imports, `export … from`, `import(…)`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The specifiers in `file` (at `path`) that lead into src/cli/. */
function cliImports(path: string, text: string): string[] {
  return specifiers(text).filter((specifier) => {
    if (!specifier.startsWith(".")) return false;
    const target = resolve(dirname(path), specifier);
    return target === CLI || target.startsWith(CLI + sep);
  });
}

describe("layers", () => {
  it("the scan finds an import into src/cli/ (static, re-export, dynamic)", () => {
    const file = join(SRC, "batch", "x.ts");
    const text = `import { a } from "../cli/errors.js";\nexport { b } from '../cli/run.js';\nconst c = await import("../cli/main.js");\nimport "../cli/side.js";\nimport { d } from "../engine/convert.js";`;
    expect(cliImports(file, text)).toEqual(["../cli/errors.js", "../cli/run.js", "../cli/side.js", "../cli/main.js"]);
    expect(cliImports(join(SRC, "index.ts"), `export * from "./cli/run.js";`)).toEqual(["./cli/run.js"]);
  });

  it("nothing outside src/cli/ imports from src/cli/", () => {
    const files = sourceFiles(SRC).filter((path) => !path.startsWith(CLI + sep));
    expect(files.length).toBeGreaterThan(50);
    const offending = files.flatMap((path) => cliImports(path, readFileSync(path, "utf8")).map((specifier) => `${relative(SRC, path)}: ${specifier}`));
    expect(offending).toEqual([]);
  });
});

/**
 * Compile the package into a private folder under node_modules/.cache for tests that need the
 * JavaScript build (worker threads cannot load TypeScript sources), without touching dist/.
 */
import { copyFileSync, existsSync, rmSync, symlinkSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** Compile into node_modules/.cache/<name>-<pid>: its own folder, even when test runs overlap. */
export function buildPackage(name: string): { dir: string; dist: string; remove: () => void } {
  const dir = join(root, "node_modules", ".cache", `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const options = ["-p", join(root, "tsconfig.build.json"), "--outDir", join(dir, "dist"), "--declaration", "false", "--sourceMap", "false"];
  try {
    execFileSync(process.execPath, [tsc, ...options], { cwd: root, stdio: "pipe", encoding: "utf8" });
  } catch (error) {
    throw new Error(`building the package failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
  copyFileSync(join(root, "package.json"), join(dir, "package.json"));
  // The native addon, where built, sits beside dist/ as in the installed package.
  if (existsSync(join(root, "native"))) symlinkSync(join(root, "native"), join(dir, "native"));
  return { dir, dist: join(dir, "dist"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

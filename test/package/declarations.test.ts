/**
 * The published declarations type-check in a consumer's project as strict as they come
 * (`skipLibCheck: false`) under every module resolution a TypeScript project may use: they must
 * not reach h5wasm's own types, which resolve only under node16/nodenext/bundler.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../helpers/build.js";
import { tempFolder } from "../helpers/fixtures.js";

const temp = tempFolder("fits2idia-declarations-");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
let packageDir = "";

beforeAll(() => {
  // The package as a consumer sees it: package.json and dist/ with its declarations.
  packageDir = temp.file("fits2idia-ts");
  mkdirSync(packageDir);
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(packageDir, "dist"), "--sourceMap", "false", "--declarationMap", "false"], { cwd: root, stdio: "pipe" });
  copyFileSync(join(root, "package.json"), join(packageDir, "package.json"));
  // The package's dependencies, as npm would install them beside it.
  symlinkSync(join(root, "node_modules"), join(packageDir, "node_modules"));
}, 120_000);
afterAll(() => temp.cleanup());

const consumer = `
import { convert, verifyFile, readHeader, predictMemory, runBatch, MemoryLimitError, FitsError, type ConvertReport, type VerifyReport } from "fits2idia-ts";
export async function run(): Promise<[ConvertReport, VerifyReport]> {
  await readHeader("in.fits");
  await predictMemory("in.fits");
  const report = await convert("in.fits", "out.hdf5", { mode: "slow", onProgress: (p) => void p.fraction });
  const checked = await verifyFile("out.hdf5", "in.fits");
  void runBatch;
  void (new Error() instanceof MemoryLimitError || new Error() instanceof FitsError);
  return [report, checked];
}
`;

describe("the published declarations", () => {
  for (const [module, moduleResolution] of [["commonjs", "node10"], ["nodenext", "nodenext"]] as const) {
    it(`type-check with moduleResolution ${moduleResolution} and skipLibCheck false`, () => {
      const project = temp.file(`consumer-${moduleResolution}`);
      mkdirSync(join(project, "node_modules"), { recursive: true });
      symlinkSync(packageDir, join(project, "node_modules", "fits2idia-ts"));
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", type: module === "commonjs" ? "commonjs" : "module" }));
      writeFileSync(join(project, "index.ts"), consumer);
      writeFileSync(
        join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: { module, moduleResolution, target: "es2022", strict: true, skipLibCheck: false, noEmit: true, types: ["node"], typeRoots: [join(root, "node_modules", "@types")] },
          files: ["index.ts"],
        }),
      );
      let output = "";
      try {
        execFileSync(process.execPath, [tsc, "-p", project], { cwd: project, stdio: "pipe", encoding: "utf8" });
      } catch (error) {
        output = String((error as { stdout?: string }).stdout ?? error);
      }
      expect(output).toBe("");
    }, 120_000);
  }
});

/**
 * The prebuilt addon shipped in the package: `npm pack` (prepack: scripts/prebuild-native.mjs)
 * puts it in native/prebuilds/linux-x64/, node-gyp-build loads it where no source build exists,
 * and the install script compiles nothing when it loads. Compute nodes often have no compiler,
 * and npm 11 runs no install scripts of a dependency unless allowed: either way the kernels
 * must stay native, or `-p` must say how to get them.
 *
 * Everything happens in copies under a temporary folder, so the checkout's native/build (which
 * other test files load meanwhile) and dist/ are never rebuilt.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAddonFrom } from "../../src/kernels/native-addon.js";
import { root } from "../helpers/build.js";
import { tempFolder } from "../helpers/fixtures.js";
import { addonStatus, nativeRequired } from "./native-helpers.js";

const linuxX64 = process.platform === "linux" && process.arch === "x64";
const temp = tempFolder("fits2idia-prebuild-");
afterAll(() => temp.cleanup());

/** A copy of native/ without its build: what a package without a compiler's output holds. */
function nativeCopy(name: string): string {
  const dir = temp.file(name);
  mkdirSync(dir);
  cpSync(join(root, "native", "src"), join(dir, "src"), { recursive: true });
  cpSync(join(root, "native", "binding.gyp"), join(dir, "binding.gyp"));
  return dir;
}

function prebuildInto(dir: string): string {
  execFileSync(process.execPath, [join(root, "scripts", "prebuild-native.mjs"), "--out", join(dir, "prebuilds")], { encoding: "utf8", stdio: "pipe" });
  return join(dir, "prebuilds", "linux-x64", "fits2idia_kernels.napi.glibc.node");
}

describe.skipIf(!linuxX64 || (!addonStatus.loaded && !nativeRequired))("the prebuilt native addon", () => {
  it("is loaded from prebuilds/ where there is no source build", () => {
    const dir = nativeCopy("with-prebuild");
    expect(existsSync(prebuildInto(dir))).toBe(true);
    const status = loadAddonFrom(dir);
    expect(status.loaded ? status.path : status.reason).toBe(join(dir, "prebuilds", "linux-x64", "fits2idia_kernels.napi.glibc.node"));
  });

  it("is what the install script settles for: nothing compiled, even with no compiler", () => {
    const dir = nativeCopy("install-with-prebuild");
    prebuildInto(dir);
    const scripts = temp.file("install-with-prebuild-scripts");
    mkdirSync(scripts);
    cpSync(join(root, "scripts", "build-native.mjs"), join(scripts, "build-native.mjs"));
    // build-native.mjs finds native/ beside its own folder.
    symlinkSync(dir, temp.file("native"));
    const run = spawnSync(process.execPath, [join(scripts, "build-native.mjs")], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, npm_lifecycle_event: "install", CXX: "/bin/false", CC: "/bin/false" },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/the prebuilt addon for linux-x64 loads .*nothing to compile/);
    expect(existsSync(join(dir, "build"))).toBe(false);
  });

  it("says how to get the kernels in a dependent project when neither build is there", () => {
    const status = loadAddonFrom(nativeCopy("nothing"));
    expect(status.loaded).toBe(false);
    if (!status.loaded) expect(status.reason).toContain("npm rebuild fits2idia-ts");
  });

  it("makes `npm pack`'s package convert with native kernels where install scripts do not run", { timeout: 180_000 }, () => {
    // The package's own files, copied, with the checkout's node_modules for the build (tsc).
    const source = temp.file("package-source");
    mkdirSync(source);
    for (const name of ["package.json", "tsconfig.json", "tsconfig.build.json", "README.md", "LICENSE", "src", "scripts", "docs", "bench"]) {
      cpSync(join(root, name), join(source, name), { recursive: true });
    }
    cpSync(join(root, "native"), join(source, "native"), { recursive: true, preserveTimestamps: true, filter: (path) => !path.includes(`${join("native", "prebuilds")}`) });
    symlinkSync(join(root, "node_modules"), join(source, "node_modules"));
    const packed = temp.file("packed");
    mkdirSync(packed);
    execFileSync("npm", ["pack", "--pack-destination", packed], { cwd: source, stdio: "pipe", encoding: "utf8" });
    const tarball = join(packed, readdirSync(packed).find((n) => n.endsWith(".tgz"))!);
    const listing = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("package/native/prebuilds/linux-x64/fits2idia_kernels.napi.glibc.node");
    expect(listing).toContain("package/LICENSE");
    expect(listing.some((n) => n.startsWith("package/native/build/"))).toBe(false);
    // Every relative link of the READMEs points at a file the package has.
    for (const readme of ["README.md", "native/README.md"]) {
      const text = readFileSync(join(root, readme), "utf8");
      const links = [...text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => join(dirname(readme), m[1]!));
      for (const link of links) expect(listing, `${readme} links to ${link}`).toContain(`package/${link}`);
    }

    // A dependent project installs it as a strict allowScripts setup does: no install scripts.
    const project = temp.file("project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pipeline", version: "1.0.0", type: "module" }));
    execFileSync("npm", ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: project, stdio: "pipe", encoding: "utf8" });
    expect(existsSync(join(project, "node_modules", "fits2idia-ts", "native", "build"))).toBe(false);
    const output = join(project, "out.hdf5");
    const emptyRc = temp.write("empty.rc", new Uint8Array(0));
    const run = spawnSync(process.execPath, [join(project, "node_modules", "fits2idia-ts", "dist", "cli", "main.js"), "-p", "-o", output, join(root, "data", "sample-image.fits")], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, FITS2IDIA_RC: emptyRc },
    });
    expect(run.stderr).toContain("Kernels: native (C++ addon, prebuilt)");
    expect(run.status).toBe(0);
    expect(existsSync(output)).toBe(true);
  });
});

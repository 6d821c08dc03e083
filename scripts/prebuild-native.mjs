// Makes the prebuilt addon that the package ships (run by npm as the `prepack` script, so
// `npm pack` and `npm publish` include it): compiles native/ from source, checks that the
// binary needs nothing a cluster's compute node may lack (no libstdc++, glibc symbols no newer
// than 2.17, the oldest glibc still common on clusters), and copies it to
// native/prebuilds/linux-x64/fits2idia_kernels.napi.glibc.node, where node-gyp-build (the
// loader of src/kernels/native-addon.ts) finds it. N-API keeps one binary good for every Node
// version the package supports. `--out DIR` writes the prebuilds folder elsewhere (tests).
// FITS2IDIA_SKIP_NATIVE=1 packs without a prebuilt addon (the source build and the TypeScript
// kernels remain). An up-to-date source build (newer than every source file) is used as it is.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = fileURLToPath(new URL("../native/", import.meta.url));
const outIndex = process.argv.indexOf("--out");
const prebuilds = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(nativeDir, "prebuilds");
const OLDEST_GLIBC_MINOR = 17;

/** The source build exists and is newer than every source file (then it is what they make). */
function upToDate(file) {
  if (!existsSync(file)) return false;
  const sources = [join(nativeDir, "binding.gyp"), ...readdirSync(join(nativeDir, "src")).map((n) => join(nativeDir, "src", n))];
  const builtAt = statSync(file).mtimeMs;
  return sources.every((source) => statSync(source).mtimeMs < builtAt);
}

function fail(message) {
  console.error(`fits2idia-ts: prebuild: ${message}`);
  process.exit(1);
}

if (process.env.FITS2IDIA_SKIP_NATIVE === "1") {
  console.warn("fits2idia-ts: prebuild: skipped (FITS2IDIA_SKIP_NATIVE=1): the package will have no prebuilt addon.");
  process.exit(0);
}
if (process.platform !== "linux" || process.arch !== "x64") {
  console.warn(`fits2idia-ts: prebuild: only linux-x64 addons are shipped prebuilt; not on ${process.platform}-${process.arch}.`);
  process.exit(0);
}

const built = join(nativeDir, "build", "Release", "fits2idia_kernels.node");
if (!upToDate(built)) {
  const build = spawnSync(process.execPath, [fileURLToPath(new URL("./build-native.mjs", import.meta.url)), "--from-source"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (build.status !== 0 || !/native kernels built/.test(build.stdout)) fail(`the addon did not build from source: ${build.stdout.trim()}`);
}

// The dynamic string table names every versioned symbol and library the binary needs.
const text = readFileSync(built).toString("latin1");
if (/libstdc\+\+|GLIBCXX_/.test(text)) fail(`${built} needs libstdc++, which compute nodes may lack or have in an older version`);
const newest = Math.max(0, ...[...text.matchAll(/GLIBC_2\.(\d+)/g)].map((m) => Number(m[1])));
if (newest > OLDEST_GLIBC_MINOR) fail(`${built} needs glibc 2.${newest}; the prebuilt addon must run on glibc 2.${OLDEST_GLIBC_MINOR}`);

const dir = join(prebuilds, "linux-x64");
mkdirSync(dir, { recursive: true });
const target = join(dir, "fits2idia_kernels.napi.glibc.node");
copyFileSync(built, target);
console.log(`fits2idia-ts: prebuild: ${target} (needs glibc 2.${newest} or newer, no libstdc++).`);

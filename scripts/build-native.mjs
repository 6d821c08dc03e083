// Builds the optional C++ kernels (native/) with node-gyp; run by npm as the `install` script,
// and by hand with `npm run build:native`. As the install script it first looks for the
// prebuilt addon shipped in the package (native/prebuilds/<platform>-<arch>/, made by
// `npm pack`: scripts/prebuild-native.mjs): when it loads, nothing is compiled (compute nodes
// often have no compiler). Run by hand (`npm run build:native`, or `--from-source`), or with
// npm's `--build-from-source`, it always compiles. The addon is optional: when it cannot be
// built (no C++ compiler, no headers) this prints one warning line and exits 0, and the
// TypeScript kernels run instead. FITS2IDIA_SKIP_NATIVE=1 skips the build; the full log of a
// failed build is kept in native/build/build.log.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = fileURLToPath(new URL("../native/", import.meta.url));

if (process.env.FITS2IDIA_SKIP_NATIVE === "1") {
  console.warn("fits2idia-ts: native kernels not built (FITS2IDIA_SKIP_NATIVE=1); the TypeScript kernels will run.");
  process.exit(0);
}

const fromSource = process.argv.includes("--from-source") || process.env.npm_config_build_from_source === "true";
if (!fromSource && process.env.npm_lifecycle_event === "install") {
  const prebuilt = loadablePrebuild();
  if (prebuilt !== undefined) {
    console.log(`fits2idia-ts: native kernels: the prebuilt addon for ${process.platform}-${process.arch} loads (${prebuilt}); nothing to compile.`);
    process.exit(0);
  }
}

/**
 * The prebuilt addon for this platform, when the package has one and it loads in a fresh node
 * (a child process: a broken binary must not take this script with it).
 */
function loadablePrebuild() {
  const dir = join(nativeDir, "prebuilds", `${process.platform}-${process.arch}`);
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".node"))) {
    const file = join(dir, name);
    const probe = spawnSync(process.execPath, ["-e", `process.exit(require(${JSON.stringify(file)}).abiVersion > 0 ? 0 : 1)`], { stdio: "ignore" });
    if (probe.status === 0) return join("native", "prebuilds", `${process.platform}-${process.arch}`, name);
  }
  return undefined;
}

/**
 * node-gyp: npm puts its own on the PATH of install scripts; run by hand, the one bundled with
 * the npm beside this node.
 */
function nodeGyp() {
  const bundled = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled] };
  return { command: "node-gyp", args: [] };
}

/**
 * The running node's own headers when it has them (a system or tarball install has them under
 * <prefix>/include/node): then nothing is downloaded, which matters on a cluster's compute
 * nodes. npm's `nodedir` setting, when given, wins.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

const { command, args } = nodeGyp();
const result = spawnSync(command, [...args, "rebuild", "--release", ...nodedirArgs()], {
  cwd: nativeDir,
  encoding: "utf8",
  // node-gyp's output is long; it is kept for a failure's log only.
  stdio: ["ignore", "pipe", "pipe"],
});
if (result.status === 0) {
  console.log("fits2idia-ts: native kernels built (native/build/Release/fits2idia_kernels.node).");
  process.exit(0);
}
const log = `${result.error ? String(result.error) + "\n" : ""}${result.stdout ?? ""}${result.stderr ?? ""}`;
let where = "";
try {
  mkdirSync(join(nativeDir, "build"), { recursive: true });
  writeFileSync(join(nativeDir, "build", "build.log"), log);
  where = " (log: native/build/build.log)";
} catch {
  // The warning is enough.
}
const reason = log.split("\n").find((line) => /error/i.test(line))?.trim() ?? `node-gyp exited with ${result.status ?? result.signal}`;
console.warn(`fits2idia-ts: warning: native kernels not built, the TypeScript kernels will run: ${reason}${where}`);
process.exit(0);

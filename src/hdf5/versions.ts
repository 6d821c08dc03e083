/**
 * The versions of h5wasm and of the HDF5 library inside it, for the provenance. Apart from the
 * runtime (runtime.ts) so that the public declarations, which name `Hdf5Versions`, do not import
 * h5wasm's own types (they do not resolve under `moduleResolution: node10`).
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** The version numbers recorded as provenance. */
export interface Hdf5Versions {
  /** The h5wasm package version, e.g. "0.10.3". */
  h5wasm: string;
  /** The HDF5 library version compiled into h5wasm, e.g. "2.0.0". */
  hdf5: string;
}

let versionsCache: Hdf5Versions | undefined;

function findH5wasmDir(): string | undefined {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths("h5wasm") ?? []) {
    const candidate = path.join(dir, "h5wasm");
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
  }
  return undefined;
}

/**
 * The versions of h5wasm (from its package.json) and of the HDF5 library inside it (from the
 * library's identification string, found in the compiled module: h5wasm exposes no call for it).
 */
export function hdf5Versions(): Hdf5Versions {
  if (versionsCache !== undefined) return versionsCache;
  let h5wasmVersion = "unknown";
  let hdf5Version = "unknown";
  const dir = findH5wasmDir();
  if (dir !== undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: unknown };
      if (typeof pkg.version === "string") h5wasmVersion = pkg.version;
    } catch {
      // keep "unknown"
    }
    try {
      const text = fs.readFileSync(path.join(dir, "dist", "node", "hdf5_util.js"), "latin1");
      const m = /HDF5 library version: (\d+\.\d+\.\d+[A-Za-z0-9.-]*)/.exec(text);
      if (m) hdf5Version = m[1]!;
    } catch {
      // keep "unknown"
    }
  }
  versionsCache = { h5wasm: h5wasmVersion, hdf5: hdf5Version };
  return versionsCache;
}

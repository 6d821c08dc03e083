// npm sets the executable bit on bins only when it links them; a fresh `tsc` output
// needs it too so that `./dist/cli/main.js` runs directly.
import { chmodSync, existsSync } from "node:fs";

const bin = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);

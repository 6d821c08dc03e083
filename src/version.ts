/** The converter's name and version, written into every output file. */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const pkg = require("../package.json") as { name: string; version: string };

export const CONVERTER_NAME: string = pkg.name;
export const CONVERTER_VERSION: string = pkg.version;

#!/usr/bin/env node
/**
 * The `fits2idia-ts` command: `fits2idia-ts [-o output] [-s] [-p] [-m] [-q] input`, with the
 * reference converter's flags and more (src/cli/args.ts); the work is in src/cli/run.ts.
 * Under a `ulimit -v` it first runs itself again without WebAssembly guard regions
 * (src/cli/relaunch.ts).
 */
import { hideBin } from "yargs/helpers";
import { exitOnBrokenPipe } from "./broken-pipe.js";
import { relaunch, relaunchNeeded } from "./relaunch.js";

// A reader that goes away (`| head -1`): exit as a Unix tool does, quietly.
exitOnBrokenPipe();
const status = relaunchNeeded() ? await relaunch() : await (await import("./run.js")).main(hideBin(process.argv));
// Interrupted (130, 143): exit now rather than wait for whatever still holds the event loop.
if (status >= 128) process.exit(status);
process.exitCode = status;

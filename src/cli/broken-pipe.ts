/**
 * A reader that goes away (`fits2idia-ts verify --provenance out.hdf5 | head -1`, `--help |
 * head -1`, `-p … 2>&1 | head`): the next write to stdout or stderr fails with EPIPE, which
 * Node.js reports as an unhandled 'error' event, a stack trace and exit status 1, leaving a
 * conversion's temporary file and lock behind. Unix tools are killed by SIGPIPE instead: no
 * message, and the shell sees 128 + 13. So does this command: a conversion in progress has its
 * temporary file and lock removed (as for a second SIGINT), and the process exits 141 at once,
 * printing nothing (the stream that failed may be the one an error would go to).
 *
 * A batch's conversion processes (src/batch/child.ts) finish the conversion they are running
 * and end when the batch's process has gone: their outputs are complete or absent.
 */
import { discardAllOutputsSync } from "../engine/output-file.js";

/** The exit status of a process killed by SIGPIPE, as the shell shows it. */
export const BROKEN_PIPE_STATUS = 128 + 13;

type Stream = Pick<NodeJS.EventEmitter, "on">;

/** Watch the streams (default: stdout and stderr) for EPIPE; other errors are left as they are. */
export function exitOnBrokenPipe(streams: readonly Stream[] = [process.stdout, process.stderr], exit: (code: number) => void = (code) => process.exit(code)): void {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      discardAllOutputsSync();
      exit(BROKEN_PIPE_STATUS);
    });
  }
}

/**
 * A reader that goes away (`fits2idia-ts verify --provenance out.hdf5 | head -1`, `--help |
 * head -1`, `-p … 2>&1 | head`): the next write to stdout or stderr fails with EPIPE, which
 * Node.js reports as an unhandled 'error' event, a stack trace and exit status 1, leaving a
 * conversion's temporary file and lock behind. Unix tools are killed by SIGPIPE instead: no
 * message, and the shell sees 128 + 13. So does this command: a conversion in progress has its
 * temporary file and lock removed (as for a second SIGINT), and the process exits 141 at once,
 * printing nothing (the stream that failed may be the one an error would go to).
 *
 * What else must stop first registers with onBrokenPipe: a batch stops its conversion
 * processes (SIGTERM: each removes its temporary file) rather than leave them running.
 */
import { discardAllOutputsSync } from "../engine/output-file.js";

/** The exit status of a process killed by SIGPIPE, as the shell shows it. */
export const BROKEN_PIPE_STATUS = 128 + 13;

type Stream = Pick<NodeJS.EventEmitter, "on">;

const beforeExit = new Set<() => void>();

/** Run `stop` (synchronously) before the process exits for a broken pipe; returns its removal. */
export function onBrokenPipe(stop: () => void): () => void {
  beforeExit.add(stop);
  return () => beforeExit.delete(stop);
}

/** Watch the streams (default: stdout and stderr) for EPIPE; other errors are left as they are. */
export function exitOnBrokenPipe(streams: readonly Stream[] = [process.stdout, process.stderr], exit: (code: number) => void = (code) => process.exit(code)): void {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      for (const stop of [...beforeExit]) {
        try {
          stop();
        } catch {
          // Exiting regardless.
        }
      }
      discardAllOutputsSync();
      exit(BROKEN_PIPE_STATUS);
    });
  }
}

import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { BROKEN_PIPE_STATUS, exitOnBrokenPipe, onBrokenPipe } from "../../src/cli/broken-pipe.js";

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
}

describe("a reader that goes away", () => {
  it("EPIPE on either stream: what registered is stopped, then exit 141 (128 + SIGPIPE)", () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    const exits: number[] = [];
    const stopped: string[] = [];
    exitOnBrokenPipe([stdout, stderr], (code) => exits.push(code));
    const remove = onBrokenPipe(() => stopped.push("batch"));
    onBrokenPipe(() => {
      throw new Error("does not prevent the exit");
    });
    stderr.emit("error", epipe());
    expect(stopped).toEqual(["batch"]);
    expect(exits).toEqual([BROKEN_PIPE_STATUS]);
    expect(BROKEN_PIPE_STATUS).toBe(141);
    remove();
    stdout.emit("error", epipe());
    expect(stopped).toEqual(["batch"]);
    expect(exits).toEqual([141, 141]);
  });

  it("other errors are not swallowed", () => {
    const stream = new EventEmitter();
    exitOnBrokenPipe([stream], () => {
      throw new Error("must not exit");
    });
    expect(() => stream.emit("error", Object.assign(new Error("write EIO"), { code: "EIO" }))).toThrow("write EIO");
  });
});

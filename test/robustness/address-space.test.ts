/**
 * The built command under an address-space limit (`ulimit -v`, issue 15 part 3), in a subshell
 * as a cluster job sets it: at 4 GB a conversion works in both modes with several threads (the
 * command runs itself again without WebAssembly guard regions), verify works, `-m` says what
 * limit the run needs; under a limit too small, one line says so and nothing is left. The
 * library in a process with guard regions gets an AddressSpaceError, and nothing is left.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempFolder } from "../helpers/fixtures.js";
import { firstDifference, readDatasets } from "../helpers/read-hdf5.js";
import { buildCommand, cleanEnv, outputFolders, run, start, writeCube, type BuiltCommand } from "./built-command.js";

const tmp = tempFolder("fits2idia-ulimit-");
let command: BuiltCommand;
let cube = "";
/** Long enough (a few seconds in slow mode) to be signalled part way. */
let medium = "";
const LIMIT_4GB = "ulimit -v 4000000;";
const outputFolder = outputFolders(tmp.dir, "out.hdf5");

beforeAll(() => {
  command = buildCommand("fits2idia-ts-ulimit-test");
  cube = tmp.file("cube.fits");
  writeCube(cube, 256, 256, 16);
  medium = tmp.file("medium.fits");
  writeCube(medium, 512, 512, 96);
});
afterAll(() => {
  tmp.cleanup();
  command?.remove();
});

describe.runIf(process.platform === "linux")("under ulimit -v", () => {
  it("4 GB: fast mode with 3 threads and slow mode with 2 convert, to identical files, and verify passes", async () => {
    const fast = outputFolder();
    const slow = outputFolder();
    const a = await run(command, ["--fast", "--threads", "3", "-o", fast.out, cube], { shell: LIMIT_4GB });
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const b = await run(command, ["-s", "--threads", "2", "-o", slow.out, cube], { shell: LIMIT_4GB });
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(fast.files()).toEqual(["out.hdf5"]);
    expect(slow.files()).toEqual(["out.hdf5"]);
    const [x, y] = [await readDatasets(fast.out), await readDatasets(slow.out)];
    expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
    for (const [name, d] of x) expect(firstDifference(d.values, y.get(name)!.values), name).toBe(-1);
    const v = await run(command, ["verify", "--threads", "2", fast.out, cube], { shell: LIMIT_4GB });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/OK/);
  }, 90_000);

  it("-m and --json say what limit the run needs, and what the limit is", async () => {
    const text = await run(command, ["-m", "-s", "--threads", "2", cube], { shell: LIMIT_4GB });
    expect(text.code).toBe(0);
    const line = text.stdout.split("\n").find((l) => l.startsWith("Address space needed"));
    expect(line).toMatch(/^Address space needed \(ulimit -v\): [23]\.\d{3} GB, ulimit -v \d{7} or more; the limit is 4\.096 GB$/);
    const json = await run(command, ["-m", "--json", "--threads", "2", cube], { shell: LIMIT_4GB });
    const report = JSON.parse(json.stdout) as { addressSpaceLimit: number; fast: { addressSpace: { total: number } }; slow: { addressSpace: { total: number } } };
    expect(report.addressSpaceLimit).toBe(4_096_000_000);
    expect(report.slow.addressSpace.total).toBeGreaterThan(2 ** 31);
    expect(report.slow.addressSpace.total).toBeLessThan(4_096_000_000);
    const unlimited = await run(command, ["-m", cube]);
    expect(unlimited.stdout).toMatch(/^Address space needed \(ulimit -v\): .* no limit is set$/m);
  }, 60_000);

  it("1 GB: one line naming the limit and what is needed, exit 1, nothing left", async () => {
    for (const mode of [["--fast"], ["-s"], []]) {
      const out = outputFolder();
      const r = await run(command, [...mode, "--threads", "2", "-o", out.out, cube], { shell: "ulimit -v 1000000;" });
      expect(r.code).toBe(1);
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Error: the virtual-memory limit \(ulimit -v\) of 1\.024 GB is below the [23]\.\d{3} GB of address space (fast|slow) mode needs with 2 threads; raise it to ulimit -v \d{7} or more\. Aborting\.$/,
      );
      expect(out.files()).toEqual([]);
    }
  }, 60_000);

  it("SIGTERM to the command (which ran itself again) reaches the conversion: exit 143, nothing left", async () => {
    const out = outputFolder();
    const running = start(command, ["-s", "-p", "--threads", "2", "-o", out.out, medium], { shell: LIMIT_4GB });
    await running.waitForLine(/Mode: slow/);
    running.child.kill("SIGTERM");
    const end = await running.finished;
    expect(end.code).toBe(143);
    expect(end.stderr).toMatch(/Error: .*out\.hdf5: interrupted by SIGTERM\. Aborting\.\n$/);
    expect(out.files()).toEqual([]);
  }, 60_000);

  it("the library in a process with guard regions: an AddressSpaceError saying how to run it, nothing left", () => {
    const out = outputFolder();
    const index = join(command.bin, "..", "..", "index.js");
    const script = `import { convert } from ${JSON.stringify(index)};
try { await convert(${JSON.stringify(cube)}, ${JSON.stringify(out.out)}, { threads: 2, rcFile: false }); console.log("converted"); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
    const child = spawnSync("bash", ["-c", `${LIMIT_4GB} exec "$0" --input-type=module -e "$1"`, process.execPath, script], { encoding: "utf8", env: cleanEnv(command) });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as { name: string; code: string; message: string };
    expect(result.name).toBe("AddressSpaceError");
    expect(result.code).toBe("ADDRESS_SPACE_LIMIT");
    expect(result.message).toMatch(/^the virtual-memory limit \(ulimit -v\) of 4\.096 GB is below .* --disable-wasm-trap-handler/);
    expect(out.files()).toEqual([]);
  }, 60_000);
});

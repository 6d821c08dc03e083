/**
 * Before the command loads the HDF5 runtime under an address-space limit (`ulimit -v`): the
 * conversion's mode and address space from the header alone, so that a limit too small gives
 * one line naming it and what is needed (an AddressSpaceError), before h5wasm tries to
 * reserve its WebAssembly memory and before anything is written.
 */
import { addressSpaceLimit } from "../engine/address-space.js";
import { predictMemory } from "../engine/memory.js";
import { chooseMode } from "../engine/mode-choice.js";
import { resolveResources } from "../engine/plan.js";
import type { CliArgs } from "./args.js";

export async function checkAddressSpaceFirst(args: CliArgs, env: NodeJS.ProcessEnv, limit = addressSpaceLimit()): Promise<void> {
  // Standard input can be read only once: the conversion checks it.
  if (limit === undefined || args.input === "-") return;
  const resources = resolveResources({ memoryLimit: args.memoryLimit, threads: args.threads, env, addressSpaceLimit: limit });
  const prediction = await predictMemory(args.input, { hdu: args.hdu, threads: resources.threads.threads });
  chooseMode(prediction, { requested: args.mode, available: resources.available, limit: resources.limit, addressSpaceLimit: limit });
}

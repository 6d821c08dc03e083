/**
 * Loading h5wasm before a conversion claims its output, and what the process's address space
 * then is: under an address-space limit (`ulimit -v`) the WebAssembly memory's reservation is
 * what fails first, and it must fail before anything is written, as one line that says why.
 */
import { formatGB } from "../config/size.js";
import { loadH5 } from "../hdf5/runtime.js";
import { addressSpaceLimit, currentAddressSpace, NO_GUARD_REGIONS_FLAG, RUNTIME_ADDRESS_SPACE, wasmGuardRegions, WASM_GUARDED_RESERVATION, WASM_HEAP_RESERVATION, type ProcessAddressSpace } from "./address-space.js";
import { addressSpaceError } from "./mode-choice.js";
import type { Mode } from "./defaults.js";

/**
 * Waits for h5wasm (its instantiation starts when the module is imported) and returns this
 * process's address space, h5wasm included. Throws an AddressSpaceError naming the limit when
 * the WebAssembly memory could not be reserved under it.
 */
export async function loadH5WithinAddressSpace(mode: Mode | "auto", limit = addressSpaceLimit()): Promise<ProcessAddressSpace> {
  const guardRegions = wasmGuardRegions();
  try {
    await loadH5();
  } catch (error) {
    if (limit === undefined) throw new Error(`the HDF5 runtime (h5wasm) could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    const wasm = guardRegions ? WASM_GUARDED_RESERVATION : WASM_HEAP_RESERVATION;
    const needed = (currentAddressSpace() ?? RUNTIME_ADDRESS_SPACE) + wasm;
    const hint = guardRegions
      ? ` (h5wasm's WebAssembly memory alone reserves ${formatGB(wasm)} while V8's trap handler is on: start node with ${NO_GUARD_REGIONS_FLAG}, as the fits2idia-ts command does, to reserve ${formatGB(WASM_HEAP_RESERVATION)})`
      : " (h5wasm's WebAssembly memory could not be reserved)";
    throw addressSpaceError(mode === "fast" ? "fast" : "slow", needed, limit, hint, mode === "auto" ? "the HDF5 runtime" : `${mode} mode`);
  }
  return { runtime: currentAddressSpace() ?? RUNTIME_ADDRESS_SPACE + WASM_HEAP_RESERVATION, h5wasm: 0, guardRegions };
}

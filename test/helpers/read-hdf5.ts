/** Reading converter output back with h5wasm directly (independently of src/hdf5). */
import * as h5wasm from "h5wasm/node";

export interface DatasetDump {
  shape: number[];
  dtype: string;
  chunks: number[] | null;
  values: Float32Array | BigInt64Array;
}

export async function readDatasets(path: string): Promise<Map<string, DatasetDump>> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, "r");
  const out = new Map<string, DatasetDump>();
  try {
    const visit = (group: h5wasm.Group, prefix: string): void => {
      for (const name of group.keys()) {
        const full = prefix === "" ? name : `${prefix}/${name}`;
        const item = group.get(name);
        if (item instanceof h5wasm.Dataset) {
          const raw = item.value as unknown;
          let values: Float32Array | BigInt64Array;
          if (raw instanceof Float32Array || raw instanceof BigInt64Array) values = raw;
          else if (typeof raw === "bigint") values = BigInt64Array.of(raw);
          else if (typeof raw === "number") values = Float32Array.of(raw);
          else throw new Error(`${full}: unexpected value type ${Object.prototype.toString.call(raw)}`);
          out.set(full, { shape: item.shape ?? [], dtype: String(item.dtype), chunks: item.metadata.chunks ?? null, values });
        } else if (item instanceof h5wasm.Group) {
          visit(item, full);
        }
      }
    };
    visit(file, "");
  } finally {
    file.close();
  }
  return out;
}

/** Byte-exact equality of two typed arrays (NaN payloads included); index of the first difference or -1. */
export function firstDifference(a: Float32Array | BigInt64Array, b: Float32Array | BigInt64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / size);
  return -1;
}

/** Value equality for float32 where every NaN counts as equal (NaN payloads may differ). */
export function firstValueDifference(a: Float32Array | BigInt64Array, b: Float32Array | BigInt64Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** NumPy .npz archives: a ZIP of .npy files, one per named array (np.savez / np.savez_compressed). */
import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { NpyArray, NpyInput, npyToBytes, readNpy } from './npy.js';
import { listZipEntries, readZipEntry, zipBytes } from './zip.js';

/** Reads every array of an .npz file (path or bytes), keyed by name without the '.npy' suffix. */
export function readNpz(source: string | Uint8Array, name?: string): Map<string, NpyArray> {
  const label = name ?? (typeof source === 'string' ? source : '.npz data');
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = fs.readFileSync(source);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `${source}: file not found` : `${source}: cannot read (${code ?? String(e)})`);
    }
  } else {
    bytes = source;
  }
  const out = new Map<string, NpyArray>();
  for (const entry of listZipEntries(bytes, label)) {
    if (entry.name.endsWith('/')) continue;
    const key = entry.name.replace(/\.npy$/, '');
    out.set(key, readNpy(readZipEntry(bytes, entry, label), `${label}[${key}]`));
  }
  return out;
}

export interface NpzWriteOptions {
  /** Deflate the entries (np.savez_compressed). Default false (np.savez). */
  compress?: boolean;
}

/** The bytes of an .npz archive holding the given arrays. */
export function npzToBytes(arrays: Record<string, NpyInput | NpyArray> | Map<string, NpyInput | NpyArray>, opts: NpzWriteOptions = {}, where = '.npz'): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  return zipBytes(
    entries.map(([key, arr]) => ({ name: `${key}.npy`, data: npyToBytes(arr, `${where}[${key}]`) })),
    { compress: opts.compress, where },
  );
}

/** Writes an .npz file atomically. */
export function writeNpz(path: string, arrays: Record<string, NpyInput | NpyArray> | Map<string, NpyInput | NpyArray>, opts: NpzWriteOptions = {}): void {
  writeFileAtomic(path, npzToBytes(arrays, opts, path));
}

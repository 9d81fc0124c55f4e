/**
 * Node edge of the WebAssembly backend: finds and reads kernels.wasm synchronously, and picks the backend
 * for this thread (SPIKEFORGE_KERNELS=ts|wasm|auto). Each worker thread loads its own instance.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kernels } from './types.js';
import { tsKernels } from './tsbackend.js';
import { setKernels } from './registry.js';
import { createWasmKernels } from './wasm.js';

/**
 * Where the build puts the module: <outRoot>/wasm/kernels.wasm beside <outRoot>/src/kernels/ (this file
 * compiled), for dist/ and any other tsc outDir alike. SPIKEFORGE_WASM overrides it.
 */
export function defaultWasmKernelsPath(): string {
  return process.env.SPIKEFORGE_WASM ?? fileURLToPath(new URL('../../wasm/kernels.wasm', import.meta.url));
}

let cached: { file: string; kernels: Kernels | null } | undefined;

/** The WASM backend from `file`, or null when the file is absent or this runtime lacks WebAssembly SIMD. */
export function loadWasmKernels(file = defaultWasmKernelsPath()): Kernels | null {
  if (cached?.file === file) return cached.kernels;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    cached = { file, kernels: null };
    return null;
  }
  const kernels = createWasmKernels(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  cached = { file, kernels };
  return kernels;
}

export type KernelChoice = 'ts' | 'wasm' | 'auto';

/** The backend for `choice` (default: $SPIKEFORGE_KERNELS, else auto = WASM when available, else TS). */
export function selectBestKernels(choice: string | undefined = process.env.SPIKEFORGE_KERNELS): Kernels {
  const c = (choice ?? '').trim().toLowerCase() || 'auto';
  if (c === 'ts') return tsKernels;
  if (c !== 'wasm' && c !== 'auto') {
    throw new Error(`SPIKEFORGE_KERNELS=${choice}: unknown kernel backend: use ts, wasm or auto`);
  }
  const file = defaultWasmKernelsPath();
  const wasm = loadWasmKernels(file);
  if (wasm) return wasm;
  if (c === 'wasm') {
    throw new Error(`SPIKEFORGE_KERNELS=wasm: ${file} is missing or this runtime lacks WebAssembly SIMD: run npm run build (it runs scripts/build-wasm.mjs), or use SPIKEFORGE_KERNELS=ts`);
  }
  return tsKernels;
}

/** Installs selectBestKernels() as this thread's backend (registry setKernels); returns it. */
export function installBestKernels(choice?: string): Kernels {
  const k = selectBestKernels(choice);
  setKernels(k);
  return k;
}

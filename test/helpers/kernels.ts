/** The kernel backends a test compares: the plain-TS reference, and WASM when the build produced it. */
import * as fs from 'node:fs';
import { tsKernels } from '../../src/kernels/tsbackend.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createWasmKernels } from '../../src/kernels/wasm.js';
import { defaultWasmKernelsPath } from '../../src/kernels/wasmnode.js';

/**
 * [name, kernels] for TS and, when kernels.wasm exists, WASM once per streaming block size (small
 * blocks make a kernel stream several blocks even on small inputs). Default: the module's own size.
 */
export function kernelBackends(streamBlockBytes: (number | undefined)[] = [undefined]): Array<[string, Kernels]> {
  const out: Array<[string, Kernels]> = [['ts', tsKernels]];
  const file = defaultWasmKernelsPath();
  if (!fs.existsSync(file)) return out;
  const bytes = new Uint8Array(fs.readFileSync(file));
  for (const size of streamBlockBytes) {
    const wasm = createWasmKernels(bytes, file, size === undefined ? {} : { streamBlockBytes: size });
    if (wasm) out.push([size === undefined ? 'wasm' : `wasm (${size}-byte blocks)`, wasm]);
  }
  return out;
}

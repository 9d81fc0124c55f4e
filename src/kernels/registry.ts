/** The active kernel backend: the plain-TS reference unless a faster one was installed with setKernels. */
import type { Kernels } from './types.js';
import { tsKernels } from './tsbackend.js';

let active: Kernels = tsKernels;

export function getKernels(): Kernels {
  return active;
}

/** Installs a backend (e.g. WASM SIMD) for this thread; returns the previous one so callers can restore it. */
export function setKernels(k: Kernels): Kernels {
  const previous = active;
  active = k;
  return previous;
}

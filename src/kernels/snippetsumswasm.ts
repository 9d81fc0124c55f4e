/** Host side of the WASM snippetSums kernel (assembly/snippetsums.ts): the block copied in, the three sums out. */
import { checkSnippetSums, snippetSumsTS } from './snippetsums.js';
import type { WasmArena } from './wasmarena.js';
import type { KernelExports } from './wasmmodule.js';

export function snippetSumsWasm(ex: KernelExports, arena: WasmArena, x: Float32Array, rows: number, width: number, all: Float64Array, even: Float64Array, odd: Float64Array): void {
  checkSnippetSums(x, rows, width, all, even, odd);
  if (!ex.snippetSums) return snippetSumsTS(x, rows, width, all, even, odd);
  const [pAll, pEven, pOdd, pX] = arena.layout(width * 8, width * 8, width * 8, rows * width * 4);
  arena.f32.set(x.subarray(0, rows * width), pX / 4);
  ex.snippetSums(pX, rows, width, pAll, pEven, pOdd);
  const f64 = arena.f64;
  all.set(f64.subarray(pAll / 8, pAll / 8 + width));
  even.set(f64.subarray(pEven / 8, pEven / 8 + width));
  odd.set(f64.subarray(pOdd / 8, pOdd / 8 + width));
}

/** Host side of the WASM meanCovariance kernel (assembly/meancovariance.ts): the chosen rows copied in, mean and covariance out. */
import { checkMeanCovariance, meanCovarianceTS } from './meancovariance.js';
import type { WasmArena } from './wasmarena.js';
import type { KernelExports } from './wasmmodule.js';

export function meanCovarianceWasm(ex: KernelExports, arena: WasmArena, x: Float32Array, d: number, rows: Int32Array | null, mean: Float64Array, cov: Float64Array): void {
  const n = checkMeanCovariance(x, d, rows, mean, cov);
  if (!ex.meanCovariance) return meanCovarianceTS(x, d, rows, mean, cov);
  const [pMean, pCov, pC, pX] = arena.layout(d * 8, d * d * 8, 4 * d * 8, n * d * 4);
  const f32 = arena.f32;
  if (!rows) f32.set(x.subarray(0, n * d), pX / 4);
  else for (let i = 0; i < n; i++) f32.set(x.subarray(rows[i] * d, rows[i] * d + d), pX / 4 + i * d);
  ex.meanCovariance(pX, n, d, pMean, pCov, pC);
  mean.set(arena.f64.subarray(pMean / 8, pMean / 8 + d));
  cov.set(arena.f64.subarray(pCov / 8, pCov / 8 + d * d));
}

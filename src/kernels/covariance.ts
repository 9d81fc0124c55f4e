/**
 * Covariance accumulation acc += XᵀX for time-major blocks, through gemm on blocks of rows: each block's
 * float32 product has a relative error of about rows × 6e-8, then is summed in float64, so long
 * recordings do not lose precision.
 */
import { gemmTS } from './gemm.js';

const ROWS_PER_BLOCK = 1024;

export function accumulateCovarianceWith(
  gemm: typeof gemmTS, x: Float32Array, numChannels: number, acc: Float64Array,
): void {
  const nc = numChannels;
  if (acc.length !== nc * nc) throw new Error(`accumulateCovariance: acc has ${acc.length} values, expected ${nc * nc}`);
  if (x.length % nc !== 0) throw new Error(`accumulateCovariance: ${x.length} values is not a multiple of ${nc} channels`);
  const nt = x.length / nc;
  const block = new Float32Array(nc * nc);
  for (let t0 = 0; t0 < nt; t0 += ROWS_PER_BLOCK) {
    const rows = Math.min(ROWS_PER_BLOCK, nt - t0);
    const xb = x.subarray(t0 * nc, (t0 + rows) * nc);
    gemm(true, false, nc, nc, rows, 1, xb, nc, xb, nc, 0, block, nc);
    for (let i = 0; i < block.length; i++) acc[i] += block[i];
  }
}

export function accumulateCovarianceTS(x: Float32Array, numChannels: number, acc: Float64Array): void {
  accumulateCovarianceWith(gemmTS, x, numChannels, acc);
}

/**
 * acc (nc × nc float64) += XᵀX for a time-major block, as the TS reference does it: float32 gemm on
 * blocks of ROWS_PER_BLOCK rows, each block's product summed into the float64 accumulator, so long
 * recordings keep their precision.
 */
import { gemm, gemmScratchBytes } from './gemm';

export const ROWS_PER_BLOCK: i32 = 1024;

/** Scratch bytes accumulateCovariance needs: one float32 nc × nc block and gemm's scratch. */
export function covarianceScratchBytes(nc: i32): i32 {
  return ((nc * nc * 4 + 15) & ~15) + gemmScratchBytes(nc, nc, ROWS_PER_BLOCK);
}

export function accumulateCovariance(pX: usize, numSamples: i32, nc: i32, pAcc: usize, pScratch: usize): void {
  const pBlock = pScratch;
  const pGemm = pScratch + <usize>((nc * nc * 4 + 15) & ~15);
  const total = nc * nc;
  for (let t0 = 0; t0 < numSamples; t0 += ROWS_PER_BLOCK) {
    const rows = min(ROWS_PER_BLOCK, numSamples - t0);
    const pXb = pX + <usize>t0 * <usize>nc * 4;
    gemm(true, false, nc, nc, rows, 1, pXb, nc, pXb, nc, 0, pBlock, nc, pGemm);
    let i = 0;
    for (; i + 4 <= total; i += 4) {
      const pa = pAcc + <usize>i * 8;
      const v = v128.load(pBlock + <usize>i * 4);
      v128.store(pa, f64x2.add(v128.load(pa), f64x2.promote_low_f32x4(v)));
      v128.store(pa, f64x2.add(v128.load(pa, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))), 16);
    }
    for (; i < total; i++) {
      const pa = pAcc + <usize>i * 8;
      store<f64>(pa, load<f64>(pa) + <f64>load<f32>(pBlock + <usize>i * 4));
    }
  }
}

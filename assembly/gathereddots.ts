/**
 * Several templates scored against one block that holds the union of their channels (template matching:
 * the residual around a peak is gathered once for all candidate units). Each item's channels are gathered
 * into contiguous scratch here, inside the module, and scored by shiftedDots, so every score equals
 * gather-then-shiftedDots bit for bit.
 */
import { shiftedDots } from './shifteddots';

/**
 * Items are 4 × i32 each: [first row in x, first index in cols, channel count n, first index in w].
 * out[j·shifts + s] = Σ_{p<rows, q<n} x[(row + s + p)·ld + cols[c0 + q]] · w[w0 + p·n + q].
 */
export function gatheredShiftedDots(pX: usize, ld: i32, rows: i32, shifts: i32, count: i32, pItems: usize, pCols: usize, pW: usize, pScratch: usize, pOut: usize): void {
  const span = rows + shifts - 1;
  for (let j = 0; j < count; j++) {
    const item = pItems + (<usize>j << 4);
    const r0 = load<i32>(item);
    const pc = pCols + (<usize>load<i32>(item, 4) << 2);
    const n = load<i32>(item, 8);
    const pw = pW + (<usize>load<i32>(item, 12) << 2);
    for (let p = 0; p < span; p++) {
      const src = pX + (<usize>((r0 + p) * ld) << 2);
      const dst = pScratch + (<usize>(p * n) << 2);
      for (let q = 0; q < n; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>load<i32>(pc + (<usize>q << 2)) << 2)));
    }
    shiftedDots(pScratch, pw, rows * n, n, shifts, pOut + (<usize>(j * shifts) << 3));
  }
}

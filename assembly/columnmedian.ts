/**
 * Per-column medians of a row-major float32 block: blocks of 64 columns are transposed into scratch, then
 * each column's median is selected by the same quickselect as the TS reference (src/kernels/median.ts),
 * so the result is bit-identical to it, the sign of a zero included. The mean of the two middle values of
 * an even count is taken in float64, as numpy.
 */

import { quickselect, selectBranchFree } from './median';

const BLOCK: i32 = 64;

function median(a: usize, n: i32): f64 {
  const h = n >> 1;
  const upper = quickselect<f32>(a, n, h);
  if (n & 1) return <f64>upper;
  // After selecting index h, every value below it is in a[0..h): the lower middle is their maximum.
  let lower = load<f32>(a);
  for (let i = 1; i < h; i++) {
    const v = load<f32>(a + <usize>i * 4);
    if (v > lower) lower = v;
  }
  return (<f64>lower + <f64>upper) / 2;
}

/** out (f64 × cols) = median of each column of x (rows × cols f32); pBuf: 64 × rows f32 of scratch. rows ≥ 1. */
export function columnMedians(pX: usize, rows: i32, cols: i32, pOut: usize, pBuf: usize): void {
  for (let j0 = 0; j0 < cols; j0 += BLOCK) {
    const nj = min(BLOCK, cols - j0);
    for (let i = 0; i < rows; i++) {
      const src = pX + (<usize>i * <usize>cols + <usize>j0) * 4;
      for (let j = 0; j < nj; j++) store<f32>(pBuf + (<usize>j * <usize>rows + <usize>i) * 4, load<f32>(src + <usize>j * 4));
    }
    for (let j = 0; j < nj; j++) store<f64>(pOut + <usize>(j0 + j) * 8, median(pBuf + <usize>j * <usize>rows * 4, rows));
  }
}

/**
 * For each column j of x (rows × cols int16, row-major): pLo[j] and pHi[j] (i32) = the values of rank
 * (rows − 1) >> 1 and rows >> 1 (the two middle values; equal for an odd count). pBuf: 64 × rows i32 of
 * scratch. rows ≥ 1.
 */
export function columnMiddleInt16(pX: usize, rows: i32, cols: i32, pLo: usize, pHi: usize, pBuf: usize): void {
  const h = rows >> 1;
  for (let j0 = 0; j0 < cols; j0 += BLOCK) {
    const nj = min(BLOCK, cols - j0);
    for (let i = 0; i < rows; i++) {
      const src = pX + (<usize>i * <usize>cols + <usize>j0) * 2;
      for (let j = 0; j < nj; j++) store<i32>(pBuf + (<usize>j * <usize>rows + <usize>i) * 4, <i32>load<i16>(src + <usize>j * 2));
    }
    for (let j = 0; j < nj; j++) {
      const a = pBuf + <usize>j * <usize>rows * 4;
      const upper = selectBranchFree<i32>(a, rows, h);
      let lower = upper;
      if ((rows & 1) == 0) {
        // After selecting rank h every value in a[0..h) is at most it: the lower middle is their maximum.
        lower = load<i32>(a);
        for (let i = 1; i < h; i++) lower = max<i32>(lower, load<i32>(a + <usize>i * 4));
      }
      store<i32>(pLo + <usize>(j0 + j) * 4, lower);
      store<i32>(pHi + <usize>(j0 + j) * 4, upper);
    }
  }
}

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
  let j = 0;
  // Counts of up to `rows` fit the 16-bit lanes below 32768 rows (snippets per unit: hundreds).
  if (rows <= 32767) for (; j + 8 <= cols; j += 8) middleOf8(pX, rows, cols, j, pLo, pHi);
  middleBySelection(pX, rows, cols, j, pLo, pHi, pBuf);
}

/** -32768 as a lane bit pattern: xor maps int16 order to unsigned order (−32768 → 0, 32767 → 65535). */
const SIGN: i32 = 0x8000;

/**
 * The two middle values of 8 adjacent columns at once, with no transpose: the rank-k value of a lane is the
 * largest p with count(x < p) ≤ k, built bit by bit from the top (a count over the rows per bit), starting
 * below the highest bit where any lane's minimum and maximum differ. The upper middle of an even count is
 * the lower one when more than k + 1 values reach it, else the smallest value above it. Exact: every
 * lane gets the order statistics a selection gives.
 */
function middleOf8(pX: usize, rows: i32, cols: i32, j0: i32, pLo: usize, pHi: usize): void {
  const stride = <usize>cols << 1;
  const base = pX + (<usize>j0 << 1);
  const sign = i16x8.splat(<i16>SIGN);
  let mn = i16x8.splat(-1);
  let mx = i16x8.splat(0);
  for (let i = 0, a = base; i < rows; i++, a += stride) {
    const x = v128.xor(v128.load(a), sign);
    mn = i16x8.min_u(mn, x);
    mx = i16x8.max_u(mx, x);
  }
  const diff = v128.xor(mn, mx);
  let any: i32 = 0;
  any |= i16x8.extract_lane_u(diff, 0) | i16x8.extract_lane_u(diff, 1) | i16x8.extract_lane_u(diff, 2) | i16x8.extract_lane_u(diff, 3);
  any |= i16x8.extract_lane_u(diff, 4) | i16x8.extract_lane_u(diff, 5) | i16x8.extract_lane_u(diff, 6) | i16x8.extract_lane_u(diff, 7);
  const bits = 32 - clz<i32>(any);
  const k = (rows - 1) >> 1;
  const kv = i16x8.splat(<i16>k);
  // Every lane's values share the bits above `bits`: the prefix starts at its minimum with the rest cleared.
  const keep: i32 = ~((<i32>1 << bits) - 1);
  let p = v128.and(mn, i16x8.splat(<i16>keep));
  for (let b = bits - 1; b >= 0; b--) {
    const bit: i32 = <i32>1 << b;
    const t = v128.or(p, i16x8.splat(<i16>bit));
    let cnt = i16x8.splat(0);
    for (let i = 0, a = base; i < rows; i++, a += stride) cnt = i16x8.sub(cnt, i16x8.lt_u(v128.xor(v128.load(a), sign), t));
    p = v128.bitselect(t, p, i16x8.le_s(cnt, kv));
  }
  let hi = p;
  if ((rows & 1) == 0) {
    let atMost = i16x8.splat(0);
    let above = i16x8.splat(-1);
    for (let i = 0, a = base; i < rows; i++, a += stride) {
      const x = v128.xor(v128.load(a), sign);
      const le = i16x8.le_u(x, p);
      atMost = i16x8.sub(atMost, le);
      above = i16x8.min_u(above, v128.or(x, le));
    }
    hi = v128.bitselect(p, above, i16x8.gt_s(atMost, i16x8.splat(<i16>(k + 1))));
  }
  const lo = v128.xor(p, sign);
  hi = v128.xor(hi, sign);
  storeLanes(pLo + (<usize>j0 << 2), lo);
  storeLanes(pHi + (<usize>j0 << 2), hi);
}

/** The 8 int16 lanes of v, sign-extended, as 8 i32 at p. */
@inline
function storeLanes(p: usize, v: v128): void {
  v128.store(p, i32x4.extend_low_i16x8_s(v));
  v128.store(p, i32x4.extend_high_i16x8_s(v), 16);
}

/** columnMiddleInt16 for columns [jStart, cols): blocks of 64 columns transposed, then a selection per column. */
function middleBySelection(pX: usize, rows: i32, cols: i32, jStart: i32, pLo: usize, pHi: usize, pBuf: usize): void {
  const h = rows >> 1;
  for (let j0 = jStart; j0 < cols; j0 += BLOCK) {
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

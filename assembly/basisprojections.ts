/**
 * Projections of a snippet of a time-major block on a temporal basis (template matching's per-spike PC
 * features), two channels per f64x2: each channel's sum is still added in row order in float64, as the TS
 * reference adds it, so results are bit for bit equal.
 */

/**
 * out[r·outStride + j] = f32(Σ_{p<len} basis[r·len + p] · x[(row0 + p)·ld + cols[j]]) for r < k, j < m.
 * cols holds m i32; basis holds k × len f32.
 */
export function basisProjections(pX: usize, ld: i32, row0: i32, pCols: usize, m: i32, pB: usize, k: i32, len: i32, pOut: usize, outStride: i32): void {
  let j = 0;
  for (; j + 2 <= m; j += 2) {
    const c0 = <usize>load<i32>(pCols + (<usize>j << 2)) << 2;
    const c1 = <usize>load<i32>(pCols + (<usize>(j + 1) << 2)) << 2;
    for (let r = 0; r < k; r++) {
      const pb = pB + (<usize>(r * len) << 2);
      let s = f64x2.splat(0);
      for (let p = 0; p < len; p++) {
        const row = pX + (<usize>((row0 + p) * ld) << 2);
        const v = f64x2.replace_lane(f64x2.splat(<f64>load<f32>(row + c0)), 1, <f64>load<f32>(row + c1));
        s = f64x2.add(s, f64x2.mul(f64x2.splat(<f64>load<f32>(pb + (<usize>p << 2))), v));
      }
      const o = pOut + (<usize>(r * outStride + j) << 2);
      store<f32>(o, <f32>f64x2.extract_lane(s, 0));
      store<f32>(o, <f32>f64x2.extract_lane(s, 1), 4);
    }
  }
  if (j < m) {
    const c = <usize>load<i32>(pCols + (<usize>j << 2)) << 2;
    for (let r = 0; r < k; r++) {
      const pb = pB + (<usize>(r * len) << 2);
      let s: f64 = 0;
      for (let p = 0; p < len; p++) s += <f64>load<f32>(pb + (<usize>p << 2)) * <f64>load<f32>(pX + (<usize>((row0 + p) * ld) << 2) + c);
      store<f32>(pOut + (<usize>(r * outStride + j) << 2), <f32>s);
    }
  }
}

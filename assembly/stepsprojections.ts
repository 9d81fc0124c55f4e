/**
 * Temporal-basis projections of snippets read straight from int16 steps (detection's features on the trace
 * cache): each sample normalised as normalizeInt16 does, fround(fround(q · gain) · scale), then four
 * components at a time in two float64 lanes pairs, each sum in sample order from 0 (the reference's order).
 */

/**
 * For item i (rows[i]: its first row; its channels chans[chanStart[i] .. chanStart[i + 1])), channel j and
 * component r < k: out[i · dim + j · k + r] = Σ_{p<len} f64(byRow[p · k + r]) · f64(v(rows[i] + p, c_j)), stored
 * as float32. pQ: numRows × nc int16; pGain f64, pScale f32 per channel; pByRow: len × k f32.
 */
export function stepsProjections(
  pQ: usize, nc: i32, pGain: usize, pScale: usize, count: i32, pRows: usize, pChanStart: usize, pChans: usize,
  pByRow: usize, k: i32, len: i32, pOut: usize, dim: i32,
): void {
  const rowBytes = <usize>nc << 1;
  const k4 = k & ~3;
  for (let i = 0; i < count; i++) {
    const first = <usize>load<i32>(pRows + (<usize>i << 2)) * rowBytes;
    const a = load<i32>(pChanStart + (<usize>i << 2));
    const b = load<i32>(pChanStart + (<usize>(i + 1) << 2));
    const po = pOut + (<usize>(i * dim) << 2);
    for (let j = a; j < b; j++) {
      const c = load<i32>(pChans + (<usize>j << 2));
      const g = load<f64>(pGain + (<usize>c << 3));
      const s = load<f32>(pScale + (<usize>c << 2));
      const pc = pQ + first + (<usize>c << 1);
      const o = po + (<usize>((j - a) * k) << 2);
      for (let r = 0; r < k4; r += 4) {
        let s01 = f64x2.splat(0);
        let s23 = f64x2.splat(0);
        let pb = pByRow + (<usize>r << 2);
        let pq = pc;
        for (let p = 0; p < len; p++, pb += <usize>k << 2, pq += rowBytes) {
          const v = f64x2.splat(<f64>(<f32>(<f64>load<i16>(pq) * g) * s));
          const w = v128.load(pb);
          s01 = f64x2.add(s01, f64x2.mul(f64x2.promote_low_f32x4(w), v));
          s23 = f64x2.add(s23, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)), v));
        }
        store<f32>(o + (<usize>r << 2), <f32>f64x2.extract_lane(s01, 0));
        store<f32>(o + (<usize>r << 2), <f32>f64x2.extract_lane(s01, 1), 4);
        store<f32>(o + (<usize>r << 2), <f32>f64x2.extract_lane(s23, 0), 8);
        store<f32>(o + (<usize>r << 2), <f32>f64x2.extract_lane(s23, 1), 12);
      }
      for (let r = k4; r < k; r++) {
        let acc: f64 = 0;
        let pb = pByRow + (<usize>r << 2);
        let pq = pc;
        for (let p = 0; p < len; p++, pb += <usize>k << 2, pq += rowBytes) {
          acc += <f64>load<f32>(pb) * <f64>(<f32>(<f64>load<i16>(pq) * g) * s);
        }
        store<f32>(o + (<usize>r << 2), <f32>acc);
      }
    }
  }
}

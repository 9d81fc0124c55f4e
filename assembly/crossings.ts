/**
 * Threshold crossings of a float32 array: the indices of values ≤ lo or ≥ hi, compared in float64 as the
 * TS reference compares (a NaN bound never matches). Four values per step; only steps with a crossing
 * (rare in noise) take the scalar path that writes indices.
 */

/** Writes the ascending indices of crossings among x[0..n) to out (room for n); returns their count. */
export function thresholdCrossings(pX: usize, n: i32, lo: f64, hi: f64, pOut: usize): i32 {
  const lo2 = f64x2.splat(lo);
  const hi2 = f64x2.splat(hi);
  let m: i32 = 0;
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(pX + (<usize>i << 2));
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    const hit = v128.or(v128.or(f64x2.le(a, lo2), f64x2.ge(a, hi2)), v128.or(f64x2.le(b, lo2), f64x2.ge(b, hi2)));
    if (!v128.any_true(hit)) continue;
    for (let j = i; j < i + 4; j++) m = scalarCrossing(pX, j, lo, hi, pOut, m);
  }
  for (; i < n; i++) m = scalarCrossing(pX, i, lo, hi, pOut, m);
  return m;
}

// @ts-ignore: decorator
@inline function scalarCrossing(pX: usize, i: i32, lo: f64, hi: f64, pOut: usize, m: i32): i32 {
  const x = <f64>load<f32>(pX + (<usize>i << 2));
  if (x <= lo || x >= hi) {
    store<i32>(pOut + (<usize>m << 2), i);
    return m + 1;
  }
  return m;
}

/**
 * Threshold crossings of a float32 array: the indices of values ≤ lo or ≥ hi, compared in float64 as the
 * TS reference compares (a NaN bound never matches). Four values per step; only steps with a crossing
 * (rare in noise) take the scalar path that writes indices.
 */

/** Writes the ascending indices of crossings among x[0..n) to out (room for n); returns their count. */
export function thresholdCrossings(pX: usize, n: i32, lo: f64, hi: f64, pOut: usize): i32 {
  // Bounds that are float32 values (or NaN) compare the same in float32, four values per compare.
  if ((isNaN(lo) || <f64><f32>lo == lo) && (isNaN(hi) || <f64><f32>hi == hi)) return thresholdCrossings32(pX, n, lo, hi, pOut);
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

/** thresholdCrossings for bounds exactly representable in float32 (or NaN): the same crossings. */
function thresholdCrossings32(pX: usize, n: i32, lo: f64, hi: f64, pOut: usize): i32 {
  const lo4 = f32x4.splat(<f32>lo);
  const hi4 = f32x4.splat(<f32>hi);
  let m: i32 = 0;
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(pX + (<usize>i << 2));
    if (!v128.any_true(v128.or(f32x4.le(v, lo4), f32x4.ge(v, hi4)))) continue;
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

/**
 * The matched filter's scale-and-threshold step in one pass over a correlation block (numSamples ×
 * numChannels, float32): y = x · scale[c] in float32 (as scaleChannels), and the ascending indices and
 * values of the y ≤ lo or ≥ hi (compared in float64, as thresholdCrossings). Writes the count found.
 * Only four-channel groups with a crossing take the scalar path, so y is never stored in full.
 */
export function scaledCrossings(pX: usize, numSamples: i32, numChannels: i32, pScale: usize, lo: f64, hi: f64, pIdx: usize, pVal: usize): i32 {
  const nc = numChannels;
  const lo2 = f64x2.splat(lo);
  const hi2 = f64x2.splat(hi);
  let m: i32 = 0;
  for (let t = 0; t < numSamples; t++) {
    const row = t * nc;
    const pRow = pX + (<usize>row << 2);
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      const y = f32x4.mul(v128.load(pRow + (<usize>c << 2)), v128.load(pScale + (<usize>c << 2)));
      const a = f64x2.promote_low_f32x4(y);
      const b = f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 2, 3));
      const hit = v128.or(v128.or(f64x2.le(a, lo2), f64x2.ge(a, hi2)), v128.or(f64x2.le(b, lo2), f64x2.ge(b, hi2)));
      if (!v128.any_true(hit)) continue;
      for (let j = c; j < c + 4; j++) m = scaledCrossing(pRow, pScale, j, row, lo, hi, pIdx, pVal, m);
    }
    for (; c < nc; c++) m = scaledCrossing(pRow, pScale, c, row, lo, hi, pIdx, pVal, m);
  }
  return m;
}

// @ts-ignore: decorator
@inline function scaledCrossing(pRow: usize, pScale: usize, c: i32, row: i32, lo: f64, hi: f64, pIdx: usize, pVal: usize, m: i32): i32 {
  const y: f32 = load<f32>(pRow + (<usize>c << 2)) * load<f32>(pScale + (<usize>c << 2));
  const v = <f64>y;
  if (v <= lo || v >= hi) {
    store<i32>(pIdx + (<usize>m << 2), row + c);
    store<f32>(pVal + (<usize>m << 2), y);
    return m + 1;
  }
  return m;
}

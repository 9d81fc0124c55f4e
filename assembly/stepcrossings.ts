/**
 * Crossings of per-channel integer limits in a time-major int16 block (the motion peaks' threshold scan
 * on cached steps): four channels per i32x4 compare; only groups with a crossing (rare in noise) take
 * the scalar path that writes indices, in ascending order.
 */

/** Writes the indices of steps ≤ below[c] or ≥ above[c] among numSamples × numChannels steps; returns their count. */
export function stepCrossings(pQ: usize, numSamples: i32, numChannels: i32, pBelow: usize, pAbove: usize, pOut: usize): i32 {
  const nc = numChannels;
  let m: i32 = 0;
  for (let t = 0; t < numSamples; t++) {
    const row = t * nc;
    const pRow = pQ + (<usize>row << 1);
    let c = 0;
    for (; c + 4 <= nc; c += 4) {
      const q = v128.load16x4_s(pRow + (<usize>c << 1));
      const lo = v128.load(pBelow + (<usize>c << 2));
      const hi = v128.load(pAbove + (<usize>c << 2));
      if (!v128.any_true(v128.or(i32x4.le_s(q, lo), i32x4.ge_s(q, hi)))) continue;
      for (let j = c; j < c + 4; j++) m = scalarStep(pRow, pBelow, pAbove, j, row, pOut, m);
    }
    for (; c < nc; c++) m = scalarStep(pRow, pBelow, pAbove, c, row, pOut, m);
  }
  return m;
}

// @ts-ignore: decorator
@inline function scalarStep(pRow: usize, pBelow: usize, pAbove: usize, c: i32, row: i32, pOut: usize, m: i32): i32 {
  const q = <i32>load<i16>(pRow + (<usize>c << 1));
  if (q <= load<i32>(pBelow + (<usize>c << 2)) || q >= load<i32>(pAbove + (<usize>c << 2))) {
    store<i32>(pOut + (<usize>m << 2), row + c);
    return m + 1;
  }
  return m;
}

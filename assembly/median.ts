/**
 * Per-time-step median across a subset of channels (common median reference) by quickselect: the same
 * selection as the TS reference, so the median (a value of the data, or the mean of two) is identical.
 */

/** k-th smallest of a[0..n) (0-based), partially reordering a. */
function quickselect(a: usize, n: i32, k: i32): f32 {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps sorted or constant inputs from going quadratic.
    const mid = (lo + hi) >> 1;
    let p = load<f32>(a + <usize>mid * 4);
    const l = load<f32>(a + <usize>lo * 4), h = load<f32>(a + <usize>hi * 4);
    if ((l <= p && p <= h) || (h <= p && p <= l)) {
      // p is the middle
    } else if ((p <= l && l <= h) || (h <= l && l <= p)) p = l;
    else p = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<f32>(a + <usize>i * 4) < p) i++;
      while (load<f32>(a + <usize>j * 4) > p) j--;
      if (i <= j) {
        const pi = a + <usize>i * 4, pj = a + <usize>j * 4;
        const t = load<f32>(pi);
        store<f32>(pi, load<f32>(pj));
        store<f32>(pj, t);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return load<f32>(a + <usize>k * 4);
  }
  return load<f32>(a + <usize>k * 4);
}

/** Median of a[0..n) as numpy defines it; reorders a. NaN for n = 0. */
function medianInPlace(a: usize, n: i32): f32 {
  if (n == 0) return NaN;
  const h = n >> 1;
  const upper = quickselect(a, n, h);
  if (n & 1) return upper;
  // After selecting index h, every value below it is in a[0..h): the lower middle is their maximum.
  let lower = load<f32>(a);
  for (let i = 1; i < h; i++) {
    const v = load<f32>(a + <usize>i * 4);
    if (v > lower) lower = v;
  }
  return <f32>((<f64>lower + <f64>upper) / 2);
}

/** out[t] = median over subset (int32 channel indices, already validated) of x[t*numChannels + c]. */
export function medianAcrossChannels(pX: usize, numSamples: i32, numChannels: i32, pSubset: usize, m: i32, pOut: usize, pBuf: usize): void {
  const rowBytes = <usize>numChannels * 4;
  let row = pX;
  for (let t = 0; t < numSamples; t++, row += rowBytes) {
    for (let j = 0; j < m; j++) {
      const c = load<i32>(pSubset + <usize>j * 4);
      store<f32>(pBuf + <usize>j * 4, load<f32>(row + <usize>c * 4));
    }
    store<f32>(pOut + <usize>t * 4, medianInPlace(pBuf, m));
  }
}

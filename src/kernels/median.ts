/** Per-time-step median across a subset of channels (common median reference), by quickselect. */

/** k-th smallest of a[0..n) (0-based), partially reordering a. */
export function quickselect(a: Float32Array | Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median-of-three pivot keeps sorted or constant inputs from going quadratic.
    const mid = (lo + hi) >> 1;
    let p = a[mid];
    const l = a[lo], h = a[hi];
    if ((l <= p && p <= h) || (h <= p && p <= l)) { /* p is the middle */ } else if ((p <= l && l <= h) || (h <= l && l <= p)) p = l; else p = h;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Median of a[0..n) as numpy defines it; reorders a. NaN for n = 0. */
export function medianInPlace(a: Float32Array, n: number): number {
  if (n === 0) return NaN;
  const h = n >> 1;
  const upper = quickselect(a, n, h);
  if (n & 1) return upper;
  // After selecting index h, every value below it is in a[0..h): the lower middle is their maximum.
  let lower = a[0];
  for (let i = 1; i < h; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

export function medianAcrossChannelsTS(
  x: Float32Array, numChannels: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
): void {
  const nc = numChannels;
  const nt = x.length / nc;
  const m = subset.length;
  const buf = new Float32Array(m);
  for (let t = 0; t < nt; t++) {
    const b = t * nc;
    for (let j = 0; j < m; j++) buf[j] = x[b + subset[j]];
    // + 0 turns a −0 median into +0: with both zeros among the middle values, which one a selection
    // lands on depends on its order, and backends must agree.
    out[t * outStride + outOffset] = medianInPlace(buf, m) + 0;
  }
}

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

/**
 * Clipped median reference. med(t) = the plain median of row t; channel j is left out of row t when
 * |x(t', j) − med(t')| > clip (float32 arithmetic) for some t' in [t − back, t + fwd] ∩ [0, nt); the
 * result is the median of the channels left, or med(t) when none is left out, fewer than half remain,
 * or med(t) is NaN. Why: a large spike covering many channels moves the plain median, and subtracting
 * it stamps the spike's inverted copy on every other channel; leaving the spike's channels out for its
 * whole waveform (back ≈ 1 ms covers its rebound, small but still enough to move the median) does not.
 * The window is clamped to the block, so a caller wanting chunk-independent output passes back/fwd
 * rows of context. clip ≤ 0 leaves nothing out (the plain median).
 */
export function clippedMedianAcrossChannelsTS(
  x: Float32Array, numChannels: number, subset: Int32Array, out: Float32Array, outStride: number, outOffset: number,
  clip: number, back: number, fwd: number,
): void {
  const nc = numChannels;
  const nt = x.length / nc;
  const m = subset.length;
  const med = new Float32Array(nt);
  medianAcrossChannelsTS(x, nc, subset, med, 1, 0);
  const c32 = Math.fround(clip);
  // until[j]: the last row that a flag seen so far leaves channel j out of (flag row + back).
  const until = new Int32Array(m).fill(-1);
  const flagRow = (u: number): void => {
    const mu = med[u];
    if (mu !== mu) return;
    for (let j = 0; j < m; j++) if (Math.abs(Math.fround(x[u * nc + subset[j]] - mu)) > c32) until[j] = u + back;
  };
  for (let u = 0; u < Math.min(fwd, nt); u++) flagRow(u);
  const buf = new Float32Array(m);
  for (let t = 0; t < nt; t++) {
    if (t + fwd < nt) flagRow(t + fwd);
    let r = med[t];
    if (r === r) {
      let kept = 0;
      for (let j = 0; j < m; j++) if (until[j] < t) buf[kept++] = x[t * nc + subset[j]];
      if (kept < m && kept * 2 >= m) r = medianInPlace(buf, kept);
    }
    out[t * outStride + outOffset] = r + 0;
  }
}

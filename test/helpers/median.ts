/** Textbook definitions of the per-row medians, by sorting, for the median kernel tests. */

/** numpy's median of NaN-free values, rounded to float32 as the kernels return it. */
export function sortedMedian(v: ArrayLike<number>): number {
  const s = Array.from(v).sort((a, b) => a - b);
  const n = s.length;
  return Math.fround(n & 1 ? s[n >> 1] : (s[(n >> 1) - 1] + s[n >> 1]) / 2);
}

/** Row t of x (time-major, nc channels) restricted to `subset`. */
export function rowValues(x: Float32Array, nc: number, subset: Int32Array, t: number): number[] {
  return Array.from(subset, (c) => x[t * nc + c]);
}

/**
 * The clipped median by its definition (NaN-free x): channel j is left out of row t when
 * |x(u, j) − med(u)| > clip (float32) for some u in [t − back, t + fwd]; the median of the channels left,
 * or the plain median when none is left out or fewer than half remain. −0 is returned as +0.
 */
export function clippedMedianBySort(x: Float32Array, nc: number, subset: Int32Array, clip: number, back: number, fwd: number): Float32Array {
  const nt = x.length / nc;
  const med = Array.from({ length: nt }, (_, t) => sortedMedian(rowValues(x, nc, subset, t)));
  const c32 = Math.fround(clip);
  const beyond = Array.from({ length: nt }, (_, t) => rowValues(x, nc, subset, t).map((v) => Math.abs(Math.fround(v - med[t])) > c32));
  return Float32Array.from({ length: nt }, (_, t) => {
    const kept = rowValues(x, nc, subset, t).filter((_, j) => {
      for (let u = Math.max(0, t - back); u <= Math.min(nt - 1, t + fwd); u++) if (beyond[u][j]) return false;
      return true;
    });
    return (kept.length < subset.length && kept.length * 2 >= subset.length ? sortedMedian(kept) : med[t]) + 0;
  });
}

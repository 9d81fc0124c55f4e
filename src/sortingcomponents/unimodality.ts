/**
 * One-dimensional unimodality test in the spirit of MountainSort's isocut: fit the best unimodal
 * histogram (isotonic up to a mode, then down) to the observed one, and measure the largest
 * missing mass — a density dip — as a Poisson z-score. A large score means two modes; the cut
 * point is the emptiest bin of the dip. Works for tens of points as well as thousands.
 */

export interface DipResult {
  /** z-score of the deepest dip (0 when the data look unimodal). */
  score: number;
  /** Where to split (a value between the two modes). */
  cut: number;
}

export function dipTest(values: ArrayLike<number>): DipResult {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  if (n < 6) return { score: 0, cut: sorted[n >> 1] ?? 0 };
  // Trim the extreme 0.5 % so that a few outliers do not squash the histogram.
  const lo = sorted[Math.floor(0.005 * (n - 1))];
  const hi = sorted[Math.ceil(0.995 * (n - 1))];
  if (!(hi > lo)) return { score: 0, cut: lo };
  const bins = Math.max(8, Math.min(64, Math.round(1.5 * Math.sqrt(n))));
  const width = (hi - lo) / bins;
  const h = new Float64Array(bins);
  for (const v of sorted) {
    if (v < lo || v > hi) continue;
    h[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const u = unimodalFit(h);
  // Largest (Σu − Σh)/sqrt(Σu) over contiguous bin ranges: the most significant missing mass.
  let best = 0;
  let bestA = 0;
  let bestB = 0;
  for (let a = 0; a < bins; a++) {
    let su = 0;
    let sh = 0;
    for (let b = a; b < bins; b++) {
      su += u[b];
      sh += h[b];
      const z = (su - sh) / Math.sqrt(su + 1);
      if (z > best) {
        best = z;
        bestA = a;
        bestB = b;
      }
    }
  }
  let cutBin = bestA;
  for (let b = bestA; b <= bestB; b++) if (h[b] - u[b] < h[cutBin] - u[cutBin]) cutBin = b;
  return { score: best, cut: lo + (cutBin + 0.5) * width };
}

/** Least-squares unimodal sequence: best over every mode position of increasing-then-decreasing isotonic fits. */
export function unimodalFit(h: Float64Array): Float64Array {
  const n = h.length;
  let bestErr = Infinity;
  let best = Float64Array.from(h);
  for (let m = 0; m < n; m++) {
    const up = isotonic(h.subarray(0, m + 1), true);
    const down = isotonic(h.subarray(m), false);
    // The mode bin belongs to both fits: take the larger so the sequence stays unimodal.
    const fit = new Float64Array(n);
    fit.set(up.subarray(0, m));
    fit.set(down, m);
    fit[m] = Math.max(up[m], down[0]);
    let err = 0;
    for (let i = 0; i < n; i++) err += (fit[i] - h[i]) ** 2;
    if (err < bestErr) {
      bestErr = err;
      best = fit;
    }
  }
  return best;
}

/** Pool-adjacent-violators: the closest non-decreasing (or non-increasing) sequence. */
export function isotonic(y: ArrayLike<number>, increasing: boolean): Float64Array {
  const n = y.length;
  const val: number[] = [];
  const cnt: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = increasing ? y[i] : -y[i];
    let c = 1;
    while (val.length && val[val.length - 1] > v) {
      const pv = val.pop()!;
      const pc = cnt.pop()!;
      v = (pv * pc + v * c) / (pc + c);
      c += pc;
    }
    val.push(v);
    cnt.push(c);
  }
  const out = new Float64Array(n);
  let i = 0;
  for (let b = 0; b < val.length; b++) for (let k = 0; k < cnt[b]; k++) out[i++] = increasing ? val[b] : -val[b];
  return out;
}

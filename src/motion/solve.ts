/**
 * The displacement solve: from pairwise displacement differences D[i,k] ≈ p[k] − p[i] with
 * confidences W[i,k] between time bins within a horizon, find p minimising
 *   Σ W (p[k] − p[i] − D)² + λ Σ (p[i+1] − p[i])² + ε Σ p²,
 * iteratively reweighted (Tukey biweight on the residuals) so that wrong correlation peaks lose
 * their say. The normal matrix is banded (bandwidth = horizon), so the solve is a banded Cholesky.
 */

export interface PairwiseDifferences {
  numBins: number;
  /** Largest |k − i| stored. */
  horizon: number;
  /** D and W at (i, d) = pair (i, i + d), d = 1..horizon, index i * horizon + d − 1. */
  diff: Float64Array;
  weight: Float64Array;
}

export interface SolveOptions {
  /** Temporal smoothness weight relative to the mean pairwise weight per bin. */
  smoothness: number;
  robustIterations: number;
  /** Tukey scale floor (µm): residuals well beyond max(this, 4.685 × robust sd) get zero weight. */
  minRobustScaleUm: number;
}

export function emptyDifferences(numBins: number, horizon: number): PairwiseDifferences {
  const h = Math.max(1, Math.min(horizon, numBins - 1));
  return { numBins, horizon: h, diff: new Float64Array(numBins * h), weight: new Float64Array(numBins * h) };
}

export function solveDisplacement(pw: PairwiseDifferences, opts: SolveOptions): Float64Array {
  const n = pw.numBins;
  if (n === 1) return new Float64Array(1);
  const h = pw.horizon;
  let w: Float64Array = Float64Array.from(pw.weight);
  let p: Float64Array = new Float64Array(n);
  for (let iter = 0; iter <= opts.robustIterations; iter++) {
    p = solveWeighted(pw, w, opts.smoothness);
    if (iter === opts.robustIterations) break;
    const res: number[] = [];
    const resid = new Float64Array(w.length);
    for (let i = 0; i < n; i++) {
      for (let d = 1; d <= h && i + d < n; d++) {
        const q = i * h + d - 1;
        if (pw.weight[q] <= 0) continue;
        resid[q] = p[i + d] - p[i] - pw.diff[q];
        res.push(Math.abs(resid[q]));
      }
    }
    if (res.length === 0) break;
    res.sort((a, b) => a - b);
    const sd = 1.4826 * res[res.length >> 1];
    const c = 4.685 * Math.max(sd, opts.minRobustScaleUm);
    w = new Float64Array(w.length);
    for (let q = 0; q < w.length; q++) {
      if (pw.weight[q] <= 0) continue;
      const u = resid[q] / c;
      w[q] = Math.abs(u) < 1 ? pw.weight[q] * (1 - u * u) ** 2 : 0;
    }
  }
  return p;
}

function solveWeighted(pw: PairwiseDifferences, w: Float64Array, smoothness: number): Float64Array {
  const n = pw.numBins;
  const h = pw.horizon;
  // Band storage: A[i][j] for i ≤ j ≤ i + h at band[i * (h + 1) + (j − i)].
  const bw = h + 1;
  const band = new Float64Array(n * bw);
  const b = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let d = 1; d <= h && i + d < n; d++) {
      const q = i * h + d - 1;
      const wq = w[q];
      if (wq <= 0) continue;
      total += wq;
      band[i * bw] += wq;
      band[(i + d) * bw] += wq;
      band[i * bw + d] -= wq;
      b[i + d] += wq * pw.diff[q];
      b[i] -= wq * pw.diff[q];
    }
  }
  const meanRow = total > 0 ? (2 * total) / n : 1;
  const lam = smoothness * meanRow;
  for (let i = 0; i + 1 < n; i++) {
    band[i * bw] += lam;
    band[(i + 1) * bw] += lam;
    band[i * bw + 1] -= lam;
  }
  // A tiny ridge fixes the free constant (the mean displacement goes to ≈ 0).
  const eps = 1e-6 * meanRow + 1e-12;
  for (let i = 0; i < n; i++) band[i * bw] += eps;
  const p = bandedCholeskySolve(band, b, n, h);
  let mean = 0;
  for (const v of p) mean += v;
  mean /= n;
  for (let i = 0; i < n; i++) p[i] -= mean;
  return p;
}

/** Solves A x = b for symmetric positive definite banded A (upper band storage, bandwidth h). */
export function bandedCholeskySolve(band: Float64Array, b: Float64Array, n: number, h: number): Float64Array {
  const bw = h + 1;
  // In place: A = Uᵀ U, U upper triangular with the same band.
  const u = Float64Array.from(band);
  for (let i = 0; i < n; i++) {
    let diag = u[i * bw];
    for (let k = Math.max(0, i - h); k < i; k++) diag -= u[k * bw + (i - k)] ** 2;
    if (!(diag > 0)) throw new Error('motion solve: the normal matrix is not positive definite (no usable correlation between time bins)');
    const dii = Math.sqrt(diag);
    u[i * bw] = dii;
    for (let j = i + 1; j <= Math.min(n - 1, i + h); j++) {
      let s = u[i * bw + (j - i)];
      for (let k = Math.max(0, j - h); k < i; k++) s -= u[k * bw + (i - k)] * u[k * bw + (j - k)];
      u[i * bw + (j - i)] = s / dii;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = Math.max(0, i - h); k < i; k++) s -= u[k * bw + (i - k)] * y[k];
    y[i] = s / u[i * bw];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let j = i + 1; j <= Math.min(n - 1, i + h); j++) s -= u[i * bw + (j - i)] * x[j];
    x[i] = s / u[i * bw];
  }
  return x;
}

/**
 * Small dense linear algebra for the sorter's statistics (covariances of at most a few hundred
 * dimensions): symmetric eigen-decomposition, PCA, regularised solves. Row-major float64.
 */
import { jacobiEigen } from '../kernels/linalg.js';
export interface Eigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows, in the order of `values` (d × d). */
  vectors: Float64Array;
}

/** Eigen-decomposition through the kernels' Jacobi solver, in descending order with vectors as rows. */
export function symmetricEigen(a: Float64Array, d: number, sweeps = 60): Eigen {
  const { m, vt } = jacobiEigen(a, d, sweeps);
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[i * d + i] - m[j * d + j]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    const src = order[d - 1 - r];
    values[r] = m[src * d + src];
    vectors.set(vt.subarray(src * d, src * d + d), r * d);
  }
  return { values, vectors };
}

/** Mean and covariance of the rows `rows` of an n × d matrix (all rows when omitted). */
export function meanCovariance(x: ArrayLike<number>, d: number, rows?: ArrayLike<number>): { mean: Float64Array; cov: Float64Array } {
  const n = rows ? rows.length : x.length / d;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  const row = (i: number) => (rows ? rows[i] : i) * d;
  for (let i = 0; i < n; i++) for (let k = 0, b = row(i); k < d; k++) mean[k] += x[b + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(1, n);
  // Centred rows COV_ROWS at a time: each entry is loaded and stored once per group, its products still
  // added one row at a time in row order (the same sums as one row per pass).
  const c = new Float64Array(COV_ROWS * d);
  let i = 0;
  for (; i + COV_ROWS <= n; i += COV_ROWS) {
    for (let r = 0; r < COV_ROWS; r++) centre(x, row(i + r), mean, c, r * d, d);
    addProducts4(cov, c, d);
  }
  for (; i < n; i++) {
    centre(x, row(i), mean, c, 0, d);
    for (let p = 0; p < d; p++) {
      const cp = c[p];
      for (let q = p; q < d; q++) cov[p * d + q] += cp * c[q];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[q * d + p] = cov[p * d + q] /= denom;
  return { mean, cov };
}

/** Rows centred together by meanCovariance. */
const COV_ROWS = 4;

/** out[o + k] = x[b + k] − mean[k] for k < d. */
function centre(x: ArrayLike<number>, b: number, mean: Float64Array, out: Float64Array, o: number, d: number): void {
  for (let k = 0; k < d; k++) out[o + k] = x[b + k] - mean[k];
}

/** The upper triangle of cov += Σ_r c_r c_rᵀ over the 4 centred rows in c, added in row order. */
function addProducts4(cov: Float64Array, c: Float64Array, d: number): void {
  for (let p = 0; p < d; p++) {
    const a0 = c[p];
    const a1 = c[d + p];
    const a2 = c[2 * d + p];
    const a3 = c[3 * d + p];
    for (let q = p, j = p * d + p; q < d; q++, j++) {
      let v = cov[j];
      v += a0 * c[q];
      v += a1 * c[d + q];
      v += a2 * c[2 * d + q];
      v += a3 * c[3 * d + q];
      cov[j] = v;
    }
  }
}

/** Solves (A + ridge·trace(A)/d·I) x = b by Cholesky; A symmetric positive semi-definite. */
export function ridgeSolve(a: Float64Array, b: Float64Array, d: number, ridge = 1e-3): Float64Array {
  let tr = 0;
  for (let i = 0; i < d; i++) tr += a[i * d + i];
  const lam = (ridge * tr) / d + 1e-12;
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j] + (i === j ? lam : 0);
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * d + j];
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}

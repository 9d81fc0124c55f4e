/**
 * Small dense linear algebra for the sorter's statistics (covariances of at most a few hundred
 * dimensions): symmetric eigen-decomposition, PCA, regularised solves. Row-major float64.
 */

export interface Eigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as rows, in the order of `values` (d × d). */
  vectors: Float64Array;
}

/** Cyclic Jacobi rotations: slow for large d but exact and dependency-free; d here is ≤ ~200. */
export function symmetricEigen(a: Float64Array, d: number, sweeps = 60): Eigen {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q] * m[p * d + q];
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * d + q] - m[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p];
          const mkq = m[k * d + q];
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k];
          const mqk = m[q * d + k];
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[j * d + j] - m[i * d + i]);
  const values = Float64Array.from(order, (i) => m[i * d + i]);
  const vectors = new Float64Array(d * d);
  order.forEach((col, r) => {
    for (let k = 0; k < d; k++) vectors[r * d + k] = v[k * d + col];
  });
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
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const b = row(i);
    for (let k = 0; k < d; k++) c[k] = x[b + k] - mean[k];
    for (let p = 0; p < d; p++) {
      const cp = c[p];
      for (let q = p; q < d; q++) cov[p * d + q] += cp * c[q];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[q * d + p] = cov[p * d + q] /= denom;
  return { mean, cov };
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

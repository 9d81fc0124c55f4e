/**
 * The independent references the eigensolver tests check the kernels against: the textbook cyclic Jacobi
 * (each rotation as a column pass, a row pass and an eigenvector pass, how the solver was first written)
 * and test covariances shaped like spike features.
 */
import { seededRandom } from '../../src/sortingcomponents/random.js';
import { gaussian } from './random.js';

/** A symmetric covariance of n Gaussian rows in d dimensions, the first 4 inflated (like spike features), the last zeroDims all zero (padding). */
export function covariance(d: number, n: number, seed: number, zeroDims = 0): Float64Array {
  const rand = seededRandom(seed);
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = j >= d - zeroDims ? 0 : gaussian(rand) * (j < 4 ? 5 : 1);
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) c[p * d + q] += (row[p] * row[q]) / n;
  }
  return c;
}

export function identity(n: number): Float64Array {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return v;
}

/**
 * Up to maxSweeps textbook Jacobi sweeps on m (n × n, row-major), in place; each rotation is also applied
 * to the rows of vt (the eigenvectors as rows). Stops once the off-diagonal sum of squares is ≤ 1e-30 × the diagonal's.
 */
export function plainSweeps(m: Float64Array, vt: Float64Array, n: number, maxSweeps: number): void {
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i] * m[i * n + i];
      for (let j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        const pass = (x: Float64Array, at: (k: number, j: number) => number) => {
          for (let k = 0; k < n; k++) {
            const xp = x[at(k, p)];
            const xq = x[at(k, q)];
            x[at(k, p)] = c * xp - s * xq;
            x[at(k, q)] = s * xp + c * xq;
          }
        };
        pass(m, (k, j) => k * n + j);
        pass(m, (k, j) => j * n + k);
        pass(vt, (k, j) => j * n + k);
      }
    }
  }
}

/**
 * The textbook mean and covariance (one centred row at a time, in row order, float64), the reference the
 * meanCovariance kernel and its callers must equal bit for bit.
 */
export function textbookMeanCovariance(x: Float32Array, d: number, rows: number[]): { mean: Float64Array; cov: Float64Array } {
  const n = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let k = 0; k < d; k++) mean[k] += x[r * d + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(1, n);
  const cov = new Float64Array(d * d);
  for (const r of rows) {
    const c = Array.from({ length: d }, (_, k) => x[r * d + k] - mean[k]);
    for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[p * d + q] += c[p] * c[q];
  }
  for (let p = 0; p < d; p++) for (let q = p; q < d; q++) cov[q * d + p] = cov[p * d + q] /= Math.max(1, n - 1);
  return { mean, cov };
}

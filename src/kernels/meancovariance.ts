/**
 * Mean and covariance of chosen rows of a float32 matrix (clustering's PCA of each group's features): the TS
 * reference of Kernels.meanCovariance. The sums are taken in a fixed order, which every backend keeps, so
 * all give these bits: the mean in row order, then each covariance entry's products in row order, four
 * centred rows at a time (each entry loaded and stored once per four rows), then the rest one by one.
 */

/** Checks meanCovariance's shapes and returns the row count; shared with the WASM backend. */
export function checkMeanCovariance(x: Float32Array, d: number, rows: Int32Array | null, mean: Float64Array, cov: Float64Array): number {
  if (!Number.isInteger(d) || d <= 0) throw new Error(`meanCovariance: d = ${d} must be a positive integer`);
  if (x.length % d !== 0) throw new Error(`meanCovariance: x holds ${x.length} values, not a multiple of d = ${d}`);
  if (mean.length < d || cov.length < d * d) throw new Error(`meanCovariance: mean (${mean.length}) and cov (${cov.length}) must hold ${d} and ${d * d} values`);
  const total = x.length / d;
  if (!rows) return total;
  for (let i = 0; i < rows.length; i++) {
    if (!(rows[i] >= 0 && rows[i] < total)) throw new Error(`meanCovariance: row ${rows[i]} is outside 0..${total - 1}`);
  }
  return rows.length;
}

/**
 * mean (d) and cov (d × d, symmetric, divided by max(1, n − 1)) of the rows `rows` of x (n × d, all rows
 * when null); both overwritten.
 */
export function meanCovarianceTS(x: Float32Array, d: number, rows: Int32Array | null, mean: Float64Array, cov: Float64Array): void {
  const n = checkMeanCovariance(x, d, rows, mean, cov);
  mean.fill(0, 0, d);
  cov.fill(0, 0, d * d);
  const row = (i: number) => (rows ? rows[i] : i) * d;
  for (let i = 0; i < n; i++) for (let k = 0, b = row(i); k < d; k++) mean[k] += x[b + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(1, n);
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
}

/** Rows centred together. */
const COV_ROWS = 4;

/** out[o + k] = x[b + k] − mean[k] for k < d. */
function centre(x: Float32Array, b: number, mean: Float64Array, out: Float64Array, o: number, d: number): void {
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

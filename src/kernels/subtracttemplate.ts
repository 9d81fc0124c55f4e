/**
 * A scaled template subtracted in place from a time-major block on a subset of its columns, optionally
 * adding a scaled squared template to a second block of the same shape (template matching's residual and
 * the error variance each fitted spike leaves).
 */

/** Throws unless the template's rows × columns lie inside x (and variance, when given). */
export function checkSubtractTemplate(x: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array, variance: Float32Array | null): void {
  for (const [name, v] of [['ld', ld], ['start', start], ['rows', rows]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`subtractTemplate: ${name} = ${v} must be a non-negative integer`);
  }
  const n = cols.length;
  if (w.length < rows * n) throw new Error(`subtractTemplate: the template has ${w.length} values, ${rows} rows × ${n} columns need ${rows * n}`);
  if (rows > 0 && n > 0 && (start + rows) * ld > x.length) throw new Error(`subtractTemplate: rows [${start}, ${start + rows}) lie outside a block of ${ld > 0 ? Math.floor(x.length / ld) : 0} rows`);
  if (variance && variance.length < x.length) throw new Error(`subtractTemplate: variance has ${variance.length} values, fewer than the block's ${x.length}`);
  for (let q = 0; q < n; q++) {
    if (!(cols[q] >= 0 && cols[q] < ld)) throw new Error(`subtractTemplate: column ${cols[q]} is outside the block's ${ld} columns`);
  }
}

/**
 * x[(start+p)·ld + cols[q]] −= a · w[p·n + q] and, when variance is given, variance[same] += (k · w) · w,
 * for p < rows, q < n = cols.length; each in float64, stored as float32.
 */
export function subtractTemplateTS(x: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array, a: number, variance: Float32Array | null, k: number): void {
  checkSubtractTemplate(x, ld, start, rows, cols, w, variance);
  const n = cols.length;
  for (let p = 0; p < rows; p++) {
    const row = (start + p) * ld;
    for (let q = 0; q < n; q++) x[row + cols[q]] -= a * w[p * n + q];
  }
  if (!variance) return;
  for (let p = 0; p < rows; p++) {
    const row = (start + p) * ld;
    for (let q = 0; q < n; q++) variance[row + cols[q]] += k * w[p * n + q] * w[p * n + q];
  }
}

/** Throws unless the template's rows × columns lie inside the variance block. */
export function checkWeightedVariance(variance: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array): void {
  for (const [name, v] of [['ld', ld], ['start', start], ['rows', rows]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`weightedVariance: ${name} = ${v} must be a non-negative integer`);
  }
  const n = cols.length;
  if (w.length < rows * n) throw new Error(`weightedVariance: the template has ${w.length} values, ${rows} rows × ${n} columns need ${rows * n}`);
  if (rows > 0 && n > 0 && (start + rows) * ld > variance.length) throw new Error(`weightedVariance: rows [${start}, ${start + rows}) lie outside a block of ${ld > 0 ? Math.floor(variance.length / ld) : 0} rows`);
  for (let q = 0; q < n; q++) {
    if (!(cols[q] >= 0 && cols[q] < ld)) throw new Error(`weightedVariance: column ${cols[q]} is outside the block's ${ld} columns`);
  }
}

/**
 * Σ_{p<rows} Σ_{q<n} (w · w) · max(0, variance[(start+p)·ld + cols[q]]), w = w[p·n + q], n = cols.length, in
 * float64 and in that order (rows of zeros add exactly nothing, so callers may skip them).
 */
export function weightedVarianceTS(variance: Float32Array, ld: number, start: number, rows: number, cols: Int32Array, w: Float32Array): number {
  checkWeightedVariance(variance, ld, start, rows, cols, w);
  const n = cols.length;
  let s = 0;
  for (let p = 0; p < rows; p++) {
    const row = (start + p) * ld;
    for (let q = 0; q < n; q++) s += w[p * n + q] * w[p * n + q] * Math.max(0, variance[row + cols[q]]);
  }
  return s;
}

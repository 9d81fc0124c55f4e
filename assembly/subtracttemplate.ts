/**
 * Template matching's subtraction of a fitted spike, fused with the error variance it leaves: one call per
 * fit, reading the template once. Every value is computed as the TS reference computes it (float64, stored
 * as float32), so results are bit for bit equal.
 */

/**
 * x[(start+p)·ld + cols[q]] −= a · w[p·n + q]; when pVar is not 0, var[same] += (k · w) · w.
 * cols holds n i32; w holds rows × n f32.
 */
export function subtractTemplate(pX: usize, ld: i32, start: i32, rows: i32, pCols: usize, n: i32, pW: usize, a: f64, pVar: usize, k: f64): void {
  for (let p = 0; p < rows; p++) {
    const row = <usize>((start + p) * ld);
    const wRow = pW + (<usize>(p * n) << 2);
    if (pVar) {
      for (let q = 0; q < n; q++) {
        const i = (row + <usize>load<i32>(pCols + (<usize>q << 2))) << 2;
        const w = <f64>load<f32>(wRow + (<usize>q << 2));
        store<f32>(pX + i, <f32>(<f64>load<f32>(pX + i) - a * w));
        store<f32>(pVar + i, <f32>(<f64>load<f32>(pVar + i) + k * w * w));
      }
    } else {
      for (let q = 0; q < n; q++) {
        const i = (row + <usize>load<i32>(pCols + (<usize>q << 2))) << 2;
        store<f32>(pX + i, <f32>(<f64>load<f32>(pX + i) - a * <f64>load<f32>(wRow + (<usize>q << 2))));
      }
    }
  }
}

/**
 * Σ_{p<rows} Σ_{q<n} (w · w) · max(0, var[(start+p)·ld + cols[q]]), w = w[p·n + q], in float64 and added in
 * that order, as the TS reference adds them (the error variance under a template window in matching).
 */
export function weightedVariance(pVar: usize, ld: i32, start: i32, rows: i32, pCols: usize, n: i32, pW: usize): f64 {
  let s: f64 = 0;
  for (let p = 0; p < rows; p++) {
    const row = <usize>((start + p) * ld);
    const wRow = pW + (<usize>(p * n) << 2);
    for (let q = 0; q < n; q++) {
      const w = <f64>load<f32>(wRow + (<usize>q << 2));
      const v = <f64>load<f32>(pVar + ((row + <usize>load<i32>(pCols + (<usize>q << 2))) << 2));
      s += w * w * max<f64>(0, v);
    }
  }
  return s;
}

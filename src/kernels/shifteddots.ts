/** Dot products of one vector with equally spaced windows of a block (template scores at several alignments). */

/** Throws unless x holds `shifts` windows of n values spaced `stride` apart, and w and out fit. */
export function checkShiftedDots(x: Float32Array, w: Float32Array, n: number, stride: number, shifts: number, out: Float64Array): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(stride) || stride < 0 || !Number.isInteger(shifts) || shifts < 0) {
    throw new Error(`shiftedDots: n = ${n}, stride = ${stride}, shifts = ${shifts} must be non-negative integers`);
  }
  if (w.length < n) throw new Error(`shiftedDots: w has ${w.length} values, fewer than n = ${n}`);
  if (out.length < shifts) throw new Error(`shiftedDots: out has ${out.length} values, fewer than ${shifts} shifts`);
  const need = shifts > 0 ? (shifts - 1) * stride + n : 0;
  if (x.length < need) throw new Error(`shiftedDots: x has ${x.length} values, ${shifts} windows of ${n} spaced ${stride} need ${need}`);
}

/** out[s] = Σ_{i<n} x[s·stride + i] · w[i] for s < shifts, in float64. */
export function shiftedDotsTS(x: Float32Array, w: Float32Array, n: number, stride: number, shifts: number, out: Float64Array): void {
  checkShiftedDots(x, w, n, stride, shifts, out);
  for (let s = 0; s < shifts; s++) {
    const off = s * stride;
    // Four partial sums break the chain of dependent additions (float32 products are exact in float64).
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += x[off + i] * w[i];
      s1 += x[off + i + 1] * w[i + 1];
      s2 += x[off + i + 2] * w[i + 2];
      s3 += x[off + i + 3] * w[i + 3];
    }
    for (; i < n; i++) s0 += x[off + i] * w[i];
    out[s] = s0 + s1 + (s2 + s3);
  }
}

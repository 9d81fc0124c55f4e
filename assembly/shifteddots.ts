/**
 * Dot products of one vector with several equally spaced windows of a block:
 * out[s] = Σ_{i<n} x[s·stride + i] · w[i] for s < shifts (template scores at neighbouring alignments).
 * Products and sums in float64 (float32 × float32 is exact there), two lanes × four accumulators, so the
 * result differs from a plain float64 loop only by the order of the additions (~1e-16 relative).
 */
export function shiftedDots(pX: usize, pW: usize, n: i32, stride: i32, shifts: i32, pOut: usize): void {
  for (let s = 0; s < shifts; s++) {
    const px = pX + <usize>(s * stride) * 4;
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const xp = px + <usize>i * 4;
      const wp = pW + <usize>i * 4;
      a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp)), f64x2.promote_low_f32x4(v128.load64_zero(wp))));
      a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 8)), f64x2.promote_low_f32x4(v128.load64_zero(wp, 8))));
      a2 = f64x2.add(a2, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 16)), f64x2.promote_low_f32x4(v128.load64_zero(wp, 16))));
      a3 = f64x2.add(a3, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(xp, 24)), f64x2.promote_low_f32x4(v128.load64_zero(wp, 24))));
    }
    const v = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
    let sum: f64 = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
    for (; i < n; i++) sum += <f64>load<f32>(px + <usize>i * 4) * <f64>load<f32>(pW + <usize>i * 4);
    store<f64>(pOut + <usize>s * 8, sum);
  }
}

/**
 * Mean and covariance of n float32 rows: the same sums in the same order as the TS reference
 * (src/kernels/meancovariance.ts), so the bits are the same (WebAssembly has no fused multiply-add). The
 * covariance's upper triangle is updated two adjacent entries per f64x2 lane pair; a lane adds what the
 * scalar loop would.
 */

/**
 * Rows at pX (n × d f32, already gathered), mean (d f64) at pMean, cov (d × d f64) at pCov, both overwritten;
 * pC: 4 × d f64 of scratch.
 */
export function meanCovariance(pX: usize, n: i32, d: i32, pMean: usize, pCov: usize, pC: usize): void {
  memory.fill(pMean, 0, <usize>d << 3);
  memory.fill(pCov, 0, (<usize>d * <usize>d) << 3);
  for (let i = 0; i < n; i++) {
    const b = pX + ((<usize>i * <usize>d) << 2);
    for (let k = 0; k < d; k++) {
      const a = pMean + (<usize>k << 3);
      store<f64>(a, load<f64>(a) + <f64>load<f32>(b + (<usize>k << 2)));
    }
  }
  const nn: f64 = <f64>max(1, n);
  for (let k = 0; k < d; k++) {
    const a = pMean + (<usize>k << 3);
    store<f64>(a, load<f64>(a) / nn);
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    for (let r = 0; r < 4; r++) centreRow(pX, i + r, d, pMean, pC + ((<usize>r * <usize>d) << 3));
    addProducts4(pCov, pC, d);
  }
  for (; i < n; i++) {
    centreRow(pX, i, d, pMean, pC);
    for (let p = 0; p < d; p++) {
      const cp = load<f64>(pC + (<usize>p << 3));
      for (let q = p; q < d; q++) {
        const a = pCov + ((<usize>p * <usize>d + <usize>q) << 3);
        store<f64>(a, load<f64>(a) + cp * load<f64>(pC + (<usize>q << 3)));
      }
    }
  }
  const denom: f64 = <f64>max(1, n - 1);
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      const a = pCov + ((<usize>p * <usize>d + <usize>q) << 3);
      const v = load<f64>(a) / denom;
      store<f64>(a, v);
      store<f64>(pCov + ((<usize>q * <usize>d + <usize>p) << 3), v);
    }
  }
}

@inline
function centreRow(pX: usize, i: i32, d: i32, pMean: usize, pOut: usize): void {
  const b = pX + ((<usize>i * <usize>d) << 2);
  for (let k = 0; k < d; k++) store<f64>(pOut + (<usize>k << 3), <f64>load<f32>(b + (<usize>k << 2)) - load<f64>(pMean + (<usize>k << 3)));
}

/** Upper triangle of cov += Σ_r c_r c_rᵀ over the 4 centred rows at pC, each entry's products in row order. */
function addProducts4(pCov: usize, pC: usize, d: i32): void {
  const rowBytes = <usize>d << 3;
  for (let p = 0; p < d; p++) {
    const a0 = load<f64>(pC + (<usize>p << 3));
    const a1 = load<f64>(pC + rowBytes + (<usize>p << 3));
    const a2 = load<f64>(pC + 2 * rowBytes + (<usize>p << 3));
    const a3 = load<f64>(pC + 3 * rowBytes + (<usize>p << 3));
    const v0 = f64x2.splat(a0);
    const v1 = f64x2.splat(a1);
    const v2 = f64x2.splat(a2);
    const v3 = f64x2.splat(a3);
    let q = p;
    for (; q + 2 <= d; q += 2) {
      const a = pCov + ((<usize>p * <usize>d + <usize>q) << 3);
      const c = pC + (<usize>q << 3);
      let v = v128.load(a);
      v = f64x2.add(v, f64x2.mul(v0, v128.load(c)));
      v = f64x2.add(v, f64x2.mul(v1, v128.load(c + rowBytes)));
      v = f64x2.add(v, f64x2.mul(v2, v128.load(c + 2 * rowBytes)));
      v = f64x2.add(v, f64x2.mul(v3, v128.load(c + 3 * rowBytes)));
      v128.store(a, v);
    }
    for (; q < d; q++) {
      const a = pCov + ((<usize>p * <usize>d + <usize>q) << 3);
      const c = pC + (<usize>q << 3);
      let v = load<f64>(a);
      v += a0 * load<f64>(c);
      v += a1 * load<f64>(c + rowBytes);
      v += a2 * load<f64>(c + 2 * rowBytes);
      v += a3 * load<f64>(c + 3 * rowBytes);
      store<f64>(a, v);
    }
  }
}

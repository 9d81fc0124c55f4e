/**
 * Second-order-section IIR filtering of time-major blocks, all channels in the inner loop.
 * Delays are float64; the signal passes between sections as float32, so the result differs from a
 * float64 cascade by about 1e-7 of the signal's magnitude per section.
 */
export function sosfiltTS(sos: Float64Array, x: Float32Array, numChannels: number, state: Float64Array, backward: boolean): void {
  const nc = numChannels;
  const nsec = sos.length / 6;
  if (!Number.isInteger(nsec)) throw new Error(`sosfilt: sos has ${sos.length} values, not a multiple of 6`);
  if (state.length !== nsec * 2 * nc) throw new Error(`sosfilt: state has ${state.length} values, expected ${nsec * 2 * nc}`);
  if (x.length % nc !== 0) throw new Error(`sosfilt: ${x.length} samples is not a multiple of ${nc} channels`);
  const nt = x.length / nc;
  for (let s = 0; s < nsec; s++) {
    const a0 = sos[s * 6 + 3];
    const b0 = sos[s * 6] / a0, b1 = sos[s * 6 + 1] / a0, b2 = sos[s * 6 + 2] / a0;
    const a1 = sos[s * 6 + 4] / a0, a2 = sos[s * 6 + 5] / a0;
    const z0 = state.subarray(s * 2 * nc, s * 2 * nc + nc);
    const z1 = state.subarray(s * 2 * nc + nc, s * 2 * nc + 2 * nc);
    const t0 = backward ? nt - 1 : 0;
    const step = backward ? -nc : nc;
    for (let i = 0, base = t0 * nc; i < nt; i++, base += step) {
      for (let c = 0; c < nc; c++) {
        const xi = x[base + c];
        const y = b0 * xi + z0[c];
        z0[c] = b1 * xi - a1 * y + z1[c];
        z1[c] = b2 * xi - a2 * y;
        x[base + c] = y;
      }
    }
  }
}

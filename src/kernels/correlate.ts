/** 'valid' cross-correlation of all channels of a time-major block with a few short filters. */
export function correlateChannelsTS(x: Float32Array, numChannels: number, filters: Float32Array, taps: number, out: Float32Array): void {
  const nc = numChannels;
  const nt = x.length / nc;
  const nf = filters.length / taps;
  const nOut = nt - taps + 1;
  if (!Number.isInteger(nf)) throw new Error(`correlateChannels: ${filters.length} filter values is not a multiple of ${taps} taps`);
  if (nOut <= 0) {
    if (out.length !== 0) throw new Error('correlateChannels: block shorter than the filter gives no output');
    return;
  }
  if (out.length !== nf * nOut * nc) throw new Error(`correlateChannels: out has ${out.length} values, expected ${nf * nOut * nc}`);
  // One output row (all channels) is accumulated in float64 while the taps sweep the input rows, so the
  // working set is a few rows and the channel loop is unit-stride.
  const acc = new Float64Array(nc);
  for (let f = 0; f < nf; f++) {
    const w0 = f * taps;
    for (let t = 0; t < nOut; t++) {
      acc.fill(0);
      for (let j = 0; j < taps; j++) {
        const w = filters[w0 + j];
        if (w === 0) continue;
        const xb = (t + j) * nc;
        for (let c = 0; c < nc; c++) acc[c] += w * x[xb + c];
      }
      out.set(acc, (f * nOut + t) * nc);
    }
  }
}

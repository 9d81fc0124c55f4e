/**
 * Sparse channel mixing of a time-major block: out[t · nOut + j] = Σ_q weight[q] · x[t · numChannels + source[q]]
 * over q in [offsets[j], offsets[j + 1]), with nOut = offsets.length − 1. Each product and the sum are
 * float64 (from 0, in q order) and the sum is rounded once to float32, so every backend that keeps this
 * order gives the same bits. Motion correction (kriging) interpolates traces this way, block by block.
 */

export function checkSparseMix(x: Float32Array, numChannels: number, offsets: Int32Array, source: Int32Array, weight: Float32Array, out: Float32Array): number {
  if (!Number.isInteger(numChannels) || numChannels <= 0) throw new Error(`sparseMix: numChannels = ${numChannels} must be a positive integer`);
  if (x.length % numChannels !== 0) throw new Error(`sparseMix: ${x.length} samples is not a multiple of ${numChannels} channels`);
  const nOut = offsets.length - 1;
  if (nOut < 0 || offsets[0] !== 0) throw new Error('sparseMix: offsets must start at 0 and hold one more entry than output channels');
  for (let j = 0; j < nOut; j++) if (!(offsets[j + 1] >= offsets[j])) throw new Error(`sparseMix: offsets decrease at output channel ${j}`);
  const terms = offsets[nOut];
  if (source.length < terms || weight.length < terms) throw new Error(`sparseMix: ${terms} terms but ${source.length} sources and ${weight.length} weights`);
  for (let q = 0; q < terms; q++) if (!(source[q] >= 0 && source[q] < numChannels)) throw new Error(`sparseMix: source ${source[q]} of term ${q} is not a channel of ${numChannels}`);
  const rows = x.length / numChannels;
  if (out.length !== rows * nOut) throw new Error(`sparseMix: out has ${out.length} values, expected ${rows} rows × ${nOut} channels`);
  return rows;
}

export function sparseMixTS(x: Float32Array, numChannels: number, offsets: Int32Array, source: Int32Array, weight: Float32Array, out: Float32Array): void {
  const rows = checkSparseMix(x, numChannels, offsets, source, weight, out);
  const nOut = offsets.length - 1;
  for (let t = 0; t < rows; t++) {
    const row = t * numChannels;
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let q = offsets[j]; q < offsets[j + 1]; q++) s += weight[q] * x[row + source[q]];
      out[t * nOut + j] = s;
    }
  }
}

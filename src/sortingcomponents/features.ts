/**
 * Temporal PCA features: a basis of a few waveform shapes learned from detected spikes, and the
 * projection of each spike's snippet on the channels of its peak-channel neighbourhood.
 */
import { symmetricEigen } from './linalg.js';
import { basisByRow, projectColumns } from '../kernels/basisprojections.js';

export interface TemporalBasis {
  /** numComponents × length, rows orthonormal. */
  components: Float32Array;
  numComponents: number;
  length: number;
  /** Samples before the peak within the basis window. */
  nBefore: number;
}

/**
 * Basis from single-channel waveforms (n × length, row-major). Uncentred (second-moment) PCA, as
 * Kilosort does: the first component is then the typical spike shape itself.
 */
export function learnTemporalBasis(waveforms: Float32Array, length: number, numComponents: number, nBefore: number): TemporalBasis {
  const n = waveforms.length / length;
  if (n < 1) throw new Error('cannot learn a temporal basis: no spike waveforms were detected');
  const m = secondMoments(waveforms, length, n);
  for (let p = 0; p < length; p++) for (let q = p + 1; q < length; q++) m[q * length + p] = m[p * length + q];
  const { vectors } = symmetricEigen(m, length);
  const k = Math.min(numComponents, length);
  const components = Float32Array.from(vectors.subarray(0, k * length));
  // Sign convention: each component correlates positively with the mean waveform (stable output).
  const mean = new Float64Array(length);
  for (let i = 0; i < n; i++) for (let p = 0; p < length; p++) mean[p] += waveforms[i * length + p];
  for (let r = 0; r < k; r++) {
    let dot = 0;
    for (let p = 0; p < length; p++) dot += components[r * length + p] * mean[p];
    if (dot < 0) for (let p = 0; p < length; p++) components[r * length + p] *= -1;
  }
  return { components, numComponents: k, length, nBefore };
}

/**
 * Upper triangle of Σ_i w_i w_iᵀ (float64) over n waveforms of `length`. Four waveforms per sweep of the
 * triangle, so each sum is loaded and stored once for four products; each sum still adds its products in
 * waveform order, one rounding at a time, so the values are those of one waveform per sweep.
 */
function secondMoments(w: Float32Array, length: number, n: number): Float64Array {
  const m = new Float64Array(length * length);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b0 = i * length;
    const b1 = b0 + length;
    const b2 = b1 + length;
    const b3 = b2 + length;
    for (let p = 0; p < length; p++) {
      const w0 = w[b0 + p];
      const w1 = w[b1 + p];
      const w2 = w[b2 + p];
      const w3 = w[b3 + p];
      const row = p * length;
      for (let q = p; q < length; q++) {
        let s = m[row + q];
        s += w0 * w[b0 + q];
        s += w1 * w[b1 + q];
        s += w2 * w[b2 + q];
        s += w3 * w[b3 + q];
        m[row + q] = s;
      }
    }
  }
  for (; i < n; i++) {
    const b = i * length;
    for (let p = 0; p < length; p++) {
      const wp = w[b + p];
      for (let q = p; q < length; q++) m[p * length + q] += wp * w[b + q];
    }
  }
  return m;
}

/**
 * Writes the projections of the snippet at window row `row` (the peak) on `channels` into
 * out[offset + j * numComponents + r]; the snippet must lie inside the window.
 */
export function projectSnippet(
  data: Float32Array,
  numChannels: number,
  row: number,
  channels: Int32Array,
  basis: TemporalBasis,
  out: Float32Array,
  offset: number,
): void {
  const { components, numComponents: k, length: len, nBefore } = basis;
  projectColumns(data, numChannels, row - nBefore, channels, basisByRow(components, k, len), k, len, out, offset, k, 1);
}

/** Copies one channel's waveform around window row `row` into out[offset..offset+length). */
export function copyWaveform(data: Float32Array, numChannels: number, row: number, channel: number, nBefore: number, length: number, out: Float32Array, offset: number): void {
  const start = row - nBefore;
  for (let p = 0; p < length; p++) out[offset + p] = data[(start + p) * numChannels + channel];
}

/**
 * Per-channel noise level from the median absolute deviation of random chunks: robust to spikes,
 * which occupy a small fraction of samples.
 */
import type { Recording } from '../core/recording.js';
import { seededRandom } from './random.js';

export interface NoiseOptions {
  numChunks: number;
  chunkSamples: number;
  seed?: number;
}

export function estimateNoiseMad(rec: Recording, opts: NoiseOptions): Float32Array {
  const nc = rec.numChannels;
  const rand = seededRandom(opts.seed ?? 1);
  // MAD per chunk, then the median over chunks: typed sorts of one chunk at a time stay fast and small.
  const perChunk: number[][] = Array.from({ length: nc }, () => []);
  for (let k = 0; k < opts.numChunks; k++) {
    const seg = Math.floor(rand() * rec.numSegments);
    const ns = rec.getNumSamples(seg);
    const len = Math.min(ns, opts.chunkSamples);
    const start = Math.floor(rand() * (ns - len + 1));
    const tr = rec.getTraces({ segment: seg, start, end: start + len, scaled: true }) as Float32Array;
    const col = new Float32Array(len);
    for (let c = 0; c < nc; c++) {
      for (let t = 0; t < len; t++) col[t] = tr[t * nc + c];
      perChunk[c].push(madSigma(col));
    }
  }
  return Float32Array.from(perChunk, (v) => Float64Array.from(v).sort()[v.length >> 1] ?? 0);
}

/** MAD / 0.6745: the standard deviation of Gaussian noise, unaffected by a few large spikes. */
export function madSigma(v: number[] | Float32Array): number {
  if (v.length === 0) return 0;
  const a = Float64Array.from(v).sort();
  const med = a[a.length >> 1];
  const dev = a.map((x) => Math.abs(x - med)).sort();
  return dev[dev.length >> 1] / 0.6744897501960817;
}

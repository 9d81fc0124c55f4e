/**
 * Per-channel noise level from the median absolute deviation of random chunks: robust to spikes,
 * which occupy a small fraction of samples. Medians come from quickselect (linear time), not sorts:
 * the noise pass runs on every 384-channel sort and must cost a fraction of a second.
 */
import type { Recording } from '../core/recording.js';
import { seededRandom } from './random.js';
import { quickselect } from '../kernels/median.js';

export interface NoiseOptions {
  numChunks: number;
  chunkSamples: number;
  seed?: number;
}

export function estimateNoiseMad(rec: Recording, opts: NoiseOptions): Float32Array {
  const nc = rec.numChannels;
  const rand = seededRandom(opts.seed ?? 1);
  // MAD per chunk, then the median over chunks.
  const perChunk = Array.from({ length: nc }, () => new Float64Array(opts.numChunks));
  // Columns are copied out GROUP channels at a time: each row then costs one cache line, where a
  // column at a time would miss the cache on every sample of a wide recording.
  const GROUP = 16;
  const cols = Array.from({ length: Math.min(GROUP, nc) }, () => new Float64Array(Math.max(0, opts.chunkSamples)));
  for (let k = 0; k < opts.numChunks; k++) {
    const seg = Math.floor(rand() * rec.numSegments);
    const ns = rec.getNumSamples(seg);
    const len = Math.min(ns, opts.chunkSamples);
    const start = Math.floor(rand() * (ns - len + 1));
    const tr = rec.getTraces({ segment: seg, start, end: start + len, scaled: true }) as Float32Array;
    for (let c0 = 0; c0 < nc; c0 += GROUP) {
      const g = Math.min(GROUP, nc - c0);
      for (let t = 0; t < len; t++) {
        const row = t * nc + c0;
        for (let j = 0; j < g; j++) cols[j][t] = tr[row + j];
      }
      for (let j = 0; j < g; j++) perChunk[c0 + j][k] = madSigmaInPlace(cols[j].subarray(0, len));
    }
  }
  return Float32Array.from(perChunk, (v) => (v.length ? kthSmallest(v, v.length >> 1) : 0));
}

/** MAD / 0.6745: the standard deviation of Gaussian noise, unaffected by a few large spikes. */
export function madSigma(v: ArrayLike<number>): number {
  return madSigmaInPlace(Float64Array.from(v));
}

/** madSigma of a scratch array that it reorders and overwrites (no allocation). */
export function madSigmaInPlace(a: Float64Array): number {
  if (a.length === 0) return 0;
  const k = a.length >> 1;
  const med = kthSmallest(a, k);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i] - med);
  return kthSmallest(a, k) / 0.6744897501960817;
}

/**
 * The k-th smallest value (0-based) as a sorted copy would hold it at index k, NaN sorting last as
 * typed-array sort does; partially reorders `a`.
 */
export function kthSmallest(a: Float64Array, k: number): number {
  let nans = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) nans++;
  if (nans) {
    // Rare (corrupt samples): keep the sort's exact semantics rather than special-casing NaN below.
    a.sort();
    return a[k];
  }
  return quickselect(a, a.length, k);
}

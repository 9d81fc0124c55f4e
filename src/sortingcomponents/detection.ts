/**
 * Peak detection: threshold crossings that are the extremum of their spatio-temporal neighbourhood
 * (channels within a radius, ±exclusion samples), on normalised traces or on their matched-filter
 * output. Pure functions over one trace window; the pass over the recording lives in the pipeline.
 */

import { getKernels } from '../kernels/registry.js';

export type Polarity = 'negative' | 'positive' | 'both';

export interface Peaks {
  /** Sample index in the segment. */
  sample: Float64Array;
  channel: Int32Array;
  /** Signed value of the detection statistic at the peak. */
  value: Float32Array;
}

export interface PeakDetectOptions {
  threshold: number;
  exclusionSamples: number;
  /** Channels compared for spatial deduplication, per channel (includes the channel itself). */
  dedupNeighbours: Int32Array[];
  polarity: Polarity;
}

/** Maps a signed value to "how spike-like": larger is stronger for the chosen polarity. */
export function polarityValue(v: number, polarity: Polarity): number {
  return polarity === 'negative' ? -v : polarity === 'positive' ? v : Math.abs(v);
}

/**
 * Peaks of `data` (time-major, numSamples × numChannels) whose row lies in [from, to);
 * rows are reported as `firstSample + row`.
 */
export function detectPeaks(
  data: Float32Array,
  numSamples: number,
  numChannels: number,
  from: number,
  to: number,
  firstSample: number,
  opts: PeakDetectOptions,
): Peaks {
  const nc = numChannels;
  const ex = opts.exclusionSamples;
  const sample: number[] = [];
  const channel: number[] = [];
  const value: number[] = [];
  const pol = opts.polarity;
  const thr = opts.threshold;
  // This scan touches every sample: crossings (x ≤ -thr or x ≥ thr, which is polarityValue(x) ≥ thr) are
  // found by the kernels (WASM SIMD when available), and only they pay for the extremum test.
  // NaN disables a side: no comparison with it is true.
  const lo = pol === 'positive' ? NaN : -thr;
  const hi = pol === 'negative' ? NaN : thr;
  const begin = Math.max(0, from) * nc;
  const end = Math.min(numSamples, to) * nc;
  const crossings = end > begin ? getKernels().thresholdCrossings(data.subarray(begin, end), lo, hi) : new Int32Array(0);
  for (let j = 0; j < crossings.length; j++) {
    const i = begin + crossings[j];
    const x = data[i];
    const t = Math.floor(i / nc);
    const c = i - t * nc;
    const v = polarityValue(x, pol);
    if (isLocalExtremum(data, numSamples, nc, t, c, v, ex, opts.dedupNeighbours[c], pol)) {
      sample.push(firstSample + t);
      channel.push(c);
      value.push(x);
    }
  }
  return { sample: Float64Array.from(sample), channel: Int32Array.from(channel), value: Float32Array.from(value) };
}

function isLocalExtremum(
  data: Float32Array,
  ns: number,
  nc: number,
  t: number,
  c: number,
  v: number,
  ex: number,
  neigh: Int32Array,
  pol: Polarity,
): boolean {
  const t0 = Math.max(0, t - ex);
  const t1 = Math.min(ns - 1, t + ex);
  // Most crossings lie on a spike's flanks: the next or previous sample on the same channel rejects
  // them before the whole neighbourhood is read (same tie rule as below).
  if (t - 1 >= t0 && polarityValue(data[(t - 1) * nc + c], pol) >= v && neigh.includes(c)) return false;
  if (t + 1 <= t1 && polarityValue(data[(t + 1) * nc + c], pol) > v && neigh.includes(c)) return false;
  for (let u = t0; u <= t1; u++) {
    const row = u * nc;
    for (let j = 0; j < neigh.length; j++) {
      const k = neigh[j];
      if (u === t && k === c) continue;
      const w = polarityValue(data[row + k], pol);
      // Ties go to the earliest sample, then the lowest channel, so exactly one of equal peaks survives.
      if (w > v || (w === v && (u < t || (u === t && k < c)))) return false;
    }
  }
  return true;
}

/**
 * Correlates every channel with a prototype waveform (unit norm) whose extremum is at index
 * `peakIndex`, so output row t scores a spike peaking at row t. Rows closer than the prototype
 * to the window edges are left at 0. `scale` then normalises each channel's output noise to 1.
 * `into`, when given (at least data.length values), receives the output instead of a fresh array.
 */
export function matchedFilter(
  data: Float32Array,
  numSamples: number,
  numChannels: number,
  prototype: Float32Array,
  peakIndex: number,
  scale: Float32Array,
  into?: Float32Array,
): Float32Array {
  const nc = numChannels;
  const len = prototype.length;
  if (into && into.length < data.length) throw new Error(`matchedFilter: an output buffer of ${into.length} values cannot hold ${data.length}`);
  const out = into ? into.subarray(0, data.length) : new Float32Array(data.length);
  // Rows peakIndex .. numSamples - (len - peakIndex) - 1 are scored; the correlation kernel ('valid',
  // through the kernel registry: WASM SIMD when available) writes row t' = t - peakIndex of them in place.
  const nOut = numSamples - len;
  if (nOut <= 0) return into ? out.fill(0) : out;
  const rows = out.subarray(peakIndex * nc, (peakIndex + nOut + 1) * nc);
  getKernels().correlateChannels(data.subarray(0, numSamples * nc), nc, prototype, len, rows);
  // Rows outside the scored range are 0: the last 'valid' row, the edges and whatever a reused buffer held.
  if (into) out.fill(0, 0, peakIndex * nc);
  out.fill(0, (peakIndex + nOut) * nc);
  if (nOut > 0) getKernels().scaleChannels(rows.subarray(0, nOut * nc), nc, scale, rows.subarray(0, nOut * nc));
  return out;
}

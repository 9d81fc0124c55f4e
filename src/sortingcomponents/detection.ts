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

/** Values per crossing scan of detectPeaks (128 KiB: fits in the second-level cache). */
const SCAN_BLOCK_VALUES = 32768;

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
  const { lo, hi } = crossingBounds(thr, pol);
  const rowFrom = Math.max(0, from);
  const rowTo = Math.min(numSamples, to);
  const selfNeighbour = ownNeighbourFlags(opts.dedupNeighbours);
  // Scanned in blocks of rows that stay in cache while their crossings are tested (which read the rows
  // around each): one scan of a whole window first would fetch those rows from memory again.
  const blockRows = Math.max(1, Math.floor(SCAN_BLOCK_VALUES / nc));
  for (let r = rowFrom; r < rowTo; r += blockRows) {
    const begin = r * nc;
    const crossings = getKernels().thresholdCrossings(data.subarray(begin, Math.min(rowTo, r + blockRows) * nc), lo, hi);
    for (let j = 0, t = r; j < crossings.length; j++) {
      const i = begin + crossings[j];
      // Rows come in ascending order: found by stepping, not by dividing.
      while (i >= (t + 1) * nc) t++;
      const x = data[i];
      const c = i - t * nc;
      const v = polarityValue(x, pol);
      if (isLocalExtremum(data, numSamples, nc, t, c, v, ex, opts.dedupNeighbours[c], selfNeighbour[c] === 1, pol)) {
        sample.push(firstSample + t);
        channel.push(c);
        value.push(x);
      }
    }
  }
  return { sample: Float64Array.from(sample), channel: Int32Array.from(channel), value: Float32Array.from(value) };
}

/** Bounds of the crossings scan: x ≤ lo or x ≥ hi is polarityValue(x) ≥ thr; NaN disables a side (no comparison with it is true). */
function crossingBounds(thr: number, pol: Polarity): { lo: number; hi: number } {
  return { lo: pol === 'positive' ? NaN : -thr, hi: pol === 'negative' ? NaN : thr };
}

/**
 * detectPeaks on the matched-filter output (matchedFilter's rows, with its edge rows at 0) without computing
 * that output in full: the kernels return only its crossings (correlationCrossings), and the extremum test
 * runs among them. Same peaks as detectPeaks(matchedFilter(...)), bit for bit, when opts.threshold > 0.
 */
export function detectMatchedPeaks(
  data: Float32Array,
  numSamples: number,
  numChannels: number,
  prototype: Float32Array,
  peakIndex: number,
  scale: Float32Array,
  from: number,
  to: number,
  firstSample: number,
  opts: PeakDetectOptions,
): Peaks {
  if (!(opts.threshold > 0)) throw new Error(`detectMatchedPeaks: threshold ${opts.threshold} must be positive (below it, rows the filter does not score would cross)`);
  const nc = numChannels;
  const len = prototype.length;
  // matchedFilter scores rows peakIndex .. peakIndex + nOut − 1 (its last 'valid' row is left at 0).
  const nOut = numSamples - len;
  if (nOut <= 0) return { sample: new Float64Array(0), channel: new Int32Array(0), value: new Float32Array(0) };
  const { lo, hi } = crossingBounds(opts.threshold, opts.polarity);
  const found = getKernels().correlationCrossings(data.subarray(0, (nOut + len - 1) * nc), nc, prototype, scale, lo, hi);
  const shift = peakIndex * nc;
  for (let j = 0; j < found.index.length; j++) found.index[j] += shift;
  return peaksAmongCrossings(found.index, found.value, nc, from, to, firstSample, opts);
}

/**
 * Peaks among the crossings of a statistic (ascending flat indices t · nc + c, their values): a value
 * that does not cross never beats one that does (polarityValue < threshold ≤ v), so the extremum test of
 * detectPeaks needs the crossings alone. Each channel's crossings are listed in row order with a cursor
 * that only moves forward, as the candidates come in row order.
 */
export function peaksAmongCrossings(index: Int32Array, value: Float32Array, numChannels: number, from: number, to: number, firstSample: number, opts: PeakDetectOptions): Peaks {
  const nc = numChannels;
  const n = index.length;
  const pol = opts.polarity;
  const list = crossingsByChannel(index, value, nc, pol);
  const cursor = list.start.slice(0, nc);
  const selfNeighbour = ownNeighbourFlags(opts.dedupNeighbours);
  const sample: number[] = [];
  const channel: number[] = [];
  const peakValue: number[] = [];
  // The crossings one row before and after the candidate's (same channel) are found by two cursors that only move
  // forward in the flat order, so the flank test below reads the crossings in sequence.
  let before = 0;
  let after = 0;
  for (let j = 0, t = 0; j < n; j++) {
    // Rows come in ascending order: found by stepping, not by dividing.
    const i = index[j];
    while (i >= (t + 1) * nc) t++;
    if (t < from || t >= to) continue;
    const c = i - t * nc;
    const v = polarityValue(value[j], pol);
    // Most crossings lie on a spike's flanks: the channel's own crossing one row before or after rejects them
    // before the neighbourhood is read (the tie rule below, for the channel itself).
    if (selfNeighbour[c]) {
      while (index[before] < i - nc) before++;
      if (index[before] === i - nc && polarityValue(value[before], pol) >= v) continue;
      if (after < j) after = j;
      while (after < n && index[after] < i + nc) after++;
      if (after < n && index[after] === i + nc && polarityValue(value[after], pol) > v) continue;
    }
    if (beatsCrossingsNear(list.position[j], t, c, v, opts.exclusionSamples, opts.dedupNeighbours[c], list, cursor)) {
      sample.push(firstSample + t);
      channel.push(c);
      peakValue.push(value[j]);
    }
  }
  return { sample: Float64Array.from(sample), channel: Int32Array.from(channel), value: Float32Array.from(peakValue) };
}

/** ownNeighbourFlags per neighbour table: the matching rounds call detectPeaks many times with the same one. */
const ownNeighbourCache = new WeakMap<Int32Array[], Uint8Array>();

/** 1 for the channels whose dedup neighbourhood includes the channel itself (the flank test compares with it). */
function ownNeighbourFlags(neighbours: Int32Array[]): Uint8Array {
  let own = ownNeighbourCache.get(neighbours);
  if (!own) {
    own = Uint8Array.from(neighbours, (neigh, c) => (neigh.includes(c) ? 1 : 0));
    ownNeighbourCache.set(neighbours, own);
  }
  return own;
}

/** Crossings grouped by channel (rows ascending within each): a counting sort of the flat indices. */
interface ChannelCrossings {
  /** Channel c's crossings are entries start[c] .. start[c + 1] − 1. */
  start: Int32Array;
  row: Int32Array;
  /** polarityValue of each entry. */
  strength: Float64Array;
  /** Entry of crossing j (in the flat order). */
  position: Int32Array;
}

function crossingsByChannel(index: Int32Array, value: Float32Array, nc: number, pol: Polarity): ChannelCrossings {
  const n = index.length;
  const start = new Int32Array(nc + 1);
  for (let j = 0; j < n; j++) start[(index[j] % nc) + 1]++;
  for (let c = 0; c < nc; c++) start[c + 1] += start[c];
  const fill = start.slice(0, nc);
  const row = new Int32Array(n);
  const strength = new Float64Array(n);
  const position = new Int32Array(n);
  for (let j = 0, t = 0; j < n; j++) {
    while (index[j] >= (t + 1) * nc) t++;
    const p = fill[index[j] - t * nc]++;
    row[p] = t;
    strength[p] = polarityValue(value[j], pol);
    position[j] = p;
  }
  return { start, row, strength, position };
}

/** isLocalExtremum over the crossings of the neighbour channels within ±ex rows (same tie rule); p is the candidate's entry. */
function beatsCrossingsNear(p: number, t: number, c: number, v: number, ex: number, neigh: Int32Array, list: ChannelCrossings, cursor: Int32Array): boolean {
  const { start, row, strength } = list;
  for (let a = 0; a < neigh.length; a++) {
    const k = neigh[a];
    const end = start[k + 1];
    let q = cursor[k];
    while (q < end && row[q] < t - ex) q++;
    cursor[k] = q;
    for (; q < end; q++) {
      const u = row[q];
      if (u > t + ex) break;
      if (q === p) continue;
      const w = strength[q];
      if (w > v || (w === v && (u < t || (u === t && k < c)))) return false;
    }
  }
  return true;
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
  selfNeighbour: boolean,
  pol: Polarity,
): boolean {
  const t0 = Math.max(0, t - ex);
  const t1 = Math.min(ns - 1, t + ex);
  // Most crossings lie on a spike's flanks: the next or previous sample on the same channel rejects
  // them before the whole neighbourhood is read (same tie rule as below; selfNeighbour: c is in neigh).
  if (selfNeighbour && t - 1 >= t0 && polarityValue(data[(t - 1) * nc + c], pol) >= v) return false;
  if (selfNeighbour && t + 1 <= t1 && polarityValue(data[(t + 1) * nc + c], pol) > v) return false;
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
  // A scale of exactly 1 everywhere (the filter's own noise measurement) changes no value: the pass is skipped.
  if (!(scale.length >= nc && scale.subarray(0, nc).every((s) => s === 1))) getKernels().scaleChannels(rows.subarray(0, nOut * nc), nc, scale, rows.subarray(0, nOut * nc));
  return out;
}

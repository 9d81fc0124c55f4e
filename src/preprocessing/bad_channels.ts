/**
 * Bad-channel detection.
 * - 'coherence+psd' (IBL / SpikeInterface): on high-passed random chunks, with channels ordered by depth,
 *   each channel's similarity to the across-channel median ("xcor") is compared with that of its
 *   neighbours: much lower than the neighbours → dead; much higher, or high power above 80 % of Nyquist →
 *   noisy; a contiguous run of low-similarity channels at the probe end → outside the brain. Labels are
 *   decided per chunk and the most frequent label wins.
 * - 'std' / 'mad': spread per channel versus the median spread; for tetrodes and small arrays.
 */
import { Recording } from '../core/recording.js';
import { removeChannels } from '../core/recordingtools.js';
import { getKernels } from '../kernels/registry.js';
import { medianInPlace } from '../kernels/median.js';
import { allChannels } from './base.js';
import { highpassFilter } from './filter.js';
import { randomChunkWindows } from './randomchunks.js';
import { MAD_TO_SIGMA, channelMedianMad } from './scale.js';

export type ChannelLabel = 'good' | 'dead' | 'noisy' | 'out';

export interface BadChannelOptions {
  /** Default: 'coherence+psd' for more than 8 channels with locations, else 'mad'. */
  method?: 'coherence+psd' | 'std' | 'mad';
  /** Random chunks to examine (default 50) and their length in seconds (default 0.3). */
  numChunks?: number;
  chunkDurationS?: number;
  seed?: number;
  /** High-pass the data (300 Hz) before examining it; turn off when it is already filtered. Default true. */
  highpass?: boolean;
  /** coherence+psd thresholds (IBL defaults). */
  deadThreshold?: number;
  noisyThreshold?: number;
  outsideThreshold?: number;
  /** µV²/Hz averaged above nyquistThreshold × Nyquist (default 0.02). */
  psdHighFreqThreshold?: number;
  nyquistThreshold?: number;
  /** Channels in the running-median neighbourhood (default 11). */
  numNeighbors?: number;
  /** Where channels outside the brain can be: 'top' (highest y, default), 'bottom' or 'both'. */
  outsideLocation?: 'top' | 'bottom' | 'both';
  /** std/mad: noisy above this × the median spread (default 5), dead below deadSpreadRatio × it (default 0.1). */
  spreadThreshold?: number;
  deadSpreadRatio?: number;
}

export interface BadChannelResult {
  method: 'coherence+psd' | 'std' | 'mad';
  labels: ChannelLabel[];
  badChannelIds: string[];
  /** Per channel, median over chunks: coherence+psd → xcorNeighbors, xcorDistant, psdHighFreq; std/mad → spread. */
  scores: Record<string, Float64Array>;
}

const LABELS: ChannelLabel[] = ['good', 'dead', 'noisy', 'out'];

export function detectBadChannels(rec: Recording, opts: BadChannelOptions = {}): BadChannelResult {
  const n = rec.numChannels;
  const method = opts.method ?? (n > 8 && rec.hasProbe() ? 'coherence+psd' : 'mad');
  const src = (opts.highpass ?? true) ? highpassFilter(rec) : rec;
  const chunkSize = Math.max(16, Math.round((opts.chunkDurationS ?? 0.3) * rec.samplingFrequency));
  const windows = randomChunkWindows(rec, { numChunks: opts.numChunks ?? 50, chunkSize, seed: opts.seed ?? 0 });
  let result: BadChannelResult;
  if (method === 'coherence+psd') {
    result = coherencePsd(src, windows, opts);
  } else if (method === 'std' || method === 'mad') {
    result = spreadMethod(src, windows, method, opts);
  } else {
    throw new Error(`detectBadChannels: unknown method '${String(method)}': use 'coherence+psd', 'std' or 'mad'`);
  }
  return result;
}

function spreadMethod(rec: Recording, windows: ReturnType<typeof randomChunkWindows>, method: 'std' | 'mad', opts: BadChannelOptions): BadChannelResult {
  const n = rec.numChannels;
  const parts = windows.map((w) => rec.getTraces({ ...w, scaled: true }) as Float32Array);
  const x = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((o, p) => (x.set(p, o), o + p.length), 0);
  let spread: Float64Array;
  if (method === 'mad') {
    spread = channelMedianMad(x, n).mad.map((m) => m / MAD_TO_SIGMA);
  } else {
    const nt = x.length / n;
    const mean = new Float64Array(n);
    for (let i = 0; i < x.length; i++) mean[i % n] += x[i] / nt;
    spread = new Float64Array(n);
    for (let i = 0; i < x.length; i++) spread[i % n] += (x[i] - mean[i % n]) ** 2 / nt;
    spread = spread.map(Math.sqrt);
  }
  const med = medianInPlace(Float32Array.from(spread), n);
  const hi = (opts.spreadThreshold ?? 5) * med;
  const lo = (opts.deadSpreadRatio ?? 0.1) * med;
  const labels = Array.from(spread, (s): ChannelLabel => (s > hi ? 'noisy' : s < lo ? 'dead' : 'good'));
  return finish(rec, method, labels, { spread });
}

/** x − its running median over `size` neighbours, edges padded with the end values (IBL's detrend). */
export function detrendByMedian(x: Float64Array, size: number): Float64Array {
  const n = x.length;
  const half = size >> 1;
  const out = new Float64Array(n);
  const win = new Float32Array(size);
  for (let i = 0; i < n; i++) {
    for (let k = -half; k <= half; k++) win[k + half] = x[Math.min(n - 1, Math.max(0, i + k))];
    out[i] = x[i] - medianInPlace(win, size);
  }
  return out;
}

/** Mean Welch PSD (periodic Hann, 50 % overlap, constant detrend, one-sided density) above fMin, per channel. */
export function highFrequencyPower(x: Float32Array, nc: number, fs: number, nperseg: number, fMin: number): Float64Array {
  const nt = x.length / nc;
  const step = nperseg - (nperseg >> 1);
  const nseg = nt >= nperseg ? Math.floor((nt - nperseg) / step) + 1 : 0;
  const win = Float64Array.from({ length: nperseg }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nperseg));
  const norm = fs * win.reduce((s, w) => s + w * w, 0);
  const bins: number[] = [];
  for (let k = 0; k <= nperseg >> 1; k++) if ((k * fs) / nperseg > fMin) bins.push(k);
  const out = new Float64Array(nc);
  if (nseg === 0 || bins.length === 0) return out;
  const seg = new Float64Array(nperseg);
  for (let c = 0; c < nc; c++) {
    let total = 0;
    for (let s = 0; s < nseg; s++) {
      let mean = 0;
      for (let i = 0; i < nperseg; i++) mean += x[(s * step + i) * nc + c] / nperseg;
      for (let i = 0; i < nperseg; i++) seg[i] = (x[(s * step + i) * nc + c] - mean) * win[i];
      for (const k of bins) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < nperseg; i++) {
          const a = (2 * Math.PI * k * i) / nperseg;
          re += seg[i] * Math.cos(a);
          im -= seg[i] * Math.sin(a);
        }
        const oneSided = k === 0 || (nperseg % 2 === 0 && k === nperseg / 2) ? 1 : 2;
        total += (oneSided * (re * re + im * im)) / norm;
      }
    }
    out[c] = total / (nseg * bins.length);
  }
  return out;
}

function coherencePsd(rec: Recording, windows: ReturnType<typeof randomChunkWindows>, opts: BadChannelOptions): BadChannelResult {
  const n = rec.numChannels;
  const loc = rec.getChannelLocations();
  // Depth order (y, then x): neighbours in this order are neighbours on the probe.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => loc[2 * a + 1] - loc[2 * b + 1] || loc[2 * a] - loc[2 * b]);
  const fs = rec.samplingFrequency;
  const nperseg = Math.max(2, Math.floor((0.3 * fs) / 1000));
  const fMin = (fs / 2) * (opts.nyquistThreshold ?? 0.8);
  const nn = opts.numNeighbors ?? 11;
  const dead = opts.deadThreshold ?? -0.5;
  const noisy = opts.noisyThreshold ?? 1;
  const outside = opts.outsideThreshold ?? -0.75;
  const psdThr = opts.psdHighFreqThreshold ?? 0.02;
  const where = opts.outsideLocation ?? 'top';
  const votes = windows.map(() => new Int32Array(n));
  const scoreRuns = { xcorNeighbors: [] as Float64Array[], xcorDistant: [] as Float64Array[], psdHighFreq: [] as Float64Array[] };
  windows.forEach((w, wi) => {
    const x = rec.getTraces({ ...w, channels: Int32Array.from(order), scaled: true }) as Float32Array;
    const nt = w.end - w.start;
    const mean = new Float64Array(n);
    for (let i = 0; i < x.length; i++) mean[i % n] += x[i] / nt;
    for (let i = 0; i < x.length; i++) x[i] -= mean[i % n];
    const ref = new Float32Array(nt);
    getKernels().medianAcrossChannels(x, n, allChannels(n), ref, 1, 0);
    let refPower = 0;
    for (const r of ref) refPower += r * r;
    const xcor = new Float64Array(n);
    for (let t = 0; t < nt; t++) for (let c = 0; c < n; c++) xcor[c] += x[t * n + c] * ref[t];
    for (let c = 0; c < n; c++) xcor[c] = refPower > 0 ? xcor[c] / refPower : 0;
    const neighbors = detrendByMedian(xcor, nn);
    const distant = xcor.map((v, c) => v - neighbors[c] - 1);
    const psd = highFrequencyPower(x, n, fs, nperseg, fMin);
    const lab = votes[wi];
    for (let c = 0; c < n; c++) {
      if (neighbors[c] < dead) lab[c] = 1;
      if (psd[c] > psdThr || neighbors[c] > noisy) lab[c] = 2;
    }
    for (const c of outsideRun(distant, outside, where)) lab[c] = 3;
    scoreRuns.xcorNeighbors.push(neighbors);
    scoreRuns.xcorDistant.push(distant);
    scoreRuns.psdHighFreq.push(psd);
  });
  const labels = new Array<ChannelLabel>(n);
  const scores: Record<string, Float64Array> = {};
  for (const key of Object.keys(scoreRuns) as (keyof typeof scoreRuns)[]) scores[key] = new Float64Array(n);
  const col = new Float32Array(windows.length);
  for (let k = 0; k < n; k++) {
    const c = order[k];
    labels[c] = LABELS[modeOf(votes.map((v) => v[k]))];
    for (const key of Object.keys(scoreRuns) as (keyof typeof scoreRuns)[]) {
      scoreRuns[key].forEach((s, i) => (col[i] = s[k]));
      scores[key][c] = medianInPlace(col, windows.length);
    }
  }
  return finish(rec, 'coherence+psd', labels, scores);
}

/** Indices (in depth order) of the contiguous run below threshold that touches the chosen probe end(s). */
function outsideRun(distant: Float64Array, threshold: number, where: 'top' | 'bottom' | 'both'): number[] {
  const n = distant.length;
  const out: number[] = [];
  if (where === 'top' || where === 'both') for (let k = n - 1; k >= 0 && distant[k] < threshold; k--) out.push(k);
  if (where === 'bottom' || where === 'both') for (let k = 0; k < n && distant[k] < threshold; k++) out.push(k);
  return out;
}

/** Most frequent value; ties go to the smallest (scipy.stats.mode). */
function modeOf(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [v, k] of [...counts].sort((a, b) => a[0] - b[0])) if (k > bestCount) [best, bestCount] = [v, k];
  return best;
}

function finish(rec: Recording, method: BadChannelResult['method'], labels: ChannelLabel[], scores: Record<string, Float64Array>): BadChannelResult {
  return { method, labels, badChannelIds: rec.channelIds.filter((_, c) => labels[c] !== 'good'), scores };
}

/** The recording without the channels detectBadChannels labels bad; refuses to drop every channel. */
export function removeBadChannels(rec: Recording, opts: BadChannelOptions = {}): { recording: Recording; result: BadChannelResult } {
  const result = detectBadChannels(rec, opts);
  if (result.badChannelIds.length === rec.numChannels) {
    throw new Error(
      `removeBadChannels: all ${rec.numChannels} channels were labelled bad by '${result.method}' (${summarize(result.labels)}): the data may not be in µV, or the thresholds do not suit this probe; try method 'mad' or looser thresholds`,
    );
  }
  return { recording: result.badChannelIds.length ? removeChannels(rec, result.badChannelIds) : rec, result };
}

function summarize(labels: ChannelLabel[]): string {
  return LABELS.map((l) => `${labels.filter((x) => x === l).length} ${l}`).join(', ');
}

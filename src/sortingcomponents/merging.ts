/**
 * Merge decisions between clusters: a pair is merged when their spikes, projected on the axis
 * that separates their mean waveforms, form one mode. The axis is learned on one half of the
 * spikes and tested on the other, so estimation noise cannot fake a separation (two halves of
 * one unit stay together; near-duplicate templates with distinct spike clouds stay apart).
 */
import type { SnippetSet } from './snippets.js';
import { dipTest } from './unimodality.js';

export interface MergeCandidateUnit {
  snippets: SnippetSet;
  peakChannel: number;
}

/** How a pair of candidate units is judged one or two (shared by cluster merging and the post-match merge). */
export interface PairTestOptions {
  candidateCosine: number;
  mergeScore: number;
  /**
   * Pairs whose held-out projections are this many pooled sd apart are never merged. Any cut of one
   * unimodal population (Gaussian: ≤ 2.7, uniform as under steady drift: 3.5) stays below it, while
   * the dip test alone lacks power for a small unit beside a large one.
   */
  maxSeparation: number;
  /** Amplitude factors one unit may show (the matching's range): templates differing by such a factor alone are one unit. */
  amplitudeMin: number;
  amplitudeMax: number;
  /** Amplitude is factored out only for pairs whose template cosine reaches this. */
  scaleCosine: number;
}

export interface MergeOptions extends PairTestOptions {
  /** Snippets hold `maxShift` extra samples on each side of the `length`-sample window. */
  length: number;
  maxShift: number;
  /** True when two peak channels are close enough for their units to be compared. */
  near: (a: number, b: number) => boolean;
}

export interface MergeDecision {
  a: number;
  b: number;
  /** B's spike times + shift align with A's. */
  shift: number;
  score: number;
}

/** Every tested pair that should merge, most similar first. */
export function findMerges(units: MergeCandidateUnit[], opts: MergeOptions): MergeDecision[] {
  const out: MergeDecision[] = [];
  for (let a = 0; a < units.length; a++) {
    for (let b = a + 1; b < units.length; b++) {
      if (!opts.near(units[a].peakChannel, units[b].peakChannel)) continue;
      const d = testPair(units[a].snippets, units[b].snippets, opts);
      if (d && d.score < opts.mergeScore && d.separation < opts.maxSeparation) out.push({ a, b, shift: d.shift, score: d.score });
    }
  }
  return out.sort((x, y) => x.score - y.score);
}

/** Dip score of the pair along its discriminant axis, or null when the templates are not even similar. */
export function testPair(A: SnippetSet, B: SnippetSet, opts: Pick<MergeOptions, 'length' | 'maxShift' | 'candidateCosine' | 'amplitudeMin' | 'amplitudeMax' | 'scaleCosine'>): { score: number; shift: number; cosine: number; separation: number } | null {
  const common: [number, number][] = [];
  A.channels.forEach((c, i) => {
    const j = B.channels.indexOf(c);
    if (j >= 0) common.push([i, j]);
  });
  if (common.length === 0 || A.count < 4 || B.count < 4) return null;
  const L = opts.length;
  const S = opts.maxShift;
  const ext = L + 2 * S;
  const mA = windowMean(A, ext, common, 0, S, L);
  let best = { cos: -Infinity, shift: 0 };
  for (let s = -S; s <= S; s++) {
    const mB = windowMean(B, ext, common, 1, S + s, L);
    const cos = cosine(mA, mB);
    if (cos > best.cos) best = { cos, shift: s };
  }
  if (best.cos < opts.candidateCosine) return null;
  // Cross-fitting: the axis learned on one half projects the other half, then the roles swap. Each
  // fold is centred on the midpoint of its two group means and scaled by its pooled spread, so
  // both folds share one scale and the dip test sees every spike (twice the points of one fold).
  const heldOut = (trainParity: number): { values: number[]; separation: number } => {
    const tA = windowMean(A, ext, common, 0, S, L, trainParity);
    const tB = windowMean(B, ext, common, 1, S + best.shift, L, trainParity);
    // Scale is removed first: spikes of one unit at another amplitude (later spikes of a burst,
    // drift towards the probe) differ from it by a factor the matching fits anyway.
    // Only for matching shapes: a scaled copy has cosine ≈ 1, and when shapes differ the
    // amplitude difference is evidence of two units as well.
    const alpha = best.cos >= opts.scaleCosine ? scaleBetween(tA, tB, opts.amplitudeMin, opts.amplitudeMax) : 1;
    const axis = tA.map((v, i) => v - alpha * tB[i]);
    const pa = project(A, ext, common, 0, S, L, axis, 1 - trainParity);
    const pb = project(B, ext, common, 1, S + best.shift, L, axis, 1 - trainParity);
    const values = standardizePair(pa, pb);
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
    return { values, separation: mean(values.slice(0, pa.length)) - mean(values.slice(pa.length)) };
  };
  const f0 = heldOut(0);
  const f1 = heldOut(1);
  const score = dipTest([...f0.values, ...f1.values]).score;
  return { score, shift: best.shift, cosine: best.cos, separation: 0.5 * (f0.separation + f1.separation) };
}

/**
 * Least-squares factor a with tA ≈ a·tB when it lies in [min, max] (amplitudes the matching accepts
 * for one unit), else 1 (a plain difference of templates).
 */
export function scaleBetween(tA: Float64Array, tB: Float64Array, min: number, max: number): number {
  let ab = 0;
  let bb = 0;
  for (let i = 0; i < tA.length; i++) {
    ab += tA[i] * tB[i];
    bb += tB[i] * tB[i];
  }
  const a = bb > 0 ? ab / bb : 1;
  return a >= min && a <= max ? a : 1;
}

/** Both groups' values centred on the midpoint of their means, in units of their pooled standard deviation. */
export function standardizePair(a: number[], b: number[]): number[] {
  const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
  const ma = mean(a);
  const mb = mean(b);
  let ss = 0;
  for (const v of a) ss += (v - ma) ** 2;
  for (const v of b) ss += (v - mb) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, a.length + b.length - 2)) || 1;
  const mid = 0.5 * (ma + mb);
  return [...a, ...b].map((v) => (v - mid) / sd);
}

/** Mean over spikes (optionally only those with index parity `parity`) of the window [off, off+L) on common channels. */
function windowMean(set: SnippetSet, ext: number, common: [number, number][], side: 0 | 1, off: number, L: number, parity?: number): Float64Array {
  const nc = set.channels.length;
  const out = new Float64Array(L * common.length);
  let n = 0;
  for (let i = 0; i < set.count; i++) {
    if (parity !== undefined && i % 2 !== parity) continue;
    n++;
    const base = i * ext * nc;
    for (let p = 0; p < L; p++) {
      for (let q = 0; q < common.length; q++) out[p * common.length + q] += set.data[base + (off + p) * nc + common[q][side]];
    }
  }
  if (n) for (let k = 0; k < out.length; k++) out[k] /= n;
  return out;
}

function project(set: SnippetSet, ext: number, common: [number, number][], side: 0 | 1, off: number, L: number, axis: Float64Array, parity: number): number[] {
  const nc = set.channels.length;
  const out: number[] = [];
  for (let i = parity; i < set.count; i += 2) {
    const base = i * ext * nc;
    let s = 0;
    for (let p = 0; p < L; p++) {
      for (let q = 0; q < common.length; q++) s += set.data[base + (off + p) * nc + common[q][side]] * axis[p * common.length + q];
    }
    out.push(s);
  }
  return out;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb || 1);
}

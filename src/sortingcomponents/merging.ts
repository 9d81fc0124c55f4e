/**
 * Merge decisions between clusters: a pair is merged when their spikes, projected on the axis
 * that separates their mean waveforms, form one mode. The axis is learned on one half of the
 * spikes and tested on the other, so estimation noise cannot fake a separation (two halves of
 * one unit stay together; near-duplicate templates with distinct spike clouds stay apart).
 */
import type { SnippetSet } from './snippets.js';
import { acceptMerges, PairSet } from './mergegroups.js';
import { heldOutSeparationBy } from './clustering.js';
import { dipTest } from './unimodality.js';
import { getKernels } from '../kernels/registry.js';

export interface MergeCandidateUnit {
  /** The unit's snippets: findMerges asks for a pair's two sets while it tests them, so they may be made on demand. */
  snippets: () => SnippetSet;
  /** Snippets in the set. */
  count: number;
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
  /**
   * The pair's separation is also measured on amplitude-normalised footprints (see
   * footprintSeparation), and the larger of the two counts against maxSeparation; absent: false.
   */
  footprintTest?: boolean;
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

/**
 * The merges to make, most similar first: tested pairs that are one mode, taken only where they do
 * not join two clusters tested and found distinct (see acceptMerges); each joins two groups.
 */
export function findMerges(units: MergeCandidateUnit[], opts: MergeOptions): MergeDecision[] {
  const out: MergeDecision[] = [];
  const distinct = new PairSet(units.length);
  // Each unit's mean snippets are computed once, not once per pair and shift.
  const ext = opts.length + 2 * opts.maxShift;
  const means: (SnippetMeans | undefined)[] = [];
  const meansOf = (u: number, set: SnippetSet): SnippetMeans => (means[u] ??= snippetMeans(set, ext));
  for (let a = 0; a < units.length; a++) {
    for (let b = a + 1; b < units.length; b++) {
      if (!opts.near(units[a].peakChannel, units[b].peakChannel)) continue;
      const A = units[a].snippets();
      const B = units[b].snippets();
      const d = testPair(A, B, opts, [meansOf(a, A), meansOf(b, B)]);
      if (d && d.score < opts.mergeScore && d.separation < opts.maxSeparation) out.push({ a, b, shift: d.shift, score: d.score });
      // Dissimilar templates (no result though both have spikes) are distinct too: else a small
      // cluster similar to both could bridge two neighbouring units.
      else if (d || (units[a].count >= 4 && units[b].count >= 4)) distinct.add(a, b);
    }
  }
  return acceptMerges(units.length, out.sort((x, y) => x.score - y.score), distinct).accepted;
}

/**
 * Dip score of the pair along its discriminant axis, or null when the templates are not even similar.
 * `means`: the two sets' snippetMeans when the caller keeps them (computed here otherwise).
 */
export function testPair(
  A: SnippetSet,
  B: SnippetSet,
  opts: Pick<MergeOptions, 'length' | 'maxShift' | 'candidateCosine' | 'amplitudeMin' | 'amplitudeMax' | 'scaleCosine' | 'footprintTest'>,
  means?: [SnippetMeans, SnippetMeans],
): { score: number; shift: number; cosine: number; separation: number } | null {
  const common: [number, number][] = [];
  A.channels.forEach((c, i) => {
    const j = B.channels.indexOf(c);
    if (j >= 0) common.push([i, j]);
  });
  if (common.length === 0 || A.count < 4 || B.count < 4) return null;
  const L = opts.length;
  const S = opts.maxShift;
  const ext = L + 2 * S;
  const [meanA, meanB] = means ?? [snippetMeans(A, ext), snippetMeans(B, ext)];
  const mA = windowMean(meanA.all, A.channels.length, common, 0, S, L);
  let best = { cos: -Infinity, shift: 0 };
  for (let s = -S; s <= S; s++) {
    const mB = windowMean(meanB.all, B.channels.length, common, 1, S + s, L);
    const cos = cosine(mA, mB);
    if (cos > best.cos) best = { cos, shift: s };
  }
  if (best.cos < opts.candidateCosine) return null;
  // Cross-fitting: the axis learned on one half projects the other half, then the roles swap. Each
  // fold is centred on the midpoint of its two group means and scaled by its pooled spread, so
  // both folds share one scale and the dip test sees every spike (twice the points of one fold).
  const heldOut = (trainParity: number): { values: number[]; separation: number } => {
    const tA = windowMean(meanA.byParity[trainParity], A.channels.length, common, 0, S, L);
    const tB = windowMean(meanB.byParity[trainParity], B.channels.length, common, 1, S + best.shift, L);
    // Scale is removed first: spikes of one unit at another amplitude (later spikes of a burst,
    // drift towards the probe) differ from it by a factor the matching fits anyway.
    // Only for matching shapes: a scaled copy has cosine ≈ 1, and when shapes differ the
    // amplitude difference is evidence of two units as well.
    const alpha = best.cos >= opts.scaleCosine ? scaleBetween(tA, tB, opts.amplitudeMin, opts.amplitudeMax) : 1;
    // Timing is removed too: the halves of one unit detected half a sample apart differ by the
    // template's time derivative (sharp spikes: several sd), which no integer shift aligns.
    const axis = withoutTiming(tA.map((v, i) => v - alpha * tB[i]), tA, common.length);
    const pa = project(A, ext, common, 0, S, L, axis, 1 - trainParity);
    const pb = project(B, ext, common, 1, S + best.shift, L, axis, 1 - trainParity);
    const values = standardizePair(pa, pb);
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
    return { values, separation: mean(values.slice(0, pa.length)) - mean(values.slice(pa.length)) };
  };
  const f0 = heldOut(0);
  const f1 = heldOut(1);
  const score = dipTest([...f0.values, ...f1.values]).score;
  const separation = 0.5 * (f0.separation + f1.separation);
  if (!opts.footprintTest) return { score, shift: best.shift, cosine: best.cos, separation };
  const mB = windowMean(meanB.all, B.channels.length, common, 1, S + best.shift, L);
  const footprint = footprintSeparation(A, B, ext, common, S, S + best.shift, L, footprintFilter(mA, mB, common.length));
  return { score, shift: best.shift, cosine: best.cos, separation: Math.max(separation, footprint) };
}

/**
 * Held-out separation of two units' footprints (see unitLengthFootprints): the template-difference
 * axis mixes each spike's amplitude into its projection, so a bursting unit's spread hides a
 * neighbour 10–20 µm away with the same waveform; scaled to unit length, each unit's spikes fall
 * on its footprint whatever their amplitude (and the amplitude halves of one unit fall together).
 */
function footprintSeparation(A: SnippetSet, B: SnippetSet, ext: number, common: [number, number][], offA: number, offB: number, L: number, filter: Float64Array): number {
  const m = common.length;
  // Both units' footprints, A's then B's, straight into one table (no per-spike arrays).
  const y = new Float64Array((A.count + B.count) * m);
  unitLengthFootprints(A, ext, common, 0, offA, L, filter, y.subarray(0, A.count * m));
  unitLengthFootprints(B, ext, common, 1, offB, L, filter, y.subarray(A.count * m));
  const lab = new Uint8Array(A.count + B.count).fill(1, A.count);
  return robustHeldOutSeparation(y, m, lab);
}

/**
 * Separation of a two-group labelling in robust pooled sd (median and MAD), cross-fitted on the
 * even and the odd rows like clustering's heldOutSeparation. Robust because two clusters of
 * neighbouring units each hold a few of the other's spikes: at 8 % such spikes inflate a plain
 * sd by half and hide a clear separation. 0 when a fold lacks a group.
 */
export function robustHeldOutSeparation(y: Float64Array, k: number, lab: Uint8Array): number {
  return heldOutSeparationBy(y, k, lab, (a, b) => {
    if (a.length < 2 || b.length < 2) return null;
    const [ma, sa] = medianAndMadSd(a);
    const [mb, sb] = medianAndMadSd(b);
    const sd = Math.sqrt(0.5 * (sa * sa + sb * sb));
    return sd > 0 ? Math.abs(ma - mb) / sd : 0;
  });
}

/** Median, and 1.4826 × the median absolute deviation (the sd for normal data). */
function medianAndMadSd(v: number[]): [number, number] {
  const median = (x: Float64Array) => {
    x.sort();
    const h = x.length >> 1;
    return x.length % 2 ? x[h] : 0.5 * (x[h - 1] + x[h]);
  };
  const m = median(Float64Array.from(v));
  return [m, 1.4826 * median(Float64Array.from(v, (x) => Math.abs(x - m)))];
}

/** The sum of the two unit-length templates (L × nc, time-major): per channel, the waveform to filter with. */
function footprintFilter(a: Float64Array, b: Float64Array, nc: number): Float64Array {
  const na = Math.hypot(...a) || 1;
  const nb = Math.hypot(...b) || 1;
  return Float64Array.from(a, (v, i) => v / na + b[i] / nb);
}

/**
 * Each spike's footprint: per common channel, its window filtered with that channel's waveform of
 * `filter` (a matched filter over time: the amplitude there, with the noise of one value rather than
 * L), the vector scaled to unit length.
 */
function unitLengthFootprints(set: SnippetSet, ext: number, common: [number, number][], side: 0 | 1, off: number, L: number, filter: Float64Array, out: Float64Array): void {
  const nc = set.channels.length;
  const m = common.length;
  const cols = commonColumns(common, side);
  for (let i = 0; i < set.count; i++) {
    const base = i * ext * nc;
    // out is zeroed: each spike's row accumulates in place.
    const o = i * m;
    for (let p = 0; p < L; p++) {
      const r = base + (off + p) * nc;
      for (let q = 0; q < m; q++) out[o + q] += set.data[r + cols[q]] * filter[p * m + q];
    }
    const norm = Math.hypot(...out.subarray(o, o + m));
    if (norm > 0) for (let q = 0; q < m; q++) out[o + q] /= norm;
  }
}

/**
 * `axis` (L × nc, time-major) minus its component along the time derivative of `template`: the
 * direction in which a sub-sample shift moves a spike.
 */
export function withoutTiming(axis: Float64Array, template: Float64Array, nc: number): Float64Array {
  const L = axis.length / nc;
  const deriv = new Float64Array(axis.length);
  for (let p = 1; p < L - 1; p++) for (let q = 0; q < nc; q++) deriv[p * nc + q] = 0.5 * (template[(p + 1) * nc + q] - template[(p - 1) * nc + q]);
  let ad = 0;
  let dd = 0;
  for (let k = 0; k < axis.length; k++) {
    ad += axis[k] * deriv[k];
    dd += deriv[k] * deriv[k];
  }
  const c = dd > 0 ? ad / dd : 0;
  return axis.map((v, k) => v - c * deriv[k]);
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

/** Mean snippet (ext × channels) of a set over all its spikes, and over those of even and of odd index. */
export interface SnippetMeans {
  all: Float64Array;
  byParity: [Float64Array, Float64Array];
}

export function snippetMeans(set: SnippetSet, ext: number): SnippetMeans {
  const w = ext * set.channels.length;
  const all = new Float64Array(w);
  const byParity: [Float64Array, Float64Array] = [new Float64Array(w), new Float64Array(w)];
  // Sums in spike order, then one division: the same values a per-window mean over the spikes gives.
  getKernels().snippetSums(set.data, set.count, w, all, byParity[0], byParity[1]);
  const divide = (m: Float64Array, n: number) => {
    if (n) for (let k = 0; k < w; k++) m[k] /= n;
  };
  divide(all, set.count);
  divide(byParity[0], (set.count + 1) >> 1);
  divide(byParity[1], set.count >> 1);
  return { all, byParity };
}

/** The window [off, off+L) of a mean snippet (nc channels) on the common channels of one side. */
function windowMean(mean: Float64Array, nc: number, common: [number, number][], side: 0 | 1, off: number, L: number): Float64Array {
  const out = new Float64Array(L * common.length);
  for (let p = 0; p < L; p++) {
    for (let q = 0; q < common.length; q++) out[p * common.length + q] = mean[(off + p) * nc + common[q][side]];
  }
  return out;
}

function project(set: SnippetSet, ext: number, common: [number, number][], side: 0 | 1, off: number, L: number, axis: Float64Array, parity: number): number[] {
  const nc = set.channels.length;
  const m = common.length;
  const cols = commonColumns(common, side);
  const out: number[] = [];
  for (let i = parity; i < set.count; i += 2) {
    const base = i * ext * nc;
    let s = 0;
    for (let p = 0; p < L; p++) {
      const r = base + (off + p) * nc;
      for (let q = 0; q < m; q++) s += set.data[r + cols[q]] * axis[p * m + q];
    }
    out.push(s);
  }
  return out;
}

/** One side's columns of the common channels, as a flat array for the inner loops. */
function commonColumns(common: [number, number][], side: 0 | 1): Int32Array {
  return Int32Array.from(common, (c) => c[side]);
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

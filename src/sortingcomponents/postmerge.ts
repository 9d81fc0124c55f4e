/**
 * Merges after template matching. Matched spikes are cleaner than clusters (each spike was fitted
 * by one template, overlaps resolved), so a neuron that clustering split in two — e.g. one sitting
 * between two peak channels — is recognised here: the two units' matched spikes, projected on the
 * axis between their mean features, form one mode, and their pooled train keeps a refractory
 * period (a single neuron never fires twice within it; two neurons do at chance).
 */
import type { SparseTemplate } from './matching.js';
import { acceptMerges, PairSet } from './mergegroups.js';
import { scaleBetween, standardizePair, type PairTestOptions } from './merging.js';
import { dipTest } from './unimodality.js';
import { testComplementary } from './complementary.js';
import type { Float32Rows } from '../exec/spill.js';

export interface PostMergeSpikes {
  segment: Int32Array;
  sample: Float64Array;
  unit: Int32Array;
  /** numSpikes × numComponents × pcChannels: PC coefficients on the first pcChannels of the unit's template channels. */
  pcFeatures: Float32Rows;
}

/** mergeScore: merge when the dip z-score of the pair's projected spikes is below it. */
export interface PostMergeOptions extends PairTestOptions {
  numComponents: number;
  pcChannels: number;
  /** Template rows searched either side for the best alignment before the cosine. */
  maxShift: number;
  /** Spikes per unit used for the unimodality test (evenly spaced in time). */
  maxSpikesPerUnit: number;
  refractorySamples: number;
  /** Cross-unit pairs closer than this are one spike matched twice (removed as duplicates), not violations. */
  censoredSamples: number;
  /** Samples per segment (for the chance rate of coincidences). */
  segmentSamples: number[];
  /** Veto when the pair's cross violations exceed this fraction of what two independent trains would give. */
  maxCrossViolationRatio: number;
  /** Pairs this similar whose trains fire in complementary periods are one neuron cut by drift (see complementary.ts); 1 disables. */
  complementaryCosine: number;
  /** Time bin (samples) of the complementary-train test. */
  complementaryBinSamples: number;
  near: (a: number, b: number) => boolean;
}

export interface PostMergeDecision {
  a: number;
  b: number;
  score: number;
  separation: number;
  cosine: number;
  crossViolations: number;
  expectedViolations: number;
}

/**
 * For every unit, the unit it is merged into (itself when kept); the larger unit of a merged pair
 * absorbs the smaller, so the output keeps the better-estimated template. Also returns the pairs merged.
 */
export function findPostMerges(spikes: PostMergeSpikes, templates: SparseTemplate[], opts: PostMergeOptions): { target: Int32Array; merges: PostMergeDecision[] } {
  const n = templates.length;
  const byUnit: number[][] = Array.from({ length: n }, () => []);
  spikes.unit.forEach((u, i) => byUnit[u].push(i));
  const candidates: PostMergeDecision[] = [];
  // Pairs compared and found to be two units: no merge chain may join them (see acceptMerges).
  const distinct = new PairSet(n);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      if (byUnit[a].length < 8 || byUnit[b].length < 8) continue;
      if (!opts.near(templates[a].peakChannel, templates[b].peakChannel)) continue;
      const cos = alignedCosine(templates[a], templates[b], opts.maxShift);
      if (cos < opts.candidateCosine) {
        distinct.add(a, b);
        continue;
      }
      const d = testMatchedPair(spikes, byUnit[a], byUnit[b], templates[a], templates[b], cos, opts);
      if (!d) continue;
      const distinctShapes = d.score >= opts.mergeScore || d.separation >= opts.maxSeparation;
      if (distinctShapes && !splitByDrift(spikes, byUnit[a], byUnit[b], cos, a * n + b, opts)) {
        distinct.add(a, b);
        continue;
      }
      const v = crossViolations(spikes, byUnit[a], byUnit[b], opts);
      const decision = { a, b, cosine: cos, score: d.score, separation: d.separation, crossViolations: v.observed, expectedViolations: v.expected };
      if (refractoryVeto(v.observed, v.expected, opts.maxCrossViolationRatio)) distinct.add(a, b);
      else candidates.push(decision);
    }
  }
  const decisions = acceptMerges(n, candidates.sort((x, y) => x.score - y.score), distinct).accepted;
  // Union-find over the accepted pairs; each group is named after its largest unit.
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (u: number): number => (parent[u] === u ? u : (parent[u] = find(parent[u])));
  for (const d of decisions) {
    const ra = find(d.a);
    const rb = find(d.b);
    if (ra === rb) continue;
    const [big, small] = groupSize(byUnit, parent, find, ra) >= groupSize(byUnit, parent, find, rb) ? [ra, rb] : [rb, ra];
    parent[small] = big;
  }
  return { target: Int32Array.from({ length: n }, (_, u) => find(u)), merges: decisions };
}

/**
 * One neuron that drift showed with two shapes: similar templates, and trains that fire in
 * complementary periods (times laid end to end over segments).
 */
function splitByDrift(spikes: Pick<PostMergeSpikes, 'segment' | 'sample'>, a: number[], b: number[], cos: number, seed: number, opts: PostMergeOptions): boolean {
  if (opts.complementaryCosine >= 1 || cos < opts.complementaryCosine) return false;
  const offset = [0];
  for (const n of opts.segmentSamples) offset.push(offset[offset.length - 1] + n);
  const times = (idx: number[]) => Float64Array.from(idx, (i) => offset[spikes.segment[i]] + spikes.sample[i]);
  return testComplementary(times(a), times(b), { binWidth: opts.complementaryBinSamples, permutations: 100, maxOverlapRatio: 0.5, seed }).complementary;
}

function groupSize(byUnit: number[][], parent: Int32Array, find: (u: number) => number, root: number): number {
  let s = 0;
  for (let u = 0; u < parent.length; u++) if (find(u) === root) s += byUnit[u].length;
  return s;
}

/**
 * A split neuron's halves almost never fire within the refractory period of each other; two
 * neurons do at chance. Veto only on clear evidence: a few coincidences are expected from
 * misassigned spikes even within one neuron.
 */
export function refractoryVeto(observed: number, expected: number, maxRatio: number): boolean {
  return observed > Math.max(2, maxRatio * expected);
}

/** Cross-unit spike pairs with censored < |Δt| ≤ refractory, and how many independent trains would give. */
export function crossViolations(spikes: Pick<PostMergeSpikes, 'segment' | 'sample'>, a: number[], b: number[], opts: Pick<PostMergeOptions, 'refractorySamples' | 'censoredSamples' | 'segmentSamples'>): { observed: number; expected: number } {
  const key = (i: number) => spikes.segment[i] * 2 ** 44 + spikes.sample[i];
  const tb = b.map(key).sort((x, y) => x - y);
  let observed = 0;
  for (const i of a) {
    const t = key(i);
    // Binary search for the first spike of b at or after t − refractory.
    let lo = 0;
    let hi = tb.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tb[mid] < t - opts.refractorySamples) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < tb.length && tb[k] <= t + opts.refractorySamples; k++) if (Math.abs(tb[k] - t) > opts.censoredSamples) observed++;
  }
  const total = opts.segmentSamples.reduce((s, x) => s + x, 0);
  const window = 2 * Math.max(0, opts.refractorySamples - opts.censoredSamples);
  const expected = total > 0 ? (a.length * b.length * window) / total : 0;
  return { observed, expected };
}

/** Cosine between two sparse templates on their common channels, best over ±maxShift rows. */
export function alignedCosine(A: SparseTemplate, B: SparseTemplate, maxShift: number): number {
  const common: [number, number][] = [];
  A.channels.forEach((c, i) => {
    const j = B.channels.indexOf(c);
    if (j >= 0) common.push([i, j]);
  });
  if (!common.length) return 0;
  const na = A.channels.length;
  const nb = B.channels.length;
  const L = A.data.length / na;
  // Norms over all of each template's channels: energy B has where A has none counts against the pair.
  const norm = (t: SparseTemplate) => Math.sqrt(t.data.reduce((s, v) => s + v * v, 0)) || 1;
  const denom = norm(A) * norm(B);
  let best = -Infinity;
  for (let s = -maxShift; s <= maxShift; s++) {
    let ab = 0;
    for (let p = Math.max(0, -s); p < L && p + s < L; p++) {
      for (const [i, j] of common) ab += A.data[p * na + i] * B.data[(p + s) * nb + j];
    }
    best = Math.max(best, ab / denom);
  }
  return best;
}

/**
 * Dip score and separation of the pair's matched spikes along the axis between their mean PC
 * features on the channels both carry. Cross-fitted as in merging.ts: the axis is learned on one
 * half of the spikes and projects the other, so noise in the means cannot fake a separation.
 */
export function testMatchedPair(spikes: PostMergeSpikes, a: number[], b: number[], tA: SparseTemplate, tB: SparseTemplate, cos: number, opts: PostMergeOptions): { score: number; separation: number } | null {
  const P = opts.pcChannels;
  const K = opts.numComponents;
  const mA = Math.min(P, tA.channels.length);
  const mB = Math.min(P, tB.channels.length);
  const common: [number, number][] = [];
  for (let i = 0; i < mA; i++) {
    const j = tB.channels.subarray(0, mB).indexOf(tA.channels[i]);
    if (j >= 0) common.push([i, j]);
  }
  if (!common.length) return null;
  const feat = (idx: number[], side: 0 | 1): Float64Array[] => {
    const picked = evenlySpaced(idx, opts.maxSpikesPerUnit);
    const rows = spikes.pcFeatures.read(picked);
    return picked.map((_, j) => {
      const v = new Float64Array(K * common.length);
      for (let r = 0; r < K; r++) for (let q = 0; q < common.length; q++) v[r * common.length + q] = rows[j * K * P + r * P + common[q][side]];
      return v;
    });
  };
  const fa = feat(a, 0);
  const fb = feat(b, 1);
  const dim = K * common.length;
  const fold = (train: number): { values: number[]; separation: number } => {
    const ma = meanOf(fa, dim, train);
    const mb = meanOf(fb, dim, train);
    const alpha = cos >= opts.scaleCosine ? scaleBetween(ma, mb, opts.amplitudeMin, opts.amplitudeMax) : 1;
    const axis = ma.map((v, k) => v - alpha * mb[k]);
    const proj = (f: Float64Array[]) => f.filter((_, i) => i % 2 !== train).map((v) => v.reduce((s, x, k) => s + x * axis[k], 0));
    const pa = proj(fa);
    const pb = proj(fb);
    const values = standardizePair(pa, pb);
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / Math.max(1, v.length);
    return { values, separation: mean(values.slice(0, pa.length)) - mean(values.slice(pa.length)) };
  };
  const f0 = fold(0);
  const f1 = fold(1);
  return { score: dipTest([...f0.values, ...f1.values]).score, separation: 0.5 * (f0.separation + f1.separation) };
}

function meanOf(f: Float64Array[], dim: number, parity: number): Float64Array {
  const out = new Float64Array(dim);
  let n = 0;
  f.forEach((v, i) => {
    if (i % 2 !== parity) return;
    n++;
    for (let k = 0; k < dim; k++) out[k] += v[k];
  });
  if (n) for (let k = 0; k < dim; k++) out[k] /= n;
  return out;
}

/** At most `max` items, evenly spaced (spikes are in time order, so the sample spans the recording). */
function evenlySpaced<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, k) => items[Math.floor((k * items.length) / max)]);
}

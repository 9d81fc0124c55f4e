/**
 * Complementary spike trains: one neuron cut in two by drift. When the probe moves, a neuron near
 * an edge of the probe (or between contacts) looks different at each position, so clustering may
 * give one unit per position; each half then fires only while the probe sits at its position. Two
 * distinct neurons fire over the same periods. The test: the share of the two trains that falls in
 * the same time bins, against what the same spikes give with their labels shuffled (a Poisson
 * share depends on the counts per bin, so a fixed threshold would fail for sparse units).
 */
import { seededRandom } from './random.js';

export interface ComplementaryOptions {
  /** Time bin (in the trains' time unit, e.g. samples): of the order of the drift's time scale. */
  binWidth: number;
  /** Shuffles for the null distribution; the p-value cannot go below 1 / (permutations + 1). */
  permutations: number;
  /** Complementary when the observed overlap is below every shuffle's and at most this fraction of their mean. */
  maxOverlapRatio: number;
  seed: number;
}

export interface ComplementaryResult {
  /** Σ over bins of min(a_k / n_a, b_k / n_b): 1 for identical time profiles, 0 for disjoint ones. */
  overlap: number;
  /** Mean overlap with the pooled spikes' labels shuffled. */
  nullOverlap: number;
  /** Fraction of shuffles (plus one) with an overlap at or below the observed one. */
  pValue: number;
  complementary: boolean;
}

/** Overlap of two trains given as bin indices (any order). */
export function binOverlap(binsA: ArrayLike<number>, binsB: ArrayLike<number>, numBins: number): number {
  if (!binsA.length || !binsB.length) return 0;
  const ca = new Float64Array(numBins);
  const cb = new Float64Array(numBins);
  for (let i = 0; i < binsA.length; i++) ca[binsA[i]]++;
  for (let i = 0; i < binsB.length; i++) cb[binsB[i]]++;
  let s = 0;
  for (let k = 0; k < numBins; k++) s += Math.min(ca[k] / binsA.length, cb[k] / binsB.length);
  return s;
}

/**
 * Whether trains `a` and `b` (spike times, any order, same time unit as binWidth) fire in
 * complementary periods. Deterministic for a given seed.
 */
export function testComplementary(a: ArrayLike<number>, b: ArrayLike<number>, opts: ComplementaryOptions): ComplementaryResult {
  const na = a.length;
  const nb = b.length;
  if (!na || !nb) return { overlap: 0, nullOverlap: 0, pValue: 1, complementary: false };
  let t0 = Infinity;
  for (let i = 0; i < na; i++) t0 = Math.min(t0, a[i]);
  for (let i = 0; i < nb; i++) t0 = Math.min(t0, b[i]);
  const pooled = new Int32Array(na + nb);
  for (let i = 0; i < na; i++) pooled[i] = Math.floor((a[i] - t0) / opts.binWidth);
  for (let i = 0; i < nb; i++) pooled[na + i] = Math.floor((b[i] - t0) / opts.binWidth);
  const numBins = pooled.reduce((m, v) => Math.max(m, v + 1), 0);
  const overlap = binOverlap(pooled.subarray(0, na), pooled.subarray(na), numBins);
  const rand = seededRandom(opts.seed);
  const shuffled = pooled.slice();
  let sum = 0;
  let atOrBelow = 0;
  for (let p = 0; p < opts.permutations; p++) {
    // Partial Fisher–Yates: the first na entries become a random subset of the pooled spikes.
    for (let i = 0; i < na; i++) {
      const j = i + Math.floor(rand() * (na + nb - i));
      const t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    const o = binOverlap(shuffled.subarray(0, na), shuffled.subarray(na), numBins);
    sum += o;
    if (o <= overlap) atOrBelow++;
  }
  const nullOverlap = opts.permutations ? sum / opts.permutations : 1;
  const pValue = (atOrBelow + 1) / (opts.permutations + 1);
  return { overlap, nullOverlap, pValue, complementary: atOrBelow === 0 && opts.permutations > 0 && overlap <= opts.maxOverlapRatio * nullOverlap };
}

/**
 * Clustering of one group of spikes (those sharing a peak channel, in that channel's feature
 * space) by recursive bisection: project on the group's principal components, propose splits
 * (the leading PCs, and 2-means seeded along each → LDA axis), and keep the best only when it fails the
 * unimodality test. The number of units is found, not given, and there is no minimum group size
 * for splitting beyond `minClusterSize`, so short recordings are not silently merged.
 */
import { meanCovariance, ridgeSolve, symmetricEigen } from './linalg.js';
import { dipTest } from './unimodality.js';

export interface SplitOptions {
  minClusterSize: number;
  /** Dip z-score needed to split. */
  splitScore: number;
  maxDepth: number;
  /** Principal components used for the 2-means proposal. */
  splitDims: number;
  /** 2-means proposals are seeded along each of this many leading components. */
  seedComponents: number;
}

/** Cluster labels 0..k-1 for the n rows of x (n × d). */
export function recursiveSplit(x: Float32Array, d: number, opts: SplitOptions): Int32Array {
  const n = x.length / d;
  const labels = new Int32Array(n);
  let next = 0;
  const stack: { idx: Int32Array; depth: number }[] = [{ idx: Int32Array.from({ length: n }, (_, i) => i), depth: 0 }];
  while (stack.length) {
    const { idx, depth } = stack.pop()!;
    const parts = depth < opts.maxDepth ? proposeSplit(x, d, idx, opts) : null;
    if (!parts) {
      for (const i of idx) labels[i] = next;
      next++;
      continue;
    }
    stack.push({ idx: parts[1], depth: depth + 1 }, { idx: parts[0], depth: depth + 1 });
  }
  return labels;
}

/** Two index sets when the group is significantly bimodal along some axis, else null. */
export function proposeSplit(x: Float32Array, d: number, idx: Int32Array, opts: SplitOptions): [Int32Array, Int32Array] | null {
  const n = idx.length;
  if (n < 2 * opts.minClusterSize) return null;
  const y = principalProjection(x, d, idx, Math.min(opts.splitDims, d));
  const k = y.length / n;
  if (k === 0) return null;
  const axes: Float64Array[] = [];
  // Each leading component is an axis of its own, and seeds a 2-means whose discriminant is
  // another: when amplitude spread (bursts, drift) owns PC1, two units that differ in footprint
  // separate along PC2 or PC3 instead, and 2-means would drift back to the amplitude split.
  for (let r = 0; r < Math.min(opts.seedComponents, k); r++) {
    const pc = new Float64Array(k);
    pc[r] = 1;
    axes.push(pc);
    const lda = twoMeansLdaAxis(y, n, k, r);
    if (lda) axes.push(lda);
  }
  let best: { score: number; cut: number; proj: Float64Array } | null = null;
  for (const w of axes) {
    const proj = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += y[i * k + j] * w[j];
      proj[i] = s;
    }
    const dip = dipTest(proj);
    if (!best || dip.score > best.score) best = { ...dip, proj };
  }
  if (!best || best.score < opts.splitScore) return null;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) (best.proj[i] < best.cut ? a : b).push(idx[i]);
  if (a.length < opts.minClusterSize || b.length < opts.minClusterSize) return null;
  return [Int32Array.from(a), Int32Array.from(b)];
}

/** Centred projections of rows idx on their top-k principal components (n × k). */
export function principalProjection(x: Float32Array, d: number, idx: Int32Array, k: number): Float64Array {
  const { mean, cov } = meanCovariance(x, d, idx);
  const { values, vectors } = symmetricEigen(cov, d);
  let kk = 0;
  while (kk < k && values[kk] > 1e-9 * Math.max(values[0], 1e-30)) kk++;
  const n = idx.length;
  const y = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    const b = idx[i] * d;
    for (let r = 0; r < kk; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[b + j] - mean[j]) * vectors[r * d + j];
      y[i * kk + r] = s;
    }
  }
  return y;
}

/** 2-means (seeded at ±1 sd along component `seedDim`), then the Fisher discriminant axis between the two halves. */
export function twoMeansLdaAxis(y: Float64Array, n: number, k: number, seedDim = 0): Float64Array | null {
  let sd = 0;
  for (let i = 0; i < n; i++) sd += y[i * k + seedDim] ** 2;
  sd = Math.sqrt(sd / n);
  const c0 = new Float64Array(k);
  const c1 = new Float64Array(k);
  c0[seedDim] = -sd;
  c1[seedDim] = sd;
  const lab = new Uint8Array(n);
  for (let iter = 0; iter < 30; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let d0 = 0;
      let d1 = 0;
      for (let j = 0; j < k; j++) {
        const v = y[i * k + j];
        d0 += (v - c0[j]) ** 2;
        d1 += (v - c1[j]) ** 2;
      }
      const l = d1 < d0 ? 1 : 0;
      if (l !== lab[i]) changed = true;
      lab[i] = l;
    }
    const n1 = centroid(y, n, k, lab, 1, c1);
    const n0 = centroid(y, n, k, lab, 0, c0);
    if (n0 === 0 || n1 === 0) return null;
    if (!changed && iter > 0) break;
  }
  const sw = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const c = lab[i] ? c1 : c0;
    for (let p = 0; p < k; p++) {
      const dp = y[i * k + p] - c[p];
      for (let q = 0; q < k; q++) sw[p * k + q] += dp * (y[i * k + q] - c[q]);
    }
  }
  const diff = Float64Array.from(c1, (v, j) => v - c0[j]);
  const w = ridgeSolve(sw, diff, k, 1e-2);
  const norm = Math.hypot(...w);
  return norm > 0 ? w.map((v) => v / norm) : null;
}

function centroid(y: Float64Array, n: number, k: number, lab: Uint8Array, which: number, out: Float64Array): number {
  out.fill(0);
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    if (lab[i] !== which) continue;
    cnt++;
    for (let j = 0; j < k; j++) out[j] += y[i * k + j];
  }
  if (cnt) for (let j = 0; j < k; j++) out[j] /= cnt;
  return cnt;
}

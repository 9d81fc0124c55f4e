/**
 * Clustering of one group of spikes (those sharing a peak channel, in that channel's feature
 * space) by recursive bisection: project on the group's principal components, propose splits
 * (the leading PCs, and 2-means seeded along each → LDA axis), and keep the best only when it fails the
 * unimodality test. The number of units is found, not given, and there is no minimum group size
 * for splitting beyond `minClusterSize`, so short recordings are not silently merged. Small groups,
 * where the dip test lacks points, are also split on held-out separation (see minSeparation), and
 * large ones on the same separation of their amplitude-normalised features (see shapeSplit).
 */
import { meanCovariance, ridgeSolve, symmetricEigen } from './linalg.js';
import { differentTimeCourse } from './timeks.js';
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
  /**
   * A 2-means partition whose held-out separation (see heldOutSeparation) reaches this many pooled
   * sd is split even when the dip test lacks the points to be significant; 0 or absent disables.
   */
  minSeparation?: number;
  /**
   * The separation rule applies to groups of at most this many rows (absent: any size). In large
   * groups it cuts tails off large units (overlapping spikes, amplitude outliers: tens of spikes
   * far from the main cloud), which a unit of that size is indistinguishable from.
   */
  maxSeparationGroup?: number;
  /**
   * A separated part smaller than this (default minClusterSize) is left unclustered (label −1)
   * instead of becoming a cluster: a handful of outlying spikes of a large unit (overlaps, tails)
   * is not a unit, and a real small unit among them is still fitted by matching when it has a
   * cluster on another channel.
   */
  minSeparationSide?: number;
  /**
   * With spike times, such a split is refused when the two parts' times differ in distribution
   * (two-sample KS beyond this coefficient, see differentTimeCourse): one unit that drifted in
   * one period, not two units. Absent: no time check.
   */
  timeKs?: number;
  /**
   * Groups larger than maxSeparationGroup are also split when a 2-means partition of their
   * amplitude-normalised features (each row scaled to unit length) is this many pooled sd apart on
   * held-out rows (see shapeSplit); 0 or absent disables.
   */
  shapeSeparation?: number;
  /** The smaller part of such a split holds at least this fraction of the group (default 0.2). */
  shapeMinFraction?: number;
}

/**
 * Cluster labels 0..k-1 for the n rows of x (n × d), −1 for rows left unclustered (see
 * minSeparationSide); `times` (any increasing time key per row) enables opts.timeKs.
 */
export function recursiveSplit(x: Float32Array, d: number, opts: SplitOptions, times?: ArrayLike<number>): Int32Array {
  const n = x.length / d;
  const labels = new Int32Array(n);
  let next = 0;
  const stack: { idx: Int32Array; depth: number }[] = [{ idx: Int32Array.from({ length: n }, (_, i) => i), depth: 0 }];
  while (stack.length) {
    const { idx, depth } = stack.pop()!;
    const split = depth < opts.maxDepth ? proposeSplit(x, d, idx, opts, times) : null;
    if (!split) {
      for (const i of idx) labels[i] = next;
      next++;
      continue;
    }
    const [a, b] = split.parts;
    if (split.setAside) {
      for (const i of b) labels[i] = -1;
      stack.push({ idx: a, depth: depth + 1 });
    } else {
      stack.push({ idx: b, depth: depth + 1 }, { idx: a, depth: depth + 1 });
    }
  }
  return labels;
}

/** Two parts of a group; with setAside, parts[1] is a few outlying rows to leave unclustered. */
export interface GroupSplit {
  parts: [Int32Array, Int32Array];
  setAside: boolean;
}

/** Two index sets when the group is significantly bimodal along some axis, else null. */
export function proposeSplit(x: Float32Array, d: number, idx: Int32Array, opts: SplitOptions, times?: ArrayLike<number>): GroupSplit | null {
  const n = idx.length;
  if (n < 2 * opts.minClusterSize) return null;
  const y = principalProjection(x, d, idx, Math.min(opts.splitDims, d));
  const k = y.length / n;
  if (k === 0) return null;
  const axes: Float64Array[] = [];
  const partitions: Uint8Array[] = [];
  // Each leading component is an axis of its own, and seeds a 2-means whose discriminant is
  // another: when amplitude spread (bursts, drift) owns PC1, two units that differ in footprint
  // separate along PC2 or PC3 instead, and 2-means would drift back to the amplitude split.
  for (let r = 0; r < Math.min(opts.seedComponents, k); r++) {
    const pc = new Float64Array(k);
    pc[r] = 1;
    axes.push(pc);
    const lab = twoMeans(y, n, k, r);
    const lda = lab ? ldaAxis(y, k, lab) : null;
    if (lab && lda) {
      axes.push(lda);
      partitions.push(lab);
    }
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
  if (best && best.score >= opts.splitScore) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++) (best.proj[i] < best.cut ? a : b).push(idx[i]);
    if (a.length >= opts.minClusterSize && b.length >= opts.minClusterSize) return { parts: [Int32Array.from(a), Int32Array.from(b)], setAside: false };
  }
  return separationSplit(y, k, idx, partitions, opts, times) ?? shapeSplit(x, d, idx, opts, times);
}

/**
 * The large-group rule (opts.shapeSeparation) for a group the dip test left whole. A unit's
 * amplitude varies (bursts, drift, jitter) and that spread dominates its principal components,
 * so a second unit of similar waveform but another spatial footprint (a neuron 10–20 µm away on a
 * dense probe) hides beneath it; scaled to unit length, each unit's spikes collapse onto their
 * footprint and the two separate. A tail of outliers (overlaps, noise) also stands apart after
 * scaling, hence the minimum fraction; a drifting unit's footprint moves in time, hence the
 * time-course check.
 */
function shapeSplit(x: Float32Array, d: number, idx: Int32Array, opts: SplitOptions, times?: ArrayLike<number>): GroupSplit | null {
  const n = idx.length;
  if (!opts.shapeSeparation || n <= (opts.maxSeparationGroup ?? Infinity)) return null;
  const unit = unitLengthRows(x, d, idx);
  const y = principalProjection(unit, d, Int32Array.from({ length: n }, (_, i) => i), Math.min(opts.splitDims, d));
  const k = y.length / n;
  const partitions: Uint8Array[] = [];
  for (let r = 0; r < Math.min(opts.seedComponents, k); r++) {
    const lab = twoMeans(y, n, k, r);
    if (lab && sameTimeCourse(lab, idx, opts, times)) partitions.push(lab);
  }
  const minSize = Math.max(opts.minClusterSize, Math.ceil((opts.shapeMinFraction ?? 0.2) * n));
  const parts = separatedPartition(y, k, idx, partitions, minSize, opts.shapeSeparation);
  return parts && { parts, setAside: false };
}

/** Rows idx of x, each scaled to unit Euclidean length (all-zero rows stay zero), as a new n × d array. */
export function unitLengthRows(x: Float32Array, d: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * d);
  idx.forEach((row, i) => {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x[row * d + j] ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = x[row * d + j] * inv;
  });
  return out;
}

/** False when opts.timeKs is set and the two parts of `lab` fire over different time courses (see differentTimeCourse). */
function sameTimeCourse(lab: Uint8Array, idx: Int32Array, opts: SplitOptions, times?: ArrayLike<number>): boolean {
  if (!times || opts.timeKs === undefined) return true;
  const t: [number[], number[]] = [[], []];
  lab.forEach((l, i) => t[l].push(times[idx[i]]));
  return !differentTimeCourse(t[0], t[1], opts.timeKs);
}

/** The small-group rule (opts.minSeparation) for a group the dip test left whole. */
function separationSplit(y: Float64Array, k: number, idx: Int32Array, partitions: Uint8Array[], opts: SplitOptions, times?: ArrayLike<number>): GroupSplit | null {
  if (!opts.minSeparation || idx.length > (opts.maxSeparationGroup ?? Infinity)) return null;
  const parts = separatedPartition(y, k, idx, partitions.filter((lab) => sameTimeCourse(lab, idx, opts, times)), opts.minClusterSize, opts.minSeparation);
  if (!parts) return null;
  const minSide = Math.max(opts.minClusterSize, opts.minSeparationSide ?? 0);
  if (Math.min(parts[0].length, parts[1].length) >= minSide) return { parts, setAside: false };
  return { parts: parts[0].length >= parts[1].length ? parts : [parts[1], parts[0]], setAside: true };
}

/**
 * The best-separated 2-means partition when its held-out separation reaches `minSeparation`. The
 * dip test needs many points (two perfectly apart groups of 30 spikes score below 3), so on small
 * groups clear separation is the evidence: any cut through one unimodal cloud stays below ~3.5 sd.
 */
function separatedPartition(y: Float64Array, k: number, idx: Int32Array, partitions: Uint8Array[], minSize: number, minSeparation: number): [Int32Array, Int32Array] | null {
  let best: { sep: number; lab: Uint8Array } | null = null;
  for (const lab of partitions) {
    const n1 = lab.reduce((s, v) => s + v, 0);
    if (n1 < minSize || lab.length - n1 < minSize) continue;
    const sep = heldOutSeparation(y, k, lab);
    if (sep >= minSeparation && (!best || sep > best.sep)) best = { sep, lab };
  }
  if (!best) return null;
  const a: number[] = [];
  const b: number[] = [];
  best.lab.forEach((l, i) => (l ? b : a).push(idx[i]));
  return [Int32Array.from(a), Int32Array.from(b)];
}

/**
 * Separation of a two-group labelling in pooled sd, cross-fitted: the discriminant learned on the
 * even rows projects the odd rows and vice versa, so a discriminant fitted to noise (few points,
 * many dimensions) cannot fake a gap. The mean of the two folds; 0 when a fold lacks a group.
 */
export function heldOutSeparation(y: Float64Array, k: number, lab: Uint8Array): number {
  return heldOutSeparationBy(y, k, lab, pooledSeparation);
}

/**
 * The cross-fitted scheme of heldOutSeparation with another measure of the gap between the two
 * groups' held-out projections (null: too few values, the separation is 0).
 */
export function heldOutSeparationBy(y: Float64Array, k: number, lab: Uint8Array, measure: (a: number[], b: number[]) => number | null): number {
  const n = lab.length;
  let total = 0;
  for (let fold = 0; fold < 2; fold++) {
    const train = new Uint8Array(n);
    for (let i = fold; i < n; i += 2) train[i] = 1;
    const w = ldaAxis(y, k, lab, train);
    if (!w) return 0;
    const proj: [number[], number[]] = [[], []];
    for (let i = 1 - fold; i < n; i += 2) {
      let s = 0;
      for (let j = 0; j < k; j++) s += y[i * k + j] * w[j];
      proj[lab[i]].push(s);
    }
    const sep = measure(proj[0], proj[1]);
    if (sep === null) return 0;
    total += sep;
  }
  return total / 2;
}

/** |mean(a) − mean(b)| over their pooled standard deviation; null when either has fewer than 2 values. */
function pooledSeparation(a: number[], b: number[]): number | null {
  if (a.length < 2 || b.length < 2) return null;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let ss = 0;
  for (const v of a) ss += (v - ma) ** 2;
  for (const v of b) ss += (v - mb) ** 2;
  const sd = Math.sqrt(ss / (a.length + b.length - 2));
  return sd > 0 ? Math.abs(ma - mb) / sd : Infinity;
}

/** Centred projections of rows idx on their top-k principal components (n × k). */
export function principalProjection(x: Float32Array, d: number, idx: Int32Array, k: number): Float64Array {
  const { mean, cov } = meanCovariance(x, d, idx);
  const { values, vectors } = symmetricEigen(cov, d);
  let kk = 0;
  while (kk < k && values[kk] > 1e-9 * Math.max(values[0], 1e-30)) kk++;
  const n = idx.length;
  const y = new Float64Array(n * kk);
  // Each row is centred once for all kk components (the same differences, the same sums in j order).
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const b = idx[i] * d;
    for (let j = 0; j < d; j++) c[j] = x[b + j] - mean[j];
    for (let r = 0; r < kk; r++) {
      let s = 0;
      for (let j = 0, v = r * d; j < d; j++, v++) s += c[j] * vectors[v];
      y[i * kk + r] = s;
    }
  }
  return y;
}

/** 2-means (seeded at ±1 sd along component `seedDim`), then the Fisher discriminant axis between the two halves. */
export function twoMeansLdaAxis(y: Float64Array, n: number, k: number, seedDim = 0): Float64Array | null {
  const lab = twoMeans(y, n, k, seedDim);
  return lab && ldaAxis(y, k, lab);
}

/** 2-means labels (seeded at ±1 sd along component `seedDim`), or null when a side empties. */
export function twoMeans(y: Float64Array, n: number, k: number, seedDim = 0): Uint8Array | null {
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
  return lab;
}

/** Unit Fisher discriminant axis between label 0 and label 1 over the rows with use[i] (all when omitted); null when a group is empty. */
export function ldaAxis(y: Float64Array, k: number, lab: Uint8Array, use?: Uint8Array): Float64Array | null {
  const n = lab.length;
  const sel = use ? Uint8Array.from(lab, (l, i) => (use[i] ? l : 2)) : lab;
  const c0 = new Float64Array(k);
  const c1 = new Float64Array(k);
  if (centroid(y, n, k, sel, 0, c0) === 0 || centroid(y, n, k, sel, 1, c1) === 0) return null;
  const sw = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    if (sel[i] > 1) continue;
    const c = sel[i] ? c1 : c0;
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

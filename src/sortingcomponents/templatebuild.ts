/**
 * From clusters to matching templates: read snippets of each cluster, merge clusters that are one
 * unit (see merging.ts), then average each merged unit's aligned snippets, re-centre it on its
 * extremum and keep its significant channels.
 */
import { getKernels } from '../kernels/registry.js';
import { Polarity, polarityValue } from './detection.js';
import { findMerges, type MergeDecision, type PairTestOptions } from './merging.js';
import { seededRandom, sampleIndices } from './random.js';
import { SnippetRequest, SnippetSet, SnippetStepSet, floatSetsFromSteps, gatherSnippetSteps, gatherSnippets, stepToNoiseUnits } from './snippets.js';
import type { SparseTemplate } from './matching.js';
import { channelNormalizer, type ChannelNormalizer, type NormalizedSource } from './traces.js';

export interface Cluster {
  segment: Int32Array;
  sample: Float64Array;
  /** Channel whose neighbourhood the cluster was found in. */
  channel: number;
}

export interface TemplateBuildOptions extends PairTestOptions {
  nBefore: number;
  length: number;
  maxShift: number;
  maxSpikesPerUnit: number;
  sparsityRatio: number;
  polarity: Polarity;
  chunkSamples: number;
  neighbours: Int32Array[];
  /** Per peak channel, the channels a final template may span (wider than `neighbours`: a large spike reaches far). */
  templateNeighbours: Int32Array[];
  /** Channels whose template peak reaches this many noise sd are kept whatever their ratio to the peak. */
  sparsityNoiseSigma: number;
  near: (a: number, b: number) => boolean;
  seed: number;
  /** Snippet bytes read at once for the final templates (default 64 MiB); the templates do not depend on it. */
  batchBytes?: number;
}

export interface BuiltTemplates {
  templates: SparseTemplate[];
  /** For each template, the clusters it was made of. */
  members: number[][];
  merges: number;
}

export function buildTemplates(src: NormalizedSource, clusters: Cluster[], opts: TemplateBuildOptions): BuiltTemplates {
  const rand = seededRandom(opts.seed);
  const S = opts.maxShift;
  const ext = opts.length + 2 * S;
  const picks = clusters.map((c) => sampleIndices(c.sample.length, opts.maxSpikesPerUnit, rand));
  const decisions = mergeDecisions(src, clusters, picks, opts);
  // Union-find with time offsets: offset[u] aligns cluster u's times to its root.
  const parent = clusters.map((_, u) => u);
  const offset = new Float64Array(clusters.length);
  const find = (u: number): number => {
    while (parent[u] !== u) u = parent[u];
    return u;
  };
  const offsetToRoot = (u: number): number => {
    let o = 0;
    while (parent[u] !== u) {
      o += offset[u];
      u = parent[u];
    }
    return o;
  };
  let merges = 0;
  for (const d of decisions) {
    const ra = find(d.a);
    const rb = find(d.b);
    if (ra === rb) continue;
    // b's times + shift align with a; a's times + offsetToRoot(a) align with ra.
    const oa = offsetToRoot(d.a);
    const ob = offsetToRoot(d.b);
    parent[rb] = ra;
    offset[rb] = d.shift + oa - ob;
    merges++;
  }
  const groups = new Map<number, number[]>();
  clusters.forEach((_, u) => {
    const r = find(u);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(u);
  });
  const members = [...groups.values()];
  const channelSets = members.map((m) => Int32Array.from(new Set(m.flatMap((u) => [...opts.templateNeighbours[clusters[u].channel]]))).sort());
  const owners: OwnedPicks[][] = members.map((m) => {
    const per = Math.max(1, Math.floor(opts.maxSpikesPerUnit / m.length));
    return m.map((u) => ({ cl: clusters[u], pick: picks[u].subarray(0, per), offset: offsetToRoot(u), owner: 0 }));
  });
  // Units' snippets are read a batch at a time and dropped once their templates are made, so the stage
  // never holds every unit's snippets at once (hundreds of MB with many units, left as garbage for matching).
  const templates: SparseTemplate[] = [];
  for (const [g0, g1] of templateBatches(owners.map((o, g) => snippetCount(o) * ext * channelSets[g].length * 4), opts.batchBytes ?? TEMPLATE_BATCH_BYTES)) {
    const items = owners.slice(g0, g1).flatMap((o, k) => o.map((it) => ({ ...it, owner: k })));
    // On the int16 trace cache the medians are taken on the raw steps (half the bytes to gather, no conversion).
    const steps = gatherOwned(src, items, channelSets.slice(g0, g1), opts.nBefore + S, ext, opts.chunkSamples, gatherSnippetSteps);
    if (steps) {
      const f = channelNormalizer(src);
      for (const set of steps) templates.push(finishTemplate(set.channels, medianSnippetFromSteps(set, ext, f), opts));
    } else {
      for (const set of gatherOwned(src, items, channelSets.slice(g0, g1), opts.nBefore + S, ext, opts.chunkSamples, gatherSnippets)) templates.push(finishTemplate(set.channels, medianSnippet(set, ext), opts));
    }
  }
  return { templates, members, merges };
}

/** A cluster's picked spikes, shifted by `offset` into its unit's time frame, for output `owner`. */
interface OwnedPicks {
  cl: Cluster;
  pick: Int32Array;
  offset: number;
  owner: number;
}

/** Snippet bytes read per batch of final templates (at least one unit per batch). */
const TEMPLATE_BATCH_BYTES = 64 * 1024 * 1024;

/**
 * Float snippet sets the merge tests keep made from steps (a unit at maxSpikesPerUnit: about 2 MB). Over
 * glibc's largest mmap threshold (32 MiB), so the pool is mapped on its own and given back when freed: a
 * smaller one can land at the top of the heap and stay resident through matching.
 */
const MERGE_FLOAT_SETS_BYTES = 48 * 1024 * 1024;

function snippetCount(items: OwnedPicks[]): number {
  return items.reduce((a, it) => a + it.pick.length, 0);
}

/** Consecutive ranges [g0, g1) of units whose snippet bytes add up to at most `budget` (a larger unit alone). */
export function templateBatches(bytes: number[], budget: number): [number, number][] {
  const out: [number, number][] = [];
  let g0 = 0;
  let sum = 0;
  bytes.forEach((b, g) => {
    if (g > g0 && sum + b > budget) {
      out.push([g0, g]);
      g0 = g;
      sum = 0;
    }
    sum += b;
  });
  if (bytes.length > g0) out.push([g0, bytes.length]);
  return out;
}

/**
 * Merge decisions from the clusters' snippets on their feature channels. A function of its own so the
 * snippets (hundreds of MB with many units) can be freed before the final templates' snippets are read.
 */
function mergeDecisions(src: NormalizedSource, clusters: Cluster[], picks: Int32Array[], opts: TemplateBuildOptions): MergeDecision[] {
  const S = opts.maxShift;
  const ext = opts.length + 2 * S;
  const items = clusters.map((c, u) => ({ cl: c, pick: picks[u], offset: 0, owner: u }));
  const channels = clusters.map((c) => opts.neighbours[c.channel]);
  // On the int16 trace cache the snippets are held as steps and made float a few units at a time (the
  // pairs are tested a neighbourhood at a time): with every unit at maxSpikesPerUnit, the float sets
  // of all of them (346 MiB on the 384-channel, 600 s benchmark) would be the sort's peak memory.
  const steps = gatherOwned(src, items, channels, opts.nBefore + S, ext, opts.chunkSamples, gatherSnippetSteps);
  const floats = steps ? null : gatherOwned(src, items, channels, opts.nBefore + S, ext, opts.chunkSamples, gatherSnippets);
  const setOf = steps ? floatSetsFromSteps(steps, channelNormalizer(src), MERGE_FLOAT_SETS_BYTES) : (u: number) => floats![u];
  return findMerges(
    clusters.map((c, u) => ({ snippets: () => setOf(u), count: (steps ?? floats!)[u].count, peakChannel: c.channel })),
    { length: opts.length, maxShift: S, candidateCosine: opts.candidateCosine, mergeScore: opts.mergeScore, maxSeparation: opts.maxSeparation, amplitudeMin: opts.amplitudeMin, amplitudeMax: opts.amplitudeMax, scaleCosine: opts.scaleCosine, footprintTest: opts.footprintTest, near: opts.near },
  );
}

/** gatherSnippets or gatherSnippetSteps. */
type Gatherer<T> = (src: NormalizedSource, req: SnippetRequest, channels: Int32Array[], nBefore: number, length: number, chunkSamples: number) => T;

function gatherOwned<T>(
  src: NormalizedSource,
  items: { cl: Cluster; pick: Int32Array; offset: number; owner: number }[],
  channels: Int32Array[],
  nBefore: number,
  length: number,
  chunkSamples: number,
  gatherer: Gatherer<T>,
): T {
  const seg: number[] = [];
  const sample: number[] = [];
  const owner: number[] = [];
  for (const it of items) {
    for (const i of it.pick) {
      seg.push(it.cl.segment[i]);
      sample.push(Math.round(it.cl.sample[i] + it.offset));
      owner.push(it.owner);
    }
  }
  return gatherer(src, { segment: Int32Array.from(seg), sample: Float64Array.from(sample), owner: Int32Array.from(owner) }, channels, nBefore, length, chunkSamples);
}

/**
 * Median of the aligned snippets, re-centred so the extremum of the strongest channel sits at
 * nBefore. The median, not the mean: a cluster holding a few spikes of a much larger unit would
 * otherwise carry that unit's footprint on its far channels.
 */
function finishTemplate(channels: Int32Array, mean: Float64Array, opts: TemplateBuildOptions): SparseTemplate {
  const nch = channels.length;
  const ext = opts.length + 2 * opts.maxShift;
  const S = opts.maxShift;
  let bestRow = S + opts.nBefore;
  let bestCh = 0;
  let bestVal = -Infinity;
  for (let p = 0; p < ext; p++) {
    for (let q = 0; q < nch; q++) {
      const v = polarityValue(mean[p * nch + q], opts.polarity);
      if (v > bestVal) {
        bestVal = v;
        bestRow = p;
        bestCh = q;
      }
    }
  }
  // Shift the window so the extremum lands on nBefore, staying inside the extended snippet.
  const start = Math.max(0, Math.min(2 * S, bestRow - opts.nBefore));
  const peakAmp = Math.abs(mean[bestRow * nch + bestCh]);
  const keep: number[] = [];
  for (let q = 0; q < nch; q++) {
    let m = 0;
    for (let p = 0; p < opts.length; p++) m = Math.max(m, Math.abs(mean[(start + p) * nch + q]));
    // Relative to the peak, but never dropping a channel where the spike stands above the noise:
    // what a template leaves out stays in the residual and is fitted as a small spike elsewhere.
    if (m >= Math.min(opts.sparsityRatio * peakAmp, opts.sparsityNoiseSigma) || q === bestCh) keep.push(q);
  }
  keep.sort((a, b) => (a === bestCh ? -1 : b === bestCh ? 1 : 0) || peakOf(mean, nch, start, opts.length, b) - peakOf(mean, nch, start, opts.length, a));
  const data = new Float32Array(opts.length * keep.length);
  for (let p = 0; p < opts.length; p++) keep.forEach((q, j) => (data[p * keep.length + j] = mean[(start + p) * nch + q]));
  return { channels: Int32Array.from(keep, (q) => channels[q]), data, peakChannel: channels[bestCh] };
}

function peakOf(mean: Float64Array, nch: number, start: number, L: number, q: number): number {
  let m = 0;
  for (let p = 0; p < L; p++) m = Math.max(m, Math.abs(mean[(start + p) * nch + q]));
  return m;
}

/** Per (sample, channel) median over the snippets of a set (zeros for an empty set), as numpy's median. */
export function medianSnippet(set: SnippetSet, ext: number): Float64Array {
  const w = ext * set.channels.length;
  const out = new Float64Array(w);
  if (set.count > 0) getKernels().columnMedians(set.data, set.count, w, out);
  return out;
}

/**
 * medianSnippet of the normalised snippets, from their raw int16 steps: the step → noise-unit map is
 * non-decreasing (stepsAreMonotonic), so the middle values of the normalised snippets are the middle steps
 * converted, and an even count's median is their mean in float64, as columnMedians takes it: the same bits.
 */
export function medianSnippetFromSteps(set: SnippetStepSet, ext: number, f: ChannelNormalizer): Float64Array {
  const nch = set.channels.length;
  const w = ext * nch;
  const out = new Float64Array(w);
  if (set.count === 0) return out;
  const lo = new Int32Array(w);
  const hi = new Int32Array(w);
  getKernels().columnMiddleInt16(set.data, set.count, w, lo, hi);
  const gain = Float64Array.from(set.channels, (c) => f.gain[c]);
  const scale = Float32Array.from(set.channels, (c) => f.scale[c]);
  const odd = set.count % 2 === 1;
  for (let j = 0; j < w; j++) {
    const q = j % nch;
    const upper = stepToNoiseUnits(hi[j], gain[q], scale[q]);
    out[j] = odd ? upper : (stepToNoiseUnits(lo[j], gain[q], scale[q]) + upper) / 2;
  }
  return out;
}

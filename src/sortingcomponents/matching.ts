/**
 * Template matching by iterative peeling (detect on the residual → best template fit → subtract),
 * the idea shared by SpikeSift and Circus2: overlapping spikes are resolved because subtracting the
 * strongest spike reveals the one beneath it. Compute goes only where residual peaks are, on the
 * sparse channels of templates near the peak, with amplitude scaling and sub-sample alignment.
 * Two safeguards keep peeling from inventing spikes: later fits are scored against the error a
 * subtracted spike leaves behind (residualVariance), and two near-simultaneous fits must explain
 * more than one spike would (pair test in matchWindow).
 */
import { Peaks, PeakDetectOptions, Polarity, detectPeaks, polarityValue } from './detection.js';
import type { TemporalBasis } from './features.js';
import { getKernels } from '../kernels/registry.js';
import { ScoreMemo, scoreMemo } from './matchscorememo.js';
import { matchedSpikeList } from './matchedspikelist.js';

export interface SparseTemplate {
  channels: Int32Array;
  /** length × channels.length, normalised units; the spike peak is at row nBefore. */
  data: Float32Array;
  peakChannel: number;
}

export interface MatchTemplate extends SparseTemplate {
  /** Copy f (0..upsample-1) is the template delayed by f/upsample samples. */
  shifted: Float32Array[];
  energy: Float64Array;
  /** Per recording channel: row of the template's extremum there (-1 when not a template channel). */
  extremumRow: Int32Array;
  /** Per recording channel: |template value| at extremumRow there (0 when not a template channel). */
  extremumSize: Float32Array;
  /** The part of copy 0 that holds most of its energy, for coarse-to-fine scoring (MatchOptions.fullScoreCandidates). */
  core: TemplateCore;
}

/** Rows [row0, row0 + rows) of copy 0 on some of its channels. */
export interface TemplateCore {
  row0: number;
  rows: number;
  /** Recording channels, and the data (rows × channels.length). */
  channels: Int32Array;
  data: Float32Array;
  /** Σ data², and the template's energy over it (≥ 1): the full score is about core score × scale. */
  energy: number;
  scale: number;
}

/**
 * Rows of a template core: a spike's energy sits within about a millisecond of its extrema, and one row count
 * for all templates lets one kernel call score every candidate's core.
 */
const CORE_ROWS = 32;
/** A core keeps the fewest channels holding this fraction of the energy in its rows. */
const CORE_ENERGY_FRACTION = 0.9;

/** The core of a template (copy 0, length rows): the CORE_ROWS window of most energy, then its strongest channels. */
export function templateCore(data: Float32Array, channels: Int32Array, length: number): TemplateCore {
  const nch = channels.length;
  const rows = Math.min(CORE_ROWS, length);
  const rowEnergy = new Float64Array(length);
  let total = 0;
  for (let p = 0; p < length; p++) {
    for (let q = 0; q < nch; q++) rowEnergy[p] += data[p * nch + q] * data[p * nch + q];
    total += rowEnergy[p];
  }
  let row0 = 0;
  let best = -1;
  for (let r = 0, sum = 0; r < length; r++) {
    sum += rowEnergy[r] - (r >= rows ? rowEnergy[r - rows] : 0);
    if (r >= rows - 1 && sum > best) {
      best = sum;
      row0 = r - rows + 1;
    }
  }
  const channelEnergy = new Float64Array(nch);
  for (let p = row0; p < row0 + rows; p++) for (let q = 0; q < nch; q++) channelEnergy[q] += data[p * nch + q] * data[p * nch + q];
  const order = Array.from(channelEnergy.keys()).sort((a, b) => channelEnergy[b] - channelEnergy[a] || a - b);
  const inWindow = channelEnergy.reduce((a, v) => a + v, 0);
  const kept: number[] = [];
  for (let i = 0, sum = 0; i < nch && (kept.length === 0 || sum < CORE_ENERGY_FRACTION * inWindow); i++) {
    kept.push(order[i]);
    sum += channelEnergy[order[i]];
  }
  kept.sort((a, b) => a - b);
  const coreData = new Float32Array(rows * kept.length);
  let energy = 0;
  for (let p = 0; p < rows; p++) {
    for (let k = 0; k < kept.length; k++) {
      const v = data[(row0 + p) * nch + kept[k]];
      coreData[p * kept.length + k] = v;
      energy += v * v;
    }
  }
  return { row0, rows, channels: Int32Array.from(kept, (q) => channels[q]), data: coreData, energy, scale: energy > 0 ? total / energy : 1 };
}

export interface MatchOptions {
  nBefore: number;
  length: number;
  threshold: number;
  minScore: number;
  amplitudeMin: number;
  amplitudeMax: number;
  maxShift: number;
  iterations: number;
  polarity: Polarity;
  exclusionSamples: number;
  dedupNeighbours: Int32Array[];
  /**
   * Relative error of a subtracted spike: what a fit leaves behind has variance (this × fitted
   * template)², added to the unit noise when later fits there are scored (0 = perfect templates).
   */
  residualError: number;
  /** Two fits whose starts are within this many samples are tested against one fit explaining both (0 disables). */
  pairWindow: number;
  /** Template indices to try for a residual peak on each channel. */
  candidatesPerChannel: Int32Array[];
  locations: Float64Array;
  /** Basis and channel count for the per-spike PC features (Phy). */
  basis: TemporalBasis;
  pcChannels: number;
  /**
   * Candidate pre-screen ρ (0 = off, every candidate is scored): a template is not tried for a residual peak
   * when amplitudeMax × |its extremum on the peak channel| < ρ × |peak value| (it cannot explain the peak).
   */
  candidateScreen?: number;
  /**
   * Coarse-to-fine scoring (0 = off, every candidate gets its full score): candidates are first scored on their
   * cores (TemplateCore), and only this many with the best gain estimates get full scores.
   */
  fullScoreCandidates?: number;
}

export interface MatchedSpikes {
  sample: Float64Array;
  unit: Int32Array;
  amplitude: Float32Array;
  x: Float32Array;
  y: Float32Array;
  /** numSpikes × basis.numComponents × pcChannels. */
  pcFeatures: Float32Array;
}

/** Precomputes sub-sample shifted copies (Catmull-Rom interpolation) and per-channel extremum rows. */
export function prepareTemplates(templates: SparseTemplate[], length: number, upsample: number, numChannels: number, polarity: Polarity): MatchTemplate[] {
  return templates.map((t) => {
    const nch = t.channels.length;
    const shifted: Float32Array[] = [];
    for (let f = 0; f < upsample; f++) shifted.push(f === 0 ? t.data : delay(t.data, length, nch, f / upsample));
    const energy = Float64Array.from(shifted, (w) => w.reduce((s, v) => s + v * v, 0));
    const extremumRow = new Int32Array(numChannels).fill(-1);
    const extremumSize = new Float32Array(numChannels);
    for (let q = 0; q < nch; q++) {
      let best = 0;
      for (let p = 1; p < length; p++) if (polarityValue(t.data[p * nch + q], polarity) > polarityValue(t.data[best * nch + q], polarity)) best = p;
      extremumRow[t.channels[q]] = best;
      extremumSize[t.channels[q]] = Math.abs(t.data[best * nch + q]);
    }
    return { ...t, shifted, energy, extremumRow, extremumSize, core: templateCore(t.data, t.channels, length) };
  });
}

/** Values in all the templates' shifted copies (placeTemplates' buffer). */
export function templateFloats(templates: MatchTemplate[]): number {
  let total = 0;
  for (const t of templates) for (const w of t.shifted) total += w.length;
  return total;
}

/**
 * The templates with every shifted copy (and data, copy 0) moved into one buffer from `alloc` (the kernels'
 * resident memory, which kernels then read in place); other fields are shared with the originals.
 */
export function placeTemplates(templates: MatchTemplate[], alloc: (length: number) => Float32Array): MatchTemplate[] {
  const store = alloc(templateFloats(templates));
  let at = 0;
  const place = (w: Float32Array): Float32Array => {
    const view = store.subarray(at, at + w.length);
    view.set(w);
    at += w.length;
    return view;
  };
  return templates.map((t) => {
    const shifted = t.shifted.map(place);
    return { ...t, shifted, data: shifted[0] };
  });
}

/** w(p - frac) by cubic Catmull-Rom interpolation, zero outside the template. */
function delay(w: Float32Array, length: number, nch: number, frac: number): Float32Array {
  const out = new Float32Array(w.length);
  const at = (p: number, q: number) => (p < 0 || p >= length ? 0 : w[p * nch + q]);
  const t = 1 - frac;
  // Interpolating between p-1 and p at fraction t.
  const c0 = (-t * t * t + 2 * t * t - t) / 2;
  const c1 = (3 * t * t * t - 5 * t * t + 2) / 2;
  const c2 = (-3 * t * t * t + 4 * t * t + t) / 2;
  const c3 = (t * t * t - t * t) / 2;
  for (let p = 0; p < length; p++) {
    for (let q = 0; q < nch; q++) out[p * nch + q] = c0 * at(p - 2, q) + c1 * at(p - 1, q) + c2 * at(p, q) + c3 * at(p + 1, q);
  }
  return out;
}

export interface Fit {
  unit: number;
  start: number;
  frac: number;
  amplitude: number;
  gain: number;
  z: number;
}

/**
 * Peels spikes out of `residual` (time-major window, modified in place). Spikes whose peak row lies
 * in [reportFrom, reportTo) are returned; those in the margins are subtracted but not reported.
 * `varianceBuffer` (optional) provides the residual-variance buffer, e.g. in the kernels' memory beside a
 * resident residual so that subtractions run there in place.
 */
export function matchWindow(
  residual: Float32Array,
  numSamples: number,
  numChannels: number,
  firstSample: number,
  reportFrom: number,
  reportTo: number,
  templates: MatchTemplate[],
  opts: MatchOptions,
  varianceBuffer?: (length: number) => Float32Array,
): MatchedSpikes {
  const nc = numChannels;
  const L = opts.length;
  const S = opts.maxShift;
  const lo = L + S + 2;
  const hi = numSamples - L - S - 2;
  const out = matchedSpikeList(opts.basis.numComponents * opts.pcChannels);
  const where = new Float64Array(2);
  let dirty: Uint8Array | null = null;
  const rv = residualVariance(numSamples, nc, opts.residualError, varianceBuffer);
  const scratch = fitScratch(templates, opts, nc);
  const memo = scoreMemo(numSamples, nc, L, S);
  const peakOpts: PeakDetectOptions = { threshold: opts.threshold, exclusionSamples: opts.exclusionSamples, dedupNeighbours: opts.dedupNeighbours, polarity: opts.polarity };
  // Accepted fits by start row, so a new fit can find the fits it overlaps in time.
  const fitsByStart = new Map<number, Accepted[]>();
  const removed = new Set<number>();
  const report = (fit: Fit): number => {
    const tpl = templates[fit.unit];
    const peakRow = fit.start + opts.nBefore;
    const time = peakRow + fit.frac / tpl.shifted.length;
    if (!(time >= reportFrom && time < reportTo)) return -1;
    centerOfMass(residual, nc, peakRow, tpl, opts, where);
    const i = out.push(firstSample + Math.round(time), fit.unit, fit.amplitude, where[0], where[1]);
    pcFeatures(residual, nc, peakRow, tpl, opts, out.features(i));
    return i;
  };
  const remember = (fit: Fit, outIndex: number) => {
    const list = fitsByStart.get(fit.start) ?? [];
    list.push({ fit, outIndex });
    fitsByStart.set(fit.start, list);
  };
  const forget = (a: Accepted) => {
    const list = fitsByStart.get(a.fit.start)!;
    list.splice(list.indexOf(a), 1);
    if (a.outIndex >= 0) removed.add(a.outIndex);
  };
  try {
    for (let iter = 0; iter < opts.iterations; iter++) {
      const peaks = residualPeaks(residual, numSamples, nc, lo, hi, dirty, peakOpts);
      const order = Array.from(peaks.sample.keys())
        .sort((a, b) => polarityValue(peaks.value[b], opts.polarity) - polarityValue(peaks.value[a], opts.polarity));
      if (order.length === 0) break;
      const nextDirty = new Uint8Array(numSamples);
      let accepted = 0;
      for (const i of order) {
        const t = peaks.sample[i];
        const c = peaks.channel[i];
        if (polarityValue(residual[t * nc + c], opts.polarity) < opts.threshold * Math.sqrt(1 + rv.at(t, c))) continue;
        let fit = bestFit(residual, nc, t, c, templates, opts, rv, scratch, memo);
        if (!fit) continue;
        const partner = opts.pairWindow > 0 ? overlappingFit(fitsByStart, fit, templates, opts.pairWindow) : null;
        if (partner) {
          // Model selection: one spike explaining both fits beats two spikes unless the pair explains
          // more energy by at least the cost of a spike (minScore², the acceptance bar of one fit).
          const pt = templates[partner.fit.unit];
          subtract(residual, nc, partner.fit, pt, L, -1, rv, memo);
          const single = bestFit(residual, nc, t, c, templates, opts, rv, scratch, memo);
          if (single && single.gain >= partner.fit.gain + fit.gain - opts.minScore * opts.minScore) {
            forget(partner);
            fit = single;
          } else subtract(residual, nc, partner.fit, pt, L, 1, rv, memo);
        }
        remember(fit, report(fit));
        subtract(residual, nc, fit, templates[fit.unit], L, 1, rv, memo);
        for (let r = Math.max(0, fit.start - L); r < Math.min(numSamples, fit.start + 2 * L); r++) nextDirty[r] = 1;
        accepted++;
      }
      if (accepted === 0) break;
      dirty = nextDirty;
    }
  } finally {
    rv.release();
  }
  return out.finish(removed);
}

/**
 * Peaks of the residual in rows [lo, hi), restricted to the rows marked in `dirty` (every row when
 * null): after the first round only the surroundings of subtracted spikes can hold new peaks.
 */
function residualPeaks(residual: Float32Array, numSamples: number, nc: number, lo: number, hi: number, dirty: Uint8Array | null, opts: PeakDetectOptions): Peaks {
  if (!dirty) return detectPeaks(residual, numSamples, nc, lo, hi, 0, opts);
  const parts: Peaks[] = [];
  for (let r = lo; r < hi; ) {
    if (!dirty[r]) {
      r++;
      continue;
    }
    let end = r;
    while (end < hi && dirty[end]) end++;
    parts.push(detectPeaks(residual, numSamples, nc, r, end, 0, opts));
    r = end;
  }
  return concatPeaks(parts);
}

function concatPeaks(parts: Peaks[]): Peaks {
  const n = parts.reduce((a, p) => a + p.sample.length, 0);
  const out: Peaks = { sample: new Float64Array(n), channel: new Int32Array(n), value: new Float32Array(n) };
  let o = 0;
  for (const p of parts) {
    out.sample.set(p.sample, o);
    out.channel.set(p.channel, o);
    out.value.set(p.value, o);
    o += p.sample.length;
  }
  return out;
}

/**
 * Scratch reused for every peak of a window: the candidate templates, their start guesses, their channels
 * (the kernel's columns in the residual rows), their scores and gains at the integer alignments, and the
 * sub-sample refinement's items.
 */
export interface FitScratch {
  /** The sub-sample refinement's items (one per shifted copy of one template, all from row 0), as gatheredShiftedDots takes them. */
  refineFrac: Int32Array;
  refineRowStart: Int32Array;
  refineColStart: Int32Array;
  refineCols: Int32Array;
  refineW: Float32Array[];
  /** Two scores per copy: starts s - 1 and s. */
  refineScores: Float64Array;
  units: Int32Array;
  guesses: Int32Array;
  /** Per candidate: its slot in the score memo, or -1 when its scores are computed afresh. */
  memoSlots: Int32Array;
  /** The candidates (indices into units) whose scores the kernel computes afresh, and those scores. */
  fresh: Int32Array;
  freshScores: Float64Array;
  rowStart: Int32Array;
  colStart: Int32Array;
  cols: Int32Array;
  w: Float32Array[];
  scores: Float64Array;
  /** Per coarse score: its gain, or -Infinity once it is out of the running. */
  gains: Float64Array;
  amplitudes: Float64Array;
}

/** Exported for tests, as are bestCoarseFit and bestCoarseFitInOrder (not part of the public API). */
export function fitScratch(templates: MatchTemplate[], opts: MatchOptions, nc: number): FitScratch {
  const widest = templates.reduce((m, t) => Math.max(m, t.channels.length), 0);
  const most = opts.candidatesPerChannel.reduce((m, u) => Math.max(m, u.length), 0);
  const shifts = 2 * opts.maxShift + 1;
  const copies = templates.reduce((m, t) => Math.max(m, t.shifted.length), 0);
  return {
    refineFrac: new Int32Array(copies),
    refineRowStart: new Int32Array(copies),
    refineColStart: new Int32Array(copies + 1),
    refineCols: new Int32Array(copies * widest),
    refineW: new Array<Float32Array>(copies),
    refineScores: new Float64Array(2 * copies),
    units: new Int32Array(most),
    guesses: new Int32Array(most),
    memoSlots: new Int32Array(most),
    fresh: new Int32Array(most),
    freshScores: new Float64Array(Math.max(most * shifts, 2)),
    rowStart: new Int32Array(most),
    colStart: new Int32Array(most + 1),
    cols: new Int32Array(most * widest),
    w: new Array<Float32Array>(most),
    scores: new Float64Array(Math.max(most * shifts, 2)),
    gains: new Float64Array(most * shifts),
    amplitudes: new Float64Array(most * shifts),
  };
}

/** Best template, alignment and amplitude for a residual peak at row t on channel c, or null. */
function bestFit(residual: Float32Array, nc: number, t: number, c: number, templates: MatchTemplate[], opts: MatchOptions, rv: ResidualVariance, sc: FitScratch, memo: ScoreMemo): Fit | null {
  let best: Fit | null = null;
  const L = opts.length;
  const S = opts.maxShift;
  const shifts = 2 * S + 1;
  const consider = (unit: number, start: number, frac: number, score: number) => {
    const tpl = templates[unit];
    const e = tpl.energy[frac];
    let a = score / e;
    if (a < opts.amplitudeMin) return;
    // z ≤ score/√e: reject before summing the extra variance.
    if (score / Math.sqrt(e) < opts.minScore) return;
    if (a > opts.amplitudeMax) a = opts.amplitudeMax;
    const gain = 2 * a * score - a * a * e;
    // A fit that cannot beat the best one needs no z: the variance sum is the costly part.
    if (best && !(gain > best.gain)) return;
    // The score's variance is Σ w² (1 + extra variance left by earlier subtractions).
    const z = score / Math.sqrt(e + rv.weighted(start, tpl.shifted[frac], tpl.channels, L));
    if (z < opts.minScore) return;
    best = { unit, start, frac, amplitude: a, gain, z };
  };
  const count = candidatesOf(t, c, Math.abs(residual[t * nc + c]), templates, opts, sc);
  if (count > 0) {
    coarseScores(residual, nc, templates, opts, sc, memo, count);
    best = bestCoarseFit(templates, opts, rv, sc, count, shifts);
  }
  if (!best) return null;
  const b = best as Fit;
  const tpl = templates[b.unit];
  const up = tpl.shifted.length;
  // Sub-sample refinement: copy f at start s places the spike at s + f/up, between s and s + 1.
  // Every copy is scored at starts s - 1 and s in one kernel call on rows [s - 1, s + L] of the residual.
  const nch = tpl.channels.length;
  let n = 0;
  for (let f = 1; f < up; f++) {
    if (!(tpl.energy[f] > 0)) continue;
    sc.refineFrac[n] = f;
    sc.refineW[n] = tpl.shifted[f];
    sc.refineCols.set(tpl.channels, n * nch);
    sc.refineColStart[n + 1] = (n + 1) * nch;
    n++;
  }
  if (n === 0) return best;
  const rs = sc.refineScores;
  getKernels().gatheredShiftedDots(residual.subarray((b.start - 1) * nc, (b.start + L) * nc), nc, L, 2, n, sc.refineRowStart, sc.refineColStart, sc.refineCols, sc.refineW, rs);
  for (let j = 0; j < n; j++) {
    consider(b.unit, b.start, sc.refineFrac[j], rs[2 * j + 1]);
    consider(b.unit, b.start - 1, sc.refineFrac[j], rs[2 * j]);
  }
  return best;
}

/**
 * sc.scores of the `count` candidates in sc at every integer start: from the memo where the residual under
 * them is unchanged since they were computed, else from one kernel call for the rest (each candidate's
 * scores depend only on its own rows and channels, so they are the same either way).
 */
function coarseScores(residual: Float32Array, nc: number, templates: MatchTemplate[], opts: MatchOptions, sc: FitScratch, memo: ScoreMemo, count: number): void {
  const L = opts.length;
  const S = opts.maxShift;
  const shifts = 2 * S + 1;
  let fresh = 0;
  let gMin = Infinity;
  let gMax = -Infinity;
  for (let j = 0; j < count; j++) {
    const slot = memo.lookup(sc.units[j], sc.guesses[j], templates[sc.units[j]].channels);
    sc.memoSlots[j] = slot;
    if (slot >= 0) continue;
    sc.fresh[fresh++] = j;
    gMin = Math.min(gMin, sc.guesses[j]);
    gMax = Math.max(gMax, sc.guesses[j]);
  }
  const keep = Math.floor(opts.fullScoreCandidates ?? 0);
  if (keep > 0 && fresh > keep) fresh = keepLikeliest(residual, nc, templates, opts, sc, fresh, gMin, gMax, keep);
  if (fresh > 0) {
    gMin = Infinity;
    gMax = -Infinity;
    for (let i = 0; i < fresh; i++) {
      gMin = Math.min(gMin, sc.guesses[sc.fresh[i]]);
      gMax = Math.max(gMax, sc.guesses[sc.fresh[i]]);
    }
    let at = 0;
    for (let i = 0; i < fresh; i++) {
      const tpl = templates[sc.units[sc.fresh[i]]];
      sc.rowStart[i] = sc.guesses[sc.fresh[i]] - gMin;
      sc.colStart[i] = at;
      sc.w[i] = tpl.shifted[0];
      sc.cols.set(tpl.channels, at);
      at += tpl.channels.length;
    }
    sc.colStart[fresh] = at;
    const first = gMin - S;
    const rows = gMax - gMin + L + 2 * S;
    // The residual rows go to the kernel as they are (in place when resident), and it gathers each
    // candidate's channels itself: cheaper than gathering the union of their channels here first.
    getKernels().gatheredShiftedDots(residual.subarray(first * nc, (first + rows) * nc), nc, L, shifts, fresh, sc.rowStart, sc.colStart, sc.cols, sc.w, sc.freshScores);
    for (let i = 0; i < fresh; i++) {
      const j = sc.fresh[i];
      sc.scores.set(sc.freshScores.subarray(i * shifts, (i + 1) * shifts), j * shifts);
      memo.store(sc.units[j], sc.guesses[j], sc.freshScores, i * shifts);
    }
  }
  if (fresh === count) return;
  const stored = memo.values;
  for (let j = 0; j < count; j++) {
    const slot = sc.memoSlots[j];
    if (slot >= 0) sc.scores.set(stored.subarray(slot * shifts, (slot + 1) * shifts), j * shifts);
  }
}

/**
 * Coarse-to-fine: scores the `fresh` candidates of sc.fresh on their cores, gives the others (sc.scores at
 * -Infinity: never fitted) up, and moves the `keep` with the best gain estimates to the front of sc.fresh;
 * returns keep. The estimate takes the full score as core score × core.scale (the template's energy outside its
 * core is matched in proportion).
 */
function keepLikeliest(residual: Float32Array, nc: number, templates: MatchTemplate[], opts: MatchOptions, sc: FitScratch, fresh: number, gMin: number, gMax: number, keep: number): number {
  const S = opts.maxShift;
  const shifts = 2 * S + 1;
  let at = 0;
  let rMin = Infinity;
  let rMax = -Infinity;
  for (let i = 0; i < fresh; i++) {
    const r0 = sc.guesses[sc.fresh[i]] + templates[sc.units[sc.fresh[i]]].core.row0;
    rMin = Math.min(rMin, r0);
    rMax = Math.max(rMax, r0);
  }
  const rows = templates[sc.units[sc.fresh[0]]].core.rows;
  for (let i = 0; i < fresh; i++) {
    const core = templates[sc.units[sc.fresh[i]]].core;
    sc.rowStart[i] = sc.guesses[sc.fresh[i]] + core.row0 - rMin;
    sc.colStart[i] = at;
    sc.w[i] = core.data;
    sc.cols.set(core.channels, at);
    at += core.channels.length;
  }
  sc.colStart[fresh] = at;
  const first = rMin - S;
  getKernels().gatheredShiftedDots(residual.subarray(first * nc, (first + rMax - rMin + rows + 2 * S) * nc), nc, rows, shifts, fresh, sc.rowStart, sc.colStart, sc.cols, sc.w, sc.freshScores);
  const estimate = sc.amplitudes;
  for (let i = 0; i < fresh; i++) {
    const tpl = templates[sc.units[sc.fresh[i]]];
    const e = tpl.energy[0];
    let best = -Infinity;
    for (let k = 0; k < shifts; k++) {
      const score = sc.freshScores[i * shifts + k] * tpl.core.scale;
      let a = score / e;
      if (!(a >= opts.amplitudeMin)) continue;
      if (a > opts.amplitudeMax) a = opts.amplitudeMax;
      best = Math.max(best, 2 * a * score - a * a * e);
    }
    estimate[i] = best;
  }
  // Selection by swaps: keep is small.
  for (let k = 0; k < keep; k++) {
    let top = k;
    for (let i = k + 1; i < fresh; i++) if (estimate[i] > estimate[top]) top = i;
    const e = estimate[k];
    estimate[k] = estimate[top];
    estimate[top] = e;
    const f = sc.fresh[k];
    sc.fresh[k] = sc.fresh[top];
    sc.fresh[top] = f;
  }
  for (let i = keep; i < fresh; i++) sc.scores.fill(-Infinity, sc.fresh[i] * shifts, (sc.fresh[i] + 1) * shifts);
  return keep;
}

/**
 * The best coarse fit (copy 0 at integer alignments) among the scores in sc, or null: the fit of largest
 * gain whose z passes, the first such in candidate order on ties. Scanning in candidate order and keeping
 * each fit that beats the best so far gives the same fit, but sums the extra variance (the costly part of
 * z) for every improvement; taking fits by decreasing gain stops at the first that passes.
 */
export function bestCoarseFit(templates: MatchTemplate[], opts: MatchOptions, rv: ResidualVariance, sc: FitScratch, count: number, shifts: number): Fit | null {
  const { scores, gains, amplitudes } = sc;
  const S = opts.maxShift;
  const n = count * shifts;
  for (let i = 0; i < n; i++) {
    gains[i] = -Infinity;
    const score = scores[i];
    const e = templates[sc.units[Math.floor(i / shifts)]].energy[0];
    let a = score / e;
    if (a < opts.amplitudeMin) continue;
    // z ≤ score/√e: reject before summing the extra variance.
    if (score / Math.sqrt(e) < opts.minScore) continue;
    if (a > opts.amplitudeMax) a = opts.amplitudeMax;
    const gain = 2 * a * score - a * a * e;
    // NaN gains (NaN residual) only ever arise from NaN data; the in-order scan defines what they do.
    if (Number.isNaN(gain)) return bestCoarseFitInOrder(templates, opts, rv, sc, count, shifts);
    gains[i] = gain;
    amplitudes[i] = a;
  }
  for (;;) {
    let top = -1;
    for (let i = 0; i < n; i++) if (gains[i] > (top < 0 ? -Infinity : gains[top])) top = i;
    if (top < 0) return null;
    const j = Math.floor(top / shifts);
    const unit = sc.units[j];
    const start = sc.guesses[j] - S + (top - j * shifts);
    const tpl = templates[unit];
    const e = tpl.energy[0];
    // The score's variance is Σ w² (1 + extra variance left by earlier subtractions).
    const z = scores[top] / Math.sqrt(e + rv.weighted(start, tpl.shifted[0], tpl.channels, opts.length));
    if (!(z < opts.minScore)) return { unit, start, frac: 0, amplitude: amplitudes[top], gain: gains[top], z };
    gains[top] = -Infinity;
  }
}

/** bestCoarseFit's definition, scanned in candidate order (used only when a gain is NaN). */
export function bestCoarseFitInOrder(templates: MatchTemplate[], opts: MatchOptions, rv: ResidualVariance, sc: FitScratch, count: number, shifts: number): Fit | null {
  let best: Fit | null = null;
  for (let i = 0; i < count * shifts; i++) {
    const j = Math.floor(i / shifts);
    const unit = sc.units[j];
    const start = sc.guesses[j] - opts.maxShift + (i - j * shifts);
    const tpl = templates[unit];
    const e = tpl.energy[0];
    const score = sc.scores[i];
    let a = score / e;
    if (a < opts.amplitudeMin || score / Math.sqrt(e) < opts.minScore) continue;
    if (a > opts.amplitudeMax) a = opts.amplitudeMax;
    const gain = 2 * a * score - a * a * e;
    if (best && !(gain > best.gain)) continue;
    const z = score / Math.sqrt(e + rv.weighted(start, tpl.shifted[0], tpl.channels, opts.length));
    if (z < opts.minScore) continue;
    best = { unit, start, frac: 0, amplitude: a, gain, z };
  }
  return best;
}

/**
 * Fills sc with the candidate units of a peak of size `peakSize` at row t on channel c (those with a non-empty
 * template that pass opts.candidateScreen) and their start guesses; returns the count.
 */
function candidatesOf(t: number, c: number, peakSize: number, templates: MatchTemplate[], opts: MatchOptions, sc: FitScratch): number {
  let count = 0;
  const screen = (opts.candidateScreen ?? 0) * peakSize;
  const ceiling = opts.amplitudeMax;
  for (const u of opts.candidatesPerChannel[c]) {
    const tpl = templates[u];
    if (!(tpl.energy[0] > 0)) continue;
    if (screen > 0 && ceiling * tpl.extremumSize[c] < screen) continue;
    const er = tpl.extremumRow[c];
    sc.units[count] = u;
    sc.guesses[count] = t - (er >= 0 ? er : opts.nBefore);
    count++;
  }
  return count;
}

/** Subtracts (sign 1) or restores (sign -1) a fitted spike, and the error variance it leaves. */
function subtract(residual: Float32Array, nc: number, fit: Fit, tpl: MatchTemplate, L: number, sign: 1 | -1, rv: ResidualVariance, memo: ScoreMemo): void {
  memo.touch(fit.start, L, tpl.channels);
  const scale = sign * fit.amplitude * fit.amplitude;
  // One kernel call for both: in place when the residual, variance and templates are resident.
  getKernels().subtractTemplate(residual, nc, fit.start, L, tpl.channels, tpl.shifted[fit.frac], sign * fit.amplitude, rv.mark(fit.start, L, tpl.channels), scale * rv.errorSquared);
}

/**
 * Extra residual variance (noise units²) left where spikes were subtracted: templates are never
 * exact (amplitude and shape variability, alignment, drift), so a large spike leaves structure
 * proportional to itself. Scoring later fits against it keeps that structure from being fitted as
 * small spikes of other units, while a real overlapping spike still stands out.
 */
export interface ResidualVariance {
  /** Extra variance at (row, channel). */
  at(row: number, channel: number): number;
  /** Σ w² × extra variance over a template window starting at `start`. */
  weighted(start: number, w: Float32Array, channels: Int32Array, L: number): number;
  /** Adds scale × error² × w² (scale negative to remove). */
  add(start: number, w: Float32Array, channels: Int32Array, L: number, scale: number): void;
  /**
   * Rows [start, start + L) (on `channels`; every channel when omitted) are about to receive variance outside
   * add(): returns the buffer (numSamples × numChannels) to add errorSquared × scale × w² to, or null when
   * the relative error is 0.
   */
  mark(start: number, L: number, channels?: Int32Array): Float32Array | null;
  /** relativeError². */
  readonly errorSquared: number;
  /** Hands the buffer back for the next window; the object must not be used afterwards. */
  release(): void;
}

/**
 * A zeroed variance buffer kept between windows of the same size: allocating (and page-faulting)
 * samples × channels floats per window cost more than the peeling itself on wide probes. Rows that
 * were written are zeroed again on release.
 */
let pooledVariance: Float32Array | null = null;
/** The last buffer from a `provide` function that was released all zeros (the next window may reuse it as is). */
let cleanProvided: Float32Array | null = null;

/**
 * `provide` (optional) gives the buffer instead of the pool, e.g. one in the kernels' memory; its contents
 * are zeroed unless it is the buffer released last, which release() leaves zeroed.
 */
export function residualVariance(numSamples: number, numChannels: number, relativeError: number, provide?: (length: number) => Float32Array): ResidualVariance {
  const e2 = relativeError * relativeError;
  const nc = numChannels;
  const size = numSamples * nc;
  let extra: Float32Array | null = null;
  let base: Float32Array | null = null;
  const touched = new Uint8Array(numSamples);
  // Per row, the lowest and highest channel written: release() zeroes just that span of each touched row
  // (a template's channels are a small part of a wide probe's row).
  const lowest = new Int32Array(numSamples).fill(nc);
  const highest = new Int32Array(numSamples).fill(-1);
  const written = (start: number, L: number, channels: Int32Array | undefined) => {
    let lo = 0;
    let hi = nc - 1;
    if (channels) {
      lo = nc;
      hi = -1;
      for (let q = 0; q < channels.length; q++) {
        lo = Math.min(lo, channels[q]);
        hi = Math.max(hi, channels[q]);
      }
    }
    touched.fill(1, start, start + L);
    for (let r = start; r < start + L; r++) {
      if (lo < lowest[r]) lowest[r] = lo;
      if (hi > highest[r]) highest[r] = hi;
    }
  };
  const take = (): Float32Array => {
    if (provide) {
      const v = provide(size);
      const c = cleanProvided;
      if (!(c && c.buffer === v.buffer && c.byteOffset === v.byteOffset && c.length >= size)) v.fill(0);
      cleanProvided = null;
      return v;
    }
    base = pooledVariance && pooledVariance.length >= size ? pooledVariance : new Float32Array(size);
    pooledVariance = null;
    return base.subarray(0, size);
  };
  return {
    errorSquared: e2,
    mark(start, L, channels) {
      if (!(e2 > 0)) return null;
      extra ??= take();
      written(start, L, channels);
      return extra;
    },
    at: (row, channel) => (extra && touched[row] ? Math.max(0, extra[row * nc + channel]) : 0),
    weighted(start, w, channels, L) {
      if (!extra) return 0;
      // Rows no subtraction reached hold zeros and add exactly nothing: the kernel sums from the first
      // touched row to the last (the ones between add +0).
      let first = 0;
      while (first < L && !touched[start + first]) first++;
      if (first === L) return 0;
      let last = L;
      while (!touched[start + last - 1]) last--;
      const nch = channels.length;
      return getKernels().weightedVariance(extra, nc, start + first, last - first, channels, w.subarray(first * nch, last * nch));
    },
    add(start, w, channels, L, scale) {
      if (!(e2 > 0)) return;
      extra ??= take();
      const nch = channels.length;
      const k = scale * e2;
      written(start, L, channels);
      for (let p = 0; p < L; p++) {
        const row = (start + p) * nc;
        for (let q = 0; q < nch; q++) extra[row + channels[q]] += k * w[p * nch + q] * w[p * nch + q];
      }
    },
    release() {
      if (!extra) return;
      for (let r = 0; r < numSamples; r++) if (touched[r] && highest[r] >= lowest[r]) extra.fill(0, r * nc + lowest[r], r * nc + highest[r] + 1);
      if (provide) cleanProvided = extra;
      if (base && (!pooledVariance || pooledVariance.length < base.length)) pooledVariance = base;
      extra = null;
      base = null;
    },
  };
}

interface Accepted {
  fit: Fit;
  /** Index in the reported spikes, or -1 when the spike lies in the window margin. */
  outIndex: number;
}

/** The strongest earlier fit whose peak lies within ±window samples of `fit` and shares its peak channel, or null. */
function overlappingFit(fitsByStart: Map<number, Accepted[]>, fit: Fit, templates: MatchTemplate[], window: number): Accepted | null {
  let best: Accepted | null = null;
  const peak = templates[fit.unit].peakChannel;
  for (let s = fit.start - window; s <= fit.start + window; s++) {
    for (const a of fitsByStart.get(s) ?? []) {
      const other = templates[a.fit.unit];
      if (other.extremumRow[peak] < 0 && templates[fit.unit].extremumRow[other.peakChannel] < 0) continue;
      if (!best || a.fit.gain > best.fit.gain) best = a;
    }
  }
  return best;
}

/** Location from the spike's own peak-row amplitudes on the template channels (before subtraction), into `into` (x, y). */
function centerOfMass(residual: Float32Array, nc: number, peakRow: number, tpl: MatchTemplate, opts: MatchOptions, into: Float64Array): void {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const c of tpl.channels) {
    const w = Math.max(0, polarityValue(residual[peakRow * nc + c], opts.polarity));
    sw += w;
    sx += w * opts.locations[2 * c];
    sy += w * opts.locations[2 * c + 1];
  }
  if (sw === 0) {
    into[0] = opts.locations[2 * tpl.peakChannel];
    into[1] = opts.locations[2 * tpl.peakChannel + 1];
  } else {
    into[0] = sx / sw;
    into[1] = sy / sw;
  }
}

/**
 * The spike's projections on the basis over its first pcChannels template channels, into `out`
 * (numComponents × pcChannels, zero past the template's channels).
 */
function pcFeatures(residual: Float32Array, nc: number, peakRow: number, tpl: MatchTemplate, opts: MatchOptions, out: Float32Array): void {
  const { components, numComponents, length, nBefore } = opts.basis;
  const m = Math.min(opts.pcChannels, tpl.channels.length);
  getKernels().basisProjections(residual, nc, peakRow - nBefore, tpl.channels.subarray(0, m), components, numComponents, length, out, opts.pcChannels);
}

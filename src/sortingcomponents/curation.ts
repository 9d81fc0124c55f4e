/**
 * Final clean-up of matched spikes: duplicates within a unit, echo spikes and units (a larger
 * unit's spikes fitted again by a small template), and good/mua labels from refractory-period contamination.
 */
import { contaminationFromViolations, isiViolations } from '../qualitymetrics/isi.js';

export interface SpikeList {
  segment: Int32Array;
  sample: Float64Array;
  unit: Int32Array;
  /** Spike strength used to choose which duplicate to keep. */
  amplitude: Float32Array;
}

/** Indices (ascending) of spikes kept after removing same-unit spikes closer than `windowSamples`. */
export function removeDuplicateSpikes(s: SpikeList, windowSamples: number): Int32Array {
  const order = Array.from(s.sample.keys()).sort((a, b) => s.unit[a] - s.unit[b] || s.segment[a] - s.segment[b] || s.sample[a] - s.sample[b]);
  const drop = new Uint8Array(s.sample.length);
  let prev = -1;
  for (const i of order) {
    if (prev >= 0 && s.unit[prev] === s.unit[i] && s.segment[prev] === s.segment[i] && s.sample[i] - s.sample[prev] <= windowSamples) {
      // Keep the stronger of the two; compare the next spike with the one kept.
      if (s.amplitude[i] > s.amplitude[prev]) {
        drop[prev] = 1;
        prev = i;
      } else drop[i] = 1;
      continue;
    }
    prev = i;
  }
  const keep: number[] = [];
  for (let i = 0; i < drop.length; i++) if (!drop[i]) keep.push(i);
  return Int32Array.from(keep);
}

export interface UnitLabel {
  contamination: number;
  label: 'good' | 'mua';
}

/** Contamination over all segments (violations pooled) and the label it implies. */
export function labelUnits(
  s: SpikeList,
  numUnits: number,
  segmentSamples: number[],
  refractorySamples: number,
  censoredSamples: number,
  goodContamination: number,
): UnitLabel[] {
  const trains: number[][][] = Array.from({ length: numUnits }, () => segmentSamples.map(() => []));
  for (let i = 0; i < s.sample.length; i++) trains[s.unit[i]][s.segment[i]].push(s.sample[i]);
  const total = segmentSamples.reduce((a, b) => a + b, 0);
  return trains.map((segs) => {
    let count = 0;
    let n = 0;
    for (const tr of segs) {
      tr.sort((a, b) => a - b);
      count += isiViolations(tr, total, refractorySamples, censoredSamples).count;
      n += tr.length;
    }
    const contamination = contaminationFromViolations(count, n, total, refractorySamples, censoredSamples);
    return { contamination, label: contamination < goodContamination ? 'good' : 'mua' };
  });
}

export interface EchoOptions {
  /** Spikes of two units within ±this many samples coincide. */
  windowSamples: number;
  /** Samples in the recording (all segments): sets the chance rate of coincidence. */
  totalSamples: number;
  /** A pair is echo-locked when its coincidences exceed this many times chance (plus 3). */
  excessFactor: number;
  /** A unit whose echo spikes reach this fraction of its spikes is removed entirely. */
  unitFraction: number;
}

export interface EchoResult {
  /** Per spike of the list: 1 when it lies in the cross-correlogram peak of a pair that is echo-locked. */
  echo: Uint8Array;
  /** Units made (almost) only of echoes. */
  echoUnits: Set<number>;
}

/**
 * Echo spikes: spikes of a weaker unit that coincide with spikes of a stronger unit far more often
 * than chance. A large spike's far-channel footprint, or what its template leaves in the residual,
 * is fitted by a small template at a fixed lag; those fits belong to the large spike, not to a
 * neuron. Independent neurons coincide at chance (n_u × n_v × (2w+1) / T), so only pairs at
 * `excessFactor` × chance count, and only the spikes at their correlogram peak are dropped (see
 * echoPeak): a real small unit that also caught echoes keeps its own spikes, while a unit that is
 * (almost) all echoes is removed.
 * Spikes must be sorted by (segment, sample).
 */
export function findEchoSpikes(s: SpikeList, numUnits: number, strength: ArrayLike<number>, opts: EchoOptions): EchoResult {
  const n = s.sample.length;
  const counts = new Int32Array(numUnits);
  for (const u of s.unit) counts[u]++;
  const echo = new Uint8Array(n);
  // Echoes inflate a unit's spike count, and with it the chance level of its other pairs: repeat on
  // the spikes left until no pair is newly echo-locked (a unit may echo several large units).
  for (let pass = 0; pass < 5; pass++) {
    if (flagEchoPass(s, numUnits, strength, opts, echo) === 0) break;
  }
  const echoCounts = new Int32Array(numUnits);
  for (let i = 0; i < n; i++) if (echo[i]) echoCounts[s.unit[i]]++;
  const echoUnits = new Set<number>();
  for (let u = 0; u < numUnits; u++) if (counts[u] > 0 && echoCounts[u] >= opts.unitFraction * counts[u]) echoUnits.add(u);
  return { echo, echoUnits };
}

/** One pass over the spikes not yet flagged: flags the spikes of echo-locked pairs, returns how many. */
function flagEchoPass(s: SpikeList, numUnits: number, strength: ArrayLike<number>, opts: EchoOptions, echo: Uint8Array): number {
  const n = s.sample.length;
  const counts = new Int32Array(numUnits);
  for (let i = 0; i < n; i++) if (!echo[i]) counts[s.unit[i]]++;
  // Per pair (key u * numUnits + v) of u and a stronger unit v.
  const pairSpikes = new Map<number, { spike: number; lag: number }[]>();
  // Every (u spike, stronger v spike) pair within the window, with its lag: the cross-correlogram.
  let lo = 0;
  const w = opts.windowSamples;
  for (let i = 0; i < n; i++) {
    while (lo < i && (s.segment[lo] !== s.segment[i] || s.sample[i] - s.sample[lo] > w)) lo++;
    if (echo[i]) continue;
    const u = s.unit[i];
    for (let j = lo; j < n && s.segment[j] === s.segment[i] && s.sample[j] - s.sample[i] <= w; j++) {
      const v = s.unit[j];
      if (echo[j] || v === u || !(strength[v] > strength[u])) continue;
      const key = u * numUnits + v;
      const hit = { spike: i, lag: s.sample[i] - s.sample[j] };
      const list = pairSpikes.get(key);
      if (list) list.push(hit);
      else pairSpikes.set(key, [hit]);
    }
  }
  // Independent trains give n_u × n_v × (2w + 1) / T pairs within the window.
  const chanceWindow = (2 * w + 1) / Math.max(1, opts.totalSamples);
  let flagged = 0;
  for (const [key, list] of pairSpikes) {
    const u = Math.floor(key / numUnits);
    const v = key % numUnits;
    const chance = counts[u] * counts[v] * chanceWindow;
    if (list.length <= opts.excessFactor * chance + 3) continue;
    for (const i of echoPeak(list, list.length - chance)) {
      if (!echo[i]) flagged++;
      echo[i] = 1;
    }
  }
  return flagged;
}

/**
 * The echoes of an echo-locked pair: the excess over chance sits at the lag where the large spike
 * leaves its echo (a peak of the cross-correlogram), while chance coincidences spread over the whole
 * window. The spikes in the shortest lag interval holding `excess` of them are the echoes; a real
 * unit keeps its chance coincidences elsewhere in the window.
 */
export function echoPeak(hits: { spike: number; lag: number }[], excess: number): number[] {
  const k = Math.min(hits.length, Math.max(1, Math.ceil(excess)));
  const sorted = [...hits].sort((a, b) => a.lag - b.lag);
  let best = 0;
  for (let i = 1; i + k <= sorted.length; i++) {
    if (sorted[i + k - 1].lag - sorted[i].lag < sorted[best + k - 1].lag - sorted[best].lag) best = i;
  }
  // Spikes at the interval's end lags belong to it too (echoes at one exact lag tie).
  let lo = best;
  let hi = best + k;
  while (lo > 0 && sorted[lo - 1].lag === sorted[best].lag) lo--;
  while (hi < sorted.length && sorted[hi].lag === sorted[best + k - 1].lag) hi++;
  return sorted.slice(lo, hi).map((h) => h.spike);
}

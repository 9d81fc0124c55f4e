/**
 * Final clean-up of matched spikes: duplicates within a unit, satellite units (echoes of a larger
 * unit), and good/mua labels from refractory-period contamination.
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

/**
 * Units whose spikes are mostly time-locked to a stronger unit's spikes: the echoes of a large
 * spike (its footprint on far channels, or what its template leaves in the residual) fitted by a
 * template of their own. Independent neurons coincide within ±w only by chance (rate × 2w, a few
 * per cent), so a unit with at least `minFraction` of its spikes within ±`windowSamples` of one
 * stronger unit is an echo of it. Spikes must be sorted by (segment, sample); cost is linear in
 * spikes × local spike density.
 */
export function findSatelliteUnits(s: SpikeList, numUnits: number, strength: ArrayLike<number>, windowSamples: number, minFraction: number): Set<number> {
  const counts = new Int32Array(numUnits);
  for (const u of s.unit) counts[u]++;
  // coincident.get(u * numUnits + v): spikes of u with at least one spike of v within the window.
  const coincident = new Map<number, number>();
  const seen = new Set<number>();
  let lo = 0;
  for (let i = 0; i < s.sample.length; i++) {
    while (lo < i && (s.segment[lo] !== s.segment[i] || s.sample[i] - s.sample[lo] > windowSamples)) lo++;
    seen.clear();
    const u = s.unit[i];
    for (let j = lo; j < s.sample.length && s.segment[j] === s.segment[i] && s.sample[j] - s.sample[i] <= windowSamples; j++) {
      const v = s.unit[j];
      if (v === u || seen.has(v) || !(strength[v] > strength[u])) continue;
      seen.add(v);
      const key = u * numUnits + v;
      coincident.set(key, (coincident.get(key) ?? 0) + 1);
    }
  }
  const out = new Set<number>();
  for (const [key, c] of coincident) {
    const u = Math.floor(key / numUnits);
    if (c >= minFraction * counts[u]) out.add(u);
  }
  return out;
}

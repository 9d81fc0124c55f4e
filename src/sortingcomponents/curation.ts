/**
 * Final clean-up of matched spikes: duplicates within a unit, and good/mua labels from
 * refractory-period contamination.
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

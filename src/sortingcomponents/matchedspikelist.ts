/**
 * The spikes one matching window reports, in typed arrays that grow by doubling: a window reports
 * hundreds to thousands of spikes, and per-spike objects (boxed numbers, a feature array each) cost more
 * than the features themselves.
 */
import type { MatchedSpikes } from './matching.js';

export interface MatchedSpikeList {
  /** Appends a spike (features zero) and returns its index. */
  push(sample: number, unit: number, amplitude: number, x: number, y: number): number;
  /** The features of spike i, to be written in place (valid until the next push). */
  features(i: number): Float32Array;
  /** The spikes, without those whose index is in `removed`, in order; the list is spent afterwards. */
  finish(removed: Set<number>): MatchedSpikes;
}

export function matchedSpikeList(featuresPerSpike: number): MatchedSpikeList {
  const k = featuresPerSpike;
  let n = 0;
  let capacity = 64;
  let sample = new Float64Array(capacity);
  let unit = new Int32Array(capacity);
  let amplitude = new Float32Array(capacity);
  let x = new Float32Array(capacity);
  let y = new Float32Array(capacity);
  let pcs = new Float32Array(capacity * k);
  const grow = () => {
    capacity *= 2;
    sample = resized(sample, capacity, (m) => new Float64Array(m));
    unit = resized(unit, capacity, (m) => new Int32Array(m));
    amplitude = resized(amplitude, capacity, (m) => new Float32Array(m));
    x = resized(x, capacity, (m) => new Float32Array(m));
    y = resized(y, capacity, (m) => new Float32Array(m));
    pcs = resized(pcs, capacity * k, (m) => new Float32Array(m));
  };
  return {
    push(s, u, a, px, py) {
      if (n === capacity) grow();
      sample[n] = s;
      unit[n] = u;
      amplitude[n] = a;
      x[n] = px;
      y[n] = py;
      return n++;
    },
    features: (i) => pcs.subarray(i * k, (i + 1) * k),
    finish(removed) {
      let kept = 0;
      for (let i = 0; i < n; i++) {
        if (removed.has(i)) continue;
        if (kept !== i) {
          sample[kept] = sample[i];
          unit[kept] = unit[i];
          amplitude[kept] = amplitude[i];
          x[kept] = x[i];
          y[kept] = y[i];
          pcs.copyWithin(kept * k, i * k, (i + 1) * k);
        }
        kept++;
      }
      return {
        sample: sample.slice(0, kept),
        unit: unit.slice(0, kept),
        amplitude: amplitude.slice(0, kept),
        x: x.slice(0, kept),
        y: y.slice(0, kept),
        pcFeatures: pcs.slice(0, kept * k),
      };
    },
  };
}

function resized<T extends Float64Array | Float32Array | Int32Array>(a: T, length: number, make: (length: number) => T): T {
  const out = make(length);
  out.set(a as never);
  return out;
}

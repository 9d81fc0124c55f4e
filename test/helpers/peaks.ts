/**
 * The peak rule detectPeaks documents, written out by brute force as the independent reference of the
 * detection tests: a crossing is a peak when no other sample of its neighbourhood (±ex samples, its
 * neighbour channels) is stronger, ties going to the earlier sample, then the lower channel.
 */
import type { Polarity } from '../../src/sortingcomponents/detection.js';

export function strength(v: number, pol: Polarity): number {
  return pol === 'negative' ? -v : pol === 'positive' ? v : Math.abs(v);
}

/** "t:c" of every peak of rows [from, to) of data (ns × nc, time-major) by the rule. */
export function bruteForcePeaks(data: Float32Array, ns: number, nc: number, from: number, to: number, thr: number, ex: number, neigh: Int32Array[], pol: Polarity): string[] {
  const out: string[] = [];
  for (let t = from; t < to; t++) {
    for (let c = 0; c < nc; c++) {
      const v = strength(data[t * nc + c], pol);
      if (!(v >= thr)) continue;
      let peak = true;
      for (let u = Math.max(0, t - ex); u <= Math.min(ns - 1, t + ex) && peak; u++) {
        for (const k of neigh[c]) {
          if (u === t && k === c) continue;
          const w = strength(data[u * nc + k], pol);
          if (w > v || (w === v && (u < t || (u === t && k < c)))) peak = false;
        }
      }
      if (peak) out.push(`${t}:${c}`);
    }
  }
  return out;
}

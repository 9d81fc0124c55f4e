/**
 * Is there drift worth correcting? The robust range (95th − 5th percentile over time) of the estimated
 * displacement, in the window where it is largest. Estimation noise on a static recording stays well
 * below a micrometre or two; drift that splits units is 5 µm and more.
 */
import type { Motion } from './motion.js';

export interface DriftDecision {
  significant: boolean;
  /** Largest robust range (µm) over shanks, segments and windows. */
  rangeUm: number;
  /** Shank id and window centre (µm) where it occurs. */
  shankId: string;
  depthUm: number;
  reason: string;
}

export interface DriftDecisionOptions {
  /** Correct when the robust displacement range reaches this. Default 5 µm. */
  thresholdUm?: number;
}

function percentile(sorted: Float64Array, q: number): number {
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (x - lo) * (sorted[hi] - sorted[lo]);
}

export function isDriftSignificant(motion: Motion, opts: DriftDecisionOptions = {}): DriftDecision {
  const thr = opts.thresholdUm ?? 5;
  let best = { rangeUm: 0, shankId: motion.shanks[0]?.shankId ?? '', depthUm: NaN };
  for (const sh of motion.shanks) {
    const nw = sh.spatialBinsUm.length;
    sh.displacementUm.forEach((d) => {
      const nt = d.length / nw;
      for (let w = 0; w < nw; w++) {
        const col = Float64Array.from({ length: nt }, (_, t) => d[t * nw + w]).sort();
        const range = percentile(col, 0.95) - percentile(col, 0.05);
        if (range > best.rangeUm) best = { rangeUm: range, shankId: sh.shankId, depthUm: sh.spatialBinsUm[w] };
      }
    });
  }
  const significant = best.rangeUm >= thr;
  const where = `shank ${best.shankId}, depth ${best.depthUm.toFixed(0)} µm`;
  const reason = significant
    ? `estimated drift spans ${best.rangeUm.toFixed(1)} µm (${where}) ≥ ${thr} µm: motion correction is on`
    : `estimated drift spans ${best.rangeUm.toFixed(1)} µm at most (< ${thr} µm): motion correction is off`;
  return { significant, ...best, reason };
}

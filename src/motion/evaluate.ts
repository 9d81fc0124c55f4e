/** Motion error against a known displacement (benchmarks and tests). */
import { displacementAt, Motion } from './motion.js';

export interface TrueDisplacement {
  timesS: ArrayLike<number>;
  depthsUm: ArrayLike<number>;
  /** times × depths (µm). */
  displacementUm: ArrayLike<number>;
}

export interface MotionError {
  /** RMS (µm) over times and depths after removing one constant offset per depth. */
  rmsUm: number;
  /** Per depth RMS (µm), same offset removal. */
  perDepthUm: Float64Array;
}

/**
 * Estimate (shank `shank`, segment `segment`) minus truth at every true time and depth. The offset is
 * removed per depth because an estimate's reference (the time-average position) is arbitrary.
 */
export function motionError(motion: Motion, truth: TrueDisplacement, shank = 0, segment = 0): MotionError {
  const nt = truth.timesS.length;
  const nd = truth.depthsUm.length;
  const perDepthUm = new Float64Array(nd);
  let total = 0;
  for (let d = 0; d < nd; d++) {
    const diff = Float64Array.from({ length: nt }, (_, t) => displacementAt(motion, shank, segment, truth.timesS[t], truth.depthsUm[d]) - truth.displacementUm[t * nd + d]);
    const mean = diff.reduce((a, b) => a + b, 0) / nt;
    const ss = diff.reduce((a, b) => a + (b - mean) ** 2, 0);
    total += ss;
    perDepthUm[d] = Math.sqrt(ss / nt);
  }
  return { rmsUm: Math.sqrt(total / (nt * nd)), perDepthUm };
}

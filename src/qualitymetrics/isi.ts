/**
 * Refractory-period violations and the contamination they imply (Hill, Mehta & Kreiman 2011,
 * with a censored period as in SpikeInterface's isi_violation): a unit whose spikes come from one
 * neuron has almost no inter-spike intervals shorter than the refractory period.
 */

export interface IsiViolations {
  /** Intervals shorter than the refractory period. */
  count: number;
  /** Estimated fraction of spikes from other sources (0 = clean, may exceed 1 for noise). */
  contamination: number;
}

/**
 * @param sortedSamples spike samples of one unit in one segment, ascending
 * @param durationSamples total recording length
 */
export function isiViolations(sortedSamples: ArrayLike<number>, durationSamples: number, refractorySamples: number, censoredSamples: number): IsiViolations {
  const n = sortedSamples.length;
  let count = 0;
  for (let i = 1; i < n; i++) if (sortedSamples[i] - sortedSamples[i - 1] < refractorySamples) count++;
  return { count, contamination: contaminationFromViolations(count, n, durationSamples, refractorySamples, censoredSamples) };
}

/**
 * Contamination from a count of consecutive intervals shorter than tr: a train whose fraction r is
 * random (Poisson) has about r(2 − r) · n² · (tr − tc) / T of them, so a Poisson train reads r = 1.
 */
export function contaminationFromViolations(count: number, n: number, durationSamples: number, refractorySamples: number, censoredSamples: number): number {
  const window = n * n * (refractorySamples - censoredSamples);
  if (n < 2 || window <= 0) return 0;
  const ratio = (count * durationSamples) / window;
  // Beyond 1 the formula has no solution: report the ratio itself (worse than random).
  return ratio >= 1 ? ratio : 1 - Math.sqrt(1 - ratio);
}

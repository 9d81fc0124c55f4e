/**
 * Whether two groups of spikes fire over the same time course: the two-sample Kolmogorov–Smirnov
 * statistic of their spike times. A unit that drifted (or changed shape) in one period forms a
 * second cloud of features confined to that period; two neurons fire side by side.
 */

/** Largest gap between the empirical distribution functions of a and b (0..1); 0 when either is empty. */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const n = sa.length;
  const m = sb.length;
  if (n === 0 || m === 0) return 0;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const t = Math.min(sa[i], sb[j]);
    // Step over ties on both sides together, so equal times never count as a gap.
    while (i < n && sa[i] === t) i++;
    while (j < m && sb[j] === t) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/**
 * True when the KS statistic of a and b exceeds c·sqrt((n+m)/(n·m)), the asymptotic critical value
 * (c = 1.36: 5 %, 1.63: 1 %, 1.95: 0.1 % false rejections for one time course).
 */
export function differentTimeCourse(a: ArrayLike<number>, b: ArrayLike<number>, c: number): boolean {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return false;
  return ksStatistic(a, b) > c * Math.sqrt((n + m) / (n * m));
}

import { mulberry32 } from '../core/random.js';

/** Seeded pseudo-random numbers so that a sort is reproducible run to run. */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

/** k distinct indices of 0..n-1 in ascending order (all of them when k >= n). */
export function sampleIndices(n: number, k: number, rand: () => number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(rand() * n));
  return Int32Array.from([...picked].sort((a, b) => a - b));
}

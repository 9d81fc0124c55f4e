/** Seeded pseudo-random numbers so that a sort is reproducible run to run (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k distinct indices of 0..n-1 in ascending order (all of them when k >= n). */
export function sampleIndices(n: number, k: number, rand: () => number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(rand() * n));
  return Int32Array.from([...picked].sort((a, b) => a - b));
}

/**
 * Threshold crossings: the indices of the values of a float32 block at or beyond a lower and an upper
 * bound. Peak detection scans every sample of every chunk for them; the WASM kernel does the same float64
 * comparisons, so both backends return identical indices.
 */

/** Ascending indices i with x[i] ≤ lo or x[i] ≥ hi (a NaN bound matches nothing: pass NaN to use one side). */
export function thresholdCrossingsTS(x: Float32Array, lo: number, hi: number): Int32Array {
  checkCrossingBounds(lo, hi);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v <= lo || v >= hi) out.push(i);
  }
  return Int32Array.from(out);
}

export function checkCrossingBounds(lo: number, hi: number): void {
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new Error(`thresholdCrossings: bounds must be numbers, got ${typeof lo} and ${typeof hi}`);
}

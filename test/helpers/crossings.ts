/** Shared pieces of the matched-filter crossing kernel tests. */
import assert from 'node:assert/strict';

/** Same crossings in the same order, values equal bit for bit (Object.is tells -0 from +0). */
export function assertSameCrossings(a: { index: Int32Array; value: Float32Array }, b: { index: Int32Array; value: Float32Array }, what: string): void {
  assert.equal(a.index.length, b.index.length, `${what}: crossing count`);
  for (let i = 0; i < a.index.length; i++) {
    assert.equal(a.index[i], b.index[i], `${what}: index #${i}`);
    assert.ok(Object.is(a.value[i], b.value[i]), `${what}: value #${i} ${a.value[i]} vs ${b.value[i]}`);
  }
}

/** A spike-shaped filter of unit norm (trough at the middle, slow tails), like the learnt prototype. */
export function spikeFilter(taps: number): Float32Array {
  const h = (taps - 1) / 2;
  const f = Float32Array.from({ length: taps }, (_, j) => Math.exp(-(((j - h) / (taps / 8)) ** 2)) - 0.25 * Math.exp(-(((j - h - taps / 4) / (taps / 5)) ** 2)));
  const norm = Math.hypot(...f);
  return f.map((v) => v / norm);
}

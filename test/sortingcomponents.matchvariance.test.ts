/**
 * residualVariance with a provided buffer (matching keeps it in the kernels' memory beside the residual):
 * a buffer it did not leave zeroed is cleared before use, release() leaves it all zeros, and mark() hands
 * out the buffer for the rows it marks. Values are checked against e²·scale·w² computed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { residualVariance } from '../src/sortingcomponents/matching.js';

const ns = 20;
const nc = 6;
const L = 3;
const channels = Int32Array.from([1, 4]);
const w = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]);

function expectedAt(start: number, scale: number, e2: number): Float32Array {
  const v = new Float32Array(ns * nc);
  for (let p = 0; p < L; p++) for (let q = 0; q < channels.length; q++) v[(start + p) * nc + channels[q]] = scale * e2 * w[p * 2 + q] * w[p * 2 + q];
  return v;
}

test('a provided buffer holding stale values is cleared, filled as add() says, and left zeroed on release', () => {
  const buf = new Float32Array(ns * nc).fill(7);
  for (let round = 0; round < 2; round++) {
    const rv = residualVariance(ns, nc, 0.5, (n) => buf.subarray(0, n));
    rv.add(4, w, channels, L, 2);
    const want = expectedAt(4, 2, 0.25);
    for (let r = 0; r < ns; r++) for (let c = 0; c < nc; c++) assert.equal(rv.at(r, c), want[r * nc + c], `round ${round} (${r}, ${c})`);
    assert.deepEqual(Array.from(buf), Array.from(want), `round ${round}: untouched values are zero in the buffer too`);
    rv.release();
    assert.ok(buf.every((x) => x === 0), `round ${round}: release leaves the buffer zeroed`);
    // Stale values again: a different (or reused) buffer must not be trusted on the second round either.
    if (round === 0) buf.fill(0);
  }
  // Another buffer after a clean release must still be cleared.
  const other = new Float32Array(ns * nc).fill(-3);
  const rv = residualVariance(ns, nc, 0.5, () => other);
  rv.add(0, w, channels, L, 1);
  assert.deepEqual(Array.from(other), Array.from(expectedAt(0, 1, 0.25)));
  rv.release();
});

test('mark() returns the buffer for the marked rows (null when the error is 0) and weighted() then reads them', () => {
  const rv = residualVariance(ns, nc, 0.5);
  assert.equal(rv.errorSquared, 0.25);
  const v = rv.mark(10, L);
  assert.ok(v && v.length === ns * nc);
  v[11 * nc + 4] = 2;
  v[12 * nc + 4] = 5; // row 12 is marked too
  const ones = new Float32Array(L * 2).fill(1);
  assert.equal(rv.weighted(10, ones, channels, L), 7);
  rv.release();
  const none = residualVariance(ns, nc, 0);
  assert.equal(none.mark(0, L), null);
  none.release();
});

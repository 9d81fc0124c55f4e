import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxWeightAssignment } from '../src/comparison/hungarian.js';
import { mulberry32 } from '../src/core/random.js';

/** Deterministic PRNG so failures reproduce. */
const rng = mulberry32;

/** Best total over all injective maps from the smaller side to the larger, by exhaustive search. */
function bruteForceBest(w: number[], rows: number, cols: number): number {
  const small = Math.min(rows, cols);
  const big = Math.max(rows, cols);
  const at = (i: number, j: number) => (rows <= cols ? w[i * cols + j] : w[j * cols + i]);
  const used = new Array<boolean>(big).fill(false);
  let best = -Infinity;
  const go = (i: number, sum: number) => {
    if (i === small) {
      best = Math.max(best, sum);
      return;
    }
    for (let j = 0; j < big; j++) {
      if (used[j]) continue;
      used[j] = true;
      go(i + 1, sum + at(i, j));
      used[j] = false;
    }
  };
  go(0, 0);
  return best;
}

test('maximum-weight assignment equals brute force on random rectangular matrices', () => {
  const r = rng(7);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(r() * 6);
    const cols = 1 + Math.floor(r() * 6);
    // Mix of continuous weights and many ties/zeros (agreement matrices are mostly zero).
    const w = Array.from({ length: rows * cols }, () => (r() < 0.4 ? 0 : r() < 0.2 ? 0.5 : r()));
    const a = maxWeightAssignment(w, rows, cols);
    const expect = bruteForceBest(w, rows, cols);
    assert.ok(Math.abs(a.total - expect) < 1e-12, `trial ${trial} (${rows}x${cols}): ${a.total} vs ${expect}`);
    // A valid one-to-one assignment covering the smaller side, consistent in both directions.
    let pairs = 0;
    let sum = 0;
    a.rowToCol.forEach((c, i) => {
      if (c >= 0) {
        pairs++;
        assert.equal(a.colToRow[c], i);
        sum += w[i * cols + c];
      }
    });
    assert.equal(pairs, Math.min(rows, cols));
    assert.ok(Math.abs(sum - a.total) < 1e-12);
  }
});

test('assignment handles negative weights, empty matrices and rejects bad input', () => {
  const a = maxWeightAssignment([-1, -5, -3, -2], 2, 2);
  assert.deepEqual(Array.from(a.rowToCol), [0, 1]);
  assert.equal(a.total, -3);
  assert.equal(maxWeightAssignment([], 0, 4).total, 0);
  assert.deepEqual(Array.from(maxWeightAssignment([], 0, 4).colToRow), [-1, -1, -1, -1]);
  assert.throws(() => maxWeightAssignment([1, 2, 3], 2, 2), /3 weights for a 2 × 2/);
  assert.throws(() => maxWeightAssignment([1, NaN], 1, 2), /must be finite/);
});

test('assignment of a 150 x 200 matrix is fast and beats a greedy choice', () => {
  const r = rng(11);
  const rows = 150;
  const cols = 200;
  const w = Array.from({ length: rows * cols }, () => r());
  const t0 = performance.now();
  const a = maxWeightAssignment(w, rows, cols);
  assert.ok(performance.now() - t0 < 2000);
  // Greedy row-by-row pick of the best free column is a lower bound on the optimum.
  const used = new Set<number>();
  let greedy = 0;
  for (let i = 0; i < rows; i++) {
    let bj = -1;
    for (let j = 0; j < cols; j++) if (!used.has(j) && (bj < 0 || w[i * cols + j] > w[i * cols + bj])) bj = j;
    used.add(bj);
    greedy += w[i * cols + bj];
  }
  assert.ok(a.total >= greedy - 1e-9);
});

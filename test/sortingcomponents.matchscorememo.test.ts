/**
 * The score memo must never hand back scores whose residual rows and channels a subtraction touched after
 * they were stored (that would change the sorting), and should hand back those nothing touched (that is its
 * saving). Checked against a brute-force record of every touched (row, channel) cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreMemo } from '../src/sortingcomponents/matchscorememo.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

const ns = 600;
const nc = 24;
const L = 30;
const S = 3;
const shifts = 2 * S + 1;

test('lookup returns a stored slot only while no touch reached its rows and channels, with the stored scores', () => {
  const rand = seededRandom(5);
  const channelsOf = Array.from({ length: 6 }, (_, u) => Int32Array.from({ length: 4 + u }, (_, q) => (3 * u + 2 * q) % nc));
  let hits = 0;
  let misses = 0;
  for (let trial = 0; trial < 40; trial++) {
    const memo = scoreMemo(ns, nc, L, S);
    // Brute force: the time of the last touch of every cell, and what was stored when.
    const lastTouch = new Int32Array(ns * nc).fill(-1);
    const stored = new Map<string, { time: number; scores: Float64Array }>();
    for (let time = 0; time < 300; time++) {
      const unit = Math.floor(rand() * channelsOf.length);
      // Few distinct guesses, so that lookups often find stored scores.
      const guess = S + 45 * Math.floor(rand() * 12);
      const channels = channelsOf[unit];
      const op = rand();
      if (op < 0.15) {
        const start = Math.floor(rand() * (ns - L));
        const touched = channelsOf[Math.floor(rand() * channelsOf.length)];
        memo.touch(start, L, touched);
        for (let r = start; r < start + L; r++) for (const c of touched) lastTouch[r * nc + c] = time;
      } else if (op < 0.6) {
        const scores = Float64Array.from({ length: shifts }, () => rand());
        memo.store(unit, guess, scores, 0);
        stored.set(`${unit}/${guess}`, { time, scores });
      } else {
        const slot = memo.lookup(unit, guess, channels);
        const entry = stored.get(`${unit}/${guess}`);
        let fresh = entry !== undefined;
        for (let r = guess - S; fresh && r < guess + S + L; r++) for (const c of channels) if (lastTouch[r * nc + c] >= entry!.time) fresh = false;
        if (slot >= 0) {
          assert.ok(fresh, `trial ${trial}, step ${time}: stale scores of unit ${unit} at ${guess} handed back`);
          assert.deepEqual(memo.values.slice(slot * shifts, (slot + 1) * shifts), entry!.scores);
          hits++;
        } else if (fresh) misses++;
      }
    }
  }
  // Row blocks make some fresh entries look stale, but most fresh ones must be found.
  assert.ok(hits > 100, `${hits} hits`);
  assert.ok(misses < hits, `${misses} fresh entries missed, ${hits} found`);
});

test('a touch on other channels or far rows keeps scores; one on a shared cell drops them', () => {
  const memo = scoreMemo(ns, nc, L, S);
  const channels = Int32Array.from([4, 5, 6]);
  const scores = Float64Array.from({ length: 2 * shifts }, (_, i) => i + 0.5);
  memo.store(2, 200, scores, shifts);
  memo.touch(200, L, Int32Array.from([7, 8]));
  memo.touch(400, L, channels);
  const slot = memo.lookup(2, 200, channels);
  assert.ok(slot >= 0);
  assert.deepEqual(Array.from(memo.values.subarray(slot * shifts, (slot + 1) * shifts)), Array.from(scores.subarray(shifts)));
  assert.equal(memo.lookup(3, 200, channels), -1, 'another unit');
  assert.equal(memo.lookup(2, 201, channels), -1, 'another guess');
  memo.touch(200 + S + L - 1, 1, Int32Array.from([6]));
  assert.equal(memo.lookup(2, 200, channels), -1, 'the last row read, on one of its channels');
});

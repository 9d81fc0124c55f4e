/** The growing spike list of a matching window: what goes in comes out, in order, without the removed spikes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchedSpikeList } from '../src/sortingcomponents/matchedspikelist.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

test('finish returns the pushed spikes and their features in order, less the removed ones', () => {
  const rand = seededRandom(3);
  const k = 5;
  const list = matchedSpikeList(k);
  const want: { sample: number; unit: number; amplitude: number; x: number; y: number; features: number[] }[] = [];
  // Enough spikes to grow the arrays several times; features written after later pushes too.
  for (let i = 0; i < 1000; i++) {
    const s = { sample: 1000 + 7 * i, unit: i % 13, amplitude: 0.5 + rand(), x: rand() * 40, y: rand() * 400, features: Array.from({ length: k }, () => rand() - 0.5) };
    assert.equal(list.push(s.sample, s.unit, s.amplitude, s.x, s.y), i);
    list.features(i).set(s.features);
    want.push(s);
  }
  const removed = new Set([0, 5, 6, 500, 999]);
  const got = list.finish(removed);
  const kept = want.filter((_, i) => !removed.has(i));
  assert.deepEqual(Array.from(got.sample), kept.map((s) => s.sample));
  assert.deepEqual(Array.from(got.unit), kept.map((s) => s.unit));
  assert.deepEqual(Array.from(got.amplitude), kept.map((s) => Math.fround(s.amplitude)));
  assert.deepEqual(Array.from(got.x), kept.map((s) => Math.fround(s.x)));
  assert.deepEqual(Array.from(got.y), kept.map((s) => Math.fround(s.y)));
  assert.deepEqual(Array.from(got.pcFeatures), kept.flatMap((s) => s.features.map(Math.fround)));
});

test('an empty list finishes as empty arrays', () => {
  const got = matchedSpikeList(3).finish(new Set());
  assert.equal(got.sample.length, 0);
  assert.equal(got.pcFeatures.length, 0);
});

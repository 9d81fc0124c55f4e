import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binOverlap, testComplementary } from '../src/sortingcomponents/complementary.js';
import { mulberry32 } from '../src/core/random.js';

const opts = { binWidth: 2, permutations: 100, maxOverlapRatio: 0.5, seed: 1 };

/** Poisson-like train: n uniform times in [0, T) kept where keep(t) is true. */
function train(n: number, T: number, rand: () => number, keep: (t: number) => boolean = () => true): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const t = rand() * T;
    if (keep(t)) out.push(t);
  }
  return out;
}

test('binOverlap: identical profiles give 1, disjoint ones 0, half-shared ones 0.5', () => {
  assert.equal(binOverlap([0, 1, 2, 3], [0, 1, 2, 3], 4), 1);
  assert.equal(binOverlap([0, 0, 1], [2, 3], 4), 0);
  assert.equal(binOverlap([0, 1], [1, 2], 3), 0.5);
});

test('a train cut by a sine drift into its two phases is complementary', () => {
  const rand = mulberry32(3);
  // Phase of a 20 s period drift: the unit looks like A while the probe is above the middle.
  const up = (t: number) => Math.sin((2 * Math.PI * t) / 20) > 0;
  const a = train(110, 30, rand, up);
  const b = train(100, 30, rand, (t) => !up(t));
  const r = testComplementary(a, b, opts);
  assert.ok(r.complementary, JSON.stringify(r));
  assert.ok(r.overlap < 0.2 && r.nullOverlap > 0.6, JSON.stringify(r));
});

test('a small half (20 spikes) beside a large one is still recognised', () => {
  const rand = mulberry32(4);
  const early = (t: number) => t % 20 < 12;
  const r = testComplementary(train(80, 30, rand, early), train(20, 30, rand, (t) => !early(t)), opts);
  assert.ok(r.complementary, JSON.stringify(r));
});

test('two independent neurons firing throughout are not complementary', () => {
  for (let seed = 0; seed < 20; seed++) {
    const rand = mulberry32(100 + seed);
    const r = testComplementary(train(150, 30, rand), train(60, 30, rand), { ...opts, seed });
    assert.equal(r.complementary, false, `seed ${seed}: ${JSON.stringify(r)}`);
  }
});

test('sparse trains over a long recording are not complementary by chance', () => {
  // 30 spikes each over an hour in 2 s bins: almost no bin holds both, shuffled or not.
  const rand = mulberry32(9);
  const r = testComplementary(train(30, 3600, rand), train(30, 3600, rand), opts);
  assert.equal(r.complementary, false, JSON.stringify(r));
  assert.ok(r.pValue > 0.05, JSON.stringify(r));
});

test('two neurons sharing one non-stationary rate (both silent in the second half) are not complementary', () => {
  const rand = mulberry32(11);
  const first = (t: number) => t < 15;
  const r = testComplementary(train(120, 30, rand, first), train(90, 30, rand, first), opts);
  assert.equal(r.complementary, false, JSON.stringify(r));
});

test('deterministic for a seed, and empty trains are never complementary', () => {
  const rand = mulberry32(5);
  const a = train(50, 30, rand);
  const b = train(50, 30, rand);
  assert.deepEqual(testComplementary(a, b, opts), testComplementary(a, b, opts));
  assert.equal(testComplementary([], b, opts).complementary, false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dipTest, isotonic } from '../src/sortingcomponents/unimodality.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

test('isotonic regression pools violators into their mean', () => {
  assert.deepEqual(Array.from(isotonic([1, 3, 2, 4], true)), [1, 2.5, 2.5, 4]);
  assert.deepEqual(Array.from(isotonic([4, 2, 3, 1], false)), [4, 2.5, 2.5, 1]);
});

test('one Gaussian is unimodal, at any sample size', () => {
  const rand = seededRandom(3);
  for (const n of [40, 300, 3000]) {
    const x = Array.from({ length: n }, () => gaussian(rand));
    assert.ok(dipTest(x).score < 2, `n=${n}: score ${dipTest(x).score}`);
  }
});

test('two separated Gaussians are bimodal and cut between the modes', () => {
  const rand = seededRandom(4);
  const x = [...Array.from({ length: 300 }, () => gaussian(rand)), ...Array.from({ length: 100 }, () => 7 + gaussian(rand))];
  const r = dipTest(x);
  assert.ok(r.score > 4, `score ${r.score}`);
  assert.ok(r.cut > 2 && r.cut < 5, `cut ${r.cut}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recursiveSplit } from '../src/sortingcomponents/clustering.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

test('recursive split finds three separated blobs of different sizes, including a small one', () => {
  const d = 12;
  const rand = seededRandom(7);
  const centres = [new Array(d).fill(0), [8, ...new Array(d - 1).fill(0)], [0, 8, 8, ...new Array(d - 3).fill(0)]];
  const sizes = [400, 150, 25];
  const truth: number[] = [];
  const x: number[] = [];
  sizes.forEach((n, k) => {
    for (let i = 0; i < n; i++) {
      truth.push(k);
      for (let j = 0; j < d; j++) x.push(centres[k][j] + gaussian(rand));
    }
  });
  const labels = recursiveSplit(Float32Array.from(x), d, { minClusterSize: 8, splitScore: 3, maxDepth: 10, splitDims: 6 });
  const k = new Set(labels).size;
  assert.equal(k, 3);
  // Each found cluster is pure: all its points come from one blob.
  for (const l of new Set(labels)) {
    const members = truth.filter((_, i) => labels[i] === l);
    assert.equal(new Set(members).size, 1, `cluster ${l} mixes blobs`);
  }
});

test('one Gaussian blob is not split', () => {
  const d = 8;
  const rand = seededRandom(8);
  const x = Float32Array.from({ length: 1000 * d }, () => gaussian(rand));
  const labels = recursiveSplit(x, d, { minClusterSize: 8, splitScore: 4, maxDepth: 10, splitDims: 6 });
  assert.equal(new Set(labels).size, 1);
});

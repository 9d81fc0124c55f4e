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
  const labels = recursiveSplit(Float32Array.from(x), d, { minClusterSize: 8, splitScore: 3, maxDepth: 10, splitDims: 6, seedComponents: 3 });
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
  const labels = recursiveSplit(x, d, { minClusterSize: 8, splitScore: 4, maxDepth: 10, splitDims: 6, seedComponents: 3 });
  assert.equal(new Set(labels).size, 1);
});

test('two units differing off the main axis are split even when a shared amplitude spread dominates PC1', () => {
  const rand = seededRandom(31);
  const d = 6;
  const n = 600;
  const x = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = i < 400 ? 0 : 1;
    // Dimension 0: amplitude spread shared by both units (sd 6, e.g. bursts); dimension 1: the units' footprints differ by 5 sd.
    const amp = 6 * gaussian(rand);
    for (let j = 0; j < d; j++) x[i * d + j] = gaussian(rand);
    x[i * d] += amp;
    x[i * d + 1] += truth[i] ? 2.5 : -2.5;
  }
  const labels = recursiveSplit(x, d, { minClusterSize: 8, splitScore: 4, maxDepth: 10, splitDims: 6, seedComponents: 3 });
  // Purity: each found cluster is dominated by one unit, and both units own a cluster.
  const k = Math.max(...labels) + 1;
  const owners = new Set<number>();
  let impure = 0;
  for (let l = 0; l < k; l++) {
    const c = [0, 0];
    labels.forEach((v, i) => v === l && c[truth[i]]++);
    impure += Math.min(c[0], c[1]);
    owners.add(c[0] >= c[1] ? 0 : 1);
  }
  assert.ok(owners.size === 2, `the units were not separated (${k} clusters)`);
  assert.ok(impure < 0.05 * n, `impure assignments: ${impure}`);
});

/**
 * medianAbsoluteDeviation (the noise levels' MADs) against a MAD written here by sorting copies: every
 * backend must give exactly the sorted-array medians (index n >> 1), NaN sorting last, on sizes either
 * side of the bucketed selection's thresholds, with ties, zeros of both signs, infinities and a zero MAD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

function sortedMad(v: Float64Array): number {
  if (v.length === 0) return 0;
  const k = v.length >> 1;
  const med = Float64Array.from(v).sort()[k];
  return Float64Array.from(v, (x) => Math.abs(x - med)).sort()[k];
}

type Shape = 'gauss' | 'ties' | 'zeros' | 'offset' | 'heavy';

function values(n: number, shape: Shape, seed: number): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    const g = gaussian(rand);
    switch (shape) {
      case 'gauss': return Math.fround(g * 7.3);
      case 'ties': return Math.round(g * 3) / 2;
      // Mostly zeros of both signs: the median and the MAD are zero.
      case 'zeros': return i % 5 === 0 ? g : i % 2 ? -0 : 0;
      case 'offset': return 1e4 + g * 1e-3;
      case 'heavy': return i % 97 === 0 ? (i % 2 ? Infinity : -1e300) : g / (rand() + 1e-9);
    }
  });
}

test('medianAbsoluteDeviation equals the MAD of sorted copies on every backend', () => {
  const sizes = [1, 2, 3, 255, 256, 257, 1023, 1024, 7500, 30001, 120000];
  const shapes: Shape[] = ['gauss', 'ties', 'zeros', 'offset', 'heavy'];
  for (const [name, k] of kernelBackends()) {
    let seed = 3;
    for (const n of sizes) {
      for (const shape of shapes) {
        const v = values(n, shape, seed++);
        const want = sortedMad(v);
        const got = k.medianAbsoluteDeviation(Float64Array.from(v));
        assert.ok(Object.is(got, want), `${name} n=${n} ${shape}: ${got}, sorted copies give ${want}`);
      }
    }
    assert.equal(k.medianAbsoluteDeviation(new Float64Array(0)), 0, `${name}: empty`);
  }
});

test('medianAbsoluteDeviation with NaN gives the sort’s medians (NaN last) on every backend', () => {
  for (const [name, k] of kernelBackends()) {
    for (const n of [5, 300, 5000]) {
      const v = values(n, 'gauss', n);
      for (let i = 0; i < n; i += 7) v[i] = NaN;
      assert.ok(Object.is(k.medianAbsoluteDeviation(Float64Array.from(v)), sortedMad(v)), `${name} n=${n}: a few NaN`);
      const mostly = Float64Array.from(v, (x, i) => (i % 4 ? NaN : x));
      assert.ok(Object.is(k.medianAbsoluteDeviation(mostly.slice()), sortedMad(mostly)), `${name} n=${n}: mostly NaN`);
    }
  }
});

/**
 * medianAbsoluteDeviation (the noise levels' MADs) against a MAD written here by sorting copies: every
 * backend must give exactly the sorted-array medians (index n >> 1), NaN sorting last, on sizes either
 * side of the bucketed selection's thresholds, with ties, zeros of both signs, infinities and a zero MAD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelBackends } from './helpers/kernels.js';
import { SelectionShape, selectionValues, sortedMedianAndMad } from './helpers/mad.js';

test('medianAbsoluteDeviation equals the MAD of sorted copies on every backend', () => {
  const sizes = [1, 2, 3, 255, 256, 257, 1023, 1024, 7500, 30001, 120000];
  const shapes: SelectionShape[] = ['gauss', 'ties', 'zeros', 'offset', 'heavy'];
  for (const [name, k] of kernelBackends()) {
    let seed = 3;
    for (const n of sizes) {
      for (const shape of shapes) {
        const v = selectionValues(n, shape, seed++);
        const want = sortedMedianAndMad(v)[1];
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
      const v = selectionValues(n, 'gauss', n);
      for (let i = 0; i < n; i += 7) v[i] = NaN;
      assert.ok(Object.is(k.medianAbsoluteDeviation(Float64Array.from(v)), sortedMedianAndMad(v)[1]), `${name} n=${n}: a few NaN`);
      const mostly = Float64Array.from(v, (x, i) => (i % 4 ? NaN : x));
      assert.ok(Object.is(k.medianAbsoluteDeviation(mostly.slice()), sortedMedianAndMad(mostly)[1]), `${name} n=${n}: mostly NaN`);
    }
  }
});

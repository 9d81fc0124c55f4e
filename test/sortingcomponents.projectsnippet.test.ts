/**
 * projectSnippet (the detection pass's features) against the definition written out here: one dot product per
 * channel and component, float64 products summed in sample order from 0, stored as float32. The same arithmetic
 * in the same order, so the values must be equal bit for bit, for any number of components (in fours and the rest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projectSnippet, TemporalBasis } from '../src/sortingcomponents/features.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

function randomBasis(k: number, length: number, nBefore: number, seed: number): TemporalBasis {
  const rand = seededRandom(seed);
  return { components: Float32Array.from({ length: k * length }, () => gaussian(rand)), numComponents: k, length, nBefore };
}

function referenceProjection(data: Float32Array, nc: number, row: number, channels: Int32Array, basis: TemporalBasis): Float32Array {
  const { components, numComponents: k, length, nBefore } = basis;
  const out = new Float32Array(channels.length * k);
  for (let j = 0; j < channels.length; j++) {
    for (let r = 0; r < k; r++) {
      let dot = 0;
      for (let p = 0; p < length; p++) dot += components[r * length + p] * data[(row - nBefore + p) * nc + channels[j]];
      out[j * k + r] = dot;
    }
  }
  return out;
}

test('projectSnippet equals one float64 dot per channel and component, bit for bit', () => {
  const nc = 37;
  const ns = 400;
  const rand = seededRandom(11);
  const data = Float32Array.from({ length: ns * nc }, () => gaussian(rand) * 3);
  const channels = Int32Array.from([5, 4, 6, 3, 7, 36, 0, 2, 8, 1, 9, 10]);
  for (const k of [4, 5, 3, 8, 1]) {
    // Two bases of one shape: each projection must use its own (the transposed copy is kept per basis).
    for (const seed of [1, 2]) {
      const basis = randomBasis(k, 61, 20, seed * 100 + k);
      for (const row of [20, 157, ns - 41]) {
        const offset = 3;
        const out = new Float32Array(offset + channels.length * k + 2).fill(-7);
        projectSnippet(data, nc, row, channels, basis, out, offset);
        const want = referenceProjection(data, nc, row, channels, basis);
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(out[offset + i], want[i]), `k ${k}, basis ${seed}, row ${row}, value ${i}: ${out[offset + i]} vs ${want[i]}`);
        assert.deepEqual([out[0], out[1], out[2], out[offset + want.length], out[offset + want.length + 1]], [-7, -7, -7, -7, -7], 'nothing written outside the slot');
        assert.ok(want.some((v) => Math.abs(v) > 1), 'non-trivial projections');
      }
    }
  }
});

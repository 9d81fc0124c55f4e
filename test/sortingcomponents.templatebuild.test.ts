import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianSnippet } from '../src/sortingcomponents/templatebuild.js';
import { snippetMeans, testPair } from '../src/sortingcomponents/merging.js';
import type { SnippetSet } from '../src/sortingcomponents/snippets.js';
import { randomArray } from './helpers/random.js';

function randomSet(count: number, ext: number, channels: number[], seed: number): SnippetSet {
  return { channels: Int32Array.from(channels), data: randomArray(count * ext * channels.length, seed), count };
}

/** numpy's median of one (sample, channel) column, by sorting a copy. */
function sortedMedian(set: SnippetSet, w: number, k: number): number {
  const col = Array.from({ length: set.count }, (_, i) => set.data[i * w + k]).sort((a, b) => a - b);
  const n = col.length;
  return n % 2 ? col[n >> 1] : (col[n / 2 - 1] + col[n / 2]) / 2;
}

test('medianSnippet equals the sorted-column median for odd, even and single counts, with ties', () => {
  const ext = 7;
  for (const count of [1, 2, 5, 64, 131]) {
    const set = randomSet(count, ext, [3, 8, 9], count);
    // Ties: quantise half the values.
    for (let i = 0; i < set.data.length; i += 2) set.data[i] = Math.round(set.data[i] * 4) / 4;
    const w = ext * 3;
    const med = medianSnippet(set, ext);
    // === rather than Object.is: the sign of a zero median is not defined by the ordering.
    for (let k = 0; k < w; k++) assert.ok(med[k] === sortedMedian(set, w, k), `count ${count}, column ${k}: ${med[k]} vs ${sortedMedian(set, w, k)}`);
  }
  assert.deepEqual([...medianSnippet(randomSet(0, 4, [1], 1), 4)], [0, 0, 0, 0]);
});

test('snippetMeans: per-value means over all spikes and over even / odd spikes', () => {
  const ext = 5;
  const set = randomSet(9, ext, [0, 1], 11);
  const w = ext * 2;
  const m = snippetMeans(set, ext);
  for (let k = 0; k < w; k++) {
    const vals = Array.from({ length: set.count }, (_, i) => set.data[i * w + k]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(Math.abs(m.all[k] - mean(vals)) < 1e-12);
    assert.ok(Math.abs(m.byParity[0][k] - mean(vals.filter((_, i) => i % 2 === 0))) < 1e-12);
    assert.ok(Math.abs(m.byParity[1][k] - mean(vals.filter((_, i) => i % 2 === 1))) < 1e-12);
  }
});

test('testPair gives the same answer with precomputed means as without', () => {
  const L = 12;
  const S = 2;
  const ext = L + 2 * S;
  const shape = Float32Array.from({ length: ext }, (_, p) => -6 * Math.exp(-(((p - S - 4) / 1.5) ** 2)));
  const make = (count: number, seed: number, amp: number): SnippetSet => {
    const set = randomSet(count, ext, [2, 3, 4], seed);
    for (let i = 0; i < count; i++) for (let p = 0; p < ext; p++) for (let q = 0; q < 3; q++) set.data[(i * ext + p) * 3 + q] += amp * shape[p] / (q + 1);
    return set;
  };
  const opts = { length: L, maxShift: S, candidateCosine: 0.5, amplitudeMin: 0.7, amplitudeMax: 1.4, scaleCosine: 0.9 };
  for (const [A, B] of [[make(40, 1, 1), make(30, 2, 1)], [make(40, 3, 1), make(25, 4, 0.5)]]) {
    const plain = testPair(A, B, opts);
    const cached = testPair(A, B, opts, [snippetMeans(A, ext), snippetMeans(B, ext)]);
    assert.ok(plain);
    assert.deepEqual(cached, plain);
  }
});

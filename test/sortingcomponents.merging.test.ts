import { test } from 'node:test';
import assert from 'node:assert/strict';
import { standardizePair, testPair } from '../src/sortingcomponents/merging.js';
import type { SnippetSet } from '../src/sortingcomponents/snippets.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

const L = 30;
const S = 2;
const NC = 4;
const EXT = L + 2 * S;

/** count snippets of template `tpl` (L × NC) in unit noise, placed at offset S inside the extended window. */
function snippets(tpl: Float64Array, count: number, rand: () => number): SnippetSet {
  const data = new Float32Array(count * EXT * NC);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < EXT; p++) {
      for (let c = 0; c < NC; c++) {
        const q = p - S;
        data[(i * EXT + p) * NC + c] = (q >= 0 && q < L ? tpl[q * NC + c] : 0) + gaussian(rand);
      }
    }
  }
  return { channels: Int32Array.from([0, 1, 2, 3]), data, count };
}

function template(gains: number[], width: number): Float64Array {
  const t = new Float64Array(L * NC);
  for (let p = 0; p < L; p++) for (let c = 0; c < NC; c++) t[p * NC + c] = -gains[c] * Math.exp(-(((p - 10) / width) ** 2));
  return t;
}

const opts = { length: L, maxShift: S, candidateCosine: 0.8, mergeScore: 2, maxSeparation: 4, amplitudeMin: 0.5, amplitudeMax: 2, scaleCosine: 0.95 };
const merges = (d: { score: number; separation: number }) => d.score < opts.mergeScore && d.separation < opts.maxSeparation;

test('two random parts of one unit are one mode (merge); a near-duplicate unit of 30 spikes beside 100 is kept apart', () => {
  const rand = seededRandom(21);
  const t1 = template([12, 8, 4, 2], 2);
  // Same shape, footprint shifted: cosine ≈ 0.97, templates ≈ 5.7 noise sd apart over the window.
  const t2 = template([10, 10, 6, 3], 2);
  let cos = 0;
  let n1 = 0;
  let n2 = 0;
  let dist = 0;
  for (let k = 0; k < t1.length; k++) {
    cos += t1[k] * t2[k];
    n1 += t1[k] ** 2;
    n2 += t2[k] ** 2;
    dist += (t1[k] - t2[k]) ** 2;
  }
  assert.ok(cos / Math.sqrt(n1 * n2) > 0.95 && Math.sqrt(dist) > 3, 'fixture: near-duplicate templates');
  let wrongMerges = 0;
  let wrongSplits = 0;
  for (let trial = 0; trial < 10; trial++) {
    const same = testPair(snippets(t1, 100, rand), snippets(t1, 30, rand), opts)!;
    if (!merges(same)) wrongSplits++;
    const diff = testPair(snippets(t1, 100, rand), snippets(t2, 30, rand), opts)!;
    if (merges(diff)) wrongMerges++;
  }
  assert.ok(wrongSplits <= 1, `one unit kept apart in ${wrongSplits}/10 trials`);
  assert.ok(wrongMerges <= 1, `distinct units merged in ${wrongMerges}/10 trials`);
});

test('standardizePair centres on the midpoint of the two means, in pooled-sd units', () => {
  const out = standardizePair([1, 3], [9, 11]);
  // Means 2 and 10 → midpoint 6; pooled sd sqrt((1 + 1 + 1 + 1) / 2) = √2.
  const r = Math.SQRT2;
  assert.deepEqual(out.map((v) => +v.toFixed(6)), [-5 / r, -3 / r, 3 / r, 5 / r].map((v) => +v.toFixed(6)));
});

test('a unit cut in two along its own amplitude spread (how a split tree over-splits) is merged back', () => {
  const rand = seededRandom(8);
  const t1 = template([12, 8, 4, 2], 2);
  let wrongSplits = 0;
  for (let trial = 0; trial < 10; trial++) {
    // 130 spikes with 20 % amplitude spread (bursts, drift): a unimodal cloud elongated along the template.
    const scales = Array.from({ length: 130 }, () => 1 + 0.2 * gaussian(rand));
    const cut = [...scales].sort((a, b) => a - b)[99];
    const all = scales.map((a) => snippets(t1.map((v) => a * v), 1, rand));
    const pick = (keep: (a: number) => boolean): SnippetSet => {
      const parts = all.filter((_, i) => keep(scales[i]));
      const data = new Float32Array(parts.length * EXT * NC);
      parts.forEach((p, i) => data.set(p.data, i * EXT * NC));
      return { channels: parts[0].channels, data, count: parts.length };
    };
    const d = testPair(pick((a) => a <= cut), pick((a) => a > cut), opts)!;
    if (!merges(d)) wrongSplits++;
  }
  assert.ok(wrongSplits <= 1, `a cut unimodal unit kept apart in ${wrongSplits}/10 trials`);
});

test('a burst-like population at 75 % amplitude merges with its unit; a different footprint of the same size does not', () => {
  const rand = seededRandom(12);
  const t1 = template([12, 8, 4, 2], 2);
  const scaled = t1.map((v) => 0.75 * v);
  const other = template([9, 9, 5, 3], 2);
  let wrong = 0;
  for (let trial = 0; trial < 6; trial++) {
    if (!merges(testPair(snippets(t1, 200, rand), snippets(scaled, 80, rand), opts)!)) wrong++;
    if (merges(testPair(snippets(t1, 200, rand), snippets(other, 80, rand), opts)!)) wrong++;
  }
  assert.ok(wrong <= 1, `${wrong}/12 wrong decisions`);
});

test('halves of one sharp unit detected half a sample apart merge (timing is not evidence of two units)', () => {
  const rand = seededRandom(33);
  // A narrow trough (sd 1 sample) at p = 10 and at p = 10.5: the same unit, another sub-sample alignment.
  const at = (centre: number) => {
    const t = new Float64Array(L * NC);
    const gains = [12, 8, 4, 2];
    for (let p = 0; p < L; p++) for (let c = 0; c < NC; c++) t[p * NC + c] = -gains[c] * Math.exp(-(((p - centre) / 1) ** 2) / 2);
    return t;
  };
  let wrongSplits = 0;
  for (let trial = 0; trial < 6; trial++) {
    if (!merges(testPair(snippets(at(10), 80, rand), snippets(at(10.5), 40, rand), opts)!)) wrongSplits++;
  }
  assert.ok(wrongSplits <= 1, `kept apart in ${wrongSplits}/6 trials`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptMerges, PairSet } from '../src/sortingcomponents/mergegroups.js';
import { findMerges } from '../src/sortingcomponents/merging.js';
import type { SnippetSet } from '../src/sortingcomponents/snippets.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

test('acceptMerges joins chains but never two items judged distinct, even through a third', () => {
  const distinct = new PairSet(5);
  distinct.add(1, 0);
  assert.ok(distinct.has(0, 1) && distinct.has(1, 0) && !distinct.has(0, 2));
  // 2 is a bridge: one mode with 0 and with 1, which are distinct. 3–4 is an unconstrained chain.
  const merges = [{ a: 0, b: 2 }, { a: 1, b: 2 }, { a: 3, b: 4 }, { a: 2, b: 4 }];
  const { accepted, root } = acceptMerges(5, merges, distinct);
  assert.deepEqual(accepted, [merges[0], merges[2], merges[3]]);
  assert.equal(root[0], root[2]);
  assert.equal(root[2], root[4]);
  assert.equal(root[3], root[4]);
  assert.notEqual(root[1], root[0]);
});

test('acceptMerges leaves out merges inside a group and keeps the given order', () => {
  const { accepted, root } = acceptMerges(3, [{ a: 0, b: 1 }, { a: 1, b: 2 }, { a: 0, b: 2 }], new PairSet(3));
  assert.equal(accepted.length, 2);
  assert.deepEqual([...root], [0, 0, 0]);
});

// Snippets of three clusters on 4 channels: two distinct units and a small cluster holding 4 spikes of each.
const L = 30;
const S = 2;
const NC = 4;
const EXT = L + 2 * S;

function template(gains: number[]): Float64Array {
  const t = new Float64Array(L * NC);
  for (let p = 0; p < L; p++) for (let c = 0; c < NC; c++) t[p * NC + c] = -gains[c] * Math.exp(-(((p - 10) / 2) ** 2));
  return t;
}

function snippets(tpls: Float64Array[], rand: () => number): SnippetSet {
  const data = new Float32Array(tpls.length * EXT * NC);
  tpls.forEach((tpl, i) => {
    for (let p = 0; p < EXT; p++) {
      for (let c = 0; c < NC; c++) {
        const q = p - S;
        data[(i * EXT + p) * NC + c] = (q >= 0 && q < L ? tpl[q * NC + c] : 0) + gaussian(rand);
      }
    }
  });
  return { channels: Int32Array.from([0, 1, 2, 3]), data, count: tpls.length };
}

test('findMerges does not let a small mixed cluster bridge two distinct units', () => {
  const rand = seededRandom(5);
  const tA = template([12, 8, 4, 2]);
  const tB = template([9, 11, 6, 3]);
  const sets = [
    snippets(Array(80).fill(tA), rand),
    snippets(Array(80).fill(tB), rand),
    snippets([...Array(4).fill(tA), ...Array(4).fill(tB)], rand),
    // A second fragment of A: merging it with A stays allowed.
    snippets(Array(40).fill(tA), rand),
  ];
  const units = sets.map((set) => ({ snippets: () => set, count: set.count, peakChannel: 0 }));
  const opts = { length: L, maxShift: S, candidateCosine: 0.8, mergeScore: 2, maxSeparation: 4, amplitudeMin: 0.5, amplitudeMax: 2, scaleCosine: 0.95, near: () => true };
  const decisions = findMerges(units, opts);
  const parent = [0, 1, 2, 3];
  const find = (u: number): number => (parent[u] === u ? u : find(parent[u]));
  for (const d of decisions) parent[find(d.b)] = find(d.a);
  assert.notEqual(find(0), find(1), 'the two units were merged');
  assert.equal(find(0), find(3), 'the two fragments of one unit were not merged');
});

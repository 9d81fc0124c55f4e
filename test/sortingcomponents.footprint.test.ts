import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldOutSeparation, recursiveSplit, unitLengthRows } from '../src/sortingcomponents/clustering.js';
import { robustHeldOutSeparation, testPair } from '../src/sortingcomponents/merging.js';
import type { SnippetSet } from '../src/sortingcomponents/snippets.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

test('unitLengthRows scales each selected row to length 1 and leaves an all-zero row zero', () => {
  const x = Float32Array.from([3, 4, 0, 0, 0, 0, 1, 1, 1]);
  const out = unitLengthRows(x, 3, Int32Array.from([2, 0, 1]));
  const s = 1 / Math.sqrt(3);
  [s, s, s, 0.6, 0.8, 0, 0, 0, 0].forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `entry ${i}: ${out[i]} vs ${v}`));
});

test('robustHeldOutSeparation recovers a 5 sd distance, and keeps most of it when each group holds 8 % of the other, where the plain sd does not', () => {
  const k = 4;
  const sample = (contamination: number, seed: number) => {
    const rand = seededRandom(seed);
    const rows: number[] = [];
    const lab: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const group = i < 500 ? 0 : 1;
      // A share of each group's rows drawn from the other group: a cluster's share of its neighbour's spikes.
      const from = rand() < contamination ? 1 - group : group;
      for (let j = 0; j < k; j++) rows.push(gaussian(rand) + (j === 0 && from ? 5 : 0));
      lab.push(group);
    }
    return { y: Float64Array.from(rows), lab: Uint8Array.from(lab) };
  };
  const clean = sample(0, 5);
  const exact = robustHeldOutSeparation(clean.y, k, clean.lab);
  assert.ok(Math.abs(exact - 5) < 0.5, `clean groups: robust separation ${exact.toFixed(2)}, expected 5`);
  const mixed = sample(0.08, 6);
  const robust = robustHeldOutSeparation(mixed.y, k, mixed.lab);
  const plain = heldOutSeparation(mixed.y, k, mixed.lab);
  // Mixture 0.92·N(0,1) + 0.08·N(5,1): median ≈ 0.11, MAD-sd ≈ 1.08 → about 4.4 expected; the plain sd ≈ 1.69 → about 2.5.
  assert.ok(robust > 3.7, `robust separation ${robust.toFixed(2)} with 8 % contamination`);
  assert.ok(plain < 3.2, `plain separation ${plain.toFixed(2)} with 8 % contamination`);
});

/** n rows of amp × footprint + unit noise, with amp uniform in [0.3, 1.3] (a bursting unit's spread). */
function scaledRows(n: number, footprint: number[], rand: () => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const amp = 0.3 + rand();
    for (const f of footprint) out.push(amp * f + gaussian(rand));
  }
  return out;
}

// Two neighbours' footprints over 12 channels: one shape, peaks half a channel apart.
const footA = Array.from({ length: 12 }, (_, j) => 30 * Math.exp(-(((j - 5) / 2.2) ** 2)));
const footB = Array.from({ length: 12 }, (_, j) => 30 * Math.exp(-(((j - 5.5) / 2.2) ** 2)));
const shapeOpts = { minClusterSize: 8, splitScore: 4, maxDepth: 10, splitDims: 8, seedComponents: 3, minSeparation: 4, maxSeparationGroup: 150, minSeparationSide: 16 };

test('a large group of two bursting neighbours is split on amplitude-normalised features; the dip test alone leaves it whole', () => {
  const rand = seededRandom(21);
  const x = Float32Array.from([...scaledRows(450, footA, rand), ...scaledRows(150, footB, rand)]);
  const truth = Int32Array.from({ length: 600 }, (_, i) => (i < 450 ? 0 : 1));
  assert.equal(new Set(recursiveSplit(x, 12, shapeOpts)).size, 1, 'the dip test alone split the group: the case is not one the shape rule is needed for');
  const labels = recursiveSplit(x, 12, { ...shapeOpts, shapeSeparation: 3.5, shapeMinFraction: 0.2 });
  const owners = new Set<number>();
  let impure = 0;
  for (const l of new Set(labels)) {
    const c = [0, 0];
    labels.forEach((v, i) => v === l && c[truth[i]]++);
    impure += Math.min(c[0], c[1]);
    owners.add(c[0] >= c[1] ? 0 : 1);
  }
  assert.equal(owners.size, 2, 'the two units share one cluster');
  assert.ok(impure < 0.05 * 600, `impure assignments: ${impure}`);
});

test('one bursting unit (amplitude 0.3–1.3 of its template) is not split by the shape rule', () => {
  const rand = seededRandom(22);
  const x = Float32Array.from(scaledRows(600, footA, rand));
  assert.equal(new Set(recursiveSplit(x, 12, { ...shapeOpts, shapeSeparation: 3.5, shapeMinFraction: 0.2 })).size, 1);
});

const L = 30;
const S = 2;
const NC = 8;
const EXT = L + 2 * S;

/** Snippets of `tpl` (L × NC), each at its own amplitude uniform in [lo, hi], in unit noise. */
function burstSnippets(tpl: Float64Array, count: number, lo: number, hi: number, rand: () => number): SnippetSet {
  const data = new Float32Array(count * EXT * NC);
  for (let i = 0; i < count; i++) {
    const amp = lo + (hi - lo) * rand();
    for (let p = 0; p < EXT; p++) {
      const q = p - S;
      for (let c = 0; c < NC; c++) data[(i * EXT + p) * NC + c] = (q >= 0 && q < L ? amp * tpl[q * NC + c] : 0) + gaussian(rand);
    }
  }
  return { channels: Int32Array.from({ length: NC }, (_, c) => c), data, count };
}

function template(centre: number): Float64Array {
  const t = new Float64Array(L * NC);
  for (let p = 0; p < L; p++) for (let c = 0; c < NC; c++) t[p * NC + c] = -14 * Math.exp(-(((c - centre) / 1.6) ** 2)) * Math.exp(-(((p - 10) / 2) ** 2));
  return t;
}

const pairOpts = { length: L, maxShift: S, candidateCosine: 0.8, mergeScore: 2, maxSeparation: 4, amplitudeMin: 0.5, amplitudeMax: 2, scaleCosine: 0.95 };
const merges = (d: { score: number; separation: number } | null) => d !== null && d.score < pairOpts.mergeScore && d.separation < pairOpts.maxSeparation;

test('the footprint test keeps a bursting unit and a same-shaped neighbour apart, and still merges the amplitude halves of one unit', () => {
  const rand = seededRandom(41);
  const a = template(3.5);
  const b = template(3.8);
  let neighbourMerged = 0;
  let neighbourMergedWithout = 0;
  let halvesKept = 0;
  for (let trial = 0; trial < 4; trial++) {
    const A = burstSnippets(a, 250, 0.4, 1.2, rand);
    const B = burstSnippets(b, 120, 0.4, 1.2, rand);
    if (merges(testPair(A, B, { ...pairOpts, footprintTest: true }))) neighbourMerged++;
    if (merges(testPair(A, B, pairOpts))) neighbourMergedWithout++;
    // One unit cut along its amplitude spread, as the split tree does with a bursting unit.
    if (!merges(testPair(burstSnippets(a, 200, 0.8, 1.2, rand), burstSnippets(a, 200, 0.4, 0.8, rand), { ...pairOpts, footprintTest: true }))) halvesKept++;
  }
  assert.equal(neighbourMerged, 0, 'a neighbour was merged with the footprint test');
  assert.equal(halvesKept, 0, 'amplitude halves of one unit were kept apart');
  assert.ok(neighbourMergedWithout >= 3, `without the footprint test only ${neighbourMergedWithout}/4 neighbours merged: the case does not exercise it`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussian } from './helpers/random.js';
import { detectPeaks } from '../src/sortingcomponents/detection.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

test('threshold detection with spatio-temporal deduplication recovers inserted spikes once each', () => {
  const nc = 4;
  const ns = 30000;
  const rand = seededRandom(11);
  const data = Float32Array.from({ length: ns * nc }, () => gaussian(rand));
  // A spike: trough of -12 on its channel, -6 on the neighbours, 5-sample wide.
  const shape = [0.2, 0.6, 1, 0.6, 0.2];
  const truth: { t: number; c: number }[] = [];
  for (let t = 100; t < ns - 100; t += 137 + Math.floor(rand() * 60)) {
    const c = Math.floor(rand() * nc);
    truth.push({ t, c });
    shape.forEach((s, k) => {
      for (let j = 0; j < nc; j++) data[(t - 2 + k) * nc + j] -= s * (j === c ? 12 : 6);
    });
  }
  const all = Int32Array.from({ length: nc }, (_, i) => i);
  const peaks = detectPeaks(data, ns, nc, 0, ns, 0, { threshold: 6, exclusionSamples: 9, dedupNeighbours: Array.from({ length: nc }, () => all), polarity: 'negative' });
  let hits = 0;
  for (const s of truth) {
    const found = Array.from(peaks.sample).findIndex((p) => Math.abs(p - s.t) <= 1);
    if (found >= 0 && peaks.channel[found] === s.c) hits++;
  }
  assert.ok(hits / truth.length >= 0.97, `recall ${hits}/${truth.length}`);
  assert.ok(peaks.sample.length <= truth.length * 1.02, `${peaks.sample.length} peaks for ${truth.length} spikes`);
});

test('positive polarity finds positive peaks only', () => {
  const data = new Float32Array(100);
  data[40] = 10;
  data[70] = -10;
  const p = detectPeaks(data, 100, 1, 0, 100, 1000, { threshold: 5, exclusionSamples: 3, dedupNeighbours: [Int32Array.of(0)], polarity: 'positive' });
  assert.deepEqual(Array.from(p.sample), [1040]);
});

// --- noise levels: quickselect medians must equal the sorted-array medians they replace ---
import { estimateNoiseMad, kthSmallest, madSigma } from '../src/sortingcomponents/noise.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';

/** Reference: the median as index n >> 1 of a fully sorted copy (NaN last, as typed-array sort puts it). */
function sortedAt(v: ArrayLike<number>, k: number): number {
  return Float64Array.from(v).sort()[k];
}

function madReference(v: ArrayLike<number>): number {
  const med = sortedAt(v, v.length >> 1);
  return sortedAt(Array.from(v, (x) => Math.abs(x - med)), v.length >> 1) / 0.6744897501960817;
}

test('kthSmallest equals the k-th value of a sorted copy, for ties, sorted runs and NaN', () => {
  const rand = seededRandom(5);
  const cases: number[][] = [
    [3],
    [2, 1],
    Array.from({ length: 101 }, () => Math.floor(rand() * 5)),
    Array.from({ length: 1000 }, (_, i) => i),
    Array.from({ length: 1000 }, (_, i) => -i),
    Array.from({ length: 777 }, () => gaussian(rand)),
    [1, NaN, 0, 5, NaN, -2],
  ];
  for (const v of cases) {
    for (const k of [0, v.length >> 1, v.length - 1]) {
      assert.ok(Object.is(kthSmallest(Float64Array.from(v), k), sortedAt(v, k)), `k=${k} of ${v.slice(0, 8)}...`);
    }
  }
  assert.equal(madSigma([]), 0);
  const g = Array.from({ length: 4001 }, () => 3 * gaussian(rand));
  assert.equal(madSigma(g), madReference(g));
  assert.ok(Math.abs(madSigma(g) - 3) < 0.15, `MAD sigma ${madSigma(g)} for sd 3`);
});

test('estimateNoiseMad gives per-channel sd and the same value as a sort-based reference', () => {
  const nc = 37; // not a multiple of the 16-channel copy groups
  const ns = 20000;
  const rand = seededRandom(9);
  const sd = Array.from({ length: nc }, (_, c) => 1 + c / 4);
  const data = new Float32Array(ns * nc);
  for (let t = 0; t < ns; t++) for (let c = 0; c < nc; c++) data[t * nc + c] = sd[c] * gaussian(rand);
  data.fill(0, 0, nc); // a few spike-like outliers must not matter
  for (let t = 100; t < ns; t += 500) data[t * nc + 3] = -200;
  const rec = InMemoryRecording.fromArray(data, nc, 10000);
  const opts = { numChunks: 5, chunkSamples: 3000, seed: 4 };
  const got = estimateNoiseMad(rec, opts);
  // Reference: same chunk draw, column copies and full sorts.
  const r = seededRandom(4);
  const per: number[][] = Array.from({ length: nc }, () => []);
  for (let k = 0; k < opts.numChunks; k++) {
    const start = (r(), Math.floor(r() * (ns - opts.chunkSamples + 1)));
    for (let c = 0; c < nc; c++) per[c].push(madReference(Array.from({ length: opts.chunkSamples }, (_, t) => data[(start + t) * nc + c])));
  }
  for (let c = 0; c < nc; c++) {
    assert.equal(got[c], Math.fround(sortedAt(per[c], per[c].length >> 1)), `channel ${c}`);
    assert.ok(Math.abs(got[c] / sd[c] - 1) < 0.06, `channel ${c}: ${got[c]} for sd ${sd[c]}`);
  }
});

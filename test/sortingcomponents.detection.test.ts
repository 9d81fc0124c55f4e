import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPeaks } from '../src/sortingcomponents/detection.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

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

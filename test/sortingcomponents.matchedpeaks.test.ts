/**
 * Peak detection on the matched filter from its crossings alone: peaksAmongCrossings against a brute-force
 * reference of the documented rule (written here, over the dense statistic), and detectMatchedPeaks against
 * detectPeaks on the full matchedFilter output, on every kernel backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectMatchedPeaks, detectPeaks, matchedFilter, peaksAmongCrossings, Polarity } from '../src/sortingcomponents/detection.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { kernelBackends } from './helpers/kernels.js';
import { gaussian } from './helpers/random.js';
import { bruteForcePeaks as bruteForce, strength } from './helpers/peaks.js';

const POLARITIES: Polarity[] = ['negative', 'positive', 'both'];

test('peaksAmongCrossings equals the brute-force rule, with ties, self-less neighbour lists and crossings in the margins', () => {
  const nc = 7;
  const ns = 3000;
  const rand = seededRandom(5);
  // Values on a 0.5 grid: exact ties between rows and channels are common.
  const data = Float32Array.from({ length: ns * nc }, () => Math.round((rand() * 2 - 1) ** 3 * 12) / 2);
  const neigh = Array.from({ length: nc }, (_, c) => Int32Array.from([c, c - 1, c + 2, c + 1].filter((k) => k >= 0 && k < nc && (c !== 4 || k !== c))));
  for (const pol of POLARITIES) {
    for (const [thr, ex] of [[3, 4], [4.5, 1], [2, 9]]) {
      const index: number[] = [];
      for (let i = 0; i < data.length; i++) if (strength(data[i], pol) >= thr) index.push(i);
      const idx = Int32Array.from(index);
      const got = peaksAmongCrossings(idx, Float32Array.from(idx, (i) => data[i]), nc, 40, ns - 40, 1000, { threshold: thr, exclusionSamples: ex, dedupNeighbours: neigh, polarity: pol });
      const want = bruteForce(data, ns, nc, 40, ns - 40, thr, ex, neigh, pol);
      assert.deepEqual(Array.from(got.sample, (s, i) => `${s - 1000}:${got.channel[i]}`), want, `${pol}, threshold ${thr}, exclusion ${ex}`);
      assert.ok(want.length > 20, `${pol}: enough peaks to test (${want.length})`);
      for (let i = 0; i < got.sample.length; i++) assert.equal(got.value[i], data[(got.sample[i] - 1000) * nc + got.channel[i]]);
    }
  }
});

test('detectMatchedPeaks finds exactly the peaks of detectPeaks on the full matched-filter output, on every backend', () => {
  const before = getKernels();
  try {
    for (const [name, k] of kernelBackends([undefined, 4096])) {
      setKernels(k);
      const nc = 20;
      const ns = 2500;
      const rand = seededRandom(9);
      const proto = Float32Array.from({ length: 31 }, (_, j) => -Math.exp(-(((j - 15) / 3) ** 2)) + 0.3 * Math.exp(-(((j - 22) / 5) ** 2)));
      const norm = Math.hypot(...proto);
      for (let j = 0; j < proto.length; j++) proto[j] = Math.fround(-proto[j] / norm);
      const data = Float32Array.from({ length: ns * nc }, () => gaussian(rand));
      for (let s = 0; s < 150; s++) {
        const t = Math.floor(rand() * (ns - 40));
        const c = Math.floor(rand() * nc);
        const amp = (rand() < 0.7 ? 1 : -1) * (3 + 6 * rand());
        for (let d = -1; d <= 1; d++) if (c + d >= 0 && c + d < nc) for (let j = 0; j < 31; j++) data[(t + j) * nc + c + d] += (amp * proto[j] * 4) / (1 + 2 * Math.abs(d));
      }
      const scale = Float32Array.from({ length: nc }, (_, c) => (c === 3 ? 0 : 0.7 + 0.02 * c));
      const neigh = Array.from({ length: nc }, (_, c) => Int32Array.from([c, c - 1, c + 1, c - 2, c + 2].filter((q) => q >= 0 && q < nc)));
      const stat = matchedFilter(data, ns, nc, proto, 15, scale);
      for (const pol of POLARITIES) {
        const opts = { threshold: 5, exclusionSamples: 9, dedupNeighbours: neigh, polarity: pol };
        const want = detectPeaks(stat, ns, nc, 100, ns - 100, 500, opts);
        const got = detectMatchedPeaks(data, ns, nc, proto, 15, scale, 100, ns - 100, 500, opts);
        assert.deepEqual(Array.from(got.sample), Array.from(want.sample), `${name}, ${pol}: samples`);
        assert.deepEqual(Array.from(got.channel), Array.from(want.channel), `${name}, ${pol}: channels`);
        assert.deepEqual(Array.from(got.value), Array.from(want.value), `${name}, ${pol}: values`);
        assert.ok(want.sample.length > 30, `${name}, ${pol}: enough peaks to test (${want.sample.length})`);
      }
      // A window shorter than the filter has no scored rows, hence no peaks.
      assert.equal(detectMatchedPeaks(data.subarray(0, 20 * nc), 20, nc, proto, 15, scale, 0, 20, 0, { threshold: 5, exclusionSamples: 9, dedupNeighbours: neigh, polarity: 'both' }).sample.length, 0);
    }
  } finally {
    setKernels(before);
  }
});

test('detectMatchedPeaks refuses a threshold that unscored rows (zeros) would meet', () => {
  const neigh = [Int32Array.from([0])];
  assert.throws(() => detectMatchedPeaks(new Float32Array(100), 100, 1, new Float32Array(5).fill(0.4), 2, new Float32Array(1).fill(1), 0, 100, 0, { threshold: 0, exclusionSamples: 2, dedupNeighbours: neigh, polarity: 'negative' }), /threshold 0 must be positive/);
});

/**
 * correlationCrossings (the matched filter's threshold scan without its full output) must give, on every
 * backend, exactly the crossings and values of that backend's own correlateChannels → scaleChannels →
 * thresholdCrossings. The WASM kernel skips rows whose bound proves they cannot cross, so the inputs hold
 * spikes, values near the threshold, NaN and ±Inf, huge values, zero and negative scales, a zero tap,
 * filters too short for the bound, every polarity, and a resident x.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { kernelBackends } from './helpers/kernels.js';
import { assertSameCrossings, spikeFilter } from './helpers/crossings.js';
import { gaussian, randomArray } from './helpers/random.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

/** The dense composition on the same backend: the definition correlationCrossings must match bit for bit. */
function denseCrossings(k: Kernels, x: Float32Array, nc: number, filter: Float32Array, scale: Float32Array, lo: number, hi: number): { index: Int32Array; value: Float32Array } {
  const nOut = Math.max(0, x.length / nc - filter.length + 1);
  const y = new Float32Array(nOut * nc);
  if (nOut > 0) {
    k.correlateChannels(x, nc, filter, filter.length, y);
    k.scaleChannels(y, nc, scale, y);
  }
  const index = k.thresholdCrossings(y, lo, hi);
  return { index, value: Float32Array.from(index, (i) => y[i]) };
}


/** Unit-variance noise plus filter-shaped spikes of 4–12 sd spread over neighbouring channels. */
function tracesWithSpikes(ns: number, nc: number, filter: Float32Array, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const x = Float32Array.from({ length: ns * nc }, () => gaussian(rand));
  for (let s = 0; s < ns / 20; s++) {
    const t = Math.floor(rand() * (ns - filter.length));
    const c = Math.floor(rand() * nc);
    const amp = (rand() < 0.5 ? -1 : 1) * (4 + 8 * rand());
    for (let d = -2; d <= 2; d++) {
      if (c + d < 0 || c + d >= nc) continue;
      for (let j = 0; j < filter.length; j++) x[(t + j) * nc + c + d] += (amp * filter[j] * 3) / (1 + Math.abs(d));
    }
  }
  return x;
}

const BOUNDS: Array<[string, number, number]> = [
  ['negative', -5, NaN],
  ['positive', NaN, 5],
  ['both', -4.5, 4.5],
  ['asymmetric', -6, 3],
  ['none', NaN, NaN],
];

test('correlationCrossings equals correlate → scale → thresholdCrossings bit for bit on every backend', () => {
  for (const [name, k] of kernelBackends([undefined, 4096])) {
    for (const nc of [13, 64]) {
      for (const taps of [31, 5]) {
        const filter = spikeFilter(taps);
        if (taps === 31) filter[3] = 0;
        const x = tracesWithSpikes(700, nc, filter, 7 + nc + taps);
        const scale = Float32Array.from(randomArray(nc, 3 + nc), (v) => 0.8 + 0.3 * v);
        scale[1] = 0;
        scale[nc - 2] = -scale[nc - 2];
        for (const [pol, lo, hi] of BOUNDS) {
          const what = `${name}, ${nc} channels, ${taps} taps, ${pol}`;
          const got = k.correlationCrossings(x, nc, filter, scale, lo, hi);
          assertSameCrossings(got, denseCrossings(k, x, nc, filter, scale, lo, hi), what);
          if (pol !== 'none') assert.ok(got.index.length > 50, `${what}: the spikes cross (${got.index.length})`);
        }
      }
    }
  }
});

test('correlationCrossings equals the dense kernels at low thresholds, where the pruned kernel evaluates many rows exactly', () => {
  for (const [name, k] of kernelBackends([undefined])) {
    const nc = 50;
    const filter = spikeFilter(31);
    const x = tracesWithSpikes(900, nc, filter, 23);
    const scale = Float32Array.from(randomArray(nc, 29), (v) => 0.9 + 0.2 * v);
    for (const [lo, hi] of [[-2.5, NaN], [-3.5, 3.5], [NaN, 3]]) {
      const got = k.correlationCrossings(x, nc, filter, scale, lo, hi);
      assertSameCrossings(got, denseCrossings(k, x, nc, filter, scale, lo, hi), `${name}, bounds ${lo} ${hi}`);
      assert.ok(got.index.length > 500, `${name}, bounds ${lo} ${hi}: many crossings (${got.index.length})`);
    }
  }
});

test('correlationCrossings handles NaN, ±Inf, huge values and outputs just below and above the threshold', () => {
  for (const [name, k] of kernelBackends([undefined, 4096])) {
    const nc = 16;
    const filter = spikeFilter(31);
    const x = tracesWithSpikes(400, nc, filter, 11);
    x[50 * nc + 3] = NaN;
    x[120 * nc + 5] = Infinity;
    x[121 * nc + 5] = -Infinity;
    x[200 * nc + 7] = 1e30; // its window's energy overflows float32
    x[260 * nc + 9] = 3e18;
    const scale = new Float32Array(nc).fill(1);
    // Rows scaled so that one output sits exactly on the threshold: equality counts as a crossing.
    const dense = denseCrossings(k, x, nc, filter, scale, NaN, NaN);
    assert.equal(dense.index.length, 0);
    const y = new Float32Array((400 - 31 + 1) * nc);
    k.correlateChannels(x, nc, filter, 31, y);
    const at = 300 * nc + 11;
    const thr = Math.abs(y[at]);
    for (const [lo, hi] of [[-thr, NaN], [NaN, thr], [-thr, thr], [-Math.fround(thr * 1.0000001), NaN]] as Array<[number, number]>) {
      assertSameCrossings(k.correlationCrossings(x, nc, filter, scale, lo, hi), denseCrossings(k, x, nc, filter, scale, lo, hi), `${name}, special values, bounds ${lo} ${hi}`);
    }
  }
});

test('correlationCrossings reads a resident x in place with the same results', () => {
  for (const [name, k] of kernelBackends([undefined, 4096])) {
    if (!k.residentFloat32) continue;
    const nc = 24;
    const filter = spikeFilter(31);
    const x = tracesWithSpikes(900, nc, filter, 5);
    const scale = new Float32Array(nc).fill(0.97);
    const resident = k.residentFloat32(0x7465, x.length);
    resident.set(x);
    assertSameCrossings(k.correlationCrossings(resident, nc, filter, scale, -5, NaN), k.correlationCrossings(x, nc, filter, scale, -5, NaN), `${name}, resident x`);
  }
});

test('correlationCrossings rejects bad arguments with the reason', () => {
  for (const [name, k] of kernelBackends()) {
    assert.throws(() => k.correlationCrossings(new Float32Array(10), 3, new Float32Array(3), new Float32Array(3), -1, 1), /not a multiple of 3 channels/, name);
    assert.throws(() => k.correlationCrossings(new Float32Array(12), 3, new Float32Array(0), new Float32Array(3), -1, 1), /filter is empty/, name);
    assert.throws(() => k.correlationCrossings(new Float32Array(12), 3, new Float32Array(2), new Float32Array(2), -1, 1), /2 scale factors for 3 channels/, name);
    assert.equal(k.correlationCrossings(new Float32Array(6), 3, new Float32Array(5), new Float32Array(3), -1, 1).index.length, 0, `${name}: shorter than the filter`);
  }
});

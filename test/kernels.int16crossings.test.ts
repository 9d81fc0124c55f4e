/**
 * int16CorrelationCrossings (the matched filter's crossings read straight from int16 steps) must give, on
 * every backend, exactly what that backend's normalizeInt16 followed by its correlationCrossings give: the
 * WASM kernel normalises a sliding window of rows instead of the whole block, so the inputs span several
 * windows, end mid-window, are shorter than one, hold extreme steps, and come both copied and resident.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { kernelBackends } from './helpers/kernels.js';
import { assertSameCrossings, spikeFilter } from './helpers/crossings.js';
import { gaussian, randomArray } from './helpers/random.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

/** The composition the kernel stands for, on the same backend. */
function composed(k: Kernels, q: Int16Array, nc: number, gain: Float64Array, norm: Float32Array, filter: Float32Array, scale: Float32Array, lo: number, hi: number) {
  const x = new Float32Array(q.length);
  k.normalizeInt16(q, nc, gain, norm, x);
  return k.correlationCrossings(x, nc, filter, scale, lo, hi);
}


/** Steps of unit-sd noise (64 steps per sd, as the trace cache) with filter-shaped spikes of 4–12 sd, clipped to int16. */
function stepsWithSpikes(ns: number, nc: number, filter: Float32Array, seed: number): Int16Array {
  const rand = seededRandom(seed);
  const x = Float64Array.from({ length: ns * nc }, () => gaussian(rand));
  for (let s = 0; s < ns / 20; s++) {
    const t = Math.floor(rand() * (ns - filter.length));
    const c = Math.floor(rand() * nc);
    const amp = (rand() < 0.5 ? -1 : 1) * (4 + 8 * rand());
    for (let j = 0; j < filter.length; j++) x[(t + j) * nc + c] += amp * filter[j] * 3;
  }
  return Int16Array.from(x, (v) => Math.max(-32767, Math.min(32767, Math.round(v * 64))));
}

const BOUNDS: Array<[string, number, number]> = [
  ['negative', -5, NaN],
  ['positive', NaN, 5],
  ['both', -4.5, 4.5],
  ['asymmetric', -6, 3],
  ['none', NaN, NaN],
];

test('int16CorrelationCrossings equals normalizeInt16 → correlationCrossings bit for bit on every backend', () => {
  for (const [name, k] of kernelBackends()) {
    for (const nc of [13, 64]) {
      for (const taps of [31, 5]) {
        const filter = spikeFilter(taps);
        // 700 rows: several of the WASM kernel's windows (160 output rows each) and a partial last one.
        const q = stepsWithSpikes(700, nc, filter, 5 + nc + taps);
        q[10 * nc + 2] = 32767;
        q[11 * nc + 2] = -32768;
        const gain = Float64Array.from(randomArray(nc, 7 + nc), (v) => (0.5 + Math.abs(v)) / 64);
        const norm = Float32Array.from(randomArray(nc, 11 + nc), (v) => 0.7 + 0.4 * Math.abs(v));
        norm[1] = 0;
        const scale = Float32Array.from(randomArray(nc, 3 + nc), (v) => 0.8 + 0.3 * Math.abs(v));
        for (const [pol, lo, hi] of BOUNDS) {
          const what = `${name}, ${nc} channels, ${taps} taps, ${pol}`;
          const got = k.int16CorrelationCrossings(q, nc, gain, norm, filter, scale, lo, hi);
          assertSameCrossings(got, composed(k, q, nc, gain, norm, filter, scale, lo, hi), what);
          if (pol !== 'none') assert.ok(got.index.length > 10, `${what}: the spikes cross (${got.index.length})`);
        }
      }
    }
  }
});

test('int16CorrelationCrossings handles blocks shorter than the filter, exactly one window, and window boundaries', () => {
  const nc = 8;
  const filter = spikeFilter(31);
  const gain = new Float64Array(nc).fill(1 / 64);
  const norm = new Float32Array(nc).fill(1);
  const scale = new Float32Array(nc).fill(1);
  for (const [name, k] of kernelBackends()) {
    for (const rows of [0, 10, 30, 31, 32, 190, 191, 350, 351]) {
      const q = stepsWithSpikes(Math.max(rows, 40), nc, filter, rows + 1).subarray(0, rows * nc);
      const got = k.int16CorrelationCrossings(q, nc, gain, norm, filter, scale, -3, 3);
      assertSameCrossings(got, composed(k, q, nc, gain, norm, filter, scale, -3, 3), `${name}, ${rows} rows`);
    }
    assert.throws(() => k.int16CorrelationCrossings(new Int16Array(10), 3, gain, norm, filter, scale, -3, 3), /not a multiple of 3 channels/);
    assert.throws(() => k.int16CorrelationCrossings(new Int16Array(16), 8, gain.subarray(0, 4), norm, filter, scale, -3, 3), /4 gains for 8 channels/);
  }
});

test('int16CorrelationCrossings reads resident steps in place with the same results', () => {
  for (const [name, k] of kernelBackends()) {
    if (!k.residentFloat32) continue;
    const nc = 20;
    const filter = spikeFilter(31);
    const q = stepsWithSpikes(600, nc, filter, 41);
    const gain = new Float64Array(nc).fill(0.0123);
    const norm = new Float32Array(nc).fill(1.25);
    const scale = new Float32Array(nc).fill(1);
    const want = composed(k, q, nc, gain, norm, filter, scale, -4, NaN);
    const resident = k.residentFloat32(0x7166, q.length / 2);
    const steps = new Int16Array(resident.buffer, resident.byteOffset, q.length);
    steps.set(q);
    assertSameCrossings(k.int16CorrelationCrossings(steps, nc, gain, norm, filter, scale, -4, NaN), want, `${name}, resident`);
    assert.ok(want.index.length > 20);
  }
});

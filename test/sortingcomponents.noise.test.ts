import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateNoiseMad, Int16MadHistogram, kthSmallest, madSigmaInPlace } from '../src/sortingcomponents/noise.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { gaussian } from './helpers/random.js';

/** Reference MAD: medians at index n >> 1 of fully sorted copies. */
function madReference(v: ArrayLike<number>): number {
  const sorted = (a: ArrayLike<number>) => Float64Array.from(a).sort();
  const k = v.length >> 1;
  const med = sorted(v)[k];
  return sorted(Array.from(v, (x) => Math.abs(x - med)))[k];
}

/** int16 test block: ordinary noise, a spiky channel, and channels whose median or MAD lies beyond the histogram. */
function int16Block(ns: number, nc: number, seed: number): Int16Array {
  const rand = seededRandom(seed);
  const out = new Int16Array(ns * nc);
  for (let t = 0; t < ns; t++) {
    for (let c = 0; c < nc; c++) {
      let v = 64 * (1 + c / 8) * gaussian(rand);
      if (c === 1) v += 20000; // median far past the histogram
      if (c === 2) v *= 120; // MAD (~5000 steps) wider than the histogram
      if (c === 3 && t % 97 === 0) v = -32767; // saturated spikes
      if (c === 4) v = Math.floor(rand() * 3); // few distinct values: ties at the median
      out[t * nc + c] = Math.max(-32767, Math.min(32767, Math.round(v)));
    }
  }
  return out;
}

test('Int16MadHistogram gives the exact MAD of each channel, inside and beyond its histogram', () => {
  for (const ns of [1, 2, 1001, 4000]) {
    const nc = 7;
    const raw = int16Block(ns, nc, 3 + ns);
    const got = new Int16MadHistogram(nc).madSteps(raw, ns);
    for (let c = 0; c < nc; c++) {
      const col = Array.from({ length: ns }, (_, t) => raw[t * nc + c]);
      assert.equal(got[c], madReference(col), `ns ${ns}, channel ${c}`);
    }
  }
});

test('estimateNoiseMad on int16 recordings equals the float path on the same µV values (to float32 rounding)', () => {
  const nc = 7;
  const ns = 30000;
  const raw = int16Block(ns, nc, 11);
  const gains = Array.from({ length: nc }, (_, c) => 0.195 * (1 + c / 10) * (c === 5 ? -1 : 1));
  const int16 = InMemoryRecording.fromArray(raw, nc, 10000, { gains, offsets: new Array(nc).fill(0) });
  const uv = int16.getTraces({ scaled: true }) as Float32Array;
  const float = InMemoryRecording.fromArray(uv, nc, 10000);
  const opts = { numChunks: 5, chunkSamples: 2500, seed: 7 };
  const got = estimateNoiseMad(int16, opts);
  const want = estimateNoiseMad(float, opts);
  for (let c = 0; c < nc; c++) {
    // The float path works on float32 µV: each value carries up to half an ulp of the channel's
    // magnitude (large on channel 1, whose median is 20000 steps), which the MAD inherits twice.
    const col = Float64Array.from({ length: ns }, (_, t) => Math.abs(uv[t * nc + c])).sort();
    const tol = 1e-6 * want[c] + (2 * 2 ** -24 * col[ns >> 1] * 2) / 0.6744897501960817;
    assert.ok(Math.abs(got[c] - want[c]) <= tol, `channel ${c}: int16 path ${got[c]}, float path ${want[c]}, tolerance ${tol}`);
  }
  // And against sd: channel 0 is Gaussian with sd 64 steps.
  assert.ok(Math.abs(got[0] / (64 * gains[0]) - 1) < 0.06, `channel 0: ${got[0]}`);
});

test('kthSmallest on large arrays (bracketed selection) equals a sorted copy, on easy and adversarial inputs', () => {
  const rand = seededRandom(11);
  const n = 40000;
  const inputs: Array<[string, Float64Array]> = [
    ['gaussian', Float64Array.from({ length: n }, () => gaussian(rand))],
    ['few levels (ties)', Float64Array.from({ length: n }, () => Math.floor(rand() * 3) - 1)],
    // The strided sample sees only zeros; the array is mostly large values: the bracket misses, the fallback selects.
    ['sample-blind', sampleBlind(n)],
    ['sorted descending, ±Infinity', Float64Array.from({ length: n }, (_, i) => (i === 0 ? Infinity : i === 1 ? -Infinity : n - i))],
  ];
  for (const [name, v] of inputs) {
    const sorted = Float64Array.from(v).sort();
    for (const k of [0, 1, n >> 2, n >> 1, n - 2, n - 1]) {
      assert.equal(kthSmallest(Float64Array.from(v), k), sorted[k], `${name}: k = ${k}`);
    }
    assert.equal(madSigmaInPlace(Float64Array.from(v)), madReference(v) / 0.6744897501960817, `${name}: MAD`);
  }
});

/** Zeros exactly where a 4096-value strided sample looks, large distinct values elsewhere. */
function sampleBlind(n: number): Float64Array {
  const v = Float64Array.from({ length: n }, (_, i) => 1000 + i);
  for (let j = 0; j < 4096; j++) v[Math.floor((j * n) / 4096)] = 0;
  return v;
}

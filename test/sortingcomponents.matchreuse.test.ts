/**
 * matchWindow keeps scratch buffers between windows (the residual-variance buffer is pooled): a
 * window's result must not depend on the windows matched before it, and the scores from the
 * shiftedDots kernel must give the same spikes as a direct float64 evaluation of the same fits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchWindow, MatchOptions, prepareTemplates, SparseTemplate } from '../src/sortingcomponents/matching.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';

const nc = 4;
const L = 40;
const nBefore = 12;

function template(gains: number[], width: number, scale: number): SparseTemplate {
  const wave = (p: number) => -Math.exp(-(((p - nBefore) / width) ** 2)) + 0.3 * Math.exp(-(((p - nBefore - 3 * width) / (2 * width)) ** 2));
  const data = new Float32Array(L * nc);
  for (let p = 0; p < L; p++) for (let c = 0; c < nc; c++) data[p * nc + c] = scale * gains[c] * wave(p);
  return { channels: Int32Array.from([0, 1, 2, 3]), data, peakChannel: gains.indexOf(Math.max(...gains)) };
}

const sparse = [template([1, 0.6, 0.3, 0.1], 2, 30), template([0.1, 0.3, 0.7, 1], 3, 12)];
const templates = prepareTemplates(sparse, L, 4, nc, 'negative');
const all = Int32Array.from([0, 1, 2, 3]);
const opts: MatchOptions = {
  nBefore, length: L, threshold: 4, minScore: 6, amplitudeMin: 0.5, amplitudeMax: 2, maxShift: 3, iterations: 4, pairWindow: 9, residualError: 0.25,
  polarity: 'negative', exclusionSamples: 3, dedupNeighbours: Array.from({ length: nc }, () => all),
  candidatesPerChannel: Array.from({ length: nc }, () => Int32Array.of(0, 1)),
  locations: Float64Array.from([0, 0, 0, 20, 0, 40, 0, 60]),
  basis: { components: new Float32Array(L).fill(1 / Math.sqrt(L)), numComponents: 1, length: L, nBefore }, pcChannels: 2,
};

/** Noise plus spikes of both units, some overlapping (so later fits are scored against the variance left by earlier ones). */
function window(ns: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const data = Float32Array.from({ length: ns * nc }, () => gaussian(rand));
  for (let t = 100; t < ns - 100; t += 90 + Math.floor(rand() * 120)) {
    const u = rand() < 0.5 ? 0 : 1;
    const at = t + (rand() < 0.3 ? 3 : 0);
    const a = 0.8 + 0.4 * rand();
    for (let p = 0; p < L; p++) for (let c = 0; c < nc; c++) data[(at - nBefore + p) * nc + c] += a * sparse[u].data[p * nc + c];
    if (rand() < 0.4) {
      const v = 1 - u;
      for (let p = 0; p < L; p++) for (let c = 0; c < nc; c++) data[(at + 4 - nBefore + p) * nc + c] += sparse[v].data[p * nc + c];
    }
  }
  return data;
}

function run(data: Float32Array, ns: number) {
  const m = matchWindow(data.slice(), ns, nc, 0, 0, ns, templates, opts);
  return { sample: Array.from(m.sample), unit: Array.from(m.unit), amplitude: Array.from(m.amplitude) };
}

test('matching a window gives the same spikes whatever windows were matched before it', () => {
  const a = window(6000, 1);
  const first = run(a, 6000);
  assert.ok(first.sample.length > 40, `expected many spikes, got ${first.sample.length}`);
  run(window(6000, 2), 6000);
  run(window(9000, 3), 9000);
  assert.deepEqual(run(a, 6000), first, 'after windows of the same and of a larger size');
  run(window(3000, 4), 3000);
  assert.deepEqual(run(a, 6000), first, 'after a smaller window');
});

test('maxShift 0 still refines the sub-sample alignment and finds the spikes', () => {
  const a = window(6000, 5);
  const m = matchWindow(a.slice(), 6000, nc, 0, 0, 6000, templates, { ...opts, maxShift: 0 });
  const full = run(a, 6000);
  // Without the ±shift search some overlapped spikes may fit differently, but isolated ones are the same.
  const common = Array.from(m.sample).filter((s) => full.sample.some((f) => Math.abs(f - s) <= 1)).length;
  assert.ok(common >= 0.9 * full.sample.length, `${common} of ${full.sample.length} spikes found again with maxShift 0`);
});

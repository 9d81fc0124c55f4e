/**
 * The matching pass keeps the residual window and the templates in the kernels' own memory (WASM) for a
 * chunk. That must not change a single bit: matchChunkTask with resident buffers is compared with
 * matchWindow on ordinary arrays under the same kernels, and readNormalized with a buffer-returning `into`
 * with a plain read. Overlapping spikes make every kernel path (coarse fits, refinement, pair test) run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { matchWindow, MatchOptions, placeTemplates, prepareTemplates, SparseTemplate, templateFloats } from '../src/sortingcomponents/matching.js';
import { matchChunkTask, matchMargin } from '../src/sortingcomponents/matchpass.js';
import { readNormalized } from '../src/sortingcomponents/traces.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

const nc = 6;
const L = 40;
const nBefore = 12;
const ns = 8000;

function template(gains: number[], width: number, scale: number): SparseTemplate {
  const wave = (p: number) => -Math.exp(-(((p - nBefore) / width) ** 2)) + 0.3 * Math.exp(-(((p - nBefore - 3 * width) / (2 * width)) ** 2));
  const channels = Int32Array.from(gains.keys()).filter((c) => gains[c] > 0);
  const data = new Float32Array(L * channels.length);
  for (let p = 0; p < L; p++) channels.forEach((c, q) => (data[p * channels.length + q] = scale * gains[c] * wave(p)));
  return { channels, data, peakChannel: gains.indexOf(Math.max(...gains)) };
}

const sparse = [template([1, 0.6, 0.3, 0.1, 0, 0], 2, 30), template([0, 0.1, 0.3, 0.7, 1, 0.4], 3, 12), template([0, 0, 0.2, 0.5, 0.8, 1], 2.5, 20)];
const templates = prepareTemplates(sparse, L, 4, nc, 'negative');
const near = Array.from({ length: nc }, (_, c) => Int32Array.from([c - 1, c, c + 1].filter((d) => d >= 0 && d < nc)));
const cand: number[][] = Array.from({ length: nc }, () => []);
templates.forEach((t, u) => t.channels.forEach((c) => cand[c].push(u)));
const opts: MatchOptions = {
  nBefore, length: L, threshold: 4, minScore: 6, amplitudeMin: 0.5, amplitudeMax: 2, maxShift: 3, iterations: 4, pairWindow: 9, residualError: 0.25,
  polarity: 'negative', exclusionSamples: 3, dedupNeighbours: near,
  candidatesPerChannel: cand.map((u) => Int32Array.from(u)),
  locations: Float64Array.from({ length: 2 * nc }, (_, i) => (i % 2) * 20 * Math.floor(i / 2)),
  basis: { components: new Float32Array(L).fill(1 / Math.sqrt(L)), numComponents: 1, length: L, nBefore }, pcChannels: 2,
};

/** int16 noise plus overlapping spikes of the three units (µV = steps × 0.5, scale 1/4: noise sd 1). */
function recording(): InMemoryRecording {
  const rand = seededRandom(7);
  const uv = Float64Array.from({ length: ns * nc }, () => 4 * gaussian(rand));
  for (let t = 100; t < ns - 100; t += 60 + Math.floor(rand() * 100)) {
    for (const [u, dt] of [[Math.floor(rand() * 3), 0], [Math.floor(rand() * 3), 3 + Math.floor(rand() * 8)]]) {
      if (dt > 0 && rand() < 0.5) continue;
      const s = sparse[u];
      const a = 4 * (0.8 + 0.4 * rand());
      for (let p = 0; p < L; p++) s.channels.forEach((c, q) => (uv[(t + dt - nBefore + p) * nc + c] += a * s.data[p * s.channels.length + q]));
    }
  }
  const q = Int16Array.from(uv, (v) => Math.round(v / 0.5));
  return new InMemoryRecording([q], { samplingFrequency: 30000, channelIds: Array.from({ length: nc }, (_, c) => `ch${c}`), gains: new Array(nc).fill(0.5), offsets: new Array(nc).fill(0) });
}

test('matchChunkTask with resident buffers gives matchWindow on ordinary arrays bit for bit, chunk after chunk', () => {
  const backends = kernelBackends().filter(([, k]) => k.residentFloat32);
  // Only WASM has resident buffers; `npm test` builds it, so its absence is a failure, not a skip.
  assert.ok(backends.length > 0, 'no kernel backend with resident buffers: build the WASM module (node scripts/build-wasm.mjs <tsc outDir>)');
  const rec = recording();
  const scale = new Float32Array(nc).fill(0.25);
  const margin = matchMargin(opts);
  const previous = getKernels();
  try {
    for (const [name, k] of backends) {
      setKernels(k);
      let spikes = 0;
      for (const [start, end] of [[0, 3000], [3000, 6000], [6000, ns], [0, 3000]]) {
        const got = matchChunkTask(rec, { segment: 0, start, end, index: 0 }, { scale, templates, opts }).m;
        const win = readNormalized({ recording: rec, scale }, 0, start, end, margin);
        const want = matchWindow(win.data, win.numSamples, nc, win.firstSample, margin, margin + end - start, templates, opts);
        for (const key of ['sample', 'unit', 'amplitude', 'x', 'y', 'pcFeatures'] as const) {
          assert.deepEqual(Array.from(got[key]), Array.from(want[key]), `${name} chunk [${start}, ${end}) ${key}`);
        }
        spikes += want.sample.length;
      }
      assert.ok(spikes > 100, `${name}: the test needs spikes (${spikes})`);
    }
  } finally {
    setKernels(previous);
  }
});

test('readNormalized with a buffer-returning into equals a plain read; placeTemplates copies every shifted copy', () => {
  const rec = recording();
  const scale = new Float32Array(nc).fill(0.25);
  const plain = readNormalized({ recording: rec, scale }, 0, 10, 500, 30);
  let asked = -1;
  const buffer = new Float32Array(plain.data.length + 10).fill(7);
  const viaFn = readNormalized({ recording: rec, scale }, 0, 10, 500, 30, (n) => ((asked = n), buffer));
  assert.equal(asked, plain.data.length);
  assert.deepEqual(Array.from(viaFn.data), Array.from(plain.data));
  const store = new Float32Array(templateFloats(templates));
  const placed = placeTemplates(templates, (n) => (assert.equal(n, store.length), store));
  placed.forEach((t, u) => {
    assert.equal(t.data, t.shifted[0]);
    t.shifted.forEach((w, f) => {
      assert.equal(w.buffer, store.buffer);
      assert.deepEqual(Array.from(w), Array.from(templates[u].shifted[f]));
    });
  });
});

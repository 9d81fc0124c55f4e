import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/paths.js';
import { readNpy } from '../src/io/npy.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { recordingFromSpec } from '../src/core/spec.js';
import type { Recording } from '../src/core/recording.js';
import { commonReference } from '../src/preprocessing/common_reference.js';
import { computeWhiteningMatrix, whiten } from '../src/preprocessing/whiten.js';
import { noiseLevels, zscore, scaleToUv, astype } from '../src/preprocessing/scale.js';
import { detectBadChannels, removeBadChannels, highFrequencyPower } from '../src/preprocessing/bad_channels.js';

const dir = path.join(repoRoot(), 'test', 'fixtures', 'preprocessing');
const load = (name: string) => readNpy(path.join(dir, name)).data as Float32Array;
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
const NC = 6;
const FS = 30000;
const raw = load('traces.npy');
const hp = load('highpass_filtfilt.npy');
const NT = raw.length / NC;
// Two columns of three contacts, 20 µm apart.
const locations = Array.from({ length: NC }, (_, c) => [(c % 2) * 20, Math.floor(c / 2) * 20]).flat();
const rec = (d: Float32Array) => InMemoryRecording.fromArray(d, NC, FS, { properties: new Map([['location', Float64Array.from(locations)]]) });
const WHOLE = { numChunks: 1, chunkSize: NT };

function chunkedEqualsWhole(r: Recording, tol = 0): void {
  const whole = r.getTraces({ scaled: true }) as Float32Array;
  for (let s = 0; s < NT; s += 10000) {
    const part = r.getTraces({ start: s, end: Math.min(NT, s + 10000), scaled: true });
    part.forEach((v, i) => assert.ok(Math.abs(v - whole[s * NC + i]) <= tol, `chunk at ${s}, value ${i}`));
  }
}

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

test('global median reference equals numpy median across channels; average and local variants by direct computation', () => {
  const cmr = commonReference(rec(raw)).getTraces({ start: 0, end: 50 }) as Float32Array;
  for (let t = 0; t < 50; t++) {
    for (let c = 0; c < NC; c++) assert.ok(Math.abs(cmr[t * NC + c] - (raw[t * NC + c] - ref.medianReference[t])) <= 1e-4, `t${t} c${c}`);
  }
  const car = commonReference(rec(raw), { operator: 'average' }).getTraces({ start: 100, end: 200 }) as Float32Array;
  // Local: annulus (15, 25] µm around channel 0 at (0,0) holds channels 1 (20,0) and 2 (0,20).
  const local = commonReference(rec(raw), { reference: 'local', localRadiusUm: [15, 25] }).getTraces({ start: 100, end: 200, channels: [0] }) as Float32Array;
  for (let t = 0; t < 100; t++) {
    const row = Array.from(raw.subarray((100 + t) * NC, (101 + t) * NC), Number);
    const mean = row.reduce((a, b) => a + b, 0) / NC;
    for (let c = 0; c < NC; c++) assert.ok(Math.abs(car[t * NC + c] - (row[c] - mean)) <= 1e-3);
    assert.ok(Math.abs(local[t] - (row[0] - (row[1] + row[2]) / 2)) <= 1e-3);
  }
  chunkedEqualsWhole(commonReference(rec(raw)));
  chunkedEqualsWhole(commonReference(rec(raw), { reference: 'local', localRadiusUm: [0, 30] }));
  assert.throws(() => commonReference(rec(raw), { reference: 'local', localRadiusUm: [1, 5] }), /channel '0' has no neighbour between 1 and 5 µm/);
});

test('noise levels equal numpy MAD/0.6745 (rel. 1e-5); zscore gives unit robust spread', () => {
  const nl = noiseLevels(rec(hp), WHOLE);
  nl.forEach((v, c) => assert.ok(Math.abs(v - ref.noiseLevels[c]) <= 1e-5 * ref.noiseLevels[c], `channel ${c}: ${v} vs ${ref.noiseLevels[c]}`));
  const z = zscore(rec(hp), WHOLE);
  noiseLevels(z, WHOLE).forEach((v) => assert.ok(Math.abs(v - 1) < 1e-4, `zscored noise ${v}`));
  chunkedEqualsWhole(z);
  // Random chunks are a sample: the estimate stays close to the whole-data value.
  noiseLevels(rec(hp), { numChunks: 5, chunkSize: 2000, seed: 3 }).forEach((v, c) => assert.ok(Math.abs(v / ref.noiseLevels[c] - 1) < 0.1));
});

test('global whitening matrix equals numpy eigh ZCA (rel. 1e-4); whitened covariance is the identity', () => {
  const W = computeWhiteningMatrix(rec(hp), WHOLE);
  const scale = Math.max(...ref.whitening.map(Math.abs));
  W.forEach((v, i) => assert.ok(Math.abs(v - ref.whitening[i]) <= 1e-4 * scale, `W[${i}] ${v} vs ${ref.whitening[i]}`));
  const w = whiten(rec(hp), { matrix: W });
  const y = w.getTraces() as Float32Array;
  for (let i = 0; i < NC; i++) for (let j = 0; j < NC; j++) {
    let s = 0;
    for (let t = 0; t < NT; t++) s += y[t * NC + i] * y[t * NC + j];
    assert.ok(Math.abs(s / NT - (i === j ? 1 : 0)) < 2e-3, `cov(${i},${j}) = ${s / NT}`);
  }
  chunkedEqualsWhole(w);
});

test('local whitening: a radius covering the probe equals global; a small radius is sparse and decorrelates neighbours', async () => {
  const g = computeWhiteningMatrix(rec(hp), WHOLE);
  const big = computeWhiteningMatrix(rec(hp), { ...WHOLE, mode: 'local', radiusUm: 1000 });
  big.forEach((v, i) => assert.ok(Math.abs(v - g[i]) <= 1e-6 * Math.abs(g[i]) + 1e-9));
  const small = computeWhiteningMatrix(rec(hp), { ...WHOLE, mode: 'local', radiusUm: 21, excludeSpikes: true });
  // Channels 0 (0,0) and 5 (20,40) are 44.7 µm apart: no weight between them.
  assert.equal(small[0 * NC + 5], 0);
  assert.equal(small[5 * NC + 0], 0);
  const w = whiten(rec(hp), { matrix: small });
  chunkedEqualsWhole(w, 1e-5);
  const rebuilt = await recordingFromSpec(w.toSpec()!);
  assert.deepEqual(rebuilt.getTraces({ start: 500, end: 900 }), w.getTraces({ start: 500, end: 900 }));
});

test('high-frequency Welch power equals scipy.signal.welch (rel. 1e-4)', () => {
  const p = highFrequencyPower(hp, NC, FS, 9, FS / 2 * 0.8);
  p.forEach((v, c) => assert.ok(Math.abs(v - ref.psdHighFreq[c]) <= 1e-4 * ref.psdHighFreq[c], `channel ${c}: ${v} vs ${ref.psdHighFreq[c]}`));
});

test('coherence+psd finds a dead, a noisy and outside-the-brain channels on a synthetic 32-channel probe', () => {
  const nc = 32;
  const nt = 30000;
  const g = gaussian(42);
  const data = new Float32Array(nt * nc);
  for (let t = 0; t < nt; t++) {
    // White noise: at 30 kHz, σ² = 29 µV² gives 0.002 µV²/Hz, below the 0.02 high-frequency limit.
    const shared = 5 * g();
    for (let c = 0; c < nc; c++) {
      let v = shared + 2 * g();
      if (c === 5) v = 0.01 * g(); // dead: no shared signal
      if (c === 20) v = shared + 400 * g(); // noisy: broadband, strong above 12 kHz
      if (c >= 29) v = 0.2 * shared + 2 * g(); // top channels outside the brain: weakly coherent
      data[t * nc + c] = v;
    }
  }
  const probeRec = InMemoryRecording.fromArray(data, nc, FS, { properties: new Map([['location', Float64Array.from({ length: 2 * nc }, (_, i) => (i % 2 ? 20 * (i >> 1) : 0))]]) });
  const res = detectBadChannels(probeRec, { numChunks: 8, seed: 1 });
  assert.equal(res.method, 'coherence+psd');
  const want = Array.from({ length: nc }, (_, c) => (c === 5 ? 'dead' : c === 20 ? 'noisy' : c >= 29 ? 'out' : 'good'));
  assert.deepEqual(res.labels, want);
  assert.equal(res.scores.xcorNeighbors.length, nc);
  const { recording } = removeBadChannels(probeRec, { numChunks: 8, seed: 1 });
  assert.equal(recording.numChannels, nc - 5);
});

test('mad method on a tetrode flags a noisy and a dead channel; removing everything is refused', () => {
  const g = gaussian(7);
  const nt = 20000;
  const data = new Float32Array(nt * 4);
  for (let t = 0; t < nt; t++) {
    data[t * 4] = 10 * g();
    data[t * 4 + 1] = 10 * g();
    data[t * 4 + 2] = 100 * g();
    data[t * 4 + 3] = 0.1 * g();
  }
  const tet = InMemoryRecording.fromArray(data, 4, FS);
  const res = detectBadChannels(tet, { numChunks: 10, highpass: false });
  assert.equal(res.method, 'mad');
  assert.deepEqual(res.labels, ['good', 'good', 'noisy', 'dead']);
  assert.throws(() => removeBadChannels(tet, { method: 'std', highpass: false, deadSpreadRatio: 2 }), /all 4 channels were labelled bad/);
});

test('scaleToUv and astype keep values and metadata consistent', () => {
  const ints = Int16Array.of(1, -2, 300, 4);
  const r = InMemoryRecording.fromArray(ints, 2, FS, { gains: [0.5, 2], offsets: [1, 0] });
  assert.deepEqual(Array.from(scaleToUv(r).getTraces() as Float32Array), [1.5, -4, 151, 8]);
  const i8 = astype(r, 'int8');
  assert.deepEqual(Array.from(i8.getTraces() as Int8Array), [1, -2, 127, 4]);
  assert.equal(i8.gains[1], 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/paths.js';
import { readNpy } from '../src/io/npy.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { butterSos, sosMagnitude, sosSteadyState, FilterBand } from '../src/preprocessing/butterworth.js';
import { highpassFilter, bandpassFilter } from '../src/preprocessing/filter.js';
import type { Recording } from '../src/core/recording.js';

const dir = path.join(repoRoot(), 'test', 'fixtures', 'preprocessing');
const load = (name: string) => readNpy(path.join(dir, name)).data as Float32Array;
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
const NC = 6;
const FS = 30000;
const traces = load('traces.npy');
const rec = () => InMemoryRecording.fromArray(traces, NC, FS);

function chunked(r: Recording, chunk: number): Float32Array {
  const n = r.getNumSamples(0);
  const out = new Float32Array(n * r.numChannels);
  for (let s = 0; s < n; s += chunk) {
    out.set(r.getTraces({ start: s, end: Math.min(n, s + chunk), scaled: true }), s * r.numChannels);
  }
  return out;
}

/** max |a − b| over samples [t0, t1) divided by the RMS of b there. */
function relErr(a: Float32Array, b: Float32Array, t0: number, t1: number): number {
  let maxDiff = 0;
  let power = 0;
  for (let i = t0 * NC; i < t1 * NC; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    power += b[i] * b[i];
  }
  return maxDiff / Math.sqrt(power / ((t1 - t0) * NC));
}

test('butterSos matches scipy.signal.butter sections and sosfreqz magnitudes', () => {
  for (const d of ref.designs) {
    const sos = butterSos({ order: d.order, band: d.band as FilterBand, frequencies: d.frequencies, samplingFrequency: d.samplingFrequency });
    assert.equal(sos.length, d.sos.length, `${d.band} ${d.order}`);
    sos.forEach((v, i) => assert.ok(Math.abs(v - d.sos[i]) <= 1e-12 * Math.max(1, Math.abs(d.sos[i])), `${d.band} order ${d.order} coef ${i}: ${v} vs ${d.sos[i]}`));
    d.responseFrequencies.forEach((f: number, i: number) => {
      const m = sosMagnitude(sos, f, d.samplingFrequency);
      assert.ok(Math.abs(m - d.magnitude[i]) <= 1e-9, `|H(${f})| = ${m}, scipy ${d.magnitude[i]}`);
    });
    sosSteadyState(sos).forEach((v, i) => assert.ok(Math.abs(v - d.sosfiltZi[i]) <= 1e-9 * Math.max(1, Math.abs(d.sosfiltZi[i])), `zi ${i}`));
  }
});

test('butterSos rejects cut-offs at or above Nyquist with a clear error', () => {
  assert.throws(() => butterSos({ order: 5, band: 'highpass', frequencies: [16000], samplingFrequency: 30000 }), /Nyquist frequency 15000 Hz/);
  assert.throws(() => butterSos({ order: 5, band: 'bandpass', frequencies: [6000, 300], samplingFrequency: 30000 }), /freqMin < freqMax/);
});

test('zero-phase high-pass and band-pass match scipy sosfiltfilt away from the edges (rel. 1e-4)', () => {
  for (const [r, name] of [[highpassFilter(rec()), 'highpass_filtfilt.npy'], [bandpassFilter(rec()), 'bandpass_filtfilt.npy']] as const) {
    const got = r.getTraces({ scaled: true }) as Float32Array;
    const want = load(name);
    // scipy pads the edges differently (odd extension); beyond the filter's settling time both agree.
    const m = r.margin;
    const e = relErr(got, want, m, traces.length / NC - m);
    assert.ok(e < 1e-4, `${name}: max error ${e} × RMS`);
  }
});

test('causal high-pass equals scipy sosfilt with steady-state initial conditions (rel. 1e-5)', () => {
  const got = highpassFilter(rec(), { causal: true }).getTraces({ scaled: true }) as Float32Array;
  const e = relErr(got, load('highpass_causal.npy'), 0, traces.length / NC);
  assert.ok(e < 1e-5, `max error ${e} × RMS`);
});

test('chunked filtering (chunk 10000 and 997) equals the whole-array result everywhere, edges included', () => {
  for (const r of [highpassFilter(rec()), bandpassFilter(rec(), { order: 3 }), highpassFilter(rec(), { causal: true })]) {
    const whole = r.getTraces({ scaled: true }) as Float32Array;
    for (const chunk of [10000, 997]) {
      const e = relErr(chunked(r, chunk), whole, 0, traces.length / NC);
      assert.ok(e < 1e-5, `chunk ${chunk}: max difference ${e} × RMS`);
    }
  }
});

test('channel subsets filter identically, and the filter rebuilds from its spec', async () => {
  const r = highpassFilter(rec(), { freqMin: 250 });
  const all = r.getTraces({ start: 3000, end: 5000 }) as Float32Array;
  const sub = r.getTraces({ start: 3000, end: 5000, channels: [4, 1] }) as Float32Array;
  for (let t = 0; t < 2000; t++) {
    assert.equal(sub[t * 2], all[t * NC + 4]);
    assert.equal(sub[t * 2 + 1], all[t * NC + 1]);
  }
  const rebuilt = await recordingFromSpec(r.toSpec()!);
  assert.deepEqual(rebuilt.getTraces({ start: 3000, end: 5000 }), all);
  assert.equal(r.dtype, 'float32');
  assert.equal(r.gains[0], 1);
});

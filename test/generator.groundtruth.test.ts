import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth, GeneratedRecording } from '../src/core/generator.js';
import { recordingFromSpec } from '../src/core/spec.js';

test('same seed gives identical data; chunked reads equal one whole read; other seeds differ', async () => {
  const opts = { seed: 42, layout: 'neuropixels-like' as const, numChannels: 16, durationS: 1, numUnits: 5, noiseSpatialLengthUm: 20 };
  const a = generateGroundTruth(opts);
  const b = generateGroundTruth(opts);
  const whole = a.recording.getTraces();
  assert.deepEqual(b.recording.getTraces(), whole);
  assert.deepEqual(b.sorting.spikes, a.sorting.spikes);
  const nc = a.recording.numChannels;
  for (const [s, e] of [[0, 777], [777, 5000], [5000, 30000]]) {
    const part = a.recording.getTraces({ start: s, end: e });
    assert.deepEqual(part, whole.subarray(s * nc, e * nc), `window [${s}, ${e})`);
  }
  // A channel subset equals the same columns of the full read.
  const sub = a.recording.getTraces({ start: 1000, end: 1100, channels: [7, 2] });
  for (let t = 0; t < 100; t++) {
    assert.equal(sub[t * 2], whole[(1000 + t) * nc + 7]);
    assert.equal(sub[t * 2 + 1], whole[(1000 + t) * nc + 2]);
  }
  // Rebuilt from its spec (as in a worker): identical.
  const spec = structuredClone(a.recording.toSpec());
  const rebuilt = await recordingFromSpec(spec);
  assert.ok(rebuilt instanceof GeneratedRecording);
  assert.deepEqual(rebuilt.getTraces({ start: 300, end: 900 }), a.recording.getTraces({ start: 300, end: 900 }));
  const c = generateGroundTruth({ ...opts, seed: 43 });
  assert.notDeepEqual(c.recording.getTraces({ start: 0, end: 100 }), whole.subarray(0, 100 * nc));
});

test('spike counts follow the firing rates and respect the refractory period', () => {
  const gt = generateGroundTruth({ seed: 1, layout: 'tetrode', durationS: 200, numUnits: 6, firingRateHz: [5, 20], refractoryMs: 3, noiseStdUv: 0 });
  const rates = gt.sorting.properties.get('firing_rate_hz') as Float64Array;
  const counts = gt.sorting.countSpikes();
  for (let u = 0; u < 6; u++) {
    const expect = rates[u] * 200;
    // Poisson-like counts: within 5 standard deviations of the mean.
    assert.ok(Math.abs(counts[u] - expect) < 5 * Math.sqrt(expect), `unit ${u}: ${counts[u]} spikes, expected ≈ ${expect.toFixed(0)}`);
    const tr = gt.sorting.getUnitSpikeTrain(u);
    for (let i = 1; i < tr.length; i++) assert.ok(tr[i] - tr[i - 1] >= 90, `unit ${u}: ISI ${tr[i] - tr[i - 1]} samples < 3 ms`);
  }
  // Bursting units keep the rate on average and also respect the refractory period.
  const bursty = generateGroundTruth({ seed: 2, layout: 'tetrode', durationS: 200, numUnits: 4, firingRateHz: [8, 8], burstingFraction: 1, noiseStdUv: 0 });
  for (let u = 0; u < 4; u++) {
    const tr = bursty.sorting.getUnitSpikeTrain(u);
    assert.ok(Math.abs(tr.length - 1600) < 0.15 * 1600, `bursting unit ${u}: ${tr.length} spikes`);
    for (let i = 1; i < tr.length; i++) assert.ok(tr[i] - tr[i - 1] >= 60);
  }
});

test('noise std is within 3 % of the request, white or spatially correlated', () => {
  for (const lambda of [0, 25]) {
    const gt = generateGroundTruth({ seed: 3, layout: 'linear', numChannels: 8, durationS: 2, numUnits: 0, noiseStdUv: 10, dtype: 'float32', noiseSpatialLengthUm: lambda });
    const x = gt.recording.getTraces() as Float32Array;
    const nc = 8;
    const n = x.length / nc;
    for (let c = 0; c < nc; c++) {
      let s = 0;
      let s2 = 0;
      for (let t = 0; t < n; t++) {
        s += x[t * nc + c];
        s2 += x[t * nc + c] ** 2;
      }
      const std = Math.sqrt(s2 / n - (s / n) ** 2);
      assert.ok(Math.abs(std - 10) < 0.3, `λ=${lambda} channel ${c}: std ${std}`);
    }
    // Neighbouring contacts (20 µm apart) correlate only when λ > 0.
    let cross = 0;
    for (let t = 0; t < n; t++) cross += x[t * nc + 3] * x[t * nc + 4];
    const corr = cross / n / 100;
    if (lambda === 0) assert.ok(Math.abs(corr) < 0.02, `corr ${corr}`);
    else assert.ok(corr > 0.3, `corr ${corr}`);
  }
});

test('int16 output is µV / 0.195 and the templates sit on the nearest channel with the requested amplitude', () => {
  const gt = generateGroundTruth({ seed: 4, layout: 'linear', numChannels: 16, durationS: 2, numUnits: 6, amplitudeUv: [80, 120], noiseStdUv: 0 });
  assert.equal(gt.recording.dtype, 'int16');
  assert.ok(Math.abs(gt.recording.gains[0] - 0.195) < 1e-12);
  const [nu, ns, nc] = gt.templateShape;
  const cy = Array.from({ length: nc }, (_, c) => 20 * c);
  for (let u = 0; u < nu; u++) {
    const y = gt.unitLocations[u * 3 + 1];
    const nearest = cy.reduce((b, v, c) => (Math.abs(v - y) < Math.abs(cy[b] - y) ? c : b), 0);
    assert.equal(gt.peakChannels[u], nearest, `unit ${u} at y=${y.toFixed(1)}`);
    let peak = 0;
    for (let i = 0; i < ns * nc; i++) peak = Math.max(peak, Math.abs(gt.templates[u * ns * nc + i]));
    assert.ok(peak >= 80 - 1e-3 && peak <= 120 + 1e-3, `peak ${peak}`);
    // The trough is negative and at nBefore on the peak channel.
    const trough = gt.templates[u * ns * nc + gt.nBefore * nc + nearest];
    assert.ok(trough < -0.9 * peak, `trough ${trough} vs peak ${peak}`);
  }
  // Noise-free traces: a lone spike reproduces its template × amplitude factor (to int16 rounding).
  const sp = gt.sorting.spikes;
  const i = 0;
  const u = sp.unit[i];
  const s0 = sp.sample[i] - gt.nBefore;
  const tr = gt.recording.getTraces({ start: s0, end: s0 + ns, scaled: true });
  const ch = gt.peakChannels[u];
  const overlapping = Array.from(sp.sample).filter((s) => Math.abs(s - sp.sample[i]) < ns).length;
  if (overlapping === 1) {
    for (let k = 0; k < ns; k++) {
      const want = gt.templates[u * ns * nc + k * nc + ch] * gt.spikeAmplitudeScale[i];
      assert.ok(Math.abs(tr[k * nc + ch] - want) <= 0.1, `sample ${k}: ${tr[k * nc + ch]} vs ${want}`);
    }
  }
  // SNR is peak / noise std.
  const withNoise = generateGroundTruth({ seed: 4, layout: 'linear', numChannels: 16, durationS: 1, numUnits: 3, snrRange: [10, 10], noiseStdUv: 6 });
  for (const s of withNoise.snr) assert.ok(Math.abs(s - 10) < 1e-6, `snr ${s}`);
});

test('drift moves the unit and its peak channel; the true motion is returned', () => {
  const gt = generateGroundTruth({
    seed: 5,
    layout: 'linear',
    numChannels: 40,
    durationS: 20,
    numUnits: 5,
    marginUm: 0,
    noiseStdUv: 0,
    drift: { mode: 'rigid', waveform: 'step', amplitudeUm: 30, stepTimeS: 10 },
  });
  assert.ok(gt.motion);
  const m = gt.motion!;
  const nb = m.depthBinsUm.length;
  assert.equal(m.displacementUm.length, m.timesS.length * nb);
  assert.equal(m.displacementUm[0], -30);
  assert.equal(m.displacementUm[(m.timesS.length - 1) * nb], 30);
  const rec = gt.recording;
  const nc = rec.numChannels;
  let checked = 0;
  for (let u = 0; u < 5; u++) {
    // Units within 80 µm of the probe ends would move off the contacts.
    const y = gt.unitLocations[3 * u + 1];
    if (y < 80 || y > 780 - 80) continue;
    checked++;
    const peakCh = (tpl: Float32Array) => {
      let best = 0;
      let bc = 0;
      for (let i = 0; i < tpl.length; i++) if (Math.abs(tpl[i]) > best) [best, bc] = [Math.abs(tpl[i]), i % nc];
      return bc;
    };
    const early = peakCh(rec.templateAtSample(u, 30000));
    const late = peakCh(rec.templateAtSample(u, 30000 * 15));
    // 60 µm of motion on a 20 µm pitch: the peak moves by about 3 channels, upwards.
    assert.ok(late - early >= 2 && late - early <= 4, `unit ${u}: peak channel ${early} → ${late}`);
  }
  assert.ok(checked >= 2, `only ${checked} units away from the probe ends`);
  // Non-rigid drift: the displacement grows along the probe.
  const nr = generateGroundTruth({ seed: 5, layout: 'linear', numChannels: 24, durationS: 20, numUnits: 1, drift: { mode: 'non-rigid', waveform: 'sine', amplitudeUm: 20, periodS: 20 } });
  const mm = nr.motion!;
  const nbr = mm.depthBinsUm.length;
  const row = mm.timesS.findIndex((t) => t > 4.5);
  assert.ok(Math.abs(mm.displacementUm[row * nbr + nbr - 1]) > 2 * Math.abs(mm.displacementUm[row * nbr]));
});

test('bad options are rejected with a clear message', () => {
  assert.throws(() => generateGroundTruth({ firingRateHz: [600, 700], refractoryMs: 2, durationS: 1 }), /impossible with a 2 ms refractory/);
  assert.throws(() => generateGroundTruth({ durationS: -1 }), /durationS -1: must be positive/);
  assert.throws(() => generateGroundTruth({ layout: 'hexagon' as never }), /unknown layout 'hexagon'/);
});

test('384 channels: a 0.1 s window of a 600 s recording is synthesised lazily and quickly', () => {
  const t0 = performance.now();
  const gt = generateGroundTruth({ seed: 9, layout: 'neuropixels-like', numChannels: 384, durationS: 600, numUnits: 50, drift: { mode: 'rigid' } });
  const x = gt.recording.getTraces({ start: 9_000_000, end: 9_003_000 });
  assert.equal(x.length, 3000 * 384);
  assert.ok(performance.now() - t0 < 8000, `${(performance.now() - t0).toFixed(0)} ms`);
});

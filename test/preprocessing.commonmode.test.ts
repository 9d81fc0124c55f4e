import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { estimateCommonMode } from '../src/preprocessing/commonmode.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';

// Noise only: every value below follows from the generator's two noise sd, not from our estimator.
function noiseRecording(commonNoiseStdUv: number) {
  return generateGroundTruth({ seed: 5, layout: 'neuropixels-like', numChannels: 64, durationS: 2, numUnits: 0, noiseStdUv: 5, commonNoiseStdUv, dtype: 'float32' }).recording;
}

test('generator: shared noise gives the channel correlation var(common) / var(total)', () => {
  const rec = noiseRecording(5);
  const nc = rec.numChannels;
  const x = rec.getTraces({ start: 0, end: 30000 }) as Float32Array;
  const n = 30000;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < n; t++) {
    const a = x[t * nc + 3];
    const b = x[t * nc + 40];
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  // 25 / (25 + 25) = 0.5; the sd of a correlation estimate from 30 000 samples is ~0.005.
  assert.ok(Math.abs(sxy / Math.sqrt(sxx * syy) - 0.5) < 0.03, `correlation ${sxy / Math.sqrt(sxx * syy)}`);
  assert.ok(Math.abs(Math.sqrt(sxx / n) - Math.sqrt(50)) < 0.2, `channel sd ${Math.sqrt(sxx / n)}`);
});

test('estimateCommonMode: shared noise as large as the channel noise reads as 1/√2 of the total', () => {
  const e = estimateCommonMode(noiseRecording(5));
  assert.equal(e.channels, 64);
  assert.ok(Math.abs(e.commonSd - Math.SQRT1_2) < 0.06, `commonSd ${e.commonSd}`);
});

test('estimateCommonMode: independent channels show no shared noise', () => {
  const e = estimateCommonMode(noiseRecording(0));
  // The median of 64 independent unit-sd values has sd √(π/128) ≈ 0.157; the excess over it should vanish.
  assert.ok(Math.abs(e.independentSd - Math.sqrt(Math.PI / 128)) < 1e-12);
  assert.ok(e.commonSd < 0.1, `commonSd ${e.commonSd}`);
});

test('estimateCommonMode: constant channels are left out; fewer than two live channels give zero', () => {
  const noisy = noiseRecording(5).getTraces({ start: 0, end: 30000, channels: [0, 1, 2] }) as Float32Array;
  const make = (live: number) => {
    const x = new Float32Array(30000 * 4);
    for (let t = 0; t < 30000; t++) for (let c = 0; c < live; c++) x[t * 4 + c] = noisy[t * 3 + c];
    return new InMemoryRecording([x], { samplingFrequency: 30000, channelIds: ['a', 'b', 'c', 'd'] });
  };
  const three = estimateCommonMode(make(3));
  assert.equal(three.channels, 3);
  assert.ok(Math.abs(three.independentSd - Math.sqrt(Math.PI / 6)) < 1e-12);
  assert.deepEqual(estimateCommonMode(make(1)), { channels: 1, medianSd: 0, independentSd: 0, commonSd: 0, residualSdUv: 0 });
});

test('estimateCommonMode: the noise a median reference leaves is the channels\' own (5 µV), with or without shared noise', () => {
  // What is left of channel c is its independent noise minus the median's share of it: sd ≈ 5 · (1 ± 1/64).
  for (const common of [0, 5]) {
    const e = estimateCommonMode(noiseRecording(common), { residual: true });
    assert.ok(Math.abs(e.residualSdUv - 5) < 0.3, `shared noise ${common} µV: residualSdUv ${e.residualSdUv}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { fitMonopolar, localizePeaks, centerOfMass } from '../src/motion/localize.js';
import { channelNeighbourhoods } from '../src/sortingcomponents/neighbours.js';

test('monopolar fit recovers an exact 1/r source to 0.1 µm', () => {
  // Neuropixels-like contacts; amplitudes from the monopolar model itself (independent of the fitter).
  const { recording } = generateGroundTruth({ numChannels: 32, numUnits: 0, durationS: 0.1 });
  const loc = recording.getChannelLocations();
  for (const src of [[20, 150, 25], [40, 90, 10], [5, 210, 40]]) {
    const peakCh = [...Array(32).keys()].sort((a, b) => Math.hypot(loc[2 * a] - src[0], loc[2 * a + 1] - src[1]) - Math.hypot(loc[2 * b] - src[0], loc[2 * b + 1] - src[1]))[0];
    const chans = channelNeighbourhoods(loc, 75, 32)[peakCh];
    const a = Array.from(chans, (c) => 3000 / Math.hypot(loc[2 * c] - src[0], loc[2 * c + 1] - src[1], src[2]));
    const [x0, y0] = centerOfMass(a, chans, loc);
    const fit = fitMonopolar(a, chans, loc, x0, y0);
    assert.ok(fit, `fit failed for ${src}`);
    assert.ok(Math.abs(fit[0] - src[0]) < 0.1 && Math.abs(fit[1] - src[1]) < 0.1 && Math.abs(fit[2] - src[2]) < 0.1, `fit ${fit} vs ${src}`);
    assert.ok(Math.abs(fit[3] - 3000) < 1);
  }
});

test('localizePeaks: per-unit median depth of generator spikes within 3 µm of the unit (noise-free)', () => {
  // Units inside the probe span. The generator's spatial decay is exp(−d/λ), not 1/r, and spikes of
  // nearby units overlap, so single spikes can be off; the per-unit median must sit on the unit.
  const g = generateGroundTruth({ numChannels: 32, numUnits: 8, durationS: 2, noiseStdUv: 0, seed: 3, marginUm: -20, amplitudeJitter: 0 });
  const { sample, unit } = g.sorting.spikes;
  const peaks = { sample, channel: Int32Array.from(unit, (u) => g.peakChannels[u]) };
  const mono = localizePeaks(g.recording, peaks);
  const com = localizePeaks(g.recording, peaks, { method: 'center-of-mass' });
  const medianError = (y: Float64Array, u: number) => {
    const e: number[] = [];
    for (let i = 0; i < sample.length; i++) if (unit[i] === u) e.push(y[i] - g.unitLocations[u * 3 + 1]);
    return e.sort((a, b) => a - b)[e.length >> 1];
  };
  let monoSum = 0;
  let comSum = 0;
  for (let u = 0; u < 8; u++) {
    const m = medianError(mono.y, u);
    assert.ok(Math.abs(m) < 3, `unit ${u}: median depth error ${m.toFixed(2)} µm`);
    monoSum += Math.abs(m);
    comSum += Math.abs(medianError(com.y, u));
  }
  // Centre of mass is pulled toward the neighbourhood centre; the monopolar fit removes most of that bias.
  assert.ok(monoSum < comSum, `monopolar ${monoSum.toFixed(1)} vs centre of mass ${comSum.toFixed(1)}`);
});

test('localizePeaks rejects peaks outside the recording', () => {
  const { recording } = generateGroundTruth({ numChannels: 8, numUnits: 0, durationS: 0.1 });
  assert.throws(() => localizePeaks(recording, { sample: Float64Array.of(1e9), channel: Int32Array.of(0) }), /outside the recording/);
});

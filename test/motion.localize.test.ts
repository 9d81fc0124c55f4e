import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { fitMonopolar, localizePeaks, centerOfMass, hypot3 } from '../src/motion/localize.js';
import { channelNeighbourhoods } from '../src/sortingcomponents/neighbours.js';
import { randomArray } from './helpers/random.js';

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

test('hypot3 returns Math.hypot bit for bit (the fit\'s results must not change with it)', () => {
  const draws = randomArray(2 * 3 * 200000, 12345);
  let next = 0;
  const rand = () => (draws[next++] + 1) / 2;
  // Probe-scale differences, integers (ties and exact zeros), and extreme magnitudes where the scaling matters.
  const value = (): number => {
    const k = rand();
    if (k < 0.4) return (rand() - 0.5) * 400;
    if (k < 0.6) return Math.round((rand() - 0.5) * 60);
    if (k < 0.8) return (rand() - 0.5) * 10 ** (Math.floor(rand() * 600) - 300);
    return rand() * 100 + 1;
  };
  for (let i = 0; i < 200000; i++) {
    const a = value(), b = value(), c = value();
    assert.ok(Object.is(hypot3(a, b, c), Math.hypot(a, b, c)), `hypot3(${a}, ${b}, ${c}) = ${hypot3(a, b, c)}, Math.hypot ${Math.hypot(a, b, c)}`);
  }
  const edges = [[0, 0, 0], [-0, 0, -0], [3, 4, 0], [0, 0, 5], [NaN, 1, 2], [Infinity, NaN, 1], [1, -Infinity, NaN], [1e308, 1e308, 1e308], [5e-324, 0, 5e-324]];
  for (const [a, b, c] of edges) assert.ok(Object.is(hypot3(a, b, c), Math.hypot(a, b, c)), `hypot3(${a}, ${b}, ${c})`);
});

test('channel neighbourhoods: the channels within the radius by Math.hypot, nearest first (ties by index), itself first', () => {
  // Contacts on a coarse grid (4 columns 12.5 µm apart, rows 6.25 µm apart): exact ties, and distances
  // exactly at the radius along either axis.
  const u = randomArray(2 * 120, 99);
  const loc = Float64Array.from(u, (v, i) => (i % 2 === 0 ? 12.5 * Math.min(3, Math.floor((v + 1) * 2)) : 6.25 * Math.round((v + 1) * 40)));
  for (const radius of [0, 6.25, 12.5, 25, 37.5, 50, 1e9, Infinity]) {
    for (const max of [1, 4, 120]) {
      const got = channelNeighbourhoods(loc, radius, max);
      for (let c = 0; c < 120; c++) {
        const want = [...Array(120).keys()]
          .map((k) => [Math.hypot(loc[2 * k] - loc[2 * c], loc[2 * k + 1] - loc[2 * c + 1]), k])
          .filter(([d, k]) => d <= radius || k === c)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])
          .slice(0, max)
          .map(([, k]) => k);
        assert.deepEqual(Array.from(got[c]), want, `channel ${c}, radius ${radius}, max ${max}`);
      }
    }
  }
});

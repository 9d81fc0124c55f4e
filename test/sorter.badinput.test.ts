/**
 * Bad or degenerate input must give a clear message and, where a sort is still possible, a result:
 * never a crash deep inside a stage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import type { Recording } from '../src/core/recording.js';
import { compareSortingToGroundTruth } from '../src/comparison/groundtruth.js';
import { sort } from '../src/sorter/sort.js';

const FS = 30000;

/** Materialised float32 µV copy of a recording with some channels replaced (the sorter reads it several times). */
function materialise(rec: Recording, edit?: (data: Float32Array, nc: number) => void): InMemoryRecording {
  const data = rec.getTraces({ segment: 0, start: 0, end: rec.getNumSamples(0), scaled: true }) as Float32Array;
  edit?.(data, rec.numChannels);
  const nc = rec.numChannels;
  return new InMemoryRecording([data], rec.baseInit({ gains: new Float64Array(nc).fill(1), offsets: new Float64Array(nc) }));
}

test('pure noise: a result with no (or almost no) units and a warning, not a crash', async () => {
  const g = generateGroundTruth({ seed: 3, layout: 'tetrode', durationS: 12, numUnits: 0 });
  const res = await sort(materialise(g.recording));
  // Noise crosses 5.5 sd only by chance: at most a stray unit, never a sorted population.
  assert.ok(res.sorting.numUnits <= 1, `units on pure noise: ${res.sorting.numUnits}`);
  assert.equal(res.spikeAmplitudes.length, res.sorting.numSpikes);
  if (res.sorting.numUnits === 0) assert.ok(res.summary.warnings.some((w) => /no units were found/.test(w)), res.summary.warnings.join('; '));
});

test('a recording shorter than 10 s still sorts, with a warning', async () => {
  const g = generateGroundTruth({ seed: 4, layout: 'tetrode', durationS: 4, numUnits: 3, snrRange: [12, 20], firingRateHz: [10, 15] });
  const res = await sort(materialise(g.recording));
  assert.ok(res.summary.warnings.some((w) => /only 4\.0 s long/.test(w)), res.summary.warnings.join('; '));
  const cmp = compareSortingToGroundTruth(g.sorting, res.sorting);
  // Three strong units with ≥ 40 spikes each: short recordings must not silently merge them.
  assert.ok(cmp.summary.numWellDetected >= 2, JSON.stringify(cmp.summary));
});

test('a single channel sorts, with a warning', async () => {
  const g = generateGroundTruth({ seed: 5, layout: 'tetrode', durationS: 12, numUnits: 2, snrRange: [15, 20] });
  const full = materialise(g.recording);
  const nc = full.numChannels;
  const all = full.getTraces({ segment: 0, start: 0, end: full.getNumSamples(0) }) as Float32Array;
  const ns = all.length / nc;
  const one = new Float32Array(ns);
  for (let t = 0; t < ns; t++) one[t] = all[t * nc + g.peakChannels[0]];
  const res = await sort(InMemoryRecording.fromArray(one, 1, FS));
  assert.ok(res.summary.warnings.some((w) => /single-channel/.test(w)));
  assert.ok(res.sorting.numUnits >= 1, 'the strongest unit is on this channel');
});

test('constant channels are ignored with a warning; all-constant input is refused with a clear message', async () => {
  const g = generateGroundTruth({ seed: 6, layout: 'tetrode', durationS: 12, numUnits: 2, snrRange: [15, 20] });
  const dead = g.peakChannels[0] === 3 ? 0 : 3;
  const res = await sort(materialise(g.recording, (d, nc) => {
    for (let i = dead; i < d.length; i += nc) d[i] = 7;
  }));
  assert.ok(res.summary.warnings.some((w) => /1 channel\(s\) are constant/.test(w)), res.summary.warnings.join('; '));
  assert.ok(res.sorting.numUnits >= 1);
  const flat = InMemoryRecording.fromArray(new Float32Array(4 * 12 * FS).fill(3), 4, FS);
  await assert.rejects(() => sort(flat), /every channel is constant/);
});

test('a recording of a few samples is refused with its length and the minimum', async () => {
  const tiny = InMemoryRecording.fromArray(new Float32Array(4 * 100), 4, FS);
  await assert.rejects(() => sort(tiny), /too short to sort/);
});

test('units firing below postprocessing.minFiringRateHz are removed, and the log says how many', async () => {
  const g = generateGroundTruth({ seed: 6, layout: 'tetrode', durationS: 12, numUnits: 3, snrRange: [12, 20], firingRateHz: [8, 12] });
  const rec = materialise(g.recording);
  const base = await sort(rec);
  assert.ok(base.sorting.numUnits >= 2, `units at the default floor: ${base.sorting.numUnits}`);
  // Every unit fires < 15 Hz × 12 s = 180 spikes: a 40 Hz floor (480 spikes) removes them all.
  const logs: string[] = [];
  const reporter = { log: (_: string, m: string) => void logs.push(m), begin() {}, progress() {}, end() {} };
  const res = await sort(rec, { params: { postprocessing: { minFiringRateHz: 40 } }, reporter });
  assert.equal(res.sorting.numUnits, 0);
  assert.ok(logs.some((m) => new RegExp(`^${base.sorting.numUnits} unit\\(s\\) with fewer than 480 spikes removed`).test(m)), logs.join('\n'));
  assert.ok(res.summary.warnings.some((w) => /no units were found/.test(w)));
});

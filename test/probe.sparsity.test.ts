import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelSparsity, DenseTemplatesLike, peakChannelIndices, templateChannelAmplitudes } from '../src/core/sparsity.js';

// Hand-made case: 3 units, 4 channels on a line at x = 0, 10, 20, 30 µm; 2 samples per template.
// Unit a: trough -10 on ch0, -6 on ch1, -1 on ch2, 0 on ch3.
// Unit b: trough -2 on ch1, +9 peak on ch2 (positive spike), -5 on ch3.
// Unit c: all zero except -3 on ch3 at sample 1.
const channelIds = ['c0', 'c1', 'c2', 'c3'];
const unitIds = ['a', 'b', 'c'];
const data = Float32Array.from([
  // a: sample 0, sample 1
  -10, -6, -1, 0, 1, 2, 0, 0,
  // b
  0, -2, 9, -5, 0, 0, 0, 0,
  // c
  0, 0, 0, 0, 0, 0, 0, -3,
]);
const templates: DenseTemplatesLike = { unitIds, channelIds, numSamples: 2, data };
const locations = Float64Array.from([0, 0, 10, 0, 20, 0, 30, 0]);
const rows = (s: ChannelSparsity) => unitIds.map((_, u) => Array.from(s.unitChannelIndices(u)));

test('amplitudes and peak channels follow the peak sign', () => {
  assert.deepEqual(Array.from(templateChannelAmplitudes(templates, 'neg')), [10, 6, 1, 0, 0, 2, 0, 5, 0, 0, 0, 3]);
  assert.deepEqual(Array.from(templateChannelAmplitudes(templates, 'pos')), [1, 2, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(peakChannelIndices(templates, 'neg')), [0, 3, 3]);
  assert.deepEqual(Array.from(peakChannelIndices(templates, 'both')), [0, 2, 3]);
});

test('fromRadius keeps channels within the radius (inclusive) of the peak channel', () => {
  assert.deepEqual(rows(ChannelSparsity.fromRadius(templates, locations, 10)), [[0, 1], [2, 3], [2, 3]]);
  assert.deepEqual(rows(ChannelSparsity.fromRadius(templates, locations, 9.99)), [[0], [3], [3]]);
  const byPeaks = ChannelSparsity.fromRadius({ unitIds, channelIds, peakChannels: [1, 1, 2] }, locations, 20);
  assert.deepEqual(rows(byPeaks), [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
  assert.throws(() => ChannelSparsity.fromRadius(templates, locations.subarray(0, 6), 10), /3 channel locations for 4 channels/);
});

test('fromBestChannels keeps the k largest amplitudes', () => {
  assert.deepEqual(rows(ChannelSparsity.fromBestChannels(templates, 2, 'neg')), [[0, 1], [1, 3], [0, 3]]);
  assert.deepEqual(rows(ChannelSparsity.fromBestChannels(templates, 1, 'both')), [[0], [2], [3]]);
  assert.equal(ChannelSparsity.fromBestChannels(templates, 9).maxChannelsPerUnit(), 4);
  assert.throws(() => ChannelSparsity.fromBestChannels(templates, 0), /positive integer/);
});

test('fromThreshold compares amplitude to noise per channel', () => {
  // Noise 2 µV everywhere except ch3 (1 µV); threshold 2.5 keeps amplitude >= 5 (>= 2.5 on ch3).
  const s = ChannelSparsity.fromThreshold(templates, [2, 2, 2, 1], 2.5, 'neg');
  assert.deepEqual(rows(s), [[0, 1], [3], [3]]);
});

test('fromProperty matches unit and channel groups; JSON round trip', () => {
  const s = ChannelSparsity.fromProperty(unitIds, ['0', 1, '1'], channelIds, [0, 0, 1, 1]);
  assert.deepEqual(rows(s), [[0, 1], [2, 3], [2, 3]]);
  const back = ChannelSparsity.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
  assert.deepEqual(Array.from(back.mask), Array.from(s.mask));
  assert.deepEqual(back.unitIds, s.unitIds);
  assert.throws(() => ChannelSparsity.fromJSON({ unitIds: ['a'], channelIds: ['x'], unitChannels: [[3]] }, 'sp.json'), /sp\.json: unit 'a' lists channel 3/);
  assert.throws(() => s.unitChannelIndices(3), /unit index 3 is outside 0\.\.2/);
});

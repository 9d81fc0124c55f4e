import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { frameSlice } from '../src/core/recordingtools.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { sort } from '../src/sorter/sort.js';
import { silentReporter } from '../src/exec/reporter.js';
import { datasetDir, tempDir } from './helpers/paths.js';

// The detection and matching passes run on worker threads; their results are merged in chunk order
// with one random stream, so a sort must come out bit-identical whatever the number of jobs.
test('sorting with 2 jobs gives exactly the result of 1 job, and the summary accounts for its reads', async () => {
  const ds = await loadGroundTruthDataset(datasetDir('gt-tetrode-4ch-60s'));
  const rec = frameSlice(ds.recording, 0, Math.round(12 * ds.recording.samplingFrequency));
  assert.ok(rec.toSpec() !== null, 'the test recording must be able to travel to workers');
  const one = await sort(rec, { jobs: 1, seed: 3 });
  const logs: string[] = [];
  const reporter = { ...silentReporter, log: (_level: string, msg: string) => void logs.push(msg) };
  const two = await sort(rec, { jobs: 2, seed: 3, reporter });
  assert.ok(!logs.some((m) => m.includes('running on the main thread')), `the passes did not reach the workers: ${logs.join('; ')}`);
  assert.ok(one.sorting.numSpikes > 100, `only ${one.sorting.numSpikes} spikes: the test needs a real sort`);
  assert.deepEqual(two.sorting.spikes.sample, one.sorting.spikes.sample);
  assert.deepEqual(two.sorting.spikes.unit, one.sorting.spikes.unit);
  assert.deepEqual(two.spikeAmplitudes, one.spikeAmplitudes);
  assert.deepEqual(two.pcFeatures.readRange(0, two.pcFeatures.numRows), one.pcFeatures.readRange(0, one.pcFeatures.numRows));
  // The dataset is already filtered and has < 32 channels: no preprocessing to cache ('auto' leaves it off),
  // so four passes (detection, two snippet passes, matching) read 12 s of 4 int16 channels, plus sampled chunks.
  assert.equal(one.summary.io.cache, null);
  const fileBytes = rec.getTotalSamples() * rec.numChannels * 2;
  assert.equal(one.summary.io.passes, 4 + (one.summary.motion.estimated ? 1 : 0));
  assert.ok(one.summary.io.bytesRead >= 3 * fileBytes, `bytesRead ${one.summary.io.bytesRead} < 3 passes of ${fileBytes}`);
  assert.ok(one.summary.io.bytesRead <= 12 * fileBytes, `bytesRead ${one.summary.io.bytesRead} > 12 × ${fileBytes}`);
  assert.deepEqual(two.summary.io, one.summary.io);
});

// Without the cache every pass recomputes the preprocessing from the input; with it the int16 rounding
// (1/64 noise sd per step) may move a few borderline spikes, but the sort is the same to within that.
test('the trace cache changes the sort only by its rounding, and its folder is removed', async () => {
  const ds = await loadGroundTruthDataset(datasetDir('gt-tetrode-4ch-60s'));
  const rec = frameSlice(ds.recording, 0, Math.round(12 * ds.recording.samplingFrequency));
  const dir = tempDir();
  try {
    const cached = await sort(rec, { jobs: 1, seed: 3, params: { execution: { cacheTraces: 'on', tempDir: dir } } });
    assert.deepEqual(fs.readdirSync(dir), [], 'the cache folder was left behind');
    const direct = await sort(rec, { jobs: 1, seed: 3, params: { execution: { cacheTraces: 'off' } } });
    assert.equal(direct.summary.io.cache, null);
    // With the cache the input is read by one pass (plus sampled chunks); the four passes read the cache.
    const fileBytes = rec.getTotalSamples() * rec.numChannels * 2;
    const io = cached.summary.io;
    assert.equal(io.passes, 1 + (cached.summary.motion.estimated ? 1 : 0));
    assert.ok(io.bytesRead >= fileBytes && io.bytesRead <= 4 * fileBytes, `bytesRead ${io.bytesRead} is not 1 to 4 × ${fileBytes}`);
    assert.ok(io.cache, 'the traces were not cached');
    assert.equal(io.cache.bytesWritten, fileBytes);
    assert.ok(io.cache.bytesRead >= 3 * fileBytes, `cache bytesRead ${io.cache.bytesRead} < 3 passes of ${fileBytes}`);
    // Spikes of the direct sort found at the same sample (±1) by the cached sort.
    const a = direct.sorting.spikes.sample;
    const b = cached.sorting.spikes.sample;
    let j = 0;
    let found = 0;
    for (let i = 0; i < a.length; i++) {
      while (j < b.length && b[j] < a[i] - 1) j++;
      if (j < b.length && b[j] <= a[i] + 1) found++;
    }
    assert.ok(Math.abs(a.length - b.length) <= 0.02 * a.length, `${b.length} spikes with the cache, ${a.length} without`);
    assert.ok(found >= 0.98 * a.length, `only ${found} of ${a.length} spikes are found again with the cache`);
    assert.equal(cached.sorting.unitIds.length, direct.sorting.unitIds.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

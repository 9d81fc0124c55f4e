import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareSortingToGroundTruth } from '../src/comparison/groundtruth.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { frameSlice } from '../src/core/recordingtools.js';
import { sort } from '../src/sorter/sort.js';
import { datasetDir, tempDir } from './helpers/paths.js';

const dir = datasetDir('gt-tetrode-4ch-60s');

test('end to end: the tetrode sorts with every unit well detected, no false positive, and a complete summary', { skip: !fs.existsSync(dir) && 'shared datasets missing' }, async () => {
  const ds = await loadGroundTruthDataset(dir);
  // 30 s keeps the test fast; every unit still fires > 70 times.
  const n = 30 * ds.recording.samplingFrequency;
  const rec = frameSlice(ds.recording, 0, n);
  const out = tempDir();
  try {
    const res = await sort(rec, { outDir: out });
    const cmp = compareSortingToGroundTruth(ds.groundTruth.frameSlice(0, n), res.sorting);
    // All 8 units (SNR 8–28) are detected with accuracy ≥ 0.8; allow one miss for platform float differences.
    assert.ok(cmp.summary.numWellDetected >= 7, JSON.stringify(cmp.summary));
    assert.equal(cmp.summary.numFalsePositive, 0, JSON.stringify(cmp.summary));
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'sorting_summary.json'), 'utf8'));
    assert.equal(summary.numUnits, res.sorting.numUnits);
    assert.equal(summary.software.name, 'spikeforge');
    assert.ok(summary.stageSeconds.match > 0);
    assert.equal(res.spikeAmplitudes.length, res.sorting.numSpikes);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

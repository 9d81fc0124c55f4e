/**
 * Final templates are read and finished a batch of units at a time (memory bound): the batch size
 * must change nothing. Clusters are ground-truth spike trains split in two on the unit's peak
 * channel, so merges (and their time offsets) are exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { channelDistance, channelNeighbourhoods } from '../src/sortingcomponents/neighbours.js';
import { buildTemplates, Cluster, TemplateBuildOptions, templateBatches } from '../src/sortingcomponents/templatebuild.js';
import type { NormalizedSource } from '../src/sortingcomponents/traces.js';

test('templateBatches: consecutive ranges covering every unit, each within budget unless one unit exceeds it', () => {
  const bytes = [5, 1, 1, 9, 20, 3, 3, 3, 0, 4];
  const budget = 8;
  const batches = templateBatches(bytes, budget);
  assert.equal(batches[0][0], 0);
  assert.equal(batches[batches.length - 1][1], bytes.length);
  for (let i = 0; i < batches.length; i++) {
    const [a, b] = batches[i];
    assert.ok(b > a, 'no empty batch');
    if (i > 0) assert.equal(a, batches[i - 1][1], 'contiguous');
    const sum = bytes.slice(a, b).reduce((x, y) => x + y, 0);
    assert.ok(sum <= budget || b - a === 1, `batch ${a}..${b} holds ${sum} > ${budget} bytes`);
    // Greedy: the next unit would not have fitted.
    if (b < bytes.length) assert.ok(sum + bytes[b] > budget, `batch ${a}..${b} could have taken unit ${b}`);
  }
  assert.deepEqual(templateBatches([], 8), []);
  assert.deepEqual(templateBatches([100], 8), [[0, 1]]);
});

test('buildTemplates gives the same templates, members and merges whatever the batch size', () => {
  const gt = generateGroundTruth({ seed: 5, numChannels: 16, durationS: 6, numUnits: 5, firingRateHz: [8, 15] });
  const rec = gt.recording;
  const fs = rec.samplingFrequency;
  const locations = rec.getChannelLocations();
  const src: NormalizedSource = { recording: rec, scale: new Float32Array(rec.numChannels).fill(0.1) };
  const clusters: Cluster[] = [];
  for (let u = 0; u < gt.sorting.numUnits; u++) {
    const train = gt.sorting.getUnitSpikeTrain(u);
    for (const parity of [0, 1]) {
      const t = train.filter((_, i) => i % 2 === parity);
      clusters.push({ segment: new Int32Array(t.length), sample: Float64Array.from(t), channel: gt.peakChannels[u] });
    }
  }
  const nBefore = Math.round(0.001 * fs);
  const opts: TemplateBuildOptions = {
    nBefore,
    length: nBefore + Math.round(0.002 * fs),
    maxShift: Math.round(0.0002 * fs),
    maxSpikesPerUnit: 60,
    candidateCosine: 0.5,
    mergeScore: 2,
    maxSeparation: 4,
    amplitudeMin: 0.7,
    amplitudeMax: 1.4,
    scaleCosine: 0.9,
    sparsityRatio: 0.05,
    polarity: 'negative',
    chunkSamples: fs,
    neighbours: channelNeighbourhoods(locations, 60, 8),
    templateNeighbours: channelNeighbourhoods(locations, 100, 12),
    sparsityNoiseSigma: 1,
    near: (a, b) => channelDistance(locations, a, b) <= 60,
    seed: 2,
  };
  const whole = buildTemplates(src, clusters, { ...opts, batchBytes: Infinity });
  assert.ok(whole.merges > 0, 'fixture should merge some cluster halves');
  assert.ok(whole.templates.length > 2, 'fixture should give several templates');
  for (const batchBytes of [1, 100_000]) {
    const got = buildTemplates(src, clusters, { ...opts, batchBytes });
    assert.deepEqual(got.members, whole.members);
    assert.equal(got.merges, whole.merges);
    assert.deepEqual(got.templates, whole.templates, `batchBytes ${batchBytes}`);
  }
});

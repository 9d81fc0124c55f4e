/**
 * detectAndSample's per-channel reservoir (grown on demand, returned at exact size) against a plain
 * reference: the same chunks' peaks fed in chunk order to a full-capacity reservoir with the same
 * random stream. Caps below and above the first capacity check growth and replacement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { makeChunks } from '../src/exec/chunks.js';
import { silentReporter } from '../src/exec/reporter.js';
import { DetectionSetup, DetectPassOptions, detectAndSample, detectChunk, learnPrototype, PeakSample, Prototype } from '../src/sortingcomponents/peakpass.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import type { NormalizedSource } from '../src/sortingcomponents/traces.js';
import { testDetectionSetup } from './helpers/detectionsetup.js';

function fixture(): { src: NormalizedSource; setup: DetectionSetup; proto: Prototype } {
  const gt = generateGroundTruth({ seed: 3, numChannels: 8, durationS: 4, numUnits: 6, firingRateHz: [20, 40] });
  const rec = gt.recording;
  const fs = rec.samplingFrequency;
  const locations = rec.getChannelLocations();
  // The generator's noise sd in raw units: a fixed scale is all this comparison needs.
  const scale = new Float32Array(rec.numChannels).fill(1 / 10);
  const setup = testDetectionSetup(fs, locations, rec.numChannels);
  const src: NormalizedSource = { recording: rec, scale };
  const proto = learnPrototype(src, setup, { threshold: 6, numComponents: 3, maxPeaks: 2000, numChunks: 4, seed: 1 });
  return { src, setup, proto };
}

/** Independent reference: full-capacity reservoirs filled in chunk order, trimmed at the end. */
function referenceSample(src: NormalizedSource, setup: DetectionSetup, proto: Prototype, opts: DetectPassOptions): PeakSample {
  const nc = src.recording.numChannels;
  const dim = opts.maxNeighbours * proto.basis.numComponents;
  const cap = opts.maxPerChannel;
  const seg = Array.from({ length: nc }, () => new Int32Array(cap));
  const sample = Array.from({ length: nc }, () => new Float64Array(cap));
  const feat = Array.from({ length: nc }, () => new Float32Array(cap * dim));
  const n = new Int32Array(nc);
  const total = new Int32Array(nc);
  const rand = seededRandom(opts.seed);
  for (const ch of makeChunks(src.recording, { chunkSize: setup.chunkSamples })) {
    const p = detectChunk(src, setup, proto, opts, ch.segment, ch.start, ch.end);
    for (let i = 0; i < p.sample.length; i++) {
      const c = p.channel[i];
      const seen = total[c]++;
      const slot = n[c] < cap ? n[c]++ : Math.floor(rand() * (seen + 1));
      if (slot >= cap) continue;
      seg[c][slot] = ch.segment;
      sample[c][slot] = p.sample[i];
      for (let k = 0; k < dim; k++) feat[c][slot * dim + k] = p.features[i * dim + k];
    }
  }
  return {
    segment: seg.map((a, c) => a.slice(0, n[c])),
    sample: sample.map((a, c) => a.slice(0, n[c])),
    features: feat.map((a, c) => a.slice(0, n[c] * dim)),
    featureDim: dim,
    totalPeaks: total,
  };
}

const { src, setup, proto } = fixture();

// Caps up to 1e5 take one block for every reservoir; 3e6 (8 channels × 3e6 peaks × 60 bytes > 1 GiB) takes buffers that grow.
for (const cap of [5, 70, 100000, 3_000_000]) {
  test(`detectAndSample keeps the reference reservoir sample (cap ${cap} per channel)`, async () => {
    const opts: DetectPassOptions = { threshold: 5, matchedFilter: true, maxPerChannel: cap, maxNeighbours: 4, seed: 11, jobs: 1 };
    const got = await detectAndSample(src, setup, proto, opts, silentReporter);
    const want = referenceSample(src, setup, proto, opts);
    assert.deepEqual(got.totalPeaks, want.totalPeaks);
    assert.equal(got.featureDim, want.featureDim);
    // The comparison means something only if some channel was capped (cap 5, 70) and one grew past the first capacity.
    const most = Math.max(...want.totalPeaks);
    assert.ok(most > 70, `fixture too quiet: at most ${most} peaks per channel`);
    for (let c = 0; c < want.sample.length; c++) {
      assert.deepEqual(got.segment[c], want.segment[c], `channel ${c} segments`);
      assert.deepEqual(got.sample[c], want.sample[c], `channel ${c} samples`);
      assert.deepEqual(got.features[c], want.features[c], `channel ${c} features`);
      // No spare capacity held: exact-size arrays, or views of the one reservoir block that all channels share.
      const block = got.features[0].buffer;
      if (cap <= 100000) assert.equal(got.features[c].buffer, block, `channel ${c} features outside the block`);
      else assert.equal(got.features[c].buffer.byteLength, got.features[c].byteLength);
    }
  });
}

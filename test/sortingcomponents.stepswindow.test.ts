/**
 * Detection on int16 steps (the trace cache) must give the peaks and features of detection on the normalised
 * window (readNormalized → detectMatchedPeaks → projectSnippet), bit for bit, in the middle of a segment and
 * at both of its edges (zero padding), and the steps window must read as the normalised one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BinaryRecording } from '../src/io/binary.js';
import { tempDir } from './helpers/paths.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';
import { readNormalized } from '../src/sortingcomponents/traces.js';
import { readStepsWindow, readsAsSteps } from '../src/sortingcomponents/stepswindow.js';
import { detectChunk, detectMargin, type DetectionSetup, type Prototype } from '../src/sortingcomponents/peakpass.js';
import { detectMatchedPeaks } from '../src/sortingcomponents/detection.js';
import { projectSnippet } from '../src/sortingcomponents/features.js';

const NC = 12;
const NS = 3000;

function setupAndPrototype(): { setup: DetectionSetup; proto: Prototype } {
  const neighbours = Array.from({ length: NC }, (_, c) => Int32Array.from([c, (c + 1) % NC, (c + NC - 1) % NC]));
  const setup: DetectionSetup = { polarity: 'negative', nBefore: 10, length: 30, exclusionSamples: 5, dedupNeighbours: neighbours, featureNeighbours: neighbours, chunkSamples: 1000 };
  const f = Float32Array.from({ length: 15 }, (_, j) => -Math.exp(-(((j - 7) / 2) ** 2)));
  const norm = Math.hypot(...f);
  const filter = f.map((v) => -v / norm);
  const comps = Float32Array.from({ length: 3 * 30 }, (_, i) => Math.sin((i % 30) * (1 + Math.floor(i / 30)) * 0.2));
  const proto: Prototype = { basis: { components: comps, numComponents: 3, length: 30, nBefore: 10 }, filter, peakIndex: 7, filterScale: new Float32Array(NC).fill(0.9), numPeaksUsed: 1 };
  return { setup, proto };
}

function writeSteps(file: string): void {
  const rand = seededRandom(17);
  const q = Int16Array.from({ length: NS * NC }, () => Math.round(gaussian(rand) * 64));
  // Negative spikes near both segment edges and inside.
  for (const [t, c] of [[3, 2], [40, 5], [700, 1], [1500, 7], [2990, 4], [2960, 11]]) {
    for (let d = -3; d <= 3; d++) if (t + d >= 0 && t + d < NS) q[(t + d) * NC + c] -= Math.round(700 * Math.exp(-d * d / 3));
  }
  fs.writeFileSync(file, new Uint8Array(q.buffer));
}

test('detectChunk on int16 steps gives the peaks and features of detection on the normalised window', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'steps.bin');
    writeSteps(file);
    const gains = Float64Array.from({ length: NC }, (_, c) => 0.19 + 0.01 * c);
    const rec = new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: NC, dtype: 'int16' });
    rec.gains.set(gains);
    const scale = Float32Array.from({ length: NC }, (_, c) => 1 / (12 + c));
    const src = { recording: rec, scale };
    assert.ok(readsAsSteps(src));
    const { setup, proto } = setupAndPrototype();
    const opts = { threshold: 5, matchedFilter: true, maxPerChannel: 100, maxNeighbours: 3, seed: 1 };
    const margin = detectMargin(setup, proto);
    const detect = { threshold: 5, exclusionSamples: setup.exclusionSamples, dedupNeighbours: setup.dedupNeighbours, polarity: setup.polarity };
    let total = 0;
    for (const [a, b] of [[0, 1000], [1000, 2000], [2000, 3000]]) {
      const got = detectChunk(src, setup, proto, opts, 0, a, b);
      const win = readNormalized(src, 0, a, b, margin);
      const want = detectMatchedPeaks(win.data, win.numSamples, NC, proto.filter, proto.peakIndex, proto.filterScale, margin, win.numSamples - margin, win.firstSample, detect);
      assert.deepEqual(Array.from(got.sample), Array.from(want.sample), `[${a}, ${b}) samples`);
      assert.deepEqual(Array.from(got.channel), Array.from(want.channel), `[${a}, ${b}) channels`);
      const feats = new Float32Array(want.sample.length * 9);
      for (let i = 0; i < want.sample.length; i++) projectSnippet(win.data, NC, want.sample[i] - win.firstSample, setup.featureNeighbours[want.channel[i]], proto.basis, feats, i * 9);
      assert.deepEqual(got.features, feats, `[${a}, ${b}) features`);
      assert.equal(got.framesRead, win.framesRead);
      total += got.sample.length;
    }
    assert.ok(total >= 5, `the spikes are detected (${total})`);
    rec.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a steps window normalises to readNormalized values, zero padding included; other sources are not read as steps', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'steps.bin');
    writeSteps(file);
    const rec = new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: NC, dtype: 'int16' });
    rec.gains.fill(0.195);
    const src = { recording: rec, scale: new Float32Array(NC).fill(1 / 13) };
    for (const [a, b] of [[0, 500], [1200, 1700], [2600, 3000]]) {
      const win = readStepsWindow(src, 0, a, b, 50)!;
      const ref = readNormalized(src, 0, a, b, 50);
      assert.equal(win.firstSample, ref.firstSample);
      assert.equal(win.framesRead, ref.framesRead);
      // The steps in noise units as the window's consumers compute them: fround(fround(step · gain) · scale).
      const values = Float32Array.from(win.steps, (q, i) => Math.fround(q * win.gain[i % NC]) * win.scale[i % NC]);
      assert.deepEqual(values, ref.data, `[${a}, ${b})`);
    }
    src.scale[3] = NaN;
    assert.equal(readStepsWindow(src, 0, 0, 10, 0), null);
    src.scale[3] = 1;
    rec.offsets[2] = 1;
    assert.equal(readsAsSteps(src), false);
    rec.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

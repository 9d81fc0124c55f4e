import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import type { Recording } from '../src/core/recording.js';
import { gatherSnippets, snippetReadGroups } from '../src/sortingcomponents/snippets.js';
import { readNormalized, type NormalizedSource, type ReadCounter } from '../src/sortingcomponents/traces.js';
import { randomArray } from './helpers/random.js';

const NC = 6;

/**
 * Two int16 segments with per-channel gains and offsets, so raw → µV → noise units is exercised; without
 * offsets (the int16 trace cache's case) gatherSnippets takes its int16 fast path.
 */
function int16Recording(offsets = [0, -3.5, 0, 12, 0.25, 0]): Recording {
  const seg = (n: number, seed: number) => Int16Array.from(randomArray(n * NC, seed), (v) => Math.round(v * 3000));
  return new InMemoryRecording([seg(500, 1), seg(130, 2)], {
    samplingFrequency: 1000,
    channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`),
    gains: [0.195, 0.2, 1, 2.5, 0.37, 1],
    offsets,
  });
}

const SCALE = Float32Array.from([0.11, 0.5, 1, 0.031, 2, 0]);

/** Reference value of (segment, sample, channel) in noise units, from getTraces({scaled}) (0 outside the segment). */
function reference(rec: Recording, seg: number, t: number, c: number): number {
  if (t < 0 || t >= rec.getNumSamples(seg)) return 0;
  const v = rec.getTraces({ segment: seg, start: t, end: t + 1, channels: [c], scaled: true })[0];
  return Math.fround(v * SCALE[c]);
}

for (const [what, offsets] of [['with offsets', undefined], ['gains only (int16 fast path)', [0, 0, 0, 0, 0, 0]]] as const) test(`gatherSnippets ${what}: every value equals the scaled trace times the channel scale, zero padded at segment edges`, () => {
  const rec = int16Recording(offsets && [...offsets]);
  const counter: ReadCounter = { frames: 0, reads: 0 };
  const src: NormalizedSource = { recording: rec, scale: SCALE, counter };
  // Overlapping, far-apart, edge and second-segment snippets, in no particular order, for three owners.
  const segment = Int32Array.from([0, 0, 0, 1, 0, 0, 1, 0]);
  const sample = Float64Array.from([250, 3, 251, 128, 497, 120, 40, 400]);
  const owner = Int32Array.from([0, 1, 2, 0, 1, 2, 1, 0]);
  const channels = [Int32Array.from([0, 3]), Int32Array.from([5, 1, 2]), Int32Array.from([4])];
  const nBefore = 4;
  const length = 10;
  const sets = gatherSnippets(src, { segment, sample, owner }, channels, nBefore, length, 200);
  const slot = [0, 0, 0];
  for (let r = 0; r < owner.length; r++) {
    const o = owner[r];
    const set = sets[o];
    const i = slot[o]++;
    for (let p = 0; p < length; p++) {
      channels[o].forEach((c, q) => {
        const got = set.data[(i * length + p) * channels[o].length + q];
        assert.equal(got, reference(rec, segment[r], sample[r] - nBefore + p, c), `request ${r}, row ${p}, channel ${c}`);
      });
    }
  }
  assert.deepEqual(sets.map((s) => s.count), [3, 3, 2]);
  // Only the rows near the snippets were read, not whole chunks.
  assert.ok(counter.frames < 100, `read ${counter.frames} frames`);
});

test('gatherSnippets gives the same snippets as cutting them from whole-chunk readNormalized windows', () => {
  const rec = int16Recording();
  const src: NormalizedSource = { recording: rec, scale: SCALE };
  const n = 40;
  const rand = randomArray(2 * n, 7);
  const segment = Int32Array.from({ length: n }, (_, i) => (rand[i] > 0.5 ? 1 : 0));
  const sample = Float64Array.from({ length: n }, (_, i) => Math.floor(((rand[n + i] + 1) / 2) * rec.getNumSamples(segment[i])));
  const owner = Int32Array.from({ length: n }, (_, i) => i % 2);
  const channels = [Int32Array.from([0, 1, 2, 3, 4, 5]), Int32Array.from([2])];
  const sets = gatherSnippets(src, { segment, sample, owner }, channels, 3, 8, 64);
  const slot = [0, 0];
  for (let r = 0; r < n; r++) {
    const chunk = Math.floor(sample[r] / 64) * 64;
    const win = readNormalized(src, segment[r], chunk, Math.min(rec.getNumSamples(segment[r]), chunk + 64), 8);
    const o = owner[r];
    const i = slot[o]++;
    for (let p = 0; p < 8; p++) {
      const row = sample[r] - 3 + p - win.firstSample;
      channels[o].forEach((c, q) => assert.equal(sets[o].data[(i * 8 + p) * channels[o].length + q], win.data[row * NC + c]));
    }
  }
});

test('snippetReadGroups joins close windows, splits far ones and never crosses a chunk or a segment', () => {
  const segment = Int32Array.from([0, 0, 0, 0, 1]);
  const sample = Float64Array.from([10, 15, 60, 101, 102]);
  const order = [0, 1, 2, 3, 4];
  const groups = snippetReadGroups(segment, sample, order, 2, 10, 100);
  assert.deepEqual(groups.map((g) => [g.segment, g.from, g.to, g.start, g.end]), [
    [0, 0, 2, 8, 23],
    [0, 2, 3, 58, 68],
    [0, 3, 4, 99, 109],
    [1, 4, 5, 100, 110],
  ]);
});

test('readNormalized equals getTraces({scaled}) times the scale, for int16 and float32 recordings', () => {
  const rec16 = int16Recording();
  const rec32 = InMemoryRecording.fromArray(randomArray(300 * NC, 3).map((v) => v * 80), NC, 1000);
  for (const rec of [rec16, rec32]) {
    const win = readNormalized({ recording: rec, scale: SCALE }, 0, 5, 200, 20);
    assert.equal(win.firstSample, -15);
    assert.equal(win.framesRead, 220);
    const scaled = rec.getTraces({ segment: 0, start: 0, end: 220, scaled: true }) as Float32Array;
    for (let t = 0; t < win.numSamples; t++) {
      for (let c = 0; c < NC; c++) {
        const s: number = t + win.firstSample;
        const want: number = s < 0 ? 0 : Math.fround(scaled[s * NC + c] * SCALE[c]);
        assert.equal(win.data[t * NC + c], want, `${rec.dtype} row ${t} channel ${c}`);
      }
    }
  }
});

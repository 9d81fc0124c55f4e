/**
 * Templates on the int16 cache take medians on raw steps: gatherSnippetSteps must read the same windows
 * as gatherSnippets (raw steps, zero padded), and medianSnippetFromSteps must give the bits of
 * medianSnippet on the normalised snippets, for odd and even counts (mean of two converted middles);
 * floatSetsFromSteps must give gatherSnippets' sets bit for bit, whichever slot of its pool it uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import type { Recording } from '../src/core/recording.js';
import { floatSetsFromSteps, gatherSnippetSteps, gatherSnippets, stepsAreMonotonic } from '../src/sortingcomponents/snippets.js';
import { medianSnippet, medianSnippetFromSteps } from '../src/sortingcomponents/templatebuild.js';
import { channelNormalizer, type NormalizedSource } from '../src/sortingcomponents/traces.js';
import { randomArray } from './helpers/random.js';

const NC = 5;
const SCALE = Float32Array.from([0.11, 0.5, 1, 0.031, 2]);

/** Two int16 segments; small steps on channel 2 so many snippet values tie. */
function int16Recording(offsets = [0, 0, 0, 0, 0], gains = [0.195, 0.2, 1, 2.5, 0.37]): Recording {
  const seg = (n: number, seed: number) => Int16Array.from(randomArray(n * NC, seed), (v, i) => Math.round(v * (i % NC === 2 ? 3 : 3000)));
  return new InMemoryRecording([seg(600, 3), seg(140, 4)], {
    samplingFrequency: 1000,
    channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`),
    gains,
    offsets,
  });
}

/** Requests for three owners: overlapping, edge and second-segment windows, in no order. */
function requests(n: number, seed: number) {
  const r = randomArray(3 * n, seed);
  const segment = Int32Array.from({ length: n }, (_, i) => (r[i] > 0.8 ? 1 : 0));
  const sample = Float64Array.from({ length: n }, (_, i) => Math.floor(Math.abs(r[n + i]) * 1e6) % (segment[i] ? 140 : 600));
  const owner = Int32Array.from({ length: n }, (_, i) => Math.floor(Math.abs(r[2 * n + i]) * 1e6) % 3);
  return { segment, sample, owner };
}

const CHANNELS = [Int32Array.from([0, 2]), Int32Array.from([4, 1, 2]), Int32Array.from([3])];

test('gatherSnippetSteps reads the raw steps of the windows gatherSnippets reads, zero padded at segment edges', () => {
  const rec = int16Recording();
  const src: NormalizedSource = { recording: rec, scale: SCALE };
  const req = requests(40, 9);
  const nBefore = 5;
  const length = 12;
  const steps = gatherSnippetSteps(src, req, CHANNELS, nBefore, length, 200);
  assert.ok(steps);
  const slot = [0, 0, 0];
  for (let r = 0; r < req.owner.length; r++) {
    const o = req.owner[r];
    const i = slot[o]++;
    for (let p = 0; p < length; p++) {
      const t = req.sample[r] - nBefore + p;
      CHANNELS[o].forEach((c, q) => {
        const want = t < 0 || t >= rec.getNumSamples(req.segment[r]) ? 0 : rec.getTraces({ segment: req.segment[r], start: t, end: t + 1, channels: [c] })[0];
        assert.equal(steps[o].data[(i * length + p) * CHANNELS[o].length + q], want, `request ${r}, row ${p}, channel ${c}`);
      });
    }
  }
  assert.deepEqual(steps.map((s) => s.count), slot);
});

test('medianSnippetFromSteps gives medianSnippet of the normalised snippets bit for bit, odd and even counts', () => {
  const src: NormalizedSource = { recording: int16Recording(), scale: SCALE };
  const length = 9;
  const parities = new Set<number>();
  for (const [n, seed] of [[31, 1], [40, 2], [7, 3], [2, 4]]) {
    const req = requests(n, seed);
    const steps = gatherSnippetSteps(src, req, CHANNELS, 4, length, 200)!;
    const sets = gatherSnippets(src, req, CHANNELS, 4, length, 200);
    for (const set of sets) if (set.count > 0) parities.add(set.count % 2);
    sets.forEach((set, o) => {
      const want = medianSnippet(set, length);
      const got = medianSnippetFromSteps(steps[o], length, channelNormalizer(src));
      assert.deepEqual(new Uint8Array(got.buffer), new Uint8Array(want.buffer), `${n} requests, owner ${o} (${set.count} snippets)`);
    });
  }
  assert.equal(parities.size, 2, 'both odd and even counts exercised');
  // An empty set gives zeros, as medianSnippet.
  const empty = medianSnippetFromSteps({ channels: CHANNELS[0], data: new Int16Array(0), count: 0 }, length, channelNormalizer(src));
  assert.deepEqual([...empty], new Array(length * 2).fill(0));
});

test('gatherSnippetSteps declines sources whose steps do not map monotonically (or without -0) to noise units', () => {
  const req = requests(5, 7);
  const base = int16Recording();
  assert.ok(stepsAreMonotonic(channelNormalizer({ recording: base, scale: SCALE })));
  // Offsets, a zero scale, a negative gain, and a gain so small that step -1 rounds to -0.
  const cases: [string, NormalizedSource][] = [
    ['offset', { recording: int16Recording([0, 1.5, 0, 0, 0]), scale: SCALE }],
    ['zero scale', { recording: base, scale: Float32Array.from([0.11, 0.5, 0, 0.031, 2]) }],
    ['negative gain', { recording: int16Recording(undefined, [0.195, -0.2, 1, 2.5, 0.37]), scale: SCALE }],
    ['underflowing gain', { recording: int16Recording(undefined, [0.195, 1e-50, 1, 2.5, 0.37]), scale: SCALE }],
  ];
  for (const [what, src] of cases) assert.equal(gatherSnippetSteps(src, req, CHANNELS, 2, 5, 200), null, what);
  // A float32 recording has no steps.
  const f32 = new InMemoryRecording([new Float32Array(100 * NC)], { samplingFrequency: 1000, channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`) });
  assert.equal(gatherSnippetSteps({ recording: f32, scale: SCALE }, { segment: new Int32Array(1), sample: Float64Array.from([50]), owner: new Int32Array(1) }, CHANNELS, 2, 5, 200), null);
});

test('floatSetsFromSteps gives the sets of gatherSnippets bit for bit, in any order of requests, from a pool of a few slots', () => {
  const src: NormalizedSource = { recording: int16Recording(), scale: SCALE };
  const length = 7;
  const channels = [...CHANNELS, Int32Array.from([1, 3]), Int32Array.from([0, 1, 2, 3, 4])];
  const req = requests(60, 5);
  req.owner.forEach((o, i) => (req.owner[i] = (o + i) % channels.length));
  const steps = gatherSnippetSteps(src, req, channels, 3, length, 200)!;
  const want = gatherSnippets(src, req, channels, 3, length, 200);
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  // A budget of one float: the pool has its minimum of 3 slots for 5 units, so slots are reused.
  const setOf = floatSetsFromSteps(steps, channelNormalizer(src), 4);
  let pairs = 0;
  for (const [a, b] of [[0, 1], [2, 3], [4, 0], [1, 2], [3, 4], [0, 2], [4, 1], [3, 0], [2, 2]]) {
    const A = setOf(a);
    const B = setOf(b);
    for (const [u, got] of [[a, A], [b, B]] as const) {
      assert.deepEqual(got.channels, want[u].channels);
      assert.equal(got.count, want[u].count);
      assert.deepEqual(bits(got.data), bits(want[u].data), `unit ${u} (pair ${a}, ${b})`);
    }
    pairs++;
  }
  assert.equal(pairs, 9);
});

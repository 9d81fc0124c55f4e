import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignedCosine, crossViolations, findPostMerges, PostMergeOptions, PostMergeSpikes } from '../src/sortingcomponents/postmerge.js';
import type { SparseTemplate } from '../src/sortingcomponents/matching.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { gaussian } from './helpers/random.js';
import { float32RowsInMemory } from '../src/exec/spill.js';

const K = 3; // PC components
const P = 4; // PC channels
const FS = 30000;
const TOTAL = 60 * FS;

/** Spike times (samples) of one neuron: refractory 2 ms, then exponential waits at `rateHz`. */
function refractoryTrain(rand: () => number, rateHz: number): number[] {
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += Math.round(0.002 * FS - (Math.log(1 - rand()) * FS) / rateHz);
    if (t >= TOTAL) return out;
    out.push(t);
  }
}

function template(): SparseTemplate {
  const L = 10;
  const data = new Float32Array(L * P);
  for (let p = 0; p < L; p++) for (let q = 0; q < P; q++) data[p * P + q] = Math.sin(p / 2) * (q + 1);
  return { channels: Int32Array.from([0, 1, 2, 3]), data, peakChannel: 0 };
}

/** Matched spikes of two units, time-ordered, features drawn by `feature(unit, index in times)` (unit 0 or 1). */
function spikesOf(times: number[], units: number[], feature: (u: number, i: number) => number[]): PostMergeSpikes {
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  const pc = new Float32Array(order.length * K * P);
  order.forEach((i, j) => pc.set(feature(units[i], i), j * K * P));
  return {
    segment: new Int32Array(order.length),
    sample: Float64Array.from(order, (i) => times[i]),
    unit: Int32Array.from(order, (i) => units[i]),
    pcFeatures: float32RowsInMemory(pc, K * P),
  };
}

function options(): PostMergeOptions {
  return {
    numComponents: K, pcChannels: P, maxShift: 2, candidateCosine: 0.8, mergeScore: 4, maxSeparation: 4,
    amplitudeMin: 0.5, amplitudeMax: 2, scaleCosine: 0.95, maxSpikesPerUnit: 1200,
    refractorySamples: 0.0015 * FS, censoredSamples: 0.00025 * FS, segmentSamples: [TOTAL],
    maxCrossViolationRatio: 0.3, complementaryCosine: 0.9, complementaryBinSamples: 2 * FS, near: () => true,
  };
}

/** A feature vector around `centre` on its first coordinate, unit-variance noise elsewhere. */
function cloud(rand: () => number, centre: number): number[] {
  return Array.from({ length: K * P }, (_, k) => (k === 0 ? centre : 5) + gaussian(rand));
}

test('one neuron split in two by a cut through its feature cloud is merged back', () => {
  const rand = seededRandom(1);
  const times = refractoryTrain(rand, 40);
  // Cut one Gaussian cloud at its centre: each half is a unit, as a split between two peak channels gives.
  const feats = times.map(() => cloud(rand, 0));
  const units = feats.map((f) => (f[0] > 0 ? 0 : 1));
  const s = spikesOf(times, units, (_, i) => feats[i]);
  const { target, merges } = findPostMerges(s, [template(), template()], options());
  assert.equal(merges.length, 1, 'the pair is merged');
  assert.equal(merges[0].crossViolations, 0, 'one refractory train split in two has no cross violations');
  assert.equal(target[0], target[1]);
});

test('two neurons with the same template but distinct feature clouds stay apart', () => {
  const rand = seededRandom(2);
  const a = refractoryTrain(rand, 20);
  const b = refractoryTrain(rand, 20);
  const s = spikesOf([...a, ...b], [...a.map(() => 0), ...b.map(() => 1)], (u) => cloud(rand, u === 0 ? 0 : 8));
  const { target, merges } = findPostMerges(s, [template(), template()], options());
  assert.equal(merges.length, 0);
  assert.deepEqual([...target], [0, 1]);
});

test('one neuron that drift shows with two shapes, each in its own periods, is merged back (complementary trains)', () => {
  const rand = seededRandom(5);
  const times = refractoryTrain(rand, 10);
  // A 20 s sine drift: while the probe is above the middle the neuron looks like unit 0, else unit 1.
  const up = (t: number) => Math.sin((2 * Math.PI * t) / (20 * FS)) > 0;
  const units = times.map((t) => (up(t) ? 0 : 1));
  const s = spikesOf(times, units, (u) => cloud(rand, u === 0 ? 0 : 8));
  const { target, merges } = findPostMerges(s, [template(), template()], options());
  assert.equal(merges.length, 1, 'distinct shapes, but complementary periods');
  assert.equal(target[0], target[1]);
  // complementaryCosine = 1 disables the test: the shapes alone keep the pair apart.
  assert.equal(findPostMerges(s, [template(), template()], { ...options(), complementaryCosine: 1 }).merges.length, 0);
});

test('a unimodal pair whose trains coincide at chance (two neurons) is vetoed by the refractory test', () => {
  const rand = seededRandom(3);
  const a = refractoryTrain(rand, 20);
  const b = refractoryTrain(rand, 20);
  const s = spikesOf([...a, ...b], [...a.map(() => 0), ...b.map(() => 1)], (u) => cloud(rand, u === 0 ? 0.3 : -0.3));
  const { merges } = findPostMerges(s, [template(), template()], options());
  assert.equal(merges.length, 0);
  // Without the veto the same pair merges: the test above is the refractory evidence at work.
  const noVeto = findPostMerges(s, [template(), template()], { ...options(), maxCrossViolationRatio: 10 });
  assert.equal(noVeto.merges.length, 1);
  const m = noVeto.merges[0];
  // Independent trains: observed ≈ expected (Poisson, 5 sd).
  assert.ok(Math.abs(m.crossViolations - m.expectedViolations) < 5 * Math.sqrt(m.expectedViolations), `${m.crossViolations} vs ${m.expectedViolations}`);
});

test('crossViolations counts pairs as a direct double loop does, and chance as 2·nA·nB·window/T', () => {
  const rand = seededRandom(4);
  const sample = Float64Array.from({ length: 400 }, () => Math.floor(rand() * 20000));
  const segment = Int32Array.from({ length: 400 }, () => (rand() < 0.5 ? 0 : 1));
  const a = Array.from({ length: 200 }, (_, i) => i);
  const b = Array.from({ length: 200 }, (_, i) => 200 + i);
  const opts = { refractorySamples: 45, censoredSamples: 7.5, segmentSamples: [20000, 20000] };
  let direct = 0;
  for (const i of a) for (const j of b) {
    const d = Math.abs(sample[i] - sample[j]);
    if (segment[i] === segment[j] && d > 7.5 && d <= 45) direct++;
  }
  const r = crossViolations({ segment, sample }, a, b, opts);
  assert.equal(r.observed, direct);
  assert.ok(Math.abs(r.expected - (200 * 200 * 2 * 37.5) / 40000) < 1e-9);
});

test('alignedCosine finds a shifted copy and penalises energy off the common channels', () => {
  const A = template();
  const L = 10;
  const shifted = new Float32Array(L * P);
  for (let p = 1; p < L; p++) for (let q = 0; q < P; q++) shifted[p * P + q] = A.data[(p - 1) * P + q];
  const B: SparseTemplate = { channels: A.channels, data: shifted, peakChannel: 0 };
  // Reference: at shift +1 the overlap is A's rows 0..L-2 against themselves.
  let ab = 0;
  for (let k = 0; k < (L - 1) * P; k++) ab += A.data[k] * A.data[k];
  const na = Math.sqrt(A.data.reduce((s, v) => s + v * v, 0));
  const nb = Math.sqrt(shifted.reduce((s, v) => s + v * v, 0));
  assert.ok(Math.abs(alignedCosine(A, B, 2) - ab / (na * nb)) < 1e-6);
  assert.ok(alignedCosine(A, B, 0) < alignedCosine(A, B, 2));
  // Same shape on channels 0..3, but B also has as much energy on a channel A lacks: cosine 1/√2.
  const wide: SparseTemplate = { channels: Int32Array.from([0, 1, 2, 3, 9]), data: new Float32Array(L * 5), peakChannel: 0 };
  let e = 0;
  for (let p = 0; p < L; p++) for (let q = 0; q < P; q++) {
    wide.data[p * 5 + q] = A.data[p * P + q];
    e += A.data[p * P + q] ** 2;
  }
  for (let p = 0; p < L; p++) wide.data[p * 5 + 4] = Math.sqrt(e / L);
  assert.ok(Math.abs(alignedCosine(A, wide, 0) - Math.SQRT1_2) < 1e-5);
});

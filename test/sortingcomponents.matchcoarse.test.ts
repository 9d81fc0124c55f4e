import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestCoarseFit, bestCoarseFitInOrder, fitScratch, prepareTemplates, residualVariance, MatchOptions, ResidualVariance, SparseTemplate,
} from '../src/sortingcomponents/matching.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

// bestCoarseFit takes fits by decreasing gain and stops at the first whose z passes; the in-order scan
// (keep every fit that beats the best so far) is the definition. They must pick the same fit, ties included.

const nc = 6;
const L = 20;
const ns = 400;

function setup(seed: number) {
  const rand = seededRandom(seed);
  const sparse: SparseTemplate[] = Array.from({ length: 5 }, (_, u) => {
    const channels = Int32Array.from([u % nc, (u + 1) % nc, (u + 2) % nc]);
    const data = Float32Array.from({ length: L * 3 }, () => rand() * 2 - 1);
    return { channels, data, peakChannel: channels[0] };
  });
  const templates = prepareTemplates(sparse, L, 1, nc, 'negative');
  const opts = {
    nBefore: 8, length: L, maxShift: 2, minScore: 8, amplitudeMin: 0.3, amplitudeMax: 2,
    candidatesPerChannel: Array.from({ length: nc }, () => Int32Array.from([0, 1, 2, 3, 4])),
  } as unknown as MatchOptions;
  return { rand, templates, opts };
}

/** Counts the extra-variance sums, the cost the new order saves. */
function countingVariance(rv: ResidualVariance): { rv: ResidualVariance; calls: () => number } {
  let n = 0;
  return { rv: { ...rv, weighted: (...a) => (n++, rv.weighted(...a)) }, calls: () => n };
}

test('bestCoarseFit picks the same fit as the in-order scan, with ties and z rejections', () => {
  let fits = 0;
  let saved = 0;
  for (let trial = 0; trial < 400; trial++) {
    const { rand, templates, opts } = setup(trial + 1);
    const rv0 = residualVariance(ns, nc, 0.5);
    // Earlier subtractions of large spikes leave variance that makes some z fail.
    for (let k = 0; k < 3; k++) {
      const tpl = templates[Math.floor(rand() * templates.length)];
      rv0.add(100 + Math.floor(rand() * 150), tpl.shifted[0], tpl.channels, L, 1 + 400 * rand());
    }
    const sc = fitScratch(templates, opts, nc);
    const count = 1 + Math.floor(rand() * 5);
    const shifts = 2 * opts.maxShift + 1;
    for (let j = 0; j < count; j++) {
      sc.units[j] = Math.floor(rand() * templates.length);
      sc.guesses[j] = 120 + Math.floor(rand() * 120);
    }
    // Coarse integer scores so equal gains are common.
    for (let i = 0; i < count * shifts; i++) sc.scores[i] = Math.round(rand() * 12) * templates[sc.units[Math.floor(i / shifts)]].energy[0] * 0.25;
    const a = countingVariance(rv0);
    const b = countingVariance(rv0);
    const got = bestCoarseFit(templates, opts, a.rv, sc, count, shifts);
    const want = bestCoarseFitInOrder(templates, opts, b.rv, sc, count, shifts);
    assert.deepEqual(got, want, `trial ${trial}`);
    assert.ok(a.calls() <= b.calls(), `trial ${trial}: ${a.calls()} variance sums, the in-order scan needs ${b.calls()}`);
    if (got) fits++;
    saved += b.calls() - a.calls();
    rv0.release();
  }
  // The trials must exercise both outcomes and the saving.
  assert.ok(fits > 50 && fits < 400, `${fits} of 400 trials found a fit`);
  assert.ok(saved > 0);
});

test('bestCoarseFit with a NaN score behaves as the in-order scan', () => {
  const { templates, opts } = setup(7);
  const sc = fitScratch(templates, opts, nc);
  const shifts = 5;
  sc.units[0] = 0;
  sc.units[1] = 1;
  sc.guesses[0] = 100;
  sc.guesses[1] = 100;
  for (let i = 0; i < 2 * shifts; i++) sc.scores[i] = (i + 1) * templates[sc.units[Math.floor(i / shifts)]].energy[0] * 0.2;
  sc.scores[1] = NaN;
  const rv = residualVariance(ns, nc, 0);
  assert.deepEqual(bestCoarseFit(templates, opts, rv, sc, 2, shifts), bestCoarseFitInOrder(templates, opts, rv, sc, 2, shifts));
});

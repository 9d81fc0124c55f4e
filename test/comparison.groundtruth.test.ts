import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Sorting } from '../src/core/sorting.js';
import { mulberry32 } from '../src/core/random.js';
import { compareSortingToGroundTruth, formatComparisonTable, makeMatchCountMatrix } from '../src/comparison/groundtruth.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { GT_DATASETS, datasetDir } from './helpers/paths.js';

const rng = mulberry32;

/** Rebuilds a sorting from per-unit trains (one segment) with the given ids. */
function fromUnitTrains(trains: number[][], ids: string[], fs = 30000): Sorting {
  return Sorting.fromTrains([trains.map((t) => [...t].sort((a, b) => a - b))], { samplingFrequency: fs, unitIds: ids, numSamples: [1e9] });
}

function trainsOf(s: Sorting): number[][] {
  return s.unitIds.map((_, u) => Array.from(s.getUnitSpikeTrain(u)));
}

test('match counts equal an independent brute-force count on well-separated trains', () => {
  const r = rng(3);
  const delta = 12;
  // Spikes of each unit are > 2·delta apart, so each spike has at most one partner per unit pair and the
  // count is simply the number of GT spikes with a tested spike within delta.
  const makeTrain = (n: number) => {
    const t: number[] = [];
    let x = 0;
    for (let i = 0; i < n; i++) t.push((x += 2 * delta + 1 + Math.floor(r() * 300)));
    return t;
  };
  const gtTrains = [makeTrain(300), makeTrain(200), makeTrain(250)];
  const testedTrains = [
    gtTrains[0].filter(() => r() < 0.8).map((t) => t + Math.round((r() - 0.5) * 2 * delta)),
    gtTrains[1].map((t) => t + (r() < 0.5 ? 5 : 40)),
    makeTrain(400),
    [...gtTrains[2].slice(0, 100)].map((t) => t - delta),
  ];
  const gt = fromUnitTrains(gtTrains, ['a', 'b', 'c']);
  const tested = fromUnitTrains(testedTrains, ['0', '1', '2', '3']);
  const counts = makeMatchCountMatrix(gt, tested, delta);
  for (let g = 0; g < 3; g++) {
    for (let t = 0; t < 4; t++) {
      let expect = 0;
      for (const a of gtTrains[g]) if (testedTrains[t].some((b) => Math.abs(a - b) <= delta)) expect++;
      assert.equal(counts[g * 4 + t], expect, `pair (${g}, ${t})`);
    }
  }
});

test('bursts: no spike is counted twice and counts never exceed either train', () => {
  // GT bursts 5 samples apart vs a tested train with one spike per burst.
  const gtT = [[100, 105, 110, 115, 1000, 1005]];
  const teT = [[106, 1003]];
  const c = makeMatchCountMatrix(fromUnitTrains(gtT, ['g']), fromUnitTrains(teT, ['t']), 12);
  assert.equal(c[0], 2);
  const c2 = makeMatchCountMatrix(fromUnitTrains(teT, ['t']), fromUnitTrains(gtT, ['g']), 12);
  assert.ok(c2[0] <= 2);
});

test('multi-segment sortings match segment by segment', () => {
  const mk = (segs: number[][]) =>
    Sorting.fromTrains(segs.map((s) => [s]), { samplingFrequency: 30000, unitIds: ['0'], numSamples: segs.map(() => 10000) });
  const gt = mk([[100, 200], [100, 300]]);
  // Sample 300 is in segment 0 here but in segment 1 of the ground truth: it must not match.
  const tested = mk([[100, 200, 300], [100]]);
  const res = compareSortingToGroundTruth(gt, tested);
  assert.equal(res.units[0].tp, 3);
  assert.equal(res.units[0].fn, 1);
  assert.equal(res.units[0].fp, 1);
  assert.throws(() => compareSortingToGroundTruth(gt, mk([[1]])), /2 segments but the tested sorting 1/);
});

for (const name of GT_DATASETS) {
  const dir = datasetDir(name);
  test(`${name}: ground truth vs itself and corrupted copies`, { skip: !fs.existsSync(dir) && `${dir} not found` }, async () => {
    const ds = await loadGroundTruthDataset(dir);
    const gt = ds.groundTruth;
    const fs0 = gt.samplingFrequency;
    const ids = [...gt.unitIds];
    const n = ids.length;
    const trains = trainsOf(gt);
    const r = rng(name.length);

    const self = compareSortingToGroundTruth(gt, gt);
    assert.equal(self.summary.numWellDetected, n);
    assert.equal(self.summary.meanAccuracy, 1);
    assert.equal(self.summary.numFalsePositive, 0);
    assert.equal(self.summary.numRedundant, 0);
    assert.equal(self.summary.numBad, 0);
    for (const u of self.units) assert.equal(u.testedUnitId, u.gtUnitId);
    assert.deepEqual(JSON.parse(JSON.stringify(self)), self);
    assert.match(formatComparisonTable(self), /well detected \(accuracy ≥ 0.8\): \d+/);

    // Drop 30 % of one unit's spikes: its recall and accuracy fall to ~0.7, precision stays 1.
    const target = trains.reduce((best, t, i) => (t.length > trains[best].length ? i : best), 0);
    const dropped = trains.map((t, i) => (i === target ? t.filter((_, k) => k % 10 >= 3) : t));
    const dropRes = compareSortingToGroundTruth(gt, fromUnitTrains(dropped, ids, fs0));
    const du = dropRes.units[target];
    assert.ok(du.recall < 0.75 && du.recall > 0.65, `recall ${du.recall}`);
    assert.ok(du.accuracy < 0.8);
    assert.equal(du.precision, 1);
    assert.equal(dropRes.summary.numWellDetected, n - 1);

    // A new unit of random noise spikes matches nothing: a false positive (and a bad unit).
    const noise = Array.from({ length: 300 }, () => Math.floor(r() * ds.info.numSamples));
    const fpRes = compareSortingToGroundTruth(gt, fromUnitTrains([...trains, noise], [...ids, 'noise'], fs0));
    assert.equal(fpRes.summary.numFalsePositive, 1);
    assert.equal(fpRes.summary.numBad, 1);
    assert.deepEqual(fpRes.falsePositiveUnits, ['noise']);
    assert.equal(fpRes.summary.numWellDetected, n);

    // Merge the two largest units: the merged unit agrees > 0.2 with both, so it is overmerged.
    const order = trains.map((t, i) => [t.length, i]).sort((a, b) => b[0] - a[0]).map((x) => x[1]);
    const [m1, m2] = order;
    const mergedTrains = trains.filter((_, i) => i !== m1 && i !== m2);
    mergedTrains.push([...trains[m1], ...trains[m2]]);
    const mergedIds = ids.filter((_, i) => i !== m1 && i !== m2).concat(['merged']);
    const mRes = compareSortingToGroundTruth(gt, fromUnitTrains(mergedTrains, mergedIds, fs0));
    assert.equal(mRes.summary.numOvermerged, 1);
    assert.deepEqual(mRes.overmergedUnits, ['merged']);

    // Split one unit 60/40: the larger part is matched, the smaller one is redundant.
    const first = trains[target].filter((_, k) => k % 5 < 3);
    const second = trains[target].filter((_, k) => k % 5 >= 3);
    const sRes = compareSortingToGroundTruth(gt, fromUnitTrains([...trains.filter((_, i) => i !== target), first, second], [...ids.filter((_, i) => i !== target), 'partA', 'partB'], fs0));
    assert.equal(sRes.summary.numRedundant, 1);
    assert.deepEqual(sRes.redundantUnits, ['partB']);
    assert.equal(sRes.matchGtToTested[ids[target]], 'partA');

    // Jitter every spike by ±0.3 ms: still matched (delta 0.4 ms); by ±0.6 ms: nothing matches.
    const shift = (ms: number) => trains.map((t) => t.map((s, k) => s + (k % 2 ? 1 : -1) * Math.round((ms * fs0) / 1000)));
    const j3 = compareSortingToGroundTruth(gt, fromUnitTrains(shift(0.3), ids, fs0));
    assert.equal(j3.summary.numWellDetected, n);
    assert.ok(j3.summary.meanAccuracy > 0.99, `accuracy ${j3.summary.meanAccuracy}`);
    const j6 = compareSortingToGroundTruth(gt, fromUnitTrains(shift(0.6), ids, fs0));
    assert.equal(j6.summary.numWellDetected, 0);
    assert.ok(j6.summary.meanAccuracy < 0.05, `accuracy ${j6.summary.meanAccuracy}`);
    ds.recording.close();
  });
}

test('comparison of 200k spikes x 100 units runs in well under a second per 100k spikes', () => {
  const r = rng(5);
  const trains: number[][] = Array.from({ length: 100 }, () => {
    const t: number[] = [];
    let x = 0;
    for (let i = 0; i < 2000; i++) t.push((x += 60 + Math.floor(r() * 3000)));
    return t;
  });
  const ids = trains.map((_, i) => String(i));
  const gt = fromUnitTrains(trains, ids);
  const tested = fromUnitTrains(trains.map((t) => t.map((s) => s + 3)), ids);
  const t0 = performance.now();
  const res = compareSortingToGroundTruth(gt, tested);
  const ms = performance.now() - t0;
  assert.equal(res.summary.numWellDetected, 100);
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
});

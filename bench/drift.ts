/**
 * Drift benchmark: motion error and sorting accuracy with correction off/on.
 *   node dist/bench/drift.js [--no-sort]
 * Motion error: the estimate is sampled at each ground-truth time and at each unit's depth (shared
 * dataset, gt_drift.npz unit_displacements[:, :, 1] at 5 Hz) or at each true-motion depth bin
 * (generator recordings); one constant offset per depth (the estimate's reference is the time-average
 * position) is removed, then the RMS over times and depths is reported. worstDepthUm: the largest
 * RMS at one true depth (unit depths or generator depth bins, probe ends included); worstWindowUm: the
 * largest RMS at the estimate's window centres (truth interpolated linearly in depth). Sorting columns: units well detected (agreement ≥ 0.8) by the native sorter on the
 * recording as is and on the kriging-corrected one.
 */
import * as path from 'node:path';
import { compareSortingToGroundTruth } from '../src/comparison/groundtruth.js';
import { generateGroundTruth, GeneratorOptions } from '../src/core/generator.js';
import type { Recording } from '../src/core/recording.js';
import type { Sorting } from '../src/core/sorting.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { npyNumbers } from '../src/io/npy.js';
import { readNpz } from '../src/io/npz.js';
import { computeMotion } from '../src/motion/compute.js';
import { correctMotion } from '../src/motion/correct.js';
import { isDriftSignificant } from '../src/motion/detectdrift.js';
import { motionError } from '../src/motion/evaluate.js';
import { sort } from '../src/sorter/sort.js';
import { sharedDir } from '../test/helpers/paths.js';

interface Truth {
  /** times × depths (µm). */
  timesS: Float64Array;
  depthsUm: Float64Array;
  displacementUm: Float64Array;
}

interface Row {
  recording: string;
  mode: string;
  peaks: number;
  rmsUm: string;
  worstDepthUm: string;
  worstWindowUm: string;
  driftRangeUm: string;
  correct: string;
  wellOff: string;
  wellOn: string;
  motionS: string;
}

async function sortWell(rec: Recording, gt: Sorting): Promise<number> {
  const res = await sort(rec);
  return compareSortingToGroundTruth(gt, res.sorting).summary.numWellDetected;
}

async function benchOne(name: string, rec: Recording, truth: Truth | null, gt: Sorting, rigid: boolean, doSort: boolean): Promise<Row> {
  const t0 = performance.now();
  const { motion, peaks } = computeMotion(rec, { estimate: { rigid } });
  const motionS = (performance.now() - t0) / 1000;
  const err = truth ? motionError(motion, truth) : null;
  const decision = isDriftSignificant(motion);
  let wellOff = 'not run';
  let wellOn = 'not run';
  if (doSort) {
    const n = gt.unitIds.length;
    wellOff = `${await sortWell(rec, gt)}/${n}`;
    wellOn = `${await sortWell(correctMotion(rec, motion), gt)}/${n}`;
  }
  return {
    recording: name,
    mode: rigid ? 'rigid' : 'non-rigid',
    peaks: peaks.sample.length,
    rmsUm: err ? err.rmsUm.toFixed(2) : '-',
    worstDepthUm: err ? Math.max(...err.perDepthUm).toFixed(2) : '-',
    worstWindowUm: truth ? Math.max(...motionError(motion, atDepths(truth, motion.shanks[0].spatialBinsUm)).perDepthUm).toFixed(2) : '-',
    driftRangeUm: decision.rangeUm.toFixed(1),
    correct: decision.significant ? 'yes' : 'no',
    wellOff,
    wellOn,
    motionS: motionS.toFixed(1),
  };
}

/** The truth linearly interpolated (in depth) at the estimate's window centres. */
function atDepths(truth: Truth, depths: Float64Array): Truth {
  const nd = truth.depthsUm.length;
  const order = Array.from(truth.depthsUm.keys()).sort((a, b) => truth.depthsUm[a] - truth.depthsUm[b]);
  const ys = order.map((k) => truth.depthsUm[k]);
  const nt = truth.timesS.length;
  const out = new Float64Array(nt * depths.length);
  depths.forEach((y, w) => {
    let j = 0;
    while (j + 2 < nd && ys[j + 1] < y) j++;
    const f = nd === 1 ? 0 : Math.min(1, Math.max(0, (y - ys[j]) / (ys[j + 1] - ys[j] || 1)));
    for (let t = 0; t < nt; t++) {
      const a = truth.displacementUm[t * nd + order[j]];
      const b = nd === 1 ? a : truth.displacementUm[t * nd + order[j + 1]];
      out[t * depths.length + w] = a + f * (b - a);
    }
  });
  return { timesS: truth.timesS, depthsUm: depths, displacementUm: out };
}

function sharedTruth(dir: string, units: { locationUm: number[] | null }[]): Truth {
  const file = path.join(dir, 'gt_drift.npz');
  const z = readNpz(file);
  const ud = z.get('unit_displacements');
  const fsd = z.get('displacement_sampling_frequency');
  if (!ud || !fsd || ud.shape.length !== 3 || ud.shape[2] !== 2) throw new Error(`${file}: expected unit_displacements (times, units, 2) and displacement_sampling_frequency`);
  const [nt, nu] = ud.shape;
  const data = npyNumbers(ud, file);
  const hz = npyNumbers(fsd, file)[0];
  return {
    timesS: Float64Array.from({ length: nt }, (_, t) => t / hz),
    depthsUm: Float64Array.from({ length: nu }, (_, u) => units[u].locationUm?.[1] ?? NaN),
    // y component: displacement along the probe.
    displacementUm: Float64Array.from({ length: nt * nu }, (_, i) => data[i * 2 + 1]),
  };
}

function generatorCase(opts: GeneratorOptions): { rec: Recording; truth: Truth | null; gt: Sorting } {
  const g = generateGroundTruth(opts);
  const m = g.motion;
  const truth = m ? { timesS: m.timesS, depthsUm: m.depthBinsUm, displacementUm: Float64Array.from(m.displacementUm) } : null;
  return { rec: g.recording, truth, gt: g.sorting };
}

function printTable(rows: Row[]): void {
  const keys = Object.keys(rows[0]) as (keyof Row)[];
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (v: string[]) => v.map((s, i) => s.padStart(width[i])).join('  ');
  process.stdout.write(`${line(keys)}\n`);
  for (const r of rows) process.stdout.write(`${line(keys.map((k) => String(r[k])))}\n`);
}

async function main(): Promise<void> {
  const doSort = !process.argv.includes('--no-sort');
  const rows: Row[] = [];
  const base: GeneratorOptions = { layout: 'neuropixels-like', numChannels: 64, durationS: 30, numUnits: 40, seed: 7, firingRateHz: [3, 10], noiseStdUv: 5, amplitudeUv: [60, 250] };
  const driftDir = path.join(sharedDir(), 'datasets', 'gt-drift-64ch-15s');
  const staticDir = path.join(sharedDir(), 'datasets', 'gt-static-32ch-30s');
  const drift = await loadGroundTruthDataset(driftDir);
  const driftTruth = sharedTruth(driftDir, drift.info.units);
  rows.push(await benchOne('gt-drift-64ch-15s', drift.recording, driftTruth, drift.groundTruth, true, doSort));
  rows.push(await benchOne('gt-drift-64ch-15s', drift.recording, driftTruth, drift.groundTruth, false, false));
  const stat = await loadGroundTruthDataset(staticDir);
  const zero: Truth = { timesS: Float64Array.from({ length: 30 }, (_, i) => i + 0.5), depthsUm: Float64Array.of(100, 300), displacementUm: new Float64Array(60) };
  rows.push(await benchOne('gt-static-32ch-30s', stat.recording, zero, stat.groundTruth, false, doSort));
  const nonRigid = generatorCase({ ...base, drift: { mode: 'non-rigid', waveform: 'zigzag', amplitudeUm: 15, periodS: 20, nonRigidGradient: 1.5 } });
  rows.push(await benchOne('gen non-rigid zigzag ±15 µm × (0.25..1.75)', nonRigid.rec, nonRigid.truth, nonRigid.gt, false, doSort));
  const step = generatorCase({ ...base, drift: { mode: 'rigid', waveform: 'step', amplitudeUm: 10 } });
  rows.push(await benchOne('gen rigid step 20 µm at 15 s', step.rec, step.truth, step.gt, false, doSort));
  printTable(rows);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

/**
 * Accuracy benchmark of the native sorter: one row per recording.
 *   node .build/<x>/bench/accuracy.js [name ...]      shared ground-truth datasets (gt-*), all by default
 *   node .build/<x>/bench/accuracy.js --generated      deterministic generator recordings (see GENERATED),
 *                                                      so accuracy is tracked on data the sorter was not tuned on
 *   node .build/<x>/bench/accuracy.js --all            both tables
 *   ... --params '{"postprocessing":{"satelliteMs":2}}'  sorter parameter overrides for every row
 * `missedSnr8` lists ground-truth units with SNR ≥ 8 detected with accuracy < 0.8.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Recording } from '../src/core/recording.js';
import type { Sorting } from '../src/core/sorting.js';
import { generateGroundTruth, GeneratorOptions } from '../src/core/generator.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { compareSortingToGroundTruth } from '../src/comparison/groundtruth.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { sort } from '../src/sorter/sort.js';
import type { SorterParamOverrides } from '../src/sorter/params.js';
import { sharedDir } from '../test/helpers/paths.js';

export interface Row {
  dataset: string;
  gt: number;
  sorted: number;
  good: number;
  well: number;
  acc60: number;
  fp: number | string;
  fpGood: number;
  redundant: number | string;
  overmerged: number | string;
  accuracy: string;
  precision: string;
  recall: string;
  missedSnr8: string;
  wallS: string;
  peakRssMb: number;
}

/**
 * Generated recordings with fixed seeds. They cover what the shared datasets do not: a denser
 * neuropixels-like probe with bursting units and a wide SNR range, and a tetrode whose units
 * share one waveform shape (near-duplicate templates separated only by their spatial footprint).
 */
export const GENERATED: Record<string, GeneratorOptions> = {
  'gen-np64-60s-burst': {
    seed: 2024, layout: 'neuropixels-like', numChannels: 64, durationS: 60, numUnits: 30,
    snrRange: [3, 20], burstingFraction: 0.2, firingRateHz: [1, 15], noiseSpatialLengthUm: 20,
  },
  // Noise shared by all channels as large as each channel's own (as on the Neuropixels 2.0 sample in
  // datasets/real): the case a common median reference is for.
  'gen-np64-30s-commonnoise': {
    seed: 31, layout: 'neuropixels-like', numChannels: 64, durationS: 30, numUnits: 20,
    snrRange: [4, 20], firingRateHz: [2, 12], commonNoiseStdUv: 5,
  },
  // Shared noise at 0.5 of the total (the reference is applied) with 40 units: large spikes move the median
  // and leave faint ghosts on far channels, the source of false-positive units on long recordings.
  'gen-np64-120s-commonnoise-dense': {
    seed: 1, layout: 'neuropixels-like', numChannels: 64, durationS: 120, numUnits: 40, commonNoiseStdUv: 3,
  },
  'gen-tetrode-neardup-60s': {
    seed: 77, layout: 'tetrode', durationS: 60, numUnits: 6, snrRange: [6, 14], firingRateHz: [2, 10],
    minUnitDistanceUm: 5,
    waveform: {
      troughWidthMs: [0.1, 0.11], reboundDelayMs: [0.5, 0.52], reboundWidthMs: [0.3, 0.32],
      reboundAmplitude: [0.25, 0.27], triphasicFraction: 0,
    },
  },
};

export async function benchOne(name: string, recording: Recording, gt: Sorting, snr: ArrayLike<number>, params?: SorterParamOverrides, jobs?: number): Promise<Row> {
  const t0 = performance.now();
  const res = await sort(recording, { params, jobs });
  const wall = (performance.now() - t0) / 1000;
  const cmp = compareSortingToGroundTruth(gt, res.sorting);
  const s = cmp.summary;
  const missed = cmp.units.filter((u, i) => (snr[i] ?? 0) >= 8 && u.accuracy < 0.8).map((u) => u.gtUnitId);
  // A sorted unit matching no GT unit with accuracy ≥ 0.2 (the comparison’s false-positive list) and labelled good.
  const fpIds = new Set<string>(cmp.falsePositiveUnits ?? []);
  const fpGood = res.summary.units.filter((u) => u.label === 'good' && fpIds.has(u.id)).length;
  return {
    dataset: name,
    gt: s.numGtUnits,
    sorted: s.numTestedUnits,
    good: res.summary.numGood,
    well: s.numWellDetected,
    acc60: s.numAccuracyAtLeast60,
    fp: s.numFalsePositive ?? '-',
    fpGood,
    redundant: s.numRedundant ?? '-',
    overmerged: s.numOvermerged ?? '-',
    accuracy: s.meanAccuracy.toFixed(3),
    precision: s.meanPrecision.toFixed(3),
    recall: s.meanRecall.toFixed(3),
    missedSnr8: missed.length ? missed.join(',') : '-',
    wallS: wall.toFixed(1),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export function printTable(rows: Row[]): void {
  const cols = Object.keys(rows[0] ?? {}) as (keyof Row)[];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(width[i])).join('  ');
  process.stdout.write(line(cols) + '\n');
  for (const r of rows) process.stdout.write(line(cols.map((c) => String(r[c]))) + '\n');
}

/** --params '<json>': overrides for every sort (checked by the sorter against the parameter table). */
export function parseParams(args: string[]): SorterParamOverrides | undefined {
  const i = args.indexOf('--params');
  if (i < 0) return undefined;
  try {
    return JSON.parse(args[i + 1] ?? '') as SorterParamOverrides;
  } catch {
    throw new Error(`--params: expected a JSON object of sorter parameter overrides, e.g. '{"detection":{"thresholdSigma":4.5}}', got ${args[i + 1]}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const params = parseParams(args);
  const generated = args.includes('--generated') || args.includes('--all');
  const datasets = args.includes('--all') || !generated;
  const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--params');
  const rows: Row[] = [];
  if (datasets) {
    const root = path.join(sharedDir(), 'datasets');
    const names = wanted.filter((n) => n.startsWith('gt-'));
    const all = names.length || wanted.length ? names : fs.readdirSync(root).filter((n) => n.startsWith('gt-')).sort();
    for (const n of all) {
      const ds = await loadGroundTruthDataset(path.join(root, n));
      rows.push(await benchOne(ds.info.name, ds.recording, ds.groundTruth, ds.info.units.map((u) => u.snr ?? 0), params));
    }
  }
  if (generated) {
    const names = wanted.filter((n) => n in GENERATED);
    for (const n of names.length ? names : Object.keys(GENERATED)) {
      const g = generateGroundTruth(GENERATED[n]);
      // Synthesised once into memory: the sorter reads the traces several times, and the bench times the sorter, not the generator.
      const r = g.recording;
      const inMemory = new InMemoryRecording([r.getTraces({ segment: 0, start: 0, end: r.getNumSamples(0) })], r.baseInit());
      rows.push(await benchOne(n, inMemory, g.sorting, g.snr, params));
    }
  }
  printTable(rows);
}

// Run only as a script, so other tools can import GENERATED.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}

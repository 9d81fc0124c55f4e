/**
 * Accuracy benchmark of the native sorter on the shared ground-truth datasets (gt-*): one row per
 * dataset. `node dist/bench/accuracy.js [name ...]` runs only the named datasets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareSortingToGroundTruth } from '../src/comparison/groundtruth.js';
import { loadGroundTruthDataset } from '../src/io/dataset.js';
import { sort } from '../src/sorter/sort.js';
import { sharedDir } from '../test/helpers/paths.js';

interface Row {
  dataset: string;
  gt: number;
  sorted: number;
  good: number;
  well: number;
  acc60: number;
  fp: number | string;
  redundant: number | string;
  overmerged: number | string;
  accuracy: string;
  precision: string;
  recall: string;
  missedSnr8: string;
  wallS: string;
  peakRssMb: number;
}

async function benchDataset(dir: string): Promise<Row> {
  const ds = await loadGroundTruthDataset(dir);
  const t0 = performance.now();
  const res = await sort(ds.recording);
  const wall = (performance.now() - t0) / 1000;
  const cmp = compareSortingToGroundTruth(ds.groundTruth, res.sorting);
  const s = cmp.summary;
  const missed = cmp.units
    .filter((u, i) => (ds.info.units[i]?.snr ?? 0) >= 8 && u.accuracy < 0.8)
    .map((u) => u.gtUnitId);
  return {
    dataset: ds.info.name,
    gt: s.numGtUnits,
    sorted: s.numTestedUnits,
    good: res.summary.numGood,
    well: s.numWellDetected,
    acc60: s.numAccuracyAtLeast60,
    fp: s.numFalsePositive ?? '-',
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

async function main(): Promise<void> {
  const root = path.join(sharedDir(), 'datasets');
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : fs.readdirSync(root).filter((n) => n.startsWith('gt-')).sort();
  const rows: Row[] = [];
  for (const n of names) rows.push(await benchDataset(path.join(root, n)));
  const cols = Object.keys(rows[0] ?? {}) as (keyof Row)[];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(width[i])).join('  ');
  process.stdout.write(line(cols) + '\n');
  for (const r of rows) process.stdout.write(line(cols.map((c) => String(r[c]))) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});

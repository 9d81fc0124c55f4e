/**
 * Seed sweep: the generated recordings of the accuracy bench (and a few more shapes) re-drawn with other
 * seeds, so a change is judged on many recordings the sorter was not tuned on rather than on one draw each.
 *   node .build/<x>/bench/seeds.js --seeds 1-6 [config ...] [--params '<json>'] [--jobs N] [--json out.jsonl]
 *   node .build/<x>/bench/seeds.js --summarize out.jsonl     the tables again, from rows appended by (parallel) runs
 * Prints one row per (config, seed) and a total per config: units well detected, false-positive units,
 * ground-truth units with SNR ≥ 8 missed. Each sort runs with --jobs (default 1) so several sweeps can
 * run side by side on a many-core machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateGroundTruth, GeneratorOptions } from '../src/core/generator.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { benchOne, GENERATED, parseParams, printTable, Row } from './accuracy.js';

/** Shapes the fixed-seed rows do not cover: a 32-channel linear probe, 128 channels with sine drift, a plain tetrode. */
export const SWEEP_EXTRA: Record<string, GeneratorOptions> = {
  'gen-linear32-30s': { layout: 'linear', numChannels: 32, durationS: 30, numUnits: 20, snrRange: [4, 20] },
  'gen-np128-30s-drift': {
    layout: 'neuropixels-like', numChannels: 128, durationS: 30, numUnits: 50, snrRange: [4, 20],
    drift: { mode: 'rigid', waveform: 'sine', amplitudeUm: 15, periodS: 20 },
  },
  'gen-tetrode-60s': { layout: 'tetrode', durationS: 60, numUnits: 8, snrRange: [4, 16] },
};

const CONFIGS: Record<string, GeneratorOptions> = { ...GENERATED, ...SWEEP_EXTRA };

/** '1-6' or '3,5,9' → seeds. */
function parseSeeds(spec: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(spec);
  if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  const seeds = spec.split(',').map(Number);
  if (!spec || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds: expected a range like 1-6 or a list like 3,5,9, got '${spec}'`);
  return seeds;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Per config: totals over its seeds. */
function totals(rows: (Row & { config: string })[]): Record<string, string | number>[] {
  const by = new Map<string, (Row & { config: string })[]>();
  for (const r of rows) by.set(r.config, [...(by.get(r.config) ?? []), r]);
  return [...by].map(([config, rs]) => ({
    config,
    recordings: rs.length,
    gt: rs.reduce((s, r) => s + r.gt, 0),
    well: rs.reduce((s, r) => s + r.well, 0),
    fp: rs.reduce((s, r) => s + Number(r.fp === '-' ? 0 : r.fp), 0),
    fpGood: rs.reduce((s, r) => s + r.fpGood, 0),
    good: rs.reduce((s, r) => s + r.good, 0),
    missedSnr8: rs.reduce((s, r) => s + (r.missedSnr8 === '-' ? 0 : r.missedSnr8.split(',').length), 0),
    meanAccuracy: (rs.reduce((s, r) => s + Number(r.accuracy), 0) / rs.length).toFixed(3),
  }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const summarize = option(args, '--summarize');
  if (summarize) return printSweep(fs.readFileSync(summarize, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row & { config: string }));
  const params = parseParams(args);
  const seeds = parseSeeds(option(args, '--seeds') ?? '1-3');
  const jobs = Number(option(args, '--jobs') ?? 1);
  const jsonOut = option(args, '--json');
  const valued = new Set(['--params', '--seeds', '--jobs', '--json', '--summarize']);
  const wanted = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1]));
  for (const n of wanted) if (!(n in CONFIGS)) throw new Error(`unknown config '${n}': choose from ${Object.keys(CONFIGS).join(', ')}`);
  const rows: (Row & { config: string })[] = [];
  for (const config of wanted.length ? wanted : Object.keys(CONFIGS)) {
    for (const seed of seeds) {
      const g = generateGroundTruth({ ...CONFIGS[config], seed: 1000 * seed + 17 });
      const r = g.recording;
      const inMemory = new InMemoryRecording([r.getTraces({ segment: 0, start: 0, end: r.getNumSamples(0) })], r.baseInit());
      const row = { config, ...(await benchOne(`${config}#${seed}`, inMemory, g.sorting, g.snr, params, jobs)) };
      rows.push(row);
      if (jsonOut) fs.appendFileSync(jsonOut, JSON.stringify(row) + '\n');
    }
  }
  printSweep(rows);
}

function printSweep(rows: (Row & { config: string })[]): void {
  rows.sort((a, b) => a.dataset.localeCompare(b.dataset, 'en', { numeric: true }));
  printTable(rows);
  process.stdout.write('\n');
  const t = totals(rows);
  const cols = Object.keys(t[0] ?? {});
  process.stdout.write(cols.join('  ') + '\n' + t.map((r) => cols.map((c) => String(r[c])).join('  ')).join('\n') + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}

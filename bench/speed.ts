/**
 * Speed and memory benchmark: sorts generated recordings of several channel counts and durations and
 * prints, per run, seconds per stage, × real time, peak RSS and read passes, then how time scales.
 *
 *   npm run bench:speed                      the full matrix: 32, 64, 128, 384 channels × 30, 120, 600 s
 *   node dist/bench/speed.js --channels 384 --durations 30,600
 *   node dist/bench/speed.js --quick         32 and 384 channels × 30 s
 *   node dist/bench/speed.js --quick --params '{"execution":{"cacheTraces":"off"}}'   sorter parameter overrides
 *
 * Recordings are generated once into a cache folder (SpikeInterface binary folders, int16), so each
 * sort reads a real file as a user's would. Every sort runs in its own process so its peak RSS is its own.
 * Set SPIKEFORGE_BENCH_CACHE to choose the cache folder (default: <tmp>/spikeforge-bench).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateGroundTruth } from '../src/core/generator.js';
import { writeSpikeInterfaceFolder } from '../src/io/siFolder.js';
import { consoleReporter } from '../src/exec/reporter.js';

interface RunResult {
  channels: number;
  durationS: number;
  seconds: number;
  /** CPU seconds of the sort process, all threads (user + system). */
  cpuSeconds?: number;
  peakRssMb: number;
  stageSeconds: Record<string, number>;
  units: number;
  passes?: number;
  bytesRead?: number;
}

function parseList(args: string[], flag: string, fallback: number[]): number[] {
  const i = args.indexOf(flag);
  if (i < 0) return fallback;
  const v = args[i + 1]?.split(',').map(Number) ?? [];
  if (!v.length || v.some((x) => !(x > 0))) throw new Error(`${flag}: expected a comma-separated list of positive numbers`);
  return v;
}

function cacheDir(): string {
  return process.env.SPIKEFORGE_BENCH_CACHE ?? path.join(os.tmpdir(), 'spikeforge-bench');
}

/** Units scale with channels (about one per 3 channels, as on dense probes), at least 8. */
function unitsFor(channels: number): number {
  return Math.max(8, Math.round(channels / 3));
}

/**
 * The costliest realistic input: marked unfiltered (so the sort high-pass filters it, as it must raw
 * data) and with noise shared by all channels at half the channel noise (so 'auto' applies the global
 * median reference, as on the Neuropixels 2.0 sample in datasets/real).
 */
async function ensureRecording(channels: number, durationS: number): Promise<string> {
  const dir = path.join(cacheDir(), `gen-${channels}ch-${durationS}s-seed1-raw`);
  if (fs.existsSync(path.join(dir, 'binary.json'))) return dir;
  const reporter = consoleReporter({ stream: process.stderr });
  reporter.log('info', `generating ${channels} channels × ${durationS} s into ${dir} (once; cached for later runs)`);
  const gt = generateGroundTruth({ seed: 1, layout: channels <= 4 ? 'tetrode' : 'neuropixels-like', numChannels: channels, durationS, numUnits: unitsFor(channels), commonNoiseStdUv: 3 });
  gt.recording.annotations['is_filtered'] = false;
  await writeSpikeInterfaceFolder(gt.recording, dir, { reporter, overwrite: true });
  return dir;
}

/** Child mode: sort one folder and print a JSON line with timings and peak RSS. */
async function child(dir: string, paramsJson: string | undefined): Promise<void> {
  const { measureRun } = await import('../src/exec/memory.js');
  const { readSpikeInterfaceFolder } = await import('../src/io/siFolder.js');
  const { sort } = await import('../src/sorter/sort.js');
  const { installBestKernels } = await import('../src/kernels/wasmnode.js');
  installBestKernels();
  const rec = readSpikeInterfaceFolder(dir);
  const params = paramsJson ? JSON.parse(paramsJson) : undefined;
  const cpu0 = process.cpuUsage();
  const m = await measureRun(() => sort(rec, { params }));
  const cpu = process.cpuUsage(cpu0);
  const s = m.result.summary as unknown as { stageSeconds: Record<string, number>; numUnits: number; io?: { passes?: number; bytesRead?: number } };
  process.stdout.write(
    JSON.stringify({ seconds: m.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: m.peakRssMB, stageSeconds: s.stageSeconds, units: s.numUnits, passes: s.io?.passes, bytesRead: s.io?.bytesRead }) + '\n',
  );
}

function runChild(dir: string, paramsJson: string | undefined): Omit<RunResult, 'channels' | 'durationS'> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--child', dir, ...(paramsJson ? [paramsJson] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`sorting ${dir} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line);
}

function table(rows: RunResult[]): string {
  const stages = [...new Set(rows.flatMap((r) => Object.keys(r.stageSeconds)))];
  const head = ['channels', 'duration s', 'units', 'total s', 'cpu s', '× real time', 'peak RSS MB', 'passes', ...stages.map((s) => `${s} s`)];
  const lines = [head.join(' | '), head.map(() => '---').join(' | ')];
  for (const r of rows) {
    lines.push(
      [
        r.channels,
        r.durationS,
        r.units,
        r.seconds.toFixed(1),
        r.cpuSeconds?.toFixed(1) ?? '-',
        (r.durationS / r.seconds).toFixed(1),
        r.peakRssMb.toFixed(0),
        r.passes ?? '-',
        ...stages.map((s) => (r.stageSeconds[s] ?? 0).toFixed(2)),
      ].join(' | '),
    );
  }
  return lines.join('\n');
}

function scaling(rows: RunResult[]): string {
  const out: string[] = [];
  const channels = [...new Set(rows.map((r) => r.channels))];
  for (const c of channels) {
    const rs = rows.filter((r) => r.channels === c).sort((a, b) => a.durationS - b.durationS);
    if (rs.length < 2) continue;
    const a = rs[0];
    const b = rs[rs.length - 1];
    out.push(
      `${c} ch: ${b.durationS} s costs ${(b.seconds / a.seconds).toFixed(1)}× the ${a.durationS} s run (linear = ${(b.durationS / a.durationS).toFixed(0)}×); peak RSS ${a.peakRssMb.toFixed(0)} → ${b.peakRssMb.toFixed(0)} MB`,
    );
  }
  const durations = [...new Set(rows.map((r) => r.durationS))];
  for (const d of durations) {
    const rs = rows.filter((r) => r.durationS === d).sort((a, b) => a.channels - b.channels);
    if (rs.length < 2) continue;
    out.push(`${d} s: seconds per channel ${rs.map((r) => `${r.channels} ch ${(r.seconds / r.channels).toFixed(3)}`).join(', ')}`);
  }
  return out.join('\n');
}

const USAGE = `usage: node dist/bench/speed.js [--quick] [--channels 32,384] [--durations 30,600] [--params '<json>']
  (no option: the full matrix, 32/64/128/384 channels × 30/120/600 s; recordings are generated once into the cache folder)
`;

async function main(args: string[]): Promise<void> {
  if (args[0] === '--child') return child(args[1], args[2]);
  // An unknown flag must not start the full matrix (it generates gigabytes of recordings).
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(USAGE);
  const known = new Set(['--quick', '--channels', '--durations', '--params']);
  const unknown = args.filter((a, i) => a.startsWith('-') && !known.has(a) && !['--channels', '--durations', '--params'].includes(args[i - 1]));
  if (unknown.length) throw new Error(`unknown option ${unknown.join(', ')}\n${USAGE}`);
  const pi = args.indexOf('--params');
  const paramsJson = pi >= 0 ? args[pi + 1] : undefined;
  if (pi >= 0) {
    try {
      JSON.parse(paramsJson ?? '');
    } catch {
      throw new Error(`--params: expected a JSON object of sorter parameter overrides, e.g. '{"execution":{"cacheTraces":"off"}}', got ${paramsJson}`);
    }
  }
  const quick = args.includes('--quick');
  const channels = parseList(args, '--channels', quick ? [32, 384] : [32, 64, 128, 384]);
  const durations = parseList(args, '--durations', quick ? [30] : [30, 120, 600]);
  const rows: RunResult[] = [];
  for (const c of channels) {
    for (const d of durations) {
      const dir = await ensureRecording(c, d);
      process.stderr.write(`sorting ${c} ch × ${d} s...\n`);
      rows.push({ channels: c, durationS: d, ...runChild(dir, paramsJson) });
    }
  }
  process.stdout.write(`\nspikeforge speed (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}; SPIKEFORGE_KERNELS=${process.env.SPIKEFORGE_KERNELS ?? 'auto'}${paramsJson ? `; params ${paramsJson}` : ''})\n\n`);
  process.stdout.write(table(rows) + '\n\n' + scaling(rows) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

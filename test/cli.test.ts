import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir, repoRoot, tempDir } from './helpers/paths.js';
import { generateGroundTruth } from '../src/core/generator.js';
import { writeSpikeInterfaceFolder } from '../src/io/siFolder.js';
import { readPhyFolder } from '../src/io/phy.js';
import { readNpy } from '../src/io/npy.js';

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'bin', 'spikeforge.js'), ...args], { encoding: 'utf8', cwd: repoRoot() });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('info reports channels, rate, duration and probe of a SpikeInterface folder', () => {
  const r = cli('info', path.join(datasetDir('gt-static-32ch-30s'), 'recording'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /channels:\s+32\n/);
  assert.match(r.stdout, /sampling:\s+30 kHz/);
  assert.match(r.stdout, /duration:\s+30\.000 s/);
  assert.match(r.stdout, /probe:.*32 contacts/);
  const j = cli('info', datasetDir('gt-drift-64ch-15s'), '--json');
  assert.equal(j.code, 0, j.stderr);
  const info = JSON.parse(j.stdout);
  assert.equal(info.numChannels, 64);
  assert.equal(info.durationS, 15);
  assert.equal(info.probe.numContacts, 64);
});

test('compare: every shared dataset against its own ground truth is all well detected', () => {
  for (const name of ['gt-tetrode-4ch-60s', 'gt-static-32ch-30s', 'gt-drift-64ch-15s']) {
    const d = datasetDir(name);
    const r = cli('compare', d, path.join(d, 'sorting_gt'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    const n = JSON.parse(fs.readFileSync(path.join(d, 'dataset.json'), 'utf8')).num_gt_units;
    assert.equal(res.summary.numWellDetected, n, name);
  }
});

test('bad input gives a clear error and exit code 1', () => {
  const dir = tempDir();
  try {
    const raw = path.join(dir, 'x.bin');
    fs.writeFileSync(raw, Buffer.alloc(1001));
    let r = cli('info', raw);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /x\.bin/);
    r = cli('info', raw, '--channels', '4', '--fs', '30000', '--dtype', 'int16');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /x\.bin: file size 1,001 bytes is not a multiple of 4 channels × 2 bytes \(int16\): check --channels/);
    r = cli('sort', path.join(dir, 'missing'), '--out', path.join(dir, 'o'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing: not found/);
    r = cli('sort', datasetDir('gt-tetrode-4ch-60s'), '--out', path.join(dir, 'o'), '--set', 'detection.thresholdSigma=500');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /detection\.thresholdSigma: 500 is outside the valid range/);
    assert.ok(!fs.existsSync(path.join(dir, 'o')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sort writes a Phy folder that reads back, with the summary, and refuses to overwrite', async () => {
  const dir = tempDir();
  try {
    const gt = generateGroundTruth({ seed: 7, layout: 'tetrode', numChannels: 4, durationS: 12, numUnits: 3, amplitudeUv: [80, 150] });
    const recDir = path.join(dir, 'rec');
    await writeSpikeInterfaceFolder(gt.recording, recDir);
    const outDir = path.join(dir, 'sorted');
    const r = cli('sort', recDir, '--out', outDir, '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sorted .*: \d+ units \(\d+ good\)/);
    const phy = readPhyFolder(outDir, { pcFeatures: true });
    const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'sorting_summary.json'), 'utf8'));
    assert.equal(phy.spikeTimes.length, summary.numSpikes);
    assert.ok(summary.numUnits >= 3, `found ${summary.numUnits} units`);
    assert.equal(phy.templates!.shape[0], summary.numUnits);
    assert.equal(phy.templates!.shape[2], 4);
    assert.equal(phy.pcFeatures!.shape[0], phy.spikeTimes.length);
    assert.equal(phy.params.nChannelsDat, 4);
    assert.equal(path.resolve(phy.params.datPath as string), path.resolve(recDir, 'traces_cached_seg0.raw'));
    assert.equal(phy.clusterTables.get('KSLabel')!.rows.size, summary.numUnits);
    const ids = new Set(phy.spikeClusters);
    for (const id of ids) assert.ok(id >= 0 && id < summary.numUnits);
    // Spike times are sorted and inside the recording, as Phy requires.
    for (let i = 1; i < phy.spikeTimes.length; i++) assert.ok(phy.spikeTimes[i] >= phy.spikeTimes[i - 1]);
    assert.ok(phy.spikeTimes[phy.spikeTimes.length - 1] < gt.recording.getNumSamples());
    const w = readNpy(path.join(outDir, 'whitening_mat.npy'));
    const wi = readNpy(path.join(outDir, 'whitening_mat_inv.npy'));
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(Number(w.data[c * 5]) * Number(wi.data[c * 5]) - 1) < 1e-9);

    const again = cli('sort', recDir, '--out', outDir, '--quiet');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /overwrite/);
    // No temporary folders are left beside the output.
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('partial')), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('convert writes a SpikeInterface folder equal to the input; --list-params prints the table', () => {
  const dir = tempDir();
  try {
    const out = path.join(dir, 'conv');
    const r = cli('convert', datasetDir('gt-tetrode-4ch-60s'), out, '--quiet');
    assert.equal(r.code, 0, r.stderr);
    const a = fs.readFileSync(path.join(datasetDir('gt-tetrode-4ch-60s'), 'recording', 'traces_cached_seg0.raw'));
    const b = fs.readFileSync(path.join(out, 'traces_cached_seg0.raw'));
    assert.ok(a.equals(b));
    const info = JSON.parse(cli('info', out, '--json').stdout);
    assert.equal(info.probe.numContacts, 4);
    const p = cli('sort', '--list-params');
    assert.equal(p.code, 0);
    assert.match(p.stdout, /detection\.thresholdSigma \| \d/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openRecording, listStreams, detectFormat, FORMAT_NAMES, resolveRecordingPath } from '../src/io/open.js';
import { datasetDir, realDir, tempDir } from './helpers/paths.js';

test('detectFormat recognises each lab format sample', () => {
  const cases: [string, string][] = [
    ['spikeglx_np2_4shank', 'spikeglx'],
    ['spikeglx_np1_with_nidq/Noise4Sam_g0/Noise4Sam_g0_t0.nidq.bin', 'spikeglx'],
    ['openephys_binary_v0.4_rhythm32', 'openephys'],
    ['openephys_legacy_sample1', 'openephys-legacy'],
    ['intan_one_file_per_channel', 'intan'],
    ['neuralynx_cheetah_v5.7.4/original_data', 'neuralynx'],
    ['blackrock_v2.1/l101210-001.ns2', 'blackrock'],
    ['nwb_ecephys_tutorial', ''],
  ];
  for (const [p, want] of cases.filter(([, w]) => w)) assert.equal(detectFormat(realDir(p)), want, p);
  for (const f of ['spikeglx', 'openephys', 'intan', 'neuralynx', 'blackrock', 'nwb', 'maxwell']) assert.ok((FORMAT_NAMES as readonly string[]).includes(f));
});

test('openRecording opens by detection; listStreams reports availability', async () => {
  const rec = await openRecording(realDir('spikeglx_np1_with_nidq'), { stream: 'nidq' });
  assert.equal(rec.numChannels, 8);
  const streams = await listStreams(realDir('spikeglx_np1_with_nidq'));
  assert.deepEqual(streams.map((s) => s.available), [true, false, true]);
  const nlx = await openRecording(realDir('neuralynx_cheetah_v5.7.4/original_data/CSC2.ncs'));
  assert.equal(nlx.samplingFrequency, 32000);
});

test('openRecording errors: unknown format lists formats; raw needs channels/fs/dtype; unsupported formats say so', async () => {
  const dir = tempDir();
  try {
    const f = path.join(dir, 'mystery.xyz');
    fs.writeFileSync(f, new Uint8Array(64));
    await assert.rejects(openRecording(f), /cannot tell the recording format.*spikeglx.*--format/);
    await assert.rejects(openRecording(f, { format: 'raw', channels: 4 }), /needs --fs, --dtype/);
    await assert.rejects(openRecording(f, { channels: 4, fs: 1000, dtype: 'int17' }), /unknown dtype 'int17'/);
    await assert.rejects(openRecording(f, { channels: 3, fs: 1000, dtype: 'int16' }), /not a multiple of 3 channels/);
    const raw = await openRecording(f, { channels: 4, fs: 1000, dtype: 'int16' });
    assert.equal(raw.getNumSamples(), 8);
    await assert.rejects(openRecording(f, { format: 'edf' }), /--format 'edf' is not known/);
    await assert.rejects(openRecording(realDir('plexon_plx/File_plexon_1.plx')), /this \.plx has no continuous channels/);
    const pl2 = path.join(dir, 'x.pl2');
    fs.writeFileSync(pl2, new Uint8Array(8));
    await assert.rejects(openRecording(pl2), /Plexon \.pl2 files are not supported yet/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('openRecording: shared ground-truth dataset folder and its SpikeInterface recording folder', async () => {
  const dir = datasetDir('gt-tetrode-4ch-60s');
  const info = JSON.parse(fs.readFileSync(path.join(dir, 'recording', 'binary.json'), 'utf8'));
  const kw = info.kwargs ?? info;
  assert.equal(detectFormat(dir), 'dataset');
  assert.equal(detectFormat(path.join(dir, 'recording')), 'spikeinterface');
  for (const p of [dir, path.join(dir, 'recording')]) {
    const rec = await openRecording(p);
    assert.equal(rec.numChannels, kw.num_channels);
    assert.equal(rec.samplingFrequency, kw.sampling_frequency);
  }
});

test('a folder holding one recording file stands for it; several are listed', async () => {
  const nwbDir = realDir('nwb_ecephys_tutorial');
  assert.equal(path.basename(resolveRecordingPath(nwbDir)), 'ecephys_tutorial_v2.5.0.nwb');
  assert.equal(path.basename(resolveRecordingPath(realDir('axona_raw'))), 'axona_raw.bin');
  const rec = await openRecording(nwbDir);
  assert.equal(rec.numChannels, 4);
  const dir = tempDir();
  try {
    fs.symlinkSync(path.join(nwbDir, 'ecephys_tutorial_v2.5.0.nwb'), path.join(dir, 'a.nwb'));
    fs.symlinkSync(path.join(realDir('spike2_smr'), 'File_spike2_1.smr'), path.join(dir, 'b.smr'));
    assert.throws(() => resolveRecordingPath(dir), /holds several recordings \(a\.nwb, b\.smr\): pass one of them/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a raw folder (info.json + one .raw per trial) opens as one segment per file', async () => {
  const dir = realDir('locust_tetrode_raw');
  assert.equal(detectFormat(dir), 'raw-folder');
  const rec = await openRecording(dir);
  assert.equal(rec.numSegments, 2);
  assert.equal(rec.samplingFrequency, 15000);
  assert.equal(rec.numChannels, 4);
  // 3,452,384 bytes per file / (4 channels × 2 bytes).
  assert.equal(rec.getNumSamples(0), 431548);
  const bytes = fs.readFileSync(path.join(dir, 'locust_trial_02.raw'));
  const t = 1000;
  const expected = [0, 1, 2, 3].map((c) => bytes.readInt16LE((t * 4 + c) * 2));
  assert.deepEqual(Array.from(rec.getTraces({ segment: 1, start: t, end: t + 1 })), expected);
});

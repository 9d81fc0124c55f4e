import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openOpenEphysBinary, listOpenEphysStreams } from '../src/io/openephys.js';
import { openOpenEphysLegacy } from '../src/io/openephysLegacy.js';
import { openNeuralynx } from '../src/io/neuralynx.js';
import { openIntan, readRhdHeader } from '../src/io/intan.js';
import { openBlackrock } from '../src/io/blackrock.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';

const ref = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/fixtures/formats/reference.json'), 'utf8'));

test('Open Ephys binary 0.4: 32 non-contiguous channels, bit_volts gain, values, t0 from timestamps.npy', () => {
  const rec = openOpenEphysBinary(realDir('openephys_binary_v0.4_rhythm32'));
  assert.equal(rec.numChannels, 32);
  assert.equal(rec.channelIds[8], 'CH25');
  assert.equal(rec.getNumSamples(), ref.oe04.numSamples);
  assert.ok(Math.abs(rec.gains[0] - 0.195) < 1e-7);
  ref.oe04.t.forEach((t: number, i: number) => assert.deepEqual(Array.from(rec.getTraces({ start: t, end: t + 1, channels: ref.oe04.c })), ref.oe04.raw[i]));
  assert.equal(rec.getSegmentTime(0).tStart, ref.oe04.firstSample / 30000);
});

test('Open Ephys binary 0.6: 3 streams, experiments 1/3/6 become segments with their sample numbers', async () => {
  const dir = realDir('openephys_binary_v0.6_np_multistream');
  assert.deepEqual(listOpenEphysStreams(dir).map((s) => [s.name, s.numChannels]), [['Neuropix-PXI-100.ProbeB', 384], ['Neuropix-PXI-100.ProbeC', 384], ['NI-DAQmx-103.PXIe-6341', 8]]);
  assert.throws(() => openOpenEphysBinary(dir), /3 Open Ephys streams.*--stream/);
  const rec = openOpenEphysBinary(dir, { stream: 'ProbeB' });
  assert.equal(rec.numSegments, 3);
  ref.oe06_probeB.forEach((s: { numSamples: number; firstSample: number; raw: number[][] }, k: number) => {
    assert.equal(rec.getNumSamples(k), s.numSamples);
    assert.ok(Math.abs(rec.getSegmentTime(k).tStart - s.firstSample / 30000) < 1e-12);
    assert.deepEqual(Array.from(rec.getTraces({ segment: k, start: 99, end: 100, channels: [0, 383] })), s.raw[1]);
  });
  const back = await recordingFromSpec(rec.toSpec()!);
  assert.deepEqual(Array.from(back.getTraces({ segment: 2, start: 0, end: 1, channels: [0, 383] })), ref.oe06_probeB[2].raw[0]);
});

test('Open Ephys legacy: big-endian records, header gain and rate, values across record boundaries', async () => {
  const rec = openOpenEphysLegacy(realDir('openephys_legacy_sample1'));
  const r = ref.oe_legacy_ch1;
  assert.deepEqual(rec.channelIds, ['CH0', 'CH1']);
  assert.equal(rec.samplingFrequency, 40000);
  assert.equal(rec.getNumSamples(), r.numSamples);
  assert.equal(rec.gains[1], 0.05);
  assert.equal(rec.getSegmentTime(0).tStart, r.firstTimestamp / 40000);
  r.t.forEach((t: number, i: number) => assert.equal(rec.getTraces({ start: t, end: t + 1, channels: [1] })[0], r.raw[i]));
  const window = rec.getTraces({ start: 1020, end: 1030, channels: [1] });
  assert.equal(window[3], r.raw[1]);
  assert.equal(window[4], r.raw[2]);
  const back = await recordingFromSpec(rec.toSpec());
  assert.deepEqual(Array.from(back.getTraces({ start: 200000, end: 200001, channels: [1] })), [r.raw[3]]);
});

/** Parses a Neuralynx text export: 'timestamp channel fs nValid s0 s1 ...' per record. */
function ncsText(file: string): { ts: number; nValid: number; samples: number[] }[] {
  return fs.readFileSync(file, 'utf8').trim().split(/\r?\n/).map((line) => {
    const v = line.trim().split(/\s+/).map(Number);
    return { ts: v[0], nValid: v[3], samples: v.slice(4, 4 + v[3]) };
  });
}

test('Neuralynx: matches the Cheetah text export, gaps split segments, inverted gain', () => {
  const rec = openNeuralynx(realDir('neuralynx_cheetah_v5.7.4/original_data/CSC1.ncs'));
  const text = ncsText(realDir('neuralynx_cheetah_v5.7.4/plain_data/CSC1.txt'));
  assert.equal(rec.samplingFrequency, 32000);
  assert.ok(Math.abs(rec.gains[0] + 0.030517578125) < 1e-12);
  assert.equal(rec.getSegmentTime(0).tStart, text[0].ts / 1e6);
  const expected = text.flatMap((r) => r.samples);
  assert.deepEqual(Array.from(rec.getTraces({ start: 0, end: expected.length })), expected);
  assert.ok(rec.numSegments > 1);
  const total = rec.getTotalSamples();
  assert.ok(Math.abs(total / 32000 - 43.6) < 0.1, `${total / 32000} s of samples`);
});

test('Neuralynx: old Cheetah 4.0.2 rounded header rate uses the timestamp rate (no spurious gaps)', () => {
  const rec = openNeuralynx(realDir('neuralynx_small_variants/Cheetah_v4.0.2/original_data/CSC14_trunc.Ncs'));
  assert.equal(rec.numSegments, 1);
  assert.ok(Math.abs(rec.samplingFrequency - 1e6 / 35) < 1e-6);
});

test('Intan: info.rhd header, one-file-per-signal and one-file-per-channel layouts', () => {
  const h = readRhdHeader(realDir('intan_one_file_per_signal/info.rhd'));
  assert.deepEqual(h.version, { major: 3, minor: 3 });
  assert.equal(h.samplingFrequency, 30000);
  const fps = openIntan(realDir('intan_one_file_per_signal'));
  assert.equal(fps.numChannels, 64);
  assert.equal(fps.getNumSamples(), ref.intan_fps.numSamples);
  assert.equal(fps.gains[0], 0.195);
  ref.intan_fps.t.forEach((t: number, i: number) => assert.deepEqual(Array.from(fps.getTraces({ start: t, end: t + 1, channels: ref.intan_fps.c })), ref.intan_fps.raw[i]));
  const fpc = openIntan(realDir('intan_one_file_per_channel/info.rhd'));
  assert.equal(fpc.numChannels, 64);
  assert.equal(fpc.channelIds[63], 'B-031');
  assert.equal(fpc.getNumSamples(), ref.intan_fpc.numSamples);
  ref.intan_fpc.t.forEach((t: number, i: number) => assert.deepEqual(Array.from(fpc.getTraces({ start: t, end: t + 1, channels: [0, 63] })), ref.intan_fpc.raw[i]));
});

test('Intan bad input: header without data files, truncated header', () => {
  const dir = tempDir();
  try {
    const info = fs.readFileSync(realDir('intan_one_file_per_signal/info.rhd'));
    fs.writeFileSync(path.join(dir, 'info.rhd'), info);
    assert.throws(() => openIntan(dir), /neither amplifier\.dat nor amp-\*\.dat/);
    fs.writeFileSync(path.join(dir, 'info.rhd'), info.subarray(0, 200));
    assert.throws(() => openIntan(dir), /truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** First and last three values per channel from Blackrock NPMK's ns2_data.txt. */
function npmkExport(file: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const block of fs.readFileSync(file, 'utf8').split(/\n\s*\n/)) {
    const lines = block.trim().split('\n');
    if (lines.length < 2) continue;
    out.set(lines[0].trim(), [...block.matchAll(/\[\s*(-?[\d.]+)\s*\]/g)].map((m) => Number(m[1])));
  }
  return out;
}

test('Blackrock 2.1 .ns2: matches the NPMK export in µV (first and last 3 samples per channel)', () => {
  const rec = openBlackrock(realDir('blackrock_v2.1/l101210-001.ns2'));
  assert.equal(rec.numChannels, 6);
  assert.equal(rec.samplingFrequency, 1000);
  assert.equal(rec.getNumSamples(), 3641);
  const exp = npmkExport(realDir('blackrock_v2.1/ns2_data.txt'));
  const labels = ['ainp9', 'ainp10', 'ainp11', 'ainp12', 'ainp13', 'ainp15'];
  const n = rec.getNumSamples();
  const head = rec.getTraces({ start: 0, end: 3, scaled: true });
  // The export (a python/neo printout) holds 3640 samples: it stops one frame before the end of the file,
  // which has (43748 - 56 header bytes) / 12 = 3641 whole frames. So its last three are frames n-4..n-2.
  const tail = rec.getTraces({ start: n - 4, end: n - 1, scaled: true });
  labels.forEach((l, c) => {
    const v = exp.get(l)!;
    assert.equal(v.length, 6, l);
    for (let i = 0; i < 3; i++) {
      // Both sides are float32 µV; 1e-6 relative is a few float32 ulps.
      assert.ok(Math.abs(head[i * 6 + c] - v[i]) <= 1e-6 * Math.abs(v[i]), `${l} head ${i}: ${head[i * 6 + c]} vs ${v[i]}`);
      assert.ok(Math.abs(tail[i * 6 + c] - v[3 + i]) <= 1e-6 * Math.abs(v[3 + i]), `${l} tail ${i}: ${tail[i * 6 + c]} vs ${v[3 + i]}`);
    }
  });
  assert.throws(() => openBlackrock(realDir('blackrock_v2.1/l101210-001.nev')), /\.nev files hold spike events/);
});

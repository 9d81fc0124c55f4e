import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { readSpikeInterfaceFolder, writeSpikeInterfaceFolder } from '../src/io/siFolder.js';
import { readNumpySortingFolder, writeNumpySortingFolder } from '../src/io/siSorting.js';
import { readNpy } from '../src/io/npy.js';
import { datasetDir, repoRoot, tempDir } from './helpers/paths.js';

const FIX = path.join(repoRoot(), 'test', 'fixtures', 'io');
// Reference values computed with numpy alone (test/fixtures/io/make_si_expected.py).
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'si_expected.json'), 'utf8')) as Record<string, {
  num_spikes: number; spikes_per_unit: number[]; first_samples: number[]; last_sample: number; num_samples: number;
  raw_sum_first_1000_frames: number; location_ch1: number[];
}>;
const STATIC = datasetDir('gt-static-32ch-30s');

test('reads the gt-static SpikeInterface recording folder: metadata, probe, properties', () => {
  const rec = readSpikeInterfaceFolder(path.join(STATIC, 'recording'));
  try {
    assert.equal(rec.numChannels, 32);
    assert.equal(rec.samplingFrequency, 30000);
    assert.equal(rec.getNumSamples(0), 900000);
    assert.equal(rec.getNumSamples(0), ref['gt-static-32ch-30s'].num_samples);
    assert.equal(rec.dtype, 'int16');
    assert.deepEqual(Array.from(rec.gains), new Array(32).fill(0.195));
    assert.deepEqual(Array.from(rec.offsets), new Array(32).fill(0));
    assert.equal(rec.channelIds[31], '31');
    assert.ok(rec.probe);
    assert.deepEqual(Array.from(rec.getChannelLocations().subarray(2, 4)), ref['gt-static-32ch-30s'].location_ch1);
    assert.deepEqual(Array.from(rec.properties.get('location') as Float64Array).slice(2, 4), ref['gt-static-32ch-30s'].location_ch1);
    assert.equal(rec.annotations.is_filtered, true);
  } finally {
    rec.close();
  }
});

test('traces equal the raw file bytes, sample for sample (read independently with fs)', () => {
  const rec = readSpikeInterfaceFolder(path.join(STATIC, 'recording'));
  try {
    const raw = fs.readFileSync(path.join(STATIC, 'recording', 'traces_cached_seg0.raw'));
    const expected = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    for (const [start, end] of [[0, 1000], [449_000, 451_000], [899_500, 900_000]]) {
      const t = rec.getTraces({ start, end });
      assert.deepEqual(t, expected.subarray(start * 32, end * 32), `window ${start}..${end}`);
    }
    let sum = 0;
    for (const v of rec.getTraces({ start: 0, end: 1000 })) sum += v;
    assert.equal(sum, ref['gt-static-32ch-30s'].raw_sum_first_1000_frames);
  } finally {
    rec.close();
  }
});

test('reads the ground-truth NumpyFolderSorting (counts checked against numpy)', () => {
  for (const name of ['gt-static-32ch-30s', 'gt-tetrode-4ch-60s']) {
    const s = readNumpySortingFolder(path.join(datasetDir(name), 'sorting_gt'));
    const r = ref[name];
    assert.equal(s.numSpikes, r.num_spikes);
    assert.deepEqual(Array.from(s.countSpikes()), r.spikes_per_unit);
    assert.deepEqual(Array.from(s.spikes.sample.subarray(0, 5)), r.first_samples);
    assert.equal(s.spikes.sample[s.numSpikes - 1], r.last_sample);
    assert.equal(s.samplingFrequency, 30000);
  }
  const s = readNumpySortingFolder(path.join(STATIC, 'sorting_gt'));
  assert.equal((s.properties.get('gt_unit_locations') as Float32Array).length, 25 * 3);
});

test('sorting round trip: write → read equal, spikes.npy byte-identical to SpikeInterface\'s', async () => {
  const dir = tempDir();
  try {
    const src = path.join(STATIC, 'sorting_gt');
    const s = readNumpySortingFolder(src);
    const out = path.join(dir, 'sorting');
    await writeNumpySortingFolder(s, out);
    assert.deepEqual(fs.readFileSync(path.join(out, 'spikes.npy')), fs.readFileSync(path.join(src, 'spikes.npy')));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'numpysorting_info.json'), 'utf8')), JSON.parse(fs.readFileSync(path.join(src, 'numpysorting_info.json'), 'utf8')));
    const back = readNumpySortingFolder(out);
    assert.deepEqual(back.spikes, s.spikes);
    assert.deepEqual(back.unitIds, s.unitIds);
    assert.deepEqual(back.properties.get('gt_unit_locations'), s.properties.get('gt_unit_locations'));
    assert.deepEqual(readNpy(path.join(out, 'properties', 'gt_unit_locations.npy')).shape, [25, 3]);
    await assert.rejects(writeNumpySortingFolder(s, out), /already exists and is not empty/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('recording round trip in small chunks: traces, gains, probe, properties, times', async () => {
  const dir = tempDir();
  try {
    const rec = readSpikeInterfaceFolder(path.join(STATIC, 'recording'));
    const out = path.join(dir, 'rec');
    let chunks = 0;
    const reporter = { log() {}, begin() {}, progress() { chunks++; }, end() {} };
    // A 2-segment in-memory recording exercises multi-segment layout and t_starts.
    const small = new InMemoryRecording(
      [rec.getTraces({ start: 0, end: 5000 }), rec.getTraces({ start: 5000, end: 7000 })],
      rec.baseInit({ numSamples: [5000, 2000], times: [{ tStart: 0, timestamps: null }, { tStart: 12.5, timestamps: null }] }),
    );
    rec.close();
    await writeSpikeInterfaceFolder(small, out, { chunkSize: 1024, reporter });
    assert.equal(chunks, Math.ceil(5000 / 1024) + Math.ceil(2000 / 1024));
    const back = readSpikeInterfaceFolder(out);
    try {
      assert.equal(back.numSegments, 2);
      assert.deepEqual(back.getTraces({ segment: 0 }), small.getTraces({ segment: 0 }));
      assert.deepEqual(back.getTraces({ segment: 1 }), small.getTraces({ segment: 1 }));
      assert.deepEqual(back.gains, small.gains);
      assert.equal(back.getSegmentTime(1).tStart, 12.5);
      assert.deepEqual(back.getChannelLocations(), small.getChannelLocations());
      assert.deepEqual(Array.from(back.properties.get('group') as ArrayLike<number>), new Array(32).fill(0));
      const cv = readNpy(path.join(out, 'properties', 'contact_vector.npy'));
      assert.deepEqual(Array.from(cv.fields!.device_channel_indices as Float64Array), Array.from({ length: 32 }, (_, i) => i));
      assert.deepEqual(Array.from(cv.fields!.y as Float64Array), Array.from(readNpy(path.join(STATIC, 'recording', 'properties', 'contact_vector.npy')).fields!.y as Float64Array));
    } finally {
      back.close();
    }
    // float32 output holds the same values
    await writeSpikeInterfaceFolder(small, path.join(dir, 'f32'), { dtype: 'float32' });
    const f = readSpikeInterfaceFolder(path.join(dir, 'f32'));
    assert.deepEqual(Array.from(f.getTraces({ segment: 1 })), Array.from(small.getTraces({ segment: 1 })));
    f.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad folders give errors naming the file and the fix', () => {
  const dir = tempDir();
  try {
    assert.throws(() => readSpikeInterfaceFolder(dir), /neither si_folder\.json nor binary\.json/);
    const meta = JSON.parse(fs.readFileSync(path.join(STATIC, 'recording', 'binary.json'), 'utf8'));
    meta.kwargs.time_axis = 1;
    fs.writeFileSync(path.join(dir, 'binary.json'), JSON.stringify(meta));
    assert.throws(() => readSpikeInterfaceFolder(dir), /binary\.json: time_axis=1.*not supported/);
    meta.kwargs.time_axis = 0;
    fs.writeFileSync(path.join(dir, 'binary.json'), JSON.stringify(meta));
    assert.throws(() => readSpikeInterfaceFolder(dir), /data file 'traces_cached_seg0\.raw' not found/);
    fs.writeFileSync(path.join(dir, 'traces_cached_seg0.raw'), new Uint8Array(64 * 10 + 3));
    assert.throws(() => readSpikeInterfaceFolder(dir), /is not a multiple of 32 channels × 2 bytes/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

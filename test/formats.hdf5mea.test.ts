import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openMaxwell, readMaxwellInfo, listMaxwellStreams, isMaxwell } from '../src/io/maxwell.js';
import { openBiocam, isBiocam, listBiocamStreams } from '../src/io/biocam.js';
import { openMearec, readMearecLayout, isMearec } from '../src/io/mearec.js';
import { loadHdf5 } from '../src/io/hdf5.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';

const REF = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/fixtures/hdf5/reference.json'), 'utf8'));
const MAXWELL = path.join(realDir('maxwell_maxone_activity_scan'), 'data.raw.h5');
const BIOCAM = path.join(realDir('biocam_brw'), 'biocam_hw3.0_fw1.6.brw');
const MEAREC = path.join(realDir('mearec_probe_only'), 'mearec_smaller_data.h5');

test('MaxWell MaxOne: metadata, mapping and streams read without the decoder plugin', async () => {
  const r = REF.maxwell;
  const info = await readMaxwellInfo(MAXWELL);
  assert.deepEqual([info.numChannels, info.numSamples], r.shape);
  assert.equal(info.samplingFrequency, r.sampling);
  assert.ok(Math.abs(info.gainUv - r.lsb * 1e6) < 1e-12);
  assert.deepEqual(info.channelIds, r.routedChannels.map(String));
  assert.deepEqual(info.pluginFilters.map((f) => f.id), r.filterIds.filter((id: number) => id > 6));
  // Each routed row gets the electrode and position of its channel in settings/mapping.
  info.channelIds.forEach((ch, i) => {
    const m = r.mappingChannel.indexOf(Number(ch));
    assert.equal(info.electrodes[i], r.mappingElectrode[m]);
    assert.deepEqual([info.locations[2 * i], info.locations[2 * i + 1]], [r.mappingX[m], r.mappingY[m]]);
  });
  assert.deepEqual(await listMaxwellStreams(MAXWELL), ['well000']);
  assert.equal(isMaxwell(MAXWELL), true);
  assert.equal(isMaxwell(BIOCAM), false);
  await assert.rejects(openMaxwell(MAXWELL), /data\.raw\.h5: dataset '\/data_store\/data0000\/groups\/routed\/raw' uses the HDF5 compression filter 401 .*hdf5PluginPath.*HDF5_PLUGIN_PATH/);
  await assert.rejects(readMaxwellInfo(MAXWELL, { stream: 'well005' }), /no well 'well005'; the file has: well000/);
});

test('BioCAM BRW v3: rate, channels, grid positions, raw samples and µV match an h5py read', async () => {
  const r = REF.biocam;
  const rec = await openBiocam(BIOCAM);
  try {
    assert.equal(rec.samplingFrequency, r.samplingRate);
    assert.equal(rec.numChannels, r.numChannels);
    assert.equal(rec.getNumSamples(), r.numFrames);
    assert.ok(Math.abs(rec.getDuration() - r.numFrames / r.samplingRate) < 1e-12);
    assert.deepEqual(rec.channelIds.slice(0, 2), [`${r.rows[0]}_${r.cols[0]}`, `${r.rows[1]}_${r.cols[1]}`]);
    const loc = rec.getChannelLocations();
    assert.deepEqual([loc[2 * 7], loc[2 * 7 + 1]], [r.cols[7] * 42, r.rows[7] * 42]);
    assert.deepEqual(Array.from(rec.getTraces({ start: 0, end: 2 })), r.raw_frames_0_2.flat());
    assert.deepEqual(Array.from(rec.getTraces({ start: 9000, end: 9001, channels: [7, 30] })), r.raw_frame_9000_ch_7_30);
    const uv = rec.getTraces({ start: 19750, end: 19754, channels: [5], scaled: true });
    r.uv_frames_19750_19754_ch_5.forEach((v: number, i: number) => assert.ok(Math.abs(uv[i] - v) < 1e-4, `${uv[i]} vs ${v}`));
    const ch0 = rec.getTraces({ channels: [0], scaled: true });
    let sum = 0;
    for (let i = 0; i < ch0.length; i++) sum += ch0[i];
    const mean = sum / ch0.length;
    assert.ok(Math.abs(mean - r.uv_mean_ch_0) < 1e-3);
    assert.equal(isBiocam(BIOCAM), true);
    assert.deepEqual(await listBiocamStreams(BIOCAM), ['Raw']);
  } finally {
    rec.close();
  }
  const dir = tempDir();
  try {
    const cut = path.join(dir, 'cut.brw');
    fs.writeFileSync(cut, fs.readFileSync(BIOCAM).subarray(0, 1_000_000));
    await assert.rejects(openBiocam(cut), /cut\.brw: HDF5 cannot open the file .*truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('MEArec probe-only sample: rate and positions in the probe plane; no recordings is a clear error', async () => {
  const r = REF.mearec;
  const lay = await readMearecLayout(MEAREC);
  assert.equal(lay.samplingFrequency, r.fs);
  assert.equal(lay.plane, r.plane);
  assert.deepEqual(Array.from(lay.locations), r.positions_yz.flat());
  assert.equal(lay.recordings, null);
  assert.equal(isMearec(MEAREC), true);
  assert.equal(isMearec(BIOCAM), false);
  await assert.rejects(openMearec(MEAREC), /mearec_smaller_data\.h5: this MEArec file has no 'recordings' dataset/);
});

test('MEArec synthetic files: both sample layouts and ground-truth spike trains', async () => {
  const h5 = await loadHdf5();
  const dir = tempDir();
  try {
    const nc = 3;
    const nt = 50;
    const value = (t: number, c: number) => Math.fround(Math.sin(t * 0.3 + c) * 40 + c);
    for (const layout of ['time-major', 'channel-major'] as const) {
      const file = path.join(dir, `${layout}.h5`);
      const f = new h5.File(file, 'w');
      for (const g of ['info', 'info/recordings', 'spiketrains', 'spiketrains/0', 'spiketrains/1']) f.create_group(g);
      f.create_dataset({ name: 'info/recordings/fs', data: 32000.0 });
      f.create_dataset({ name: 'channel_positions', data: Float64Array.from({ length: nc * 3 }, (_, i) => (i % 3) * 10 + Math.floor(i / 3)), shape: [nc, 3] });
      const data = layout === 'time-major'
        ? Float32Array.from({ length: nt * nc }, (_, i) => value(Math.floor(i / nc), i % nc))
        : Float32Array.from({ length: nt * nc }, (_, i) => value(i % nt, Math.floor(i / nt)));
      f.create_dataset({ name: 'recordings', data, shape: layout === 'time-major' ? [nt, nc] : [nc, nt] });
      f.create_dataset({ name: 'spiketrains/0/times', data: Float64Array.from([0.001, 0.0005]) });
      f.create_dataset({ name: 'spiketrains/1/times', data: Float64Array.from([0.00125]) });
      f.close();
      const { recording, sorting } = await openMearec(file);
      try {
        assert.equal(recording.samplingFrequency, 32000);
        assert.equal(recording.getNumSamples(), nt);
        const w = recording.getTraces({ start: 20, end: 22, channels: [2, 0], scaled: true });
        assert.deepEqual(Array.from(w), [value(20, 2), value(20, 0), value(21, 2), value(21, 0)], layout);
        // channel c sits at (x, y, z) = (c, 10 + c, 20 + c); MEArec's default plane is yz
        assert.deepEqual(Array.from(recording.getChannelLocations()), [10, 20, 11, 21, 12, 22]);
        assert.ok(sorting);
        assert.deepEqual(sorting!.unitIds, ['0', '1']);
        assert.deepEqual(Array.from(sorting!.getUnitSpikeTrain('0')), [16, 32]);
        assert.deepEqual(Array.from(sorting!.getUnitSpikeTrain('1')), [40]);
      } finally {
        recording.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

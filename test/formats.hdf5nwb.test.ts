import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openNwb, listNwbStreams, isNwb, readNwbUnits, writeNwbUnits } from '../src/io/nwb.js';
import { loadHdf5, openHdf5, attrValue, requireDataset, findGroup } from '../src/io/hdf5.js';
import { Sorting } from '../src/core/sorting.js';
import { silentReporter, Reporter } from '../src/exec/reporter.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';

const NWB = path.join(realDir('nwb_ecephys_tutorial'), 'ecephys_tutorial_v2.5.0.nwb');
const REF = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/fixtures/hdf5/reference.json'), 'utf8')).nwb;

const sha = (p: string) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');

test('NWB ElectricalSeries: shape, rate, gains and samples match an h5py read', async () => {
  const warnings: string[] = [];
  const reporter: Reporter = { ...silentReporter, log: (level, m) => level === 'warn' && warnings.push(m) };
  const rec = await openNwb(NWB, { reporter });
  try {
    assert.equal(rec.numChannels, REF.numChannels);
    assert.equal(rec.getNumSamples(), REF.numSamples);
    assert.equal(rec.samplingFrequency, REF.rate);
    assert.equal(rec.getSegmentTime(0).tStart, REF.tStart);
    assert.equal(rec.dtype, 'float64');
    // data are volts: µV gain = conversion × 1e6
    assert.deepEqual(Array.from(rec.gains), new Array(4).fill(REF.conversion * 1e6));
    assert.deepEqual(Array.from(rec.getTraces({ start: 10, end: 13 })), REF.rows_10_13.flat());
    assert.deepEqual(Array.from(rec.getTraces({ start: 49, end: 50, channels: [3, 1] })), REF.row_49_ch_3_1);
    const uv = rec.getTraces({ start: 49, end: 50, channels: [3, 1], scaled: true });
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(uv[j] - REF.row_49_ch_3_1[j] * 1e6) <= 1e-6 * Math.abs(REF.row_49_ch_3_1[j] * 1e6));
    assert.deepEqual(rec.getChannelGroups(), REF.groupNames);
    // The tutorial's region lists 12 electrodes for 4 columns: read, with a warning.
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /lists 12 electrodes for 4 data columns/);
    assert.equal(rec.toSpec().exportName, 'Hdf5Recording');
  } finally {
    rec.close();
  }
});

test('NWB streams: listed, chosen by name or path, unknown names rejected', async () => {
  assert.deepEqual(await listNwbStreams(NWB), ['acquisition/ElectricalSeries', 'processing/ecephys/LFP/ElectricalSeries']);
  assert.equal(isNwb(NWB), true);
  const lfp = await openNwb(NWB, { stream: 'LFP/ElectricalSeries' });
  assert.equal(lfp.samplingFrequency, REF.lfpRate);
  lfp.close();
  await assert.rejects(openNwb(NWB, { stream: 'Raw' }), /ecephys_tutorial_v2\.5\.0\.nwb: no ElectricalSeries 'Raw'; the file has: acquisition\/ElectricalSeries, processing/);
  await assert.rejects(openNwb(NWB, { stream: 'ElectricalSeries' }), /matches .* give the full path/);
  const maxwell = path.join(realDir('maxwell_maxone_activity_scan'), 'data.raw.h5');
  await assert.rejects(openNwb(maxwell), /data\.raw\.h5: not an NWB file/);
});

test('NWB units table of the sample matches h5py (ragged spike_times via spike_times_index)', async () => {
  const s = await readNwbUnits(NWB);
  assert.deepEqual(s.unitIds, REF.unitIds.map(String));
  assert.deepEqual(Array.from(s.countSpikes()), REF.unitCounts);
  assert.deepEqual(Array.from(s.getUnitSpikeTrain('3')), REF.unit3Seconds.map((t: number) => Math.round(t * REF.rate)));
});

test('writeNwbUnits: a new minimal file reads back, with electrodes, unit names and waveform means', async () => {
  const dir = tempDir();
  try {
    const rec = await openNwb(NWB);
    const trains = [[5, 17, 40], [], [1, 2, 3, 48]];
    const sorting = Sorting.fromTrains([trains], { samplingFrequency: rec.samplingFrequency, unitIds: ['a', 'b7', 'c'] });
    const wf = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => i - 5);
    const out = path.join(dir, 'sub', 'units.nwb');
    await writeNwbUnits(out, sorting, { recording: rec, unitChannels: [[0], [1, 2], [3]], waveformMean: { data: wf, numSamples: 4, numChannels: 2 } });
    rec.close();
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['units.nwb']);
    const back = await readNwbUnits(out, { samplingFrequency: 20000 });
    assert.deepEqual(back.unitIds, ['a', 'b7', 'c']);
    trains.forEach((t, u) => assert.deepEqual(Array.from(back.getUnitSpikeTrain(u)), t));
    await loadHdf5();
    const f = openHdf5(out);
    try {
      assert.equal(attrValue(f, 'neurodata_type'), 'NWBFile');
      assert.equal(attrValue(f, 'nwb_version'), '2.5.0');
      for (const g of ['acquisition', 'analysis', 'processing', 'general', 'stimulus']) assert.ok(findGroup(f, g), g);
      const units = findGroup(f, 'units')!;
      assert.equal(attrValue(units, 'neurodata_type'), 'Units');
      assert.deepEqual(attrValue(units, 'colnames'), ['spike_times', 'unit_name', 'electrodes', 'waveform_mean']);
      assert.deepEqual(Array.from(requireDataset(f, 'units/spike_times').value as Float64Array), [5, 17, 40, 1, 2, 3, 48].map((x) => x / 20000));
      assert.deepEqual(Array.from(requireDataset(f, 'units/spike_times_index').value as BigUint64Array, Number), [3, 3, 7]);
      const idx = requireDataset(f, 'units/spike_times_index');
      const target = (idx.attrs['target'].value as unknown[])[0];
      assert.equal((f.dereference(target as never) as unknown as { path: string }).path, '/units/spike_times');
      assert.deepEqual(Array.from(requireDataset(f, 'units/electrodes').value as BigInt64Array, Number), [0, 1, 2, 3]);
      assert.deepEqual(Array.from(requireDataset(f, 'units/electrodes_index').value as BigUint64Array, Number), [1, 3, 4]);
      const w = requireDataset(f, 'units/waveform_mean');
      assert.deepEqual(w.shape, [3, 4, 2]);
      const wv = w.value as Float64Array;
      for (let i = 0; i < wv.length; i++) assert.ok(Math.abs(wv[i] - wf[i] * 1e-6) < 1e-15);
      assert.deepEqual(requireDataset(f, 'general/extracellular_ephys/electrodes/group_name').json_value, ['group_shank0', 'group_shank0', 'group_shank0', 'group_shank1']);
    } finally {
      f.close();
    }
    await assert.rejects(writeNwbUnits(out, sorting), /units\.nwb: already exists: pass overwrite/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('writeNwbUnits into a copy leaves the source file untouched and refuses an existing units table', async () => {
  const dir = tempDir();
  try {
    const before = sha(NWB);
    const sorting = Sorting.fromTrains([[[3, 9], [7]]], { samplingFrequency: 20000, unitIds: ['4', '11'] });
    await assert.rejects(writeNwbUnits(path.join(dir, 'x.nwb'), sorting, { copyFrom: NWB }), /already has a \/units table/);
    // A copy without units: the sample's acquisition data, plus our units.
    const h5 = await loadHdf5();
    const src = path.join(dir, 'nounits.nwb');
    const f = new h5.File(src, 'w');
    f.create_attribute('neurodata_type', 'NWBFile');
    f.create_group('acquisition');
    f.close();
    const srcHash = sha(src);
    const out = path.join(dir, 'with-units.nwb');
    await writeNwbUnits(out, sorting, { copyFrom: src });
    assert.equal(sha(src), srcHash);
    assert.equal(sha(NWB), before);
    const back = await readNwbUnits(out, { samplingFrequency: 20000 });
    assert.deepEqual(back.unitIds, ['4', '11']);
    assert.deepEqual(Array.from(back.getUnitSpikeTrain('4')), [3, 9]);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['nounits.nwb', 'with-units.nwb']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PhyData, parsePhyParams, readPhyFolder, sortingFromPhyFolder, writePhyFolder } from '../src/io/phy.js';
import { readNpy } from '../src/io/npy.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';

const FIX = path.join(repoRoot(), 'test', 'fixtures', 'io');
// Reference values from numpy/csv (test/fixtures/io/make_phy_expected.py).
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'phy_expected.json'), 'utf8')) as Record<string, {
  num_spikes: number; cluster_ids: number[]; counts: number[]; first_times: number[]; last_time: number;
  templates_shape: number[]; groups: Record<string, string>; num_spikes_without_noise: number;
}>;
const KS = realDir('phy_kilosort2.5_example0');
const KWIK = path.join(realDir('phy_data_kwikteam'), 'template');

test('reads Kilosort 2.5 and phy-data template folders (values checked against numpy)', () => {
  for (const [name, dir] of [['phy_kilosort2.5_example0', KS], ['phy_data_kwikteam/template', KWIK]]) {
    const d = readPhyFolder(dir);
    const r = ref[name];
    assert.equal(d.spikeTimes.length, r.num_spikes, name);
    assert.deepEqual(Array.from(d.spikeTimes.subarray(0, 5)), r.first_times);
    assert.equal(d.spikeTimes[r.num_spikes - 1], r.last_time);
    assert.deepEqual(d.templates!.shape, r.templates_shape);
    assert.equal(d.channelPositions!.shape[1], 2);
    const groups = d.clusterTables.get('group')!;
    for (const [id, g] of Object.entries(r.groups)) assert.equal(groups.rows.get(Number(id))![0], g);
    const s = sortingFromPhyFolder(dir);
    assert.deepEqual(s.unitIds, r.cluster_ids.map(String));
    assert.deepEqual(Array.from(s.countSpikes()), r.counts);
  }
  const ks = readPhyFolder(KS);
  assert.deepEqual(ks.params, { datPath: '/net/bs-filesvr01/export/group/hierlemann/Temp/Alessio/make_test_sorted_data/sorting_output/kilosort2_5/temp_wh.dat', nChannelsDat: 32, dtype: 'int16', offset: 0, sampleRate: 32000, hpFiltered: true });
  assert.equal(sortingFromPhyFolder(KS).samplingFrequency, 32000);
  assert.equal(ks.pcFeatures, undefined);
  assert.deepEqual(readPhyFolder(KS, { pcFeatures: true }).pcFeatures!.shape, [788, 3, 32]);
});

function example(): PhyData {
  return {
    params: { datPath: 'rec.dat', nChannelsDat: 4, dtype: 'int16', offset: 0, sampleRate: 30000, hpFiltered: false },
    spikeTimes: Float64Array.from([10, 20, 35, 2 ** 40]),
    spikeClusters: Int32Array.from([3, 1, 3, 7]),
    spikeTemplates: Int32Array.from([0, 1, 0, 1]),
    amplitudes: Float64Array.from([1.5, 2, 3, 4]),
    templates: { data: Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 10), shape: [2, 3, 4] },
    channelMap: Int32Array.from([0, 1, 2, 3]),
    channelPositions: { data: Float64Array.from([0, 0, 0, 20, 16, 40, 16, 60]), shape: [4, 2] },
    similarTemplates: { data: Float32Array.from([1, 0.5, 0.5, 1]), shape: [2, 2] },
    whiteningMat: { data: Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)), shape: [4, 4] },
    pcFeatures: { data: Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i), shape: [4, 3, 2] },
    pcFeatureInd: { data: Int32Array.from([0, 1, 2, 3]), shape: [2, 2] },
    clusterTables: new Map([
      ['group', { columns: ['group'], rows: new Map([[1, ['good']], [3, ['noise']], [7, ['mua']]]) }],
      ['ContamPct', { columns: ['ContamPct'], rows: new Map([[1, ['0.5']], [3, ['12']], [7, ['100']]]) }],
    ]),
  };
}

test('write → read round trip is identical; files have Phy\'s dtypes', async () => {
  const dir = tempDir();
  try {
    const out = path.join(dir, 'phy');
    const d = example();
    await writePhyFolder(out, d);
    const back = readPhyFolder(out, { pcFeatures: true });
    assert.deepEqual(back, d);
    assert.equal(readNpy(path.join(out, 'spike_times.npy')).descr, '<i8');
    assert.equal(readNpy(path.join(out, 'spike_clusters.npy')).descr, '<i4');
    assert.equal(readNpy(path.join(out, 'amplitudes.npy')).descr, '<f8');
    assert.equal(readNpy(path.join(out, 'templates.npy')).descr, '<f4');
    assert.match(fs.readFileSync(path.join(out, 'params.py'), 'utf8'), /^dat_path = 'rec\.dat'\nn_channels_dat = 4\n.*sample_rate = 30000\.\nhp_filtered = False\n$/s);
    const s = sortingFromPhyFolder(out, { excludeGroups: ['noise'] });
    assert.deepEqual(s.unitIds, ['1', '7']);
    assert.equal(s.numSpikes, 2);
    assert.deepEqual(s.properties.get('quality'), ['good', 'mua']);
    assert.deepEqual(Array.from(s.properties.get('ContamPct') as Float64Array), [0.5, 100]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('inconsistent folders are refused naming both files', async () => {
  const dir = tempDir();
  try {
    const out = path.join(dir, 'phy');
    await writePhyFolder(out, example());
    fs.copyFileSync(path.join(KS, 'spike_clusters.npy'), path.join(out, 'spike_clusters.npy'));
    assert.throws(() => readPhyFolder(out), /spike_clusters\.npy: 788 entries but spike_times\.npy has 4 spikes/);
    await assert.rejects(writePhyFolder(path.join(dir, 'x'), { ...example(), amplitudes: Float64Array.from([1]) }), /amplitudes\.npy would have 1 entries but spike_times\.npy has 4/);
    assert.throws(() => parsePhyParams('dat_path = 1\n', 'p.py'), /p\.py: 'dat_path' must be a string/);
    assert.throws(() => parsePhyParams("dat_path='a'\nn_channels_dat=4\ndtype='int16'\n", 'p.py'), /p\.py: 'sample_rate' must be a number/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isGroundTruthDatasetDir, loadGroundTruthDataset, parseDatasetInfo } from '../src/io/dataset.js';
import { GT_DATASETS, datasetDir, tempDir } from './helpers/paths.js';

for (const name of GT_DATASETS) {
  const dir = datasetDir(name);
  test(`${name}: loads recording, probe and ground truth consistent with dataset.json`, { skip: !fs.existsSync(dir) && `${dir} not found` }, async () => {
    assert.ok(isGroundTruthDatasetDir(dir));
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8'));
    const ds = await loadGroundTruthDataset(dir);
    const rec = ds.recording;
    assert.equal(rec.numChannels, raw.num_channels);
    assert.equal(rec.getNumSamples(0), raw.num_samples);
    assert.equal(rec.samplingFrequency, raw.sampling_frequency);
    assert.equal(rec.gains[0], raw.gain_to_uV);
    const loc = rec.getChannelLocations();
    for (let c = 0; c < rec.numChannels; c++) {
      assert.equal(loc[2 * c], raw.channel_x_um[c]);
      assert.equal(loc[2 * c + 1], raw.channel_y_um[c]);
    }
    // Raw int16 bytes at a spot, read independently of the recording.
    const fd = fs.openSync(path.join(dir, raw.raw_file), 'r');
    const buf = Buffer.alloc(10 * raw.num_channels * 2);
    fs.readSync(fd, buf, 0, buf.length, 1000 * raw.num_channels * 2);
    fs.closeSync(fd);
    const tr = rec.getTraces({ start: 1000, end: 1010, scaled: true });
    for (let i = 0; i < tr.length; i++) assert.ok(Math.abs(tr[i] - buf.readInt16LE(2 * i) * raw.gain_to_uV) < 1e-3);
    // Ground truth: per-unit counts and ids as listed, snr carried as a property.
    const gt = ds.groundTruth;
    assert.equal(gt.numSpikes, raw.num_gt_spikes);
    assert.deepEqual([...gt.unitIds], raw.units.map((u: { unit_id: string }) => String(u.unit_id)));
    const counts = gt.countSpikes();
    raw.units.forEach((u: { num_spikes: number }, i: number) => assert.equal(counts[i], u.num_spikes));
    assert.equal((gt.properties.get('snr') as Float64Array)[0], raw.units[0].snr);
    assert.equal(ds.info.units[0].snr, raw.units[0].snr);
    rec.close();
  });
}

test('dataset.json problems are reported with the file and the field', async () => {
  const f = '/x/dataset.json';
  assert.throws(() => parseDatasetInfo('{', f), /\/x\/dataset.json: not valid JSON/);
  const base = { sampling_frequency: 30000, num_channels: 2, num_samples: 100, dtype: 'int16', raw_file: 'r.raw', units: [{ unit_id: '0' }] };
  assert.equal(parseDatasetInfo(JSON.stringify(base), f).numChannels, 2);
  assert.throws(() => parseDatasetInfo(JSON.stringify({ ...base, num_channels: 'two' }), f), /field "num_channels" must be a number/);
  assert.throws(() => parseDatasetInfo(JSON.stringify({ ...base, units: [] }), f), /field "units" must be a non-empty list/);
  assert.throws(() => parseDatasetInfo(JSON.stringify({ ...base, dtype: 'int12' }), f), /unknown dtype 'int12'/);
  assert.throws(() => parseDatasetInfo(JSON.stringify({ ...base, channel_ids: ['a'] }), f), /"channel_ids" must list 2 ids/);
  const dir = tempDir();
  try {
    assert.equal(isGroundTruthDatasetDir(dir), false);
    await assert.rejects(loadGroundTruthDataset(dir), /dataset.json: cannot read/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

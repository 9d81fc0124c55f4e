import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Hdf5Recording, loadHdf5, openHdf5, readSampleWindow, requireDataset, hasHdf5Signature, pluginFilters, assertDecodable } from '../src/io/hdf5.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { realDir, tempDir } from './helpers/paths.js';

const MAXWELL = path.join(realDir('maxwell_maxone_activity_scan'), 'data.raw.h5');
const BIOCAM = path.join(realDir('biocam_brw'), 'biocam_hw3.0_fw1.6.brw');

/** Value stored at (time t, channel c) in the synthetic files: distinct per cell, exact in int16. */
const cell = (t: number, c: number) => ((t * 37 + c * 101) % 2000) - 1000;

/** Writes the same 300 × 7 signal time-major, channel-major (chunked + gzip) and interleaved. */
async function writeLayouts(dir: string): Promise<string> {
  const h5 = await loadHdf5();
  const file = path.join(dir, 'layouts.h5');
  const nt = 300;
  const nc = 7;
  const tm = Int16Array.from({ length: nt * nc }, (_, i) => cell(Math.floor(i / nc), i % nc));
  const cm = Int16Array.from({ length: nt * nc }, (_, i) => cell(i % nt, Math.floor(i / nt)));
  const f = new h5.File(file, 'w');
  f.create_dataset({ name: 'tm', data: tm, shape: [nt, nc] });
  f.create_dataset({ name: 'cm', data: cm, shape: [nc, nt], chunks: [nc, 64], compression: 'gzip' });
  f.create_dataset({ name: 'flat', data: tm });
  f.create_dataset({ name: 'f32', data: Float32Array.from([1, 2, NaN, 4]), shape: [2, 2] });
  f.close();
  return file;
}

test('readSampleWindow returns time-major windows of chosen columns for all three layouts', async () => {
  const dir = tempDir();
  try {
    const file = await writeLayouts(dir);
    const f = openHdf5(file);
    try {
      const cols = Int32Array.from([5, 1, 2]);
      for (const [name, layout] of [['tm', 'time-major'], ['cm', 'channel-major'], ['flat', 'interleaved']] as const) {
        const ds = requireDataset(f, name);
        const got = readSampleWindow(ds, layout, 7, 120, 190, cols, 'int16');
        assert.equal(got.length, 70 * 3, name);
        for (let t = 0; t < 70; t++) for (let j = 0; j < 3; j++) assert.equal(got[t * 3 + j], cell(120 + t, cols[j]), `${name} t=${t} j=${j}`);
        const all = readSampleWindow(ds, layout, 7, 0, 300, Int32Array.from({ length: 7 }, (_, i) => i), 'int16');
        assert.equal(all[299 * 7 + 6], cell(299, 6), name);
      }
    } finally {
      f.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Hdf5Recording streams windows, rebuilds from its spec and rejects non-finite floats', async () => {
  const dir = tempDir();
  try {
    const file = await writeLayouts(dir);
    const rec = new Hdf5Recording({
      file, dataset: '/cm', layout: 'channel-major', numChannelsInFile: 7, fileChannels: [6, 0],
      init: { samplingFrequency: 1000, channelIds: ['a', 'b'], gains: [0.5, 2] },
    });
    assert.equal(rec.getNumSamples(), 300);
    assert.equal(rec.dtype, 'int16');
    const w = rec.getTraces({ start: 10, end: 12, scaled: true });
    assert.deepEqual(Array.from(w), [cell(10, 6) * 0.5, cell(10, 0) * 2, cell(11, 6) * 0.5, cell(11, 0) * 2]);
    const copy = await recordingFromSpec(structuredClone(rec.toSpec()));
    assert.deepEqual(Array.from(copy.getTraces({ start: 250, end: 300 })), Array.from(rec.getTraces({ start: 250, end: 300 })));
    rec.close();
    (copy as Hdf5Recording).close();
    assert.throws(() => rec.getTraces({ start: 0, end: 1 }), /read after close/);
    const bad = new Hdf5Recording({ file, dataset: '/f32', layout: 'time-major', numChannelsInFile: 2, init: { samplingFrequency: 1, channelIds: ['x', 'y'] } });
    assert.throws(() => bad.getTraces(), /NaN at sample 1, channel x: float data must be finite/);
    bad.close();
    assert.throws(
      () => new Hdf5Recording({ file, dataset: '/tm', layout: 'time-major', numChannelsInFile: 8, init: { samplingFrequency: 1, channelIds: ['x'] } }),
      /layouts\.h5: dataset '\/tm' has 7 channels but the metadata describes 8/,
    );
    assert.throws(() => new Hdf5Recording({ file, dataset: '/nope', layout: 'time-major', numChannelsInFile: 1, init: { samplingFrequency: 1, channelIds: ['x'] } }), /missing sample dataset '\/nope'/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('opening: missing, non-HDF5 and truncated files give errors naming the file', async () => {
  await loadHdf5();
  const dir = tempDir();
  try {
    assert.throws(() => openHdf5(path.join(dir, 'none.h5')), /none\.h5: file not found/);
    const txt = path.join(dir, 'text.h5');
    fs.writeFileSync(txt, 'hello');
    assert.equal(hasHdf5Signature(txt), false);
    assert.throws(() => openHdf5(txt), /text\.h5: not an HDF5 file/);
    const cut = path.join(dir, 'cut.brw');
    fs.writeFileSync(cut, fs.readFileSync(BIOCAM).subarray(0, 700_000));
    assert.equal(hasHdf5Signature(cut), true);
    assert.throws(() => openHdf5(cut), /cut\.brw: HDF5 cannot open the file .*700,000 bytes.*truncated/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a dataset compressed with an unavailable plugin filter is reported with the filter id', async () => {
  await loadHdf5();
  const f = openHdf5(MAXWELL);
  try {
    const raw = requireDataset(f, '/data_store/data0000/groups/routed/raw');
    assert.deepEqual(pluginFilters(raw).map((x) => x.id), [401]);
    assert.throws(() => assertDecodable(raw, MAXWELL), /data\.raw\.h5: dataset '\/data_store\/data0000\/groups\/routed\/raw' uses the HDF5 compression filter 401 .*hdf5PluginPath.*HDF5_PLUGIN_PATH/);
    // Datasets without plugin filters decode.
    assertDecodable(requireDataset(f, '/data_store/data0000/groups/routed/channels'), MAXWELL);
  } finally {
    f.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetDir, tempDir } from './helpers/paths.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { Recording } from '../src/core/recording.js';
import { Sorting } from '../src/core/sorting.js';
import { ChannelSparsity } from '../src/core/sparsity.js';
import { NumericArray } from '../src/core/dtypes.js';
import { BinaryRecording } from '../src/io/binary.js';
import { npyNumbers, readNpy } from '../src/io/npy.js';
import { extractWaveforms, loadWaveforms, saveWaveforms } from '../src/postprocessing/waveforms.js';
import { computeTemplates, loadTemplates, saveTemplates, templatePeakChannels, unitTemplate } from '../src/postprocessing/templates.js';

// Synthetic case with exact answers: 3 channels, 10 kHz, zero background; unit u's spike k adds the
// shape value(u, k, s, c) at sample t - nBefore + s, and spikes never overlap, so every extracted
// waveform must equal its inserted shape exactly.
const FS = 10000;
const NC = 3;
const NB = 5; // msBefore 0.5 ms
const NA = 10; // msAfter 1 ms
const NS = NB + NA;
const value = (u: number, k: number, s: number, c: number) => (u + 1) * 100 + k + 0.01 * s + 0.001 * c;

function synthetic(): { rec: InMemoryRecording; sorting: Sorting; trains: number[][] } {
  const n = 20000;
  const trains = [
    Array.from({ length: 40 }, (_, k) => 40 + k * 480), // unit 0
    Array.from({ length: 25 }, (_, k) => 280 + k * 480), // unit 1, always 240 samples from unit 0
    [2, 19995], // unit 2: both spikes too close to an edge
  ];
  const data = new Float32Array(n * NC);
  trains.forEach((tr, u) =>
    tr.forEach((t, k) => {
      for (let s = 0; s < NS; s++) {
        const i = t - NB + s;
        if (i < 0 || i >= n) continue;
        for (let c = 0; c < NC; c++) data[i * NC + c] = value(u, k, s, c);
      }
    }),
  );
  const rec = InMemoryRecording.fromArray(data, NC, FS);
  const sorting = Sorting.fromTrains([trains], { samplingFrequency: FS, unitIds: ['u0', 'u1', 'u2'] });
  return { rec, sorting, trains };
}

test('waveforms: exact recovery of inserted spikes, edge spikes counted, chunking irrelevant', () => {
  const { rec, sorting, trains } = synthetic();
  for (const chunkSize of [undefined, NS, 1000]) {
    const wf = extractWaveforms(rec, sorting, { msBefore: 0.5, msAfter: 1, maxSpikesPerUnit: Infinity, chunkSize });
    assert.equal(wf.nBefore, NB);
    assert.equal(wf.numSamples, NS);
    assert.deepEqual(Array.from(wf.skippedNearEdge), [0, 0, 2]);
    assert.equal(wf.units[2].spikeIndices.length, 0);
    for (const u of [0, 1]) {
      const w = wf.units[u];
      assert.deepEqual(Array.from(w.samples), trains[u]);
      for (let k = 0; k < trains[u].length; k++) {
        for (let s = 0; s < NS; s++) {
          for (let c = 0; c < NC; c++) {
            assert.equal(w.data[(k * NS + s) * NC + c], Math.fround(value(u, k, s, c)));
          }
        }
      }
    }
  }
});

test('waveforms: seeded subsampling is deterministic, without replacement and seed-dependent', () => {
  const { rec, sorting, trains } = synthetic();
  const a = extractWaveforms(rec, sorting, { msBefore: 0.5, msAfter: 1, maxSpikesPerUnit: 10, seed: 7 });
  const b = extractWaveforms(rec, sorting, { msBefore: 0.5, msAfter: 1, maxSpikesPerUnit: 10, seed: 7 });
  const c = extractWaveforms(rec, sorting, { msBefore: 0.5, msAfter: 1, maxSpikesPerUnit: 10, seed: 8 });
  assert.deepEqual(Array.from(a.units[0].samples), Array.from(b.units[0].samples));
  assert.notDeepEqual(Array.from(a.units[0].samples), Array.from(c.units[0].samples));
  const picked = Array.from(a.units[0].samples);
  assert.equal(new Set(picked).size, 10);
  assert.ok(picked.every((t, i) => i === 0 || t > picked[i - 1]), 'time order');
  // The waveform of each picked spike is still its own inserted shape.
  picked.forEach((t, i) => {
    const k = trains[0].indexOf(t);
    assert.equal(a.units[0].data[(i * NS + 0) * NC + 2], Math.fround(value(0, k, 0, 2)));
  });
});

test('waveforms: sparse channels, save/load round trip', async () => {
  const { rec, sorting } = synthetic();
  const sparsity = ChannelSparsity.fromProperty(sorting.unitIds, ['g0', 'g1', 'g1'], rec.channelIds, ['g0', 'g1', 'g0']);
  const wf = extractWaveforms(rec, sorting, { msBefore: 0.5, msAfter: 1, sparsity });
  assert.deepEqual(Array.from(wf.units[0].channels), [0, 2]);
  assert.deepEqual(Array.from(wf.units[1].channels), [1]);
  assert.equal(wf.units[0].data[(3 * NS + 4) * 2 + 1], Math.fround(value(0, 3, 4, 2)));
  assert.equal(wf.units[1].data[2 * NS + 7], Math.fround(value(1, 2, 7, 1)));
  const dir = tempDir();
  try {
    const out = path.join(dir, 'wf');
    await saveWaveforms(wf, out);
    const back = loadWaveforms(out);
    assert.deepEqual(back.unitIds, wf.unitIds);
    assert.equal(back.nBefore, NB);
    assert.deepEqual(Array.from(back.sparsity!.mask), Array.from(sparsity.mask));
    wf.units.forEach((w, u) => {
      assert.deepEqual(Array.from(back.units[u].data), Array.from(w.data));
      assert.deepEqual(Array.from(back.units[u].samples), Array.from(w.samples));
      assert.deepEqual(Array.from(back.units[u].spikeIndices), Array.from(w.spikeIndices));
    });
    await assert.rejects(saveWaveforms(wf, out), /already exists/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('templates: average, median and std match direct computation', async () => {
  // Two channels, one unit, three spikes with values chosen so mean != median.
  const n = 200;
  const data = new Float32Array(n * 2);
  const spikes = [50, 100, 150];
  const amps = [1, 2, 9];
  spikes.forEach((t, k) => {
    for (let s = -2; s < 3; s++) {
      data[(t + s) * 2] = amps[k] * (s + 3);
      data[(t + s) * 2 + 1] = -amps[k];
    }
  });
  const rec = InMemoryRecording.fromArray(data, 2, 1000);
  const sorting = Sorting.fromTrains([[spikes]], { samplingFrequency: 1000, unitIds: ['x'] });
  const opts = { msBefore: 2, msAfter: 3 };
  const avg = computeTemplates(rec, sorting, { ...opts, operator: 'average' });
  const med = computeTemplates(rec, sorting, { ...opts, operator: 'median' });
  assert.equal(avg.numSamples, 5);
  assert.equal(avg.nBefore, 2);
  for (let s = 0; s < 5; s++) {
    assert.ok(Math.abs(avg.data[s * 2] - 4 * (s + 1)) < 1e-5); // mean amp (1+2+9)/3 = 4
    assert.equal(med.data[s * 2], 2 * (s + 1)); // median amp 2
    const sd = Math.sqrt(((1 - 4) ** 2 + (2 - 4) ** 2 + (9 - 4) ** 2) / 3);
    assert.ok(Math.abs(avg.std![s * 2] - sd * (s + 1)) < 1e-4);
    assert.ok(Math.abs(avg.data[s * 2 + 1] + 4) < 1e-6);
  }
  assert.deepEqual(Array.from(templatePeakChannels(avg, 'neg')), [1]);
  assert.deepEqual(Array.from(templatePeakChannels(avg, 'pos')), [0]);
  assert.deepEqual(Array.from(avg.numSpikes), [3]);
  const dir = tempDir();
  try {
    await saveTemplates(avg, path.join(dir, 't'));
    const back = loadTemplates(path.join(dir, 't'));
    assert.deepEqual(Array.from(back.data), Array.from(avg.data));
    assert.deepEqual(Array.from(back.std!), Array.from(avg.std!));
    assert.equal(back.nBefore, 2);
    assert.deepEqual(back.unitIds, ['x']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Counts getTraces calls and the largest window, to check bounded, time-ordered reading. */
class CountingRecording extends Recording {
  calls: { start: number; end: number }[] = [];
  constructor(private readonly parent: Recording) {
    super(parent.baseInit());
  }
  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    this.calls.push({ start, end });
    return this.parent.getTraces({ segment, start, end, channels });
  }
}

test('gt-tetrode: templates from GT spikes match gt_templates.npy within the noise', () => {
  const dir = datasetDir('gt-tetrode-4ch-60s');
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8'));
  const raw = new BinaryRecording({
    files: [path.join(dir, meta.raw_file)],
    samplingFrequency: meta.sampling_frequency,
    numChannelsInFile: meta.num_channels,
    dtype: 'int16',
    gains: new Array(meta.num_channels).fill(meta.gain_to_uV),
  });
  const rec = new CountingRecording(raw);
  const times = npyNumbers(readNpy(path.join(dir, 'gt_spike_times.npy')), 'gt_spike_times.npy');
  const labels = npyNumbers(readNpy(path.join(dir, 'gt_spike_labels.npy')), 'gt_spike_labels.npy');
  const sorting = Sorting.fromTimesLabels(times, labels, meta.sampling_frequency);
  const gt = readNpy(path.join(dir, 'gt_templates.npy'));
  const [nu, ns, nc] = gt.shape;
  const gtData = npyNumbers(gt, 'gt_templates.npy');
  const fs_ = meta.sampling_frequency;
  const chunkSize = 30000;
  const t = computeTemplates(rec, sorting, {
    msBefore: (meta.template_nbefore * 1000) / fs_,
    msAfter: ((meta.template_num_samples - meta.template_nbefore) * 1000) / fs_,
    maxSpikesPerUnit: Infinity,
    chunkSize,
  });
  assert.equal(t.nBefore, meta.template_nbefore);
  assert.equal(t.numSamples, ns);
  assert.equal(t.unitIds.length, nu);
  // Reads were in time order and bounded.
  assert.ok(rec.calls.every((c, i) => c.end - c.start <= chunkSize && (i === 0 || c.start >= rec.calls[i - 1].start)));

  const peaks = templatePeakChannels(t, 'both');
  for (let u = 0; u < nu; u++) {
    const info = meta.units[u];
    assert.equal(t.unitIds[u], info.unit_id);
    assert.equal(peaks[u], info.peak_channel, `unit ${u} peak channel`);
    const mean = unitTemplate(t, u);
    const n = t.numSpikes[u];
    assert.ok(n >= info.num_spikes - 2, `unit ${u}: ${n} spikes of ${info.num_spikes}`);
    // Each point: |mean − gt| ≤ 5 standard errors (std/√n) + 0.3 µV. With 5 µV white noise and
    // 150–650 spikes the SE is 0.2–1.6 µV; the generator's sub-sample jitter (upsampling 8) and
    // overlapping spikes add a small bias, measured at ≤ 4.3 SE over the 480 points of a unit.
    let sq = 0;
    for (let i = 0; i < ns * nc; i++) {
      const ref = gtData[u * ns * nc + i];
      const se = t.std![u * ns * nc + i] / Math.sqrt(n);
      const err = Math.abs(mean[i] - ref);
      assert.ok(err <= 5 * se + 0.3, `unit ${u} point ${i}: |${mean[i].toFixed(3)} − ${ref.toFixed(3)}| > 5 × ${se.toFixed(3)} + 0.3`);
      sq += err * err;
    }
    // Overall: rms error below 3% of the unit's peak amplitude (measured ≤ 2.8%).
    const rms = Math.sqrt(sq / (ns * nc));
    assert.ok(rms < 0.03 * info.peak_amplitude_uV, `unit ${u}: rms error ${rms.toFixed(3)} µV`);
  }
});

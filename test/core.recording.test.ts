import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  InMemoryRecording,
  ChannelSliceRecording,
  FrameSliceRecording,
  AppendSegmentsRecording,
  ConcatenateRecording,
  AggregateChannelsRecording,
  selectChannels,
  removeChannels,
  splitByGroup,
  selectSegments,
} from '../src/core/recordingtools.js';
import { Probe, ProbeGroup } from '../src/core/probe.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { BinaryRecording } from '../src/io/binary.js';
import { tempDir } from './helpers/paths.js';

/** value(t, c) = 1000 * c + t, easy to check after any slicing. */
function ramp(numSamples: number, numChannels: number, t0 = 0): Int16Array {
  const a = new Int16Array(numSamples * numChannels);
  for (let t = 0; t < numSamples; t++) for (let c = 0; c < numChannels; c++) a[t * numChannels + c] = 1000 * c + ((t + t0) % 1000);
  return a;
}

function rampRecording(numSamples = 500, numChannels = 4): InMemoryRecording {
  const probe = new ProbeGroup([
    new Probe({ positions: Array.from({ length: numChannels }, (_, i) => [0, 20 * i]).flat(), shankIds: Array.from({ length: numChannels }, (_, i) => (i < numChannels / 2 ? 'a' : 'b')) }),
  ]);
  return new InMemoryRecording([ramp(numSamples, numChannels)], {
    samplingFrequency: 1000,
    channelIds: Array.from({ length: numChannels }, (_, i) => `ch${i}`),
    gains: Array.from({ length: numChannels }, (_, i) => 0.5 + i),
    offsets: Array.from({ length: numChannels }, () => 1),
    probe,
  });
}

test('getTraces returns time-major windows, scaled to µV on request', () => {
  const rec = rampRecording();
  const tr = rec.getTraces({ start: 10, end: 12, channels: [3, 1] });
  assert.deepEqual(Array.from(tr), [3010, 1010, 3011, 1011]);
  const uv = rec.getTraces({ start: 10, end: 11, channels: [2], scaled: true });
  assert.ok(uv instanceof Float32Array);
  assert.equal(uv[0], 2010 * 2.5 + 1);
  assert.throws(() => rec.getTraces({ start: 400, end: 501 }), /outside segment 0/);
  assert.throws(() => rec.getTraces({ channels: [4] }), /outside 0..3/);
  assert.throws(() => rec.getTraces({ segment: 1 }), /segment 1 does not exist/);
});

test('channel slice keeps gains, probe wiring and properties per channel', () => {
  const rec = rampRecording();
  rec.properties.set('quality', ['a', 'b', 'c', 'd']);
  const sl = selectChannels(rec, ['ch3', 'ch0']);
  assert.deepEqual([...sl.channelIds], ['ch3', 'ch0']);
  assert.deepEqual(Array.from(sl.gains), [3.5, 0.5]);
  assert.deepEqual(sl.properties.get('quality'), ['d', 'a']);
  assert.deepEqual(Array.from(sl.getChannelLocations()), [0, 60, 0, 0]);
  assert.deepEqual(Array.from(sl.getTraces({ start: 5, end: 6 })), [3005, 5]);
  const rm = removeChannels(rec, ['ch1']);
  assert.deepEqual([...rm.channelIds], ['ch0', 'ch2', 'ch3']);
  assert.throws(() => selectChannels(rec, ['nope']), /unknown channel id 'nope'/);
});

test('split by shank gives one recording per group', () => {
  const parts = splitByGroup(rampRecording(100, 6));
  assert.equal(parts.size, 2);
  const counts = [...parts.values()].map((r) => r.numChannels);
  assert.deepEqual(counts, [3, 3]);
});

test('frame slice shifts time and start', () => {
  const rec = rampRecording();
  const fsr = new FrameSliceRecording(rec, 100, 200);
  assert.equal(fsr.getNumSamples(), 100);
  assert.equal(fsr.getTraces({ start: 0, end: 1, channels: [0] })[0], 100);
  assert.equal(fsr.getTimes()[0], 0.1);
  assert.throws(() => new FrameSliceRecording(rec, 100, 600), /outside/);
});

test('append makes segments; concatenate joins them end to end', () => {
  const a = rampRecording(300);
  const b = rampRecording(200);
  const app = new AppendSegmentsRecording([a, b]);
  assert.equal(app.numSegments, 2);
  assert.equal(app.getNumSamples(1), 200);
  const cat = new ConcatenateRecording([a, b]);
  assert.equal(cat.numSegments, 1);
  assert.equal(cat.getNumSamples(), 500);
  const across = cat.getTraces({ start: 298, end: 302, channels: [1] });
  assert.deepEqual(Array.from(across), [1298, 1299, 1000, 1001]);
  assert.deepEqual(cat.pieceOffsets, [0, 300]);
  const seg = selectSegments(app, [1]);
  assert.equal(seg.getNumSamples(), 200);
  const mismatched = InMemoryRecording.fromArray(new Int16Array(400), 4, 2000);
  assert.throws(() => new ConcatenateRecording([a, mismatched]), /sampled at 2000 Hz/);
});

test('aggregate channels puts recordings side by side and rewires probes', () => {
  const a = rampRecording(100, 2);
  const b = rampRecording(100, 3);
  const agg = new AggregateChannelsRecording([a, b]);
  assert.equal(agg.numChannels, 5);
  assert.deepEqual([...agg.channelIds], ['0-ch0', '0-ch1', '1-ch0', '1-ch1', '1-ch2']);
  assert.deepEqual(Array.from(agg.getTraces({ start: 7, end: 8, channels: [4, 0, 2] })), [2007, 7, 7]);
  assert.equal(agg.probe!.channelGeometry(5).y[3], 20);
  assert.deepEqual(agg.getChannelGroups(), ['0', '0', '1', '1', '1']);
});

test('specs rebuild an equal recording chain (what worker threads do)', async () => {
  const rec = rampRecording();
  const chain = new FrameSliceRecording(new ChannelSliceRecording(rec, Int32Array.from([2, 0])), 50, 150);
  const spec = chain.toSpec();
  assert.ok(spec);
  const cloned = structuredClone(spec);
  const back = await recordingFromSpec(cloned);
  assert.deepEqual(Array.from(back.getTraces()), Array.from(chain.getTraces()));
  assert.deepEqual(Array.from(back.getChannelLocations()), Array.from(chain.getChannelLocations()));
});

test('binary recording reads interleaved files, selects file channels, and explains bad sizes', async () => {
  const dir = tempDir();
  try {
    const data = ramp(1000, 5);
    const file = path.join(dir, 'a.bin');
    fs.writeFileSync(file, Buffer.from(data.buffer));
    const rec = new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: 5, dtype: 'int16', fileChannels: [0, 1, 2, 3] });
    assert.equal(rec.numChannels, 4);
    assert.equal(rec.getNumSamples(), 1000);
    assert.deepEqual(Array.from(rec.getTraces({ start: 999, end: 1000 })), [999 % 1000, 1999, 2999, 3999]);
    const back = await recordingFromSpec(structuredClone(rec.toSpec()!));
    assert.deepEqual(Array.from(back.getTraces({ start: 3, end: 4 })), Array.from(rec.getTraces({ start: 3, end: 4 })));
    rec.close();

    assert.throws(
      () => new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: 3, dtype: 'int16' }),
      /a\.bin: file size 10,000 bytes is not a multiple of 3 channels × 2 bytes \(int16\): check --channels/,
    );
    const trunc = path.join(dir, 'trunc.bin');
    fs.writeFileSync(trunc, Buffer.from(data.buffer, 0, 9999));
    assert.throws(() => new BinaryRecording({ files: [trunc], samplingFrequency: 30000, numChannelsInFile: 5, dtype: 'int16' }), /trunc\.bin.*not a multiple/);
    assert.throws(
      () => new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: 5, dtype: 'int16', numSamples: [2000] }),
      /metadata says 2000 samples but the file holds only 1000/,
    );
    assert.throws(() => new BinaryRecording({ files: [path.join(dir, 'missing.bin')], samplingFrequency: 1, numChannelsInFile: 1, dtype: 'int16' }), /missing\.bin: file not found/);
    assert.throws(() => new BinaryRecording({ files: [file], samplingFrequency: 30000, numChannelsInFile: 0, dtype: 'int16' }), /positive integer/);

    const empty = path.join(dir, 'empty.bin');
    fs.writeFileSync(empty, Buffer.alloc(0));
    const er = new BinaryRecording({ files: [empty], samplingFrequency: 30000, numChannelsInFile: 4, dtype: 'int16' });
    assert.equal(er.getNumSamples(), 0);
    er.close();

    const f32 = new Float32Array([1, 2, NaN, 4]);
    const nanFile = path.join(dir, 'nan.bin');
    fs.writeFileSync(nanFile, Buffer.from(f32.buffer));
    const nr = new BinaryRecording({ files: [nanFile], samplingFrequency: 1000, numChannelsInFile: 2, dtype: 'float32' });
    assert.throws(() => nr.getTraces(), /nan\.bin: NaN at sample 1, channel 0: float data must be finite/);
    nr.close();

    // Input files are never modified.
    assert.deepEqual(new Int16Array(new Uint8Array(fs.readFileSync(file)).buffer), data);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('big-endian files are byte-swapped', () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'be.bin');
    fs.writeFileSync(file, Buffer.from([0x01, 0x02, 0xff, 0xfe]));
    const rec = new BinaryRecording({ files: [file], samplingFrequency: 1, numChannelsInFile: 2, dtype: 'int16', bigEndian: true });
    assert.deepEqual(Array.from(rec.getTraces()), [0x0102, -2]);
    rec.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

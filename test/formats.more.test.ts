/**
 * Axona, Spike2, Plexon, SpikeGadgets and traditional Intan .rhd readers: the shared samples checked
 * against test/fixtures/formats/more_reference.json (numpy, see its README), plus small synthetic files
 * written here from each vendor's documented layout for what the samples lack (gaps, packets, blocks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openAxona, axonaChannelSlot } from '../src/io/axona.js';
import { openSpike2, spike2Streams, readSpike2Header } from '../src/io/spike2.js';
import { readPlexonSpikes, readPlexonHeader } from '../src/io/plexon.js';
import { openSpikeGadgets, readSpikeGadgetsHeader } from '../src/io/spikegadgets.js';
import { openIntan, IntanBlockRecording } from '../src/io/intan.js';
import { openRecording, listStreams, detectFormat } from '../src/io/open.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { silentReporter, type Reporter } from '../src/exec/reporter.js';
import { realDir, repoRoot, tempDir } from './helpers/paths.js';

const ref = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'test/fixtures/formats/more_reference.json'), 'utf8'));

function collect(): Reporter & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    ...silentReporter,
    warnings,
    log(level, m) {
      if (level === 'warn') warnings.push(m);
    },
  };
}

function withTemp(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = tempDir('spikeforge-more-');
  return Promise.resolve(fn(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

test('Axona raw: 16 channels of the enabled tetrodes, remapped values and gains match numpy', async () => {
  const r = ref.axona;
  const bin = path.join(realDir('axona_raw'), 'axona_raw.bin');
  const rec = openAxona(bin);
  assert.equal(detectFormat(bin), 'axona');
  assert.equal(rec.samplingFrequency, 48000);
  assert.deepEqual(rec.channelIds, r.channels.map(String));
  assert.equal(rec.getNumSamples(), r.numSamples);
  r.gainsUv.forEach((g: number, i: number) => assert.ok(Math.abs(rec.gains[i] - g) < 1e-12));
  r.t.forEach((t: number, i: number) => assert.deepEqual(Array.from(rec.getTraces({ start: t, end: t + 1 })), r.raw[i]));
  const all = rec.getTraces({ start: 0, end: rec.getNumSamples() });
  r.channelSums.forEach((s: number, c: number) => {
    let sum = 0;
    for (let t = 0; t < rec.getNumSamples(); t++) sum += all[t * rec.numChannels + c];
    assert.equal(sum, s, `channel ${c}`);
  });
  // Slots are a permutation of 0..63.
  assert.equal(new Set(Array.from({ length: 64 }, (_, c) => axonaChannelSlot(c))).size, 64);
  const back = await recordingFromSpec(rec.toSpec());
  assert.deepEqual(Array.from(back.getTraces({ start: 287, end: 288 })), r.raw[4]);
  assert.equal(rec.properties.get('channel_name')![5], '2b');
});

test('Axona raw: partial packet warns, bad magic and missing .set are errors naming the file', () =>
  withTemp((dir) => {
    const src = fs.readFileSync(path.join(realDir('axona_raw'), 'axona_raw.bin'));
    const set = path.join(realDir('axona_raw'), 'axona_raw.set');
    const bin = path.join(dir, 'cut.bin');
    fs.writeFileSync(bin, src.subarray(0, 432 * 10 + 100));
    fs.copyFileSync(set, path.join(dir, 'cut.set'));
    const rep = collect();
    const rec = openAxona(bin, { reporter: rep });
    assert.equal(rec.getNumSamples(), 30);
    assert.match(rep.warnings.join('\n'), /cut\.bin: 4,420 bytes is not a whole number of 432-byte packets/);
    const bad = Buffer.from(src.subarray(0, 432 * 2));
    bad.write('XXXX', 0, 'latin1');
    fs.writeFileSync(bin, bad);
    assert.throws(() => openAxona(bin), /cut\.bin: first packet starts with 'XXXX'/);
    fs.rmSync(path.join(dir, 'cut.set'));
    assert.throws(() => openAxona(bin), /cut\.set is missing/);
  }));

test('Spike2 .smr: the Adc channel through its 186-block chain matches numpy; one 200.8 Hz stream', async () => {
  const r = ref.spike2;
  const file = path.join(realDir('spike2_smr'), 'File_spike2_1.smr');
  assert.equal(detectFormat(file), 'spike2');
  const { header, channels } = readSpike2Header(file);
  assert.equal(header.version, r.version);
  assert.ok(channels.some((c) => c.kindName === 'adcMark') && channels.some((c) => c.kindName === 'marker'));
  const streams = await listStreams(file);
  assert.equal(streams.length, 1);
  const rec = openSpike2(file);
  assert.equal(rec.properties.get('channel_name')![0], r.title);
  assert.ok(Math.abs(rec.samplingFrequency - r.samplingFrequency) < 1e-9);
  assert.equal(rec.getNumSamples(), r.numSamples);
  assert.ok(Math.abs(rec.getSegmentTime(0).tStart - r.tStart) < 1e-9);
  assert.ok(Math.abs(rec.gains[0] - r.gainUv) < 1e-6);
  r.t.forEach((t: number, i: number) => assert.equal(rec.getTraces({ start: t, end: t + 1 })[0], r.raw[i], `sample ${t}`));
  const all = rec.getTraces({ start: 0, end: rec.getNumSamples() });
  assert.equal(Array.from(all).reduce((a, b) => a + b, 0), r.sum);
  const back = await recordingFromSpec(rec.toSpec());
  assert.deepEqual(Array.from(back.getTraces({ start: 240, end: 250 })), Array.from(all.subarray(240, 250)));
});

/** A SON v4 file per the CED layout: channels of [title, kind, divide, blocks of [startTick, int16 values]]. */
function writeSon(file: string, chans: { title: string; kind: number; divide: number; blocks: [number, number[]][] }[]): void {
  const slots = 4;
  const head = Buffer.alloc(512 + 140 * slots);
  head.writeInt16LE(4, 0);
  head.write('(C) CED 87', 2, 'latin1');
  head.writeInt16LE(2, 20); // usPerTime
  head.writeInt16LE(5, 22); // timePerADC → 1 tick = 2 µs, interval = divide × 5 ticks
  head.writeInt16LE(slots, 30);
  const body: Buffer[] = [];
  let at = head.length;
  chans.forEach((c, i) => {
    const h = 512 + 140 * i;
    head.writeInt16LE(c.blocks.length, h + 18);
    head.writeUInt8(c.title.length, h + 108);
    head.write(c.title, h + 109, 'latin1');
    head.writeUInt8(c.kind, h + 122);
    head.writeFloatLE(1, h + 124);
    head.writeUInt8(2, h + 132);
    head.write('mV', h + 133, 'latin1');
    head.writeInt16LE(c.divide, h + 138);
    let prev = -1;
    const offsets = c.blocks.map((b) => {
      const o = at;
      at += 20 + 2 * b[1].length;
      return o;
    });
    head.writeInt32LE(offsets[0], h + 6);
    c.blocks.forEach(([t0, values], k) => {
      const b = Buffer.alloc(20 + 2 * values.length);
      b.writeInt32LE(prev, 0);
      b.writeInt32LE(k + 1 < offsets.length ? offsets[k + 1] : -1, 4);
      b.writeInt32LE(t0, 8);
      b.writeInt32LE(t0 + (values.length - 1) * c.divide * 5, 12);
      b.writeUInt16LE(i + 1, 16);
      b.writeUInt16LE(values.length, 18);
      values.forEach((v, j) => b.writeInt16LE(v, 20 + 2 * j));
      body.push(b);
      prev = offsets[k];
    });
  });
  fs.writeFileSync(file, Buffer.concat([head, ...body]));
}

test('Spike2 synthetic: a gap between blocks starts a new segment; rates split streams; damaged chains are errors', () =>
  withTemp((dir) => {
    const file = path.join(dir, 'gap.smr');
    // divide 10 → interval 50 ticks of 2 µs = 100 µs (10 kHz).
    writeSon(file, [
      { title: 'a', kind: 1, divide: 10, blocks: [[1000, [1, 2, 3]], [1150, [4, 5]], [5000, [6, 7, 8, 9]]] },
      { title: 'b', kind: 1, divide: 10, blocks: [[1000, [-1, -2, -3, -4, -5]], [5000, [-6, -7, -8, -9]]] },
      { title: 'slow', kind: 1, divide: 20, blocks: [[0, [42, 43]]] },
    ]);
    const streams = spike2Streams(file);
    assert.deepEqual(streams.map((s) => [s.name, s.channels.map((c) => c.title)]), [['10000Hz', ['a', 'b']], ['5000Hz', ['slow']]]);
    assert.throws(() => openSpike2(file), /2 Spike2 streams.*--stream/);
    const rec = openSpike2(file, { stream: '10000Hz' });
    assert.equal(rec.numSegments, 2);
    assert.deepEqual([rec.getNumSamples(0), rec.getNumSamples(1)], [5, 4]);
    assert.ok(Math.abs(rec.getSegmentTime(1).tStart - 5000 * 2e-6) < 1e-12);
    assert.deepEqual(Array.from(rec.getTraces({ segment: 0, start: 1, end: 5 })), [2, -2, 3, -3, 4, -4, 5, -5]);
    assert.deepEqual(Array.from(rec.getTraces({ segment: 1, start: 3, end: 4, channels: [1] })), [-9]);
    assert.ok(Math.abs(rec.gains[0] - 1e3 / 6553.6) < 1e-12);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 2));
    assert.throws(() => spike2Streams(file), /gap\.smr: block at byte \d+ of channel 3 \('slow'\) holds 2 items past the end of the file/);
    const notSon = path.join(dir, 'x.smr');
    fs.writeFileSync(notSon, Buffer.alloc(600));
    assert.throws(() => openSpike2(notSon), /x\.smr: no '\(C\) CED' mark/);
  }));

test('Plexon .plx: spikes, units and waveforms match numpy and the header counts; no continuous channels is a clear error', async () => {
  const r = ref.plexon;
  const file = path.join(realDir('plexon_plx'), 'File_plexon_1.plx');
  assert.equal(detectFormat(file), 'plexon');
  const h = readPlexonHeader(file);
  assert.equal(h.file.version, r.version);
  assert.deepEqual(h.dsp.map((d) => d.name), r.dspNames);
  const { sorting, waveforms } = readPlexonSpikes(file);
  assert.equal(sorting.samplingFrequency, r.adFrequency);
  assert.equal(sorting.spikes.sample.length, r.numSpikes);
  assert.deepEqual(r.unitCounts, r.headerCounts); // the fixture's block scan agrees with the file header
  for (const [id, n] of Object.entries(r.unitCounts)) {
    const u = sorting.unitIds.indexOf(id);
    assert.ok(u >= 0, id);
    assert.equal(sorting.spikes.unit.filter((x) => x === u).length, n, id);
  }
  assert.equal(Math.max(...sorting.spikes.sample), r.lastTimestamp);
  const sig02 = waveforms.get('sig02')!;
  assert.equal(sig02.numSamples, r.pointsPerWave);
  assert.equal(sig02.nBefore, r.pointsPreThreshold);
  r.sig02First.forEach((s: { ts: number; raw: number[] }, i: number) => {
    assert.equal(sig02.frames[i], s.ts);
    s.raw.forEach((v, k) => assert.ok(Math.abs(sig02.data[i * r.pointsPerWave + k] - v * r.uvPerBit[1]) < 1e-4));
  });
  await assert.rejects(openRecording(file), /File_plexon_1\.plx: this \.plx has no continuous channels/);
  assert.equal((await listStreams(file))[0].available, false);
});

test('SpikeGadgets .rec sample: header layout (270-byte packets), 2 packets with counters 0 and 1', async () => {
  const file = path.join(realDir('spikegadgets_rec'), 'W122_06_09_2019_1_fromSD.rec');
  const h = readSpikeGadgetsHeader(file);
  assert.equal(h.headerBytes, 18731); // '</Configuration>' ends at 18729, then \r\n
  assert.equal(h.numChannels, 128);
  assert.equal(h.packetBytes, 1 + 1 + 8 + 4 + 256);
  assert.equal(h.channels.length, 128);
  assert.deepEqual(h.channels.slice(0, 2).map((c) => c.hwChan), [63, 61]);
  const rec = await openRecording(file);
  assert.equal(rec.getNumSamples(), 2);
  assert.deepEqual(Array.from((rec as ReturnType<typeof openSpikeGadgets>).packetTimestamps()), [0, 1]);
});

test('SpikeGadgets synthetic: hwChan order, devices, timestamps, truncation, sync errors', () =>
  withTemp(async (dir) => {
    const xml = `<?xml version="1.0"?>\n<Configuration>\n <HardwareConfiguration numChannels="4" samplingRate="20000">\n  <Device numBytes="2" name="MCU_IO"/>\n  <!-- <Device numBytes="9" name="commented"/> -->\n  <Device numBytes="3" name="ECU"/>\n </HardwareConfiguration>\n <SpikeConfiguration>\n  <SpikeNTrode id="7" spikeScalingToUv="0.5">\n   <SpikeChannel hwChan="2"/>\n   <SpikeChannel hwChan="0"/>\n  </SpikeNTrode>\n </SpikeConfiguration>\n</Configuration>\n`;
    const packet = 1 + 2 + 3 + 4 + 8;
    const n = 5;
    const data = Buffer.alloc(n * packet + 7); // 7 stray bytes: a partial packet
    for (let t = 0; t < n; t++) {
      const o = t * packet;
      data[o] = 0x55;
      data.writeUInt32LE(100 + t + (t >= 3 ? 10 : 0), o + 6);
      for (let k = 0; k < 4; k++) data.writeInt16LE(1000 * k + t * (k % 2 ? -1 : 1), o + 10 + 2 * k);
    }
    const file = path.join(dir, 'syn.rec');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(xml, 'latin1'), data]));
    const rep = collect();
    const rec = openSpikeGadgets(file, { reporter: rep });
    assert.match(rep.warnings[0], /syn\.rec: .*partial last packet/);
    assert.deepEqual(rec.channelIds, ['7-2', '7-0']);
    assert.equal(rec.getNumSamples(), n);
    assert.deepEqual(Array.from(rec.gains), [0.5, 0.5]);
    assert.deepEqual(Array.from(rec.getTraces({ start: 3, end: 5 })), [2003, 3, 2004, 4]);
    assert.deepEqual(Array.from(rec.packetTimestamps()), [100, 101, 102, 113, 114]);
    const back = await recordingFromSpec(rec.toSpec());
    assert.deepEqual(Array.from(back.getTraces({ start: 0, end: 1, channels: [1] })), [0]);
    data[2 * packet] = 0;
    fs.writeFileSync(file, Buffer.concat([Buffer.from(xml, 'latin1'), data]));
    assert.throws(() => openSpikeGadgets(file).getTraces({ start: 0, end: 5 }), /syn\.rec: packet 2 does not start with the 0x55 sync byte/);
  }));

/** A traditional .rhd (format 2.0, 128-sample blocks) written per Intan's RHD2000 file-format document. */
function writeRhd(file: string, blocks: number, tsJumpAtBlock = -1): { amp: number[][]; ts: number[] } {
  const parts: Buffer[] = [];
  const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16LE(v); parts.push(b); };
  const f32 = (v: number) => { const b = Buffer.alloc(4); b.writeFloatLE(v); parts.push(b); };
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const qs = (s: string) => { u32(s.length * 2); parts.push(Buffer.from(s, 'utf16le')); };
  u32(0xc6912702); i16(2); i16(0);
  f32(20000); // sample rate
  i16(1); f32(1); f32(0.1); f32(7500); f32(1); f32(0.1); f32(7500); // DSP, bandwidths
  i16(1); // notch 50 Hz
  f32(1000); f32(1000); qs('n1'); qs(''); qs('');
  i16(1); // temperature sensors
  i16(0); // eval board mode
  qs('A-000'); // reference channel
  i16(2); // signal groups
  const channel = (name: string, type: number, chip: number) => { qs(name); qs(`${name}-custom`); i16(0); i16(0); i16(type); i16(1); i16(chip); i16(0); i16(0); i16(0); i16(0); i16(0); f32(1e5); f32(0); };
  qs('Port A'); qs('A'); i16(1); i16(4); i16(2);
  channel('A-000', 0, 0); channel('A-001', 0, 1); channel('A-AUX1', 1, 32); channel('A-VDD1', 2, 0);
  qs('Board ADC'); qs('ADC'); i16(1); i16(2); i16(0);
  channel('ADC-00', 3, 0); channel('DIN-00', 4, 0);
  const amp: number[][] = [[], []];
  const ts: number[] = [];
  let counter = 50;
  for (let b = 0; b < blocks; b++) {
    if (b === tsJumpAtBlock) counter += 1000;
    for (let k = 0; k < 128; k++) { ts.push(counter); u32(counter++); }
    for (let c = 0; c < 2; c++) for (let k = 0; k < 128; k++) { const v = 32768 + ((b * 128 + k) * (c ? -3 : 7)) % 20000; amp[c].push(v); const x = Buffer.alloc(2); x.writeUInt16LE(v); parts.push(x); }
    for (let k = 0; k < 32; k++) i16(11); // aux at 1/4 rate
    i16(22); // supply
    i16(33); // temperature
    for (let k = 0; k < 128; k++) i16(44); // ADC
    for (let k = 0; k < 128; k++) i16(k % 2); // digital in
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return { amp, ts };
}

test('Intan traditional .rhd (synthetic): block layout with aux/supply/temp/ADC/digital, values, counters, gaps', () =>
  withTemp(async (dir) => {
    const file = path.join(dir, 'rec.rhd');
    const { amp, ts } = writeRhd(file, 3);
    const rep = collect();
    const rec = openIntan(file, { reporter: rep }) as IntanBlockRecording;
    assert.deepEqual(rep.warnings, []);
    assert.deepEqual(rec.channelIds, ['A-000', 'A-001']);
    assert.equal(rec.samplingFrequency, 20000);
    assert.equal(rec.getNumSamples(), 384);
    const raw = rec.getTraces({ start: 0, end: 384 });
    for (let t = 0; t < 384; t++) for (let c = 0; c < 2; c++) assert.equal(raw[t * 2 + c], amp[c][t], `t=${t} c=${c}`);
    const uv = rec.getTraces({ start: 127, end: 129, channels: [0], scaled: true });
    assert.ok(Math.abs(uv[1] - (amp[0][128] - 32768) * 0.195) < 1e-3);
    assert.deepEqual(Array.from(rec.timestamps(126, 130)), ts.slice(126, 130));
    const back = await recordingFromSpec(rec.toSpec());
    assert.deepEqual(Array.from(back.getTraces({ start: 300, end: 302 })), Array.from(raw.subarray(600, 604)));
    // A counter jump (lost samples) is reported; a partial block is ignored with a warning.
    writeRhd(file, 3, 2);
    fs.appendFileSync(file, Buffer.alloc(10));
    const rep2 = collect();
    const gappy = openIntan(file, { reporter: rep2 }) as IntanBlockRecording;
    assert.equal(gappy.getNumSamples(), 384);
    assert.match(rep2.warnings.join('\n'), /partial last block/);
    assert.match(rep2.warnings.join('\n'), /1000 samples were lost/);
    const t = gappy.timestamps();
    assert.deepEqual([t[255], t[256]], [50 + 255, 50 + 256 + 1000]);
  }));

/**
 * BinaryRecording.readRawScratch (raw samples of all channels in a buffer the recording reuses) against
 * getTraces({ scaled: false }) on the same file: file and in-memory sources, little- and big-endian int16,
 * float32 (checked finite), empty windows; null where the file holds other channels too. Then a
 * FilterRecording on a file (which reads through that buffer away from the edges) against the same filter
 * on an in-memory copy of the samples (which never does), bit for bit, in chunks at and away from the edges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BinaryRecording } from '../src/io/binary.js';
import { MemoryByteSource } from '../src/io/bytesource.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import { tempDir } from './helpers/paths.js';
import { randomArray } from './helpers/random.js';

const FS = 30000;

function int16Samples(nt: number, nc: number, seed: number): Int16Array {
  return Int16Array.from(randomArray(nt * nc, seed), (v, i) => Math.round(2000 * v + 500 * Math.sin(i / (50 * nc)) + 30 * (i % nc)));
}

/** The samples' bytes in the given byte order. */
function bytesOf(x: Int16Array | Float32Array, bigEndian: boolean): Uint8Array {
  const b = new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
  if (bigEndian) {
    const item = x.BYTES_PER_ELEMENT;
    for (let i = 0; i < b.length; i += item) b.subarray(i, i + item).reverse();
  }
  return b;
}

test('readRawScratch equals getTraces(scaled: false) for all channels, reusing one buffer; null when the file has other channels', () => {
  const nc = 5;
  const nt = 700;
  const q = int16Samples(nt, nc, 1);
  const f = Float32Array.from(q, (v) => v * 0.25);
  const dir = tempDir();
  try {
    const file = path.join(dir, 'x.bin');
    fs.writeFileSync(file, bytesOf(q, false));
    const recs: Array<[string, BinaryRecording]> = [
      ['file int16', new BinaryRecording({ files: [file], samplingFrequency: FS, numChannelsInFile: nc, dtype: 'int16' })],
      ['memory int16 big-endian', new BinaryRecording({ files: [new MemoryByteSource('be.bin', bytesOf(q, true))], samplingFrequency: FS, numChannelsInFile: nc, dtype: 'int16', bigEndian: true })],
      ['memory float32', new BinaryRecording({ files: [new MemoryByteSource('f.bin', bytesOf(f, false))], samplingFrequency: FS, numChannelsInFile: nc, dtype: 'float32' })],
    ];
    for (const [label, rec] of recs) {
      const want = label.includes('float32') ? f : q;
      let previous: ArrayBufferLike | null = null;
      for (const [a, b] of [[100, 700], [0, 300], [250, 260], [40, 40]]) {
        const got = rec.readRawScratch(0, a, b);
        assert.ok(got, `${label}: null for a file of the recording's own channels`);
        assert.deepEqual(got, want.subarray(a * nc, b * nc), `${label} [${a}, ${b})`);
        assert.deepEqual(got, rec.getTraces({ start: a, end: b, scaled: false }), `${label} [${a}, ${b}) vs getTraces`);
        // The first (largest) read sized the buffer; later reads reuse it.
        if (previous) assert.equal(got.buffer, previous, `${label}: a new buffer for [${a}, ${b})`);
        previous = got.buffer;
      }
      assert.throws(() => rec.readRawScratch(0, 600, 701), /outside segment 0/);
      rec.close();
    }
    const subset = new BinaryRecording({ files: [file], samplingFrequency: FS, numChannelsInFile: nc, dtype: 'int16', fileChannels: [0, 1, 2, 3] });
    assert.equal(subset.readRawScratch(0, 0, 10), null);
    subset.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a FilterRecording reading a file through its reused buffer gives the in-memory filter output bit for bit', () => {
  const nc = 6;
  const nt = 12000;
  const q = int16Samples(nt, nc, 2);
  const gains = Float64Array.from({ length: nc }, (_, c) => 0.195 + 0.001 * c);
  const dir = tempDir();
  try {
    const file = path.join(dir, 'x.bin');
    fs.writeFileSync(file, bytesOf(q, false));
    const bin = new BinaryRecording({ files: [file], samplingFrequency: FS, numChannelsInFile: nc, dtype: 'int16', gains });
    const mem = InMemoryRecording.fromArray(q, nc, FS, { gains, offsets: new Float64Array(nc) });
    for (const causal of [false, true]) {
      const a = highpassFilter(bin, { causal });
      const b = highpassFilter(mem, { causal });
      for (const [start, end] of [[0, 2000], [4000, 7000], [nt - 1500, nt], [5000, 5001]]) {
        const want = b.getTraces({ start, end, scaled: true });
        assert.deepEqual(a.getTraces({ start, end, scaled: true }), want, `causal ${causal}, [${start}, ${end})`);
        assert.deepEqual(a.readScratch(0, start, end), want, `readScratch, causal ${causal}, [${start}, ${end})`);
        assert.deepEqual(a.getTraces({ start, end, channels: [4, 1], scaled: true }), b.getTraces({ start, end, channels: [4, 1], scaled: true }));
      }
    }
    bin.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

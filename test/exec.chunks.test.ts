import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { chunkSizeForMemory, makeChunks, parseMemorySize, resolveChunkSize, type TraceChunk } from '../src/exec/chunks.js';

function recording(samples: number[], fs = 1000, nc = 4): InMemoryRecording {
  return new InMemoryRecording(
    samples.map((n) => new Int16Array(n * nc)),
    { samplingFrequency: fs, channelIds: Array.from({ length: nc }, (_, c) => String(c)) },
  );
}

/** Every sample of every listed segment is in exactly one chunk, chunks are contiguous and indexed 0..n-1. */
function assertCovers(chunks: TraceChunk[], rec: InMemoryRecording, segments: number[]): void {
  chunks.forEach((c, i) => assert.equal(c.index, i));
  for (const s of segments) {
    const mine = chunks.filter((c) => c.segment === s);
    let next = 0;
    for (const c of mine) {
      assert.equal(c.start, next, `segment ${s}: gap or overlap at ${c.start}`);
      assert.ok(c.end > c.start);
      next = c.end;
    }
    assert.equal(next, rec.getNumSamples(s));
  }
  assert.deepEqual([...new Set(chunks.map((c) => c.segment))], segments.filter((s) => rec.getNumSamples(s) > 0));
}

test('default chunks are 1 s and cover every segment exactly once', () => {
  const rec = recording([2500, 1000, 999], 1000);
  const chunks = makeChunks(rec);
  assertCovers(chunks, rec, [0, 1, 2]);
  assert.deepEqual(
    chunks.map((c) => [c.segment, c.start, c.end]),
    [[0, 0, 1000], [0, 1000, 2000], [0, 2000, 2500], [1, 0, 1000], [2, 0, 999]],
  );
});

test('chunkSize wins over chunkDurationS; durations round to whole samples', () => {
  const rec = recording([10_000], 30_000);
  assert.equal(resolveChunkSize(rec, { chunkSize: 777, chunkDurationS: 2 }), 777);
  assert.equal(resolveChunkSize(rec, { chunkDurationS: 0.1 }), 3000);
  assert.equal(resolveChunkSize(rec, { chunkDurationS: 1e-9 }), 1);
  const chunks = makeChunks(rec, { chunkSize: 777 });
  assert.equal(chunks.length, Math.ceil(10_000 / 777));
  assertCovers(chunks, rec, [0]);
});

test('a segment subset is covered in the order given; empty segments give no chunks', () => {
  const rec = recording([300, 0, 450], 100);
  const chunks = makeChunks(rec, { segments: [2, 1, 0], chunkSize: 200 });
  assert.deepEqual(chunks.map((c) => c.segment), [2, 2, 2, 0, 0]);
  assertCovers(chunks, rec, [2, 1, 0]);
});

test('bad chunk options name the fix', () => {
  const rec = recording([100]);
  assert.throws(() => makeChunks(rec, { chunkSize: 0 }), /chunk size must be a positive whole number of samples, got 0: check --chunk-size/);
  assert.throws(() => makeChunks(rec, { chunkSize: 2.5 }), /got 2.5/);
  assert.throws(() => makeChunks(rec, { chunkDurationS: -1 }), /check --chunk-duration/);
  assert.throws(() => makeChunks(rec, { segments: [1] }), /segment 1 does not exist \(the recording has 1\)/);
  assert.throws(() => makeChunks(rec, { segments: [0, 0] }), /listed twice/);
});

test('chunkSizeForMemory: bytes per job over bytes per frame', () => {
  const rec = recording([10], 1000, 384); // int16: 768 bytes per frame
  assert.equal(chunkSizeForMemory(rec, 768 * 1000), 1000);
  assert.equal(chunkSizeForMemory(rec, 768 * 1000 + 767), 1000);
  assert.equal(chunkSizeForMemory(rec, 500e6), Math.floor(500e6 / 768));
  assert.equal(chunkSizeForMemory(rec, 1e6, { bytesPerFrame: 384 * 4 * 3 }), Math.floor(1e6 / 4608));
  assert.throws(() => chunkSizeForMemory(rec, 100), /smaller than one sample frame \(768 bytes for 384 channels\): raise --chunk-memory/);
  assert.throws(() => chunkSizeForMemory(rec, NaN), /check --chunk-memory/);
});

test('parseMemorySize reads SpikeInterface-style sizes', () => {
  assert.equal(parseMemorySize('500M'), 500e6);
  assert.equal(parseMemorySize('1G'), 1e9);
  assert.equal(parseMemorySize('64MiB'), 64 * 1024 * 1024);
  assert.equal(parseMemorySize(' 2.5k '), 2500);
  assert.equal(parseMemorySize('4096'), 4096);
  assert.equal(parseMemorySize('2e6'), 2e6);
  assert.throws(() => parseMemorySize('lots', '--chunk-memory'), /--chunk-memory: cannot read 'lots' as a size/);
  assert.throws(() => parseMemorySize('5X'), /cannot read/);
  assert.throws(() => parseMemorySize('0M'), /not a positive size/);
});

/**
 * quantizeInt16RowRef (the global common reference subtracted inside the trace cache's int16 encoding):
 * the TS reference against subtract-then-quantizeInt16 written out here, WASM against TS bit for bit
 * (default and tiny streaming blocks), and the trace cache of a common-referenced recording, which takes
 * the fused path, against quantizeInt16 of the recording's own reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { cacheTraces, traceCacheGains } from '../src/exec/tracecache.js';
import { commonReference } from '../src/preprocessing/common_reference.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { selectBestKernels } from '../src/kernels/wasmnode.js';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';
import { tempDir } from './helpers/paths.js';

/** µV-like values, edge values on channel 0 and the last, and row references with their own edge values. */
function inputs(nt: number, nc: number, seed: number): { x: Float32Array; ref: Float32Array; inv: Float64Array } {
  const x = randomArray(nt * nc, seed).map((v) => v * 400);
  const edge = [NaN, Infinity, -Infinity, 1e9, -1e9, 2.5, -2.5, 0.5, 32767.4, -32767.6];
  edge.forEach((v, i) => {
    if (i < nt) x[i * nc] = x[i * nc + nc - 1] = v;
  });
  const ref = randomArray(nt, seed + 1).map((v) => v * 50);
  // Infinity − Infinity is NaN; a reference of 0.1 makes inexact float32 differences.
  [Infinity, NaN, 0.1, -1e9].forEach((v, i) => {
    if (3 * i + 1 < nt) ref[3 * i + 1] = v;
  });
  const inv = Float64Array.from({ length: nc }, (_, c) => 1 / (c === 0 ? 1 : c === nc - 1 ? 100 : 0.05 + c / 97));
  return { x, ref, inv };
}

// 384: the 8-wide path only; 12: 8 + 4; 7 and 5: every path with a scalar tail.
const SHAPES: [number, number][] = [[40, 7], [33, 384], [1, 1], [25, 5], [17, 12]];

test('quantizeInt16RowRef equals the float32 difference x − ref[t] quantized by quantizeInt16, on every backend; x untouched', () => {
  for (const [name, k] of kernelBackends([undefined, 512])) {
    for (const [nt, nc] of SHAPES) {
      const { x, ref, inv } = inputs(nt, nc, nt * 31 + nc);
      const diff = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) diff[i] = x[i] - ref[Math.floor(i / nc)];
      const want = new Int16Array(x.length);
      const wantClipped = tsKernels.quantizeInt16(diff, nc, inv, want);
      const before = x.slice();
      const got = new Int16Array(x.length);
      const clipped = k.quantizeInt16RowRef(x, nc, ref, inv, got);
      assert.deepEqual(got, want, `${name} ${nt}×${nc}`);
      assert.equal(clipped, wantClipped, `${name} ${nt}×${nc} clip count`);
      assert.ok(wantClipped > 0 || nt < 4, 'the inputs include clipped values');
      assert.deepEqual(x, before, `${name}: x was modified`);
    }
  }
});

test('quantizeInt16RowRef rejects too few row references, naming the counts', () => {
  for (const [name, k] of kernelBackends()) {
    assert.throws(() => k.quantizeInt16RowRef(new Float32Array(12), 4, new Float32Array(2), new Float64Array(4), new Int16Array(12)), /2 row references for 3 rows/, name);
  }
});

test('cacheTraces of a global median reference (fused path) stores exactly quantizeInt16 of its reads', async () => {
  const best = selectBestKernels();
  let fused = 0;
  // Counts the fused calls on this thread (jobs 1) to show the path is taken.
  setKernels({ ...best, quantizeInt16RowRef: (...a) => (fused++, best.quantizeInt16RowRef(...a)) });
  const nc = 20;
  const segs = [7000, 3001].map((n, s) => randomArray(n * nc, 11 + s).map((v, i) => v * 30 + (i % nc) * 3));
  // No filter before it: the reference is per time step (its clip window clamped to the segment), so whole-segment
  // reads equal the cache's chunked ones exactly.
  const rec = commonReference(new InMemoryRecording(segs, { samplingFrequency: 10_000, channelIds: Array.from({ length: nc }, (_, c) => `ch${c}`) }), { reference: 'global', operator: 'median', clipUv: 25 });
  const sd = Array.from({ length: nc }, (_, c) => 5 + c);
  const inv = traceCacheGains(sd).map((g) => 1 / g);
  const parent = tempDir();
  try {
    for (const jobs of [1, 2]) {
      const cache = await cacheTraces(rec, { noiseSd: sd, tempDir: parent, jobs, chunkSamples: 2500 });
      try {
        for (let s = 0; s < 2; s++) {
          const tr = rec.getTraces({ segment: s, scaled: true }) as Float32Array;
          const want = new Int16Array(tr.length);
          getKernels().quantizeInt16(tr, nc, inv, want);
          const bytes = fs.readFileSync(cache.recording.fileNames[s]);
          const got = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
          assert.deepEqual(got, want, `segment ${s}, ${jobs} job(s)`);
        }
      } finally {
        cache.dispose();
      }
      if (jobs === 1) assert.ok(fused >= 4, `the fused kernel ran ${fused} times for 5 chunks`);
    }
  } finally {
    setKernels(best);
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { cacheTraces, decideTraceCache, quantizeTraces, removeStaleTraceCaches, traceCacheGains, traceCacheRemovals } from '../src/exec/tracecache.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import { setKernels } from '../src/kernels/registry.js';
import { selectBestKernels } from '../src/kernels/wasmnode.js';
import { tempDir } from './helpers/paths.js';

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

const NC = 6;
const SD = [5, 8, 12, 20, 30, 0]; // the last channel is dead (constant 0)

/** Two segments of noise with per-channel sd, a few large spikes and one sample beyond ±512 sd. */
function makeRecording(): InMemoryRecording {
  const g = gaussian(7);
  const seg = (n: number) => {
    const d = new Float32Array(n * NC);
    for (let t = 0; t < n; t++) for (let c = 0; c < NC; c++) d[t * NC + c] = SD[c] * g();
    for (let t = 100; t < n; t += 997) d[t * NC + 2] = -250;
    return d;
  };
  const a = seg(25_000);
  const b = seg(13_001);
  a[5000 * NC + 0] = -5 * 600; // 600 sd on channel 0: must clip
  return new InMemoryRecording([a, b], { samplingFrequency: 10_000, channelIds: ['a', 'b', 'c', 'd', 'e', 'f'] });
}

test('quantizeTraces rounds to the nearest step, clips at ±32767 and counts clips', () => {
  const x = Float32Array.from([0.26, -0.74, 1e9, -1e9, Number.NaN, 3.5]);
  const out = new Int16Array(6);
  const clipped = quantizeTraces(x, 2, Float64Array.from([2, 4]), out);
  // Independent arithmetic: 0.26×2=0.52→1, -0.74×4=-2.96→-3, clip, clip, NaN→0, 3.5×4=14.
  assert.deepEqual([...out], [1, -3, 32767, -32767, 0, 14]);
  assert.equal(clipped, 2);
  assert.deepEqual([...traceCacheGains([64, 0, Number.NaN, 6.4])], [1, 1, 1, 0.1]);
});

test('cacheTraces: int16 cache reads back within half a step of the source, same on 1 or 2 threads, folder removed', async () => {
  const rec = makeRecording();
  const parent = tempDir();
  try {
    const one = await cacheTraces(rec, { noiseSd: SD, tempDir: parent, jobs: 1, chunkSamples: 4000 });
    const two = await cacheTraces(rec, { noiseSd: SD, tempDir: parent, jobs: 2, chunkSamples: 4000 });
    try {
      assert.equal(one.clippedSamples, 1);
      assert.equal(one.bytesWritten, (25_000 + 13_001) * NC * 2);
      for (const [f1, f2] of one.recording.fileNames.map((f, i) => [f, two.recording.fileNames[i]])) {
        assert.ok(fs.readFileSync(f1).equals(fs.readFileSync(f2)), 'worker and main-thread caches differ');
      }
      const c = one.recording;
      assert.deepEqual(c.channelIds, rec.channelIds);
      assert.equal(c.numSegments, 2);
      for (let s = 0; s < 2; s++) {
        assert.equal(c.getNumSamples(s), rec.getNumSamples(s));
        const want = rec.getTraces({ segment: s, scaled: true }) as Float32Array;
        const got = c.getTraces({ segment: s, scaled: true }) as Float32Array;
        let worst = 0;
        for (let i = 0; i < want.length; i++) {
          const ch = i % NC;
          const step = SD[ch] > 0 ? SD[ch] / 64 : 1;
          const err = Math.abs(got[i] - want[i]);
          if (s === 0 && i === 5000 * NC) {
            assert.ok(Math.abs(got[i] - -32767 * step) < 1e-3, `clipped sample reads ${got[i]}`);
            continue;
          }
          worst = Math.max(worst, err / step);
        }
        assert.ok(worst <= 0.5 + 1e-3, `segment ${s}: error reaches ${worst.toFixed(4)} steps (> 0.5)`);
      }
      // The cache travels to workers.
      const spec = c.toSpec();
      assert.ok(spec);
      const back = await recordingFromSpec(spec);
      assert.deepEqual(back.getTraces({ segment: 1, start: 10, end: 20, scaled: true }), c.getTraces({ segment: 1, start: 10, end: 20, scaled: true }));
    } finally {
      one.dispose();
      two.dispose();
    }
    assert.ok(!fs.existsSync(one.dir) && !fs.existsSync(two.dir), 'dispose() left the cache folder');
    // The files are deleted in the background (renamed aside first): gone once the removals are awaited.
    await traceCacheRemovals();
    assert.deepEqual(fs.readdirSync(parent), []);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('cacheTraces: float32 cache is exact; a filtered (lazy) recording is cached as computed', async () => {
  const rec = highpassFilter(makeRecording(), { freqMin: 300 });
  const parent = tempDir();
  try {
    const cache = await cacheTraces(rec, { noiseSd: SD, dtype: 'float32', tempDir: parent, jobs: 2, chunkSamples: 5000 });
    try {
      assert.equal(cache.dtype, 'float32');
      // The cache holds exactly what the filter gives for each 5000-sample chunk (read with the filter's margins).
      // The workers filter with the best backend (WASM when built: float32 filter arithmetic, not the TS
      // reference's float64), so the reference read here uses the same one.
      const before = setKernels(selectBestKernels());
      try {
        for (const [s, a, b] of [[0, 5000, 10000], [1, 10000, 13001]]) {
          const want = rec.getTraces({ segment: s, start: a, end: b, scaled: true });
          assert.deepEqual(cache.recording.getTraces({ segment: s, start: a, end: b, scaled: true }), want);
        }
      } finally {
        setKernels(before);
      }
    } finally {
      cache.dispose();
    }
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('cacheTraces: a missing folder is an error naming the fix; folders of dead runs are removed', async () => {
  const parent = tempDir();
  try {
    await assert.rejects(cacheTraces(makeRecording(), { noiseSd: SD, tempDir: path.join(parent, 'nope') }), /does not exist.*execution\.tempDir/);
    await assert.rejects(cacheTraces(makeRecording(), { noiseSd: [1, 2], tempDir: parent }), /2 noise levels for 6 channels/);
    // PIDs above the kernel's maximum (4194304) can never be alive.
    const dead = path.join(parent, 'spikeforge-traces-999999999-abc');
    const live = path.join(parent, `spikeforge-traces-${process.pid}-abc`);
    fs.mkdirSync(dead);
    fs.mkdirSync(live);
    fs.writeFileSync(path.join(dead, 'traces_seg0.raw'), 'x');
    assert.deepEqual(removeStaleTraceCaches(parent), [dead]);
    assert.ok(fs.existsSync(live));
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('decideTraceCache: off, on, nothing to save, too few passes, auto', () => {
  const input = makeRecording();
  const pre = highpassFilter(input, { freqMin: 300 });
  assert.equal(decideTraceCache('off', input, pre, 4).cache, false);
  assert.equal(decideTraceCache('on', input, input, 1).cache, true);
  assert.equal(decideTraceCache('auto', input, input, 4).cache, false);
  assert.equal(decideTraceCache('auto', input, pre, 1).cache, false);
  assert.equal(decideTraceCache('auto', input, pre, 4).cache, true);
});

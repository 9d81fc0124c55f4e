import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import type { Recording } from '../src/core/recording.js';
import { BinaryRecording } from '../src/io/binary.js';
import { cacheTraces, traceCacheRemovals, type TraceCache } from '../src/exec/tracecache.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import { commonReference } from '../src/preprocessing/common_reference.js';
import { filteredReferencedSteps } from '../src/preprocessing/fusedsteps.js';
import { setKernels } from '../src/kernels/registry.js';
import type { Kernels } from '../src/kernels/types.js';
import { selectBestKernels } from '../src/kernels/wasmnode.js';
import { tempDir } from './helpers/paths.js';

const NC = 40;
const NS = 20_000;
const FS = 30_000;
const GAINS = Array.from({ length: NC }, (_, c) => 0.195 * (1 + 0.005 * c));

/** int16 noise with a DC offset per channel and, every 500 rows, a large spike on a quarter of the channels. */
function rawData(): Int16Array {
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 4294967296;
  const q = new Int16Array(NS * NC);
  for (let t = 0; t < NS; t++) {
    for (let c = 0; c < NC; c++) {
      let v = 30 * c - 600 + 50 * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      const k = t % 500;
      if (c % 4 === 1 && k >= 250 && k < 262) v -= 2500 * Math.sin((Math.PI * (k - 250)) / 12);
      q[t * NC + c] = Math.round(v);
    }
  }
  return q;
}

function chain(rec: Recording): Recording {
  return commonReference(highpassFilter(rec, { freqMin: 300 }), { reference: 'global', operator: 'median', clipUv: 50 });
}

/** The best kernels with filterReferenceQuantize counted. */
function countingKernels(): { kernels: Kernels; calls: () => number } {
  const best = selectBestKernels();
  let n = 0;
  return { kernels: { ...best, filterReferenceQuantize: (job, fill) => (n++, best.filterReferenceQuantize(job, fill)) }, calls: () => n };
}

test('trace cache: the fused path (int16 file → filter → global median) writes the bytes of the lazy chain, on 1 or 2 threads', async () => {
  const dir = tempDir();
  const q = rawData();
  // A second segment shorter than the filter margin (712 rows): margins mirrored more than once.
  const short = q.slice(0, 500 * NC);
  const files = [path.join(dir, 'raw.bin'), path.join(dir, 'short.bin')];
  fs.writeFileSync(files[0], new Uint8Array(q.buffer));
  fs.writeFileSync(files[1], new Uint8Array(short.buffer));
  const channelIds = Array.from({ length: NC }, (_, c) => `ch${c}`);
  const onDisk = new BinaryRecording({ files, samplingFrequency: FS, numChannelsInFile: NC, dtype: 'int16', gains: GAINS, channelIds });
  // The same samples without a file to read into kernel memory: the lazy chain's path.
  const inMemory = new InMemoryRecording([q, short], { samplingFrequency: FS, channelIds, gains: GAINS });
  const noiseSd = new Float64Array(NC).fill(9);
  const counting = countingKernels();
  const before = setKernels(counting.kernels);
  const caches: TraceCache[] = [];
  try {
    const opts = { noiseSd, tempDir: dir, chunkSamples: 3000 };
    caches.push(await cacheTraces(chain(inMemory), { ...opts, jobs: 1 }));
    assert.equal(counting.calls(), 0, 'the in-memory chain must not take the fused path');
    caches.push(await cacheTraces(chain(onDisk), { ...opts, jobs: 1 }));
    // Segment 0's 7 chunks (the edge ones with mirrored filter margins) and the short segment's one.
    assert.equal(counting.calls(), 8, 'every chunk takes the fused path');
    caches.push(await cacheTraces(chain(onDisk), { ...opts, jobs: 2 }));
    for (const seg of [0, 1]) {
      const [lazy, fused, twoThreads] = caches.map((c) => fs.readFileSync(path.join(c.dir, `traces_seg${seg}.raw`)));
      assert.equal(lazy.length, (seg === 0 ? NS : 500) * NC * 2);
      assert.ok(lazy.equals(fused), `segment ${seg}: fused cache differs from the lazy chain's`);
      assert.ok(lazy.equals(twoThreads), `segment ${seg}: the 2-thread cache differs`);
    }
    assert.equal(caches[1].clippedSamples, caches[0].clippedSamples);
  } finally {
    setKernels(before);
    for (const c of caches) c.dispose();
    onDisk.close();
    await traceCacheRemovals();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fused steps: only for the exact chain read from an int16 file', () => {
  const q = new Int16Array(4000 * 40);
  const channelIds = Array.from({ length: 40 }, (_, c) => `ch${c}`);
  const inMemory = new InMemoryRecording([q], { samplingFrequency: FS, channelIds, gains: GAINS });
  const dir = tempDir();
  const file = path.join(dir, 'zeros.bin');
  fs.writeFileSync(file, new Uint8Array(q.buffer));
  const onDisk = new BinaryRecording({ files: [file], samplingFrequency: FS, numChannelsInFile: 40, dtype: 'int16', gains: GAINS, channelIds });
  try {
    const inv = new Float64Array(40).fill(1);
    assert.equal(filteredReferencedSteps(chain(inMemory), 0, 1000, 2000, inv), null, 'no file to read into');
    assert.equal(filteredReferencedSteps(highpassFilter(onDisk), 0, 1000, 2000, inv), null, 'no reference');
    assert.equal(filteredReferencedSteps(commonReference(highpassFilter(onDisk), { operator: 'average' }), 0, 1000, 2000, inv), null, 'mean reference');
    assert.ok(filteredReferencedSteps(chain(onDisk), 0, 0, 1000, inv), 'mirrored margin at the start');
    const got = filteredReferencedSteps(chain(onDisk), 0, 1000, 2000, inv);
    assert.ok(got, 'interior window of the exact chain');
    assert.equal(got.steps.length, 1000 * 40);
    assert.ok(got.steps.every((v) => v === 0), 'zeros filter and reference to zeros');
  } finally {
    onDisk.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

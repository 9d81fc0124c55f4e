import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { mulberry32Uint } from '../src/core/random.js';
import { BinaryRecording } from '../src/io/binary.js';
import type { Recording } from '../src/core/recording.js';
import type { RecordingSpec } from '../src/core/spec.js';
import type { Reporter } from '../src/exec/reporter.js';
import { makeChunks, type TraceChunk } from '../src/exec/chunks.js';
import { ChunkTaskError, runChunks, type ChunkTaskModule } from '../src/exec/executor.js';
import { liveChunkWorkerCount } from '../src/exec/worker.js';
import type { SumMaxResult } from './exec.tasks.js';
import { tempDir } from './helpers/paths.js';

const TASKS = new URL('./exec.tasks.js', import.meta.url).href;
const NC = 8;
const FS = 10_000;
const SEGMENT_SAMPLES = [25_000, 13_000];
const CHUNK = 4_000; // 7 + 4 chunks, the last of each segment shorter
const GAINS = Array.from({ length: NC }, (_, c) => 0.195 * (1 + c / 10));
const OFFSETS = Array.from({ length: NC }, (_, c) => -3 + c);

/** Deterministic int16 noise so the test data never changes. */
function noise(n: number, seed: number): Int16Array {
  const next = mulberry32Uint(seed);
  return Int16Array.from({ length: n }, () => (next() % 20001) - 10000);
}

const DATA = SEGMENT_SAMPLES.map((n, s) => noise(n * NC, 17 + s));

/** Whole-array reference, computed straight from the data (float64 scaling, no getTraces). */
function reference(scaled: boolean): { sum: Float64Array; max: Float64Array } {
  const sum = new Float64Array(NC);
  const max = new Float64Array(NC).fill(-Infinity);
  for (const d of DATA) {
    for (let i = 0; i < d.length; i++) {
      const c = i % NC;
      const v = scaled ? d[i] * GAINS[c] + OFFSETS[c] : d[i];
      sum[c] += v;
      if (v > max[c]) max[c] = v;
    }
  }
  return { sum, max };
}

function memoryRecording(): InMemoryRecording {
  return new InMemoryRecording(DATA, {
    samplingFrequency: FS,
    channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`),
    gains: GAINS,
    offsets: OFFSETS,
  });
}

/** Open file descriptors of this process (Linux); -1 where /proc is missing, which makes the check vacuous. */
function openFileCount(): number {
  return fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : -1;
}

class LocalOnlyRecording extends InMemoryRecording {
  override toSpec(): RecordingSpec {
    return null as unknown as RecordingSpec;
  }
}

async function reduce(recording: Recording, jobs: number, task: ChunkTaskModule | ((r: Recording, c: TraceChunk) => SumMaxResult)) {
  const order: number[] = [];
  const sum = new Float64Array(NC);
  const max = new Float64Array(NC).fill(-Infinity);
  const results: SumMaxResult[] = [];
  const summary = await runChunks<SumMaxResult>({
    recording,
    label: 'sum test',
    jobs,
    chunkSize: CHUNK,
    task,
    onResult(chunk, r) {
      assert.equal(r.index, chunk.index);
      order.push(chunk.index);
      results.push(r);
      for (let c = 0; c < NC; c++) {
        sum[c] += r.sum[c];
        max[c] = Math.max(max[c], r.max[c]);
      }
    },
  });
  return { order, sum, max, results, summary };
}

const sumTask = (scaled: boolean): ChunkTaskModule => ({ module: TASKS, exportName: 'sumMax', args: { scaled } });
const allIndices = Array.from({ length: 11 }, (_, i) => i);

test('in-memory: chunked sum and max equal the whole-array result with jobs=1 and jobs=2, in chunk order', async () => {
  const ref = reference(false);
  const one = await reduce(memoryRecording(), 1, sumTask(false));
  const two = await reduce(memoryRecording(), 2, sumTask(false));
  for (const run of [one, two]) {
    assert.deepEqual(run.order, allIndices);
    // int16 sums of ≤ 3e5 values are exact in float64.
    assert.deepEqual(run.sum, ref.sum);
    assert.deepEqual(run.max, ref.max);
  }
  assert.equal(one.summary.workers, 0);
  assert.ok(one.results.every((r) => !r.inWorker));
  assert.equal(two.summary.workers, 2);
  assert.ok(two.results.every((r) => r.inWorker));
  // init ran exactly once in each worker thread.
  assert.ok(two.results.every((r) => r.initCalls === 1));
  assert.equal(liveChunkWorkerCount(), 0);
});

test('binary file: scaled sum and max match the float64 reference with jobs=2 and jobs=1', async () => {
  const dir = tempDir('spikeforge-exec-');
  try {
    const files = DATA.map((d, s) => {
      const f = path.join(dir, `seg${s}.raw`);
      fs.writeFileSync(f, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      return f;
    });
    const rec = new BinaryRecording({ files, samplingFrequency: FS, numChannelsInFile: NC, dtype: 'int16', gains: GAINS, offsets: OFFSETS });
    const ref = reference(true);
    const fdsBefore = openFileCount();
    const two = await reduce(rec, 2, sumTask(true));
    // Each worker opened the files again; none may stay open once the run is over (fds belong to the process).
    assert.equal(openFileCount(), fdsBefore);
    const one = await reduce(rec, 1, sumTask(true));
    assert.equal(two.summary.workers, 2);
    assert.deepEqual(two.order, allIndices);
    // Identical to the main-thread run bit for bit: same chunks, same arithmetic.
    assert.deepEqual(two.sum, one.sum);
    assert.deepEqual(two.max, one.max);
    for (let c = 0; c < NC; c++) {
      // float32 µV per sample: relative error ≤ 2^-24 per value, summed over 38,000 values ≈ 1e-2 µV·... bound by Σ|v|·2^-24.
      const bound = 38_000 * (10_000 * GAINS[c] + Math.abs(OFFSETS[c])) * 2 ** -24;
      assert.ok(Math.abs(two.sum[c] - ref.sum[c]) <= bound, `channel ${c}: sum ${two.sum[c]} vs ${ref.sum[c]} (bound ${bound})`);
      assert.ok(Math.abs(two.max[c] - ref.max[c]) <= Math.abs(ref.max[c]) * 2 ** -23, `channel ${c}: max ${two.max[c]} vs ${ref.max[c]}`);
    }
    rec.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(liveChunkWorkerCount(), 0);
});

test('results are delivered in chunk order even when workers finish out of order', async () => {
  const rec = memoryRecording();
  const chunks = makeChunks(rec, { chunkSize: 5_000 });
  const finishOrder = new Int32Array(new SharedArrayBuffer(4 * (chunks.length + 1)));
  const order: number[] = [];
  await runChunks<number>({
    recording: rec,
    label: 'uneven',
    jobs: 2,
    chunks,
    task: { module: TASKS, exportName: 'unevenChunk', args: { maxWaitMs: 5000, finishOrder } },
    onResult: (chunk, r) => {
      assert.equal(r, chunk.index);
      order.push(chunk.index);
    },
  });
  // The slow chunk 0 finished after later chunks, yet it was delivered first.
  assert.ok(finishOrder[1] > 0, 'chunk 0 should not finish first');
  assert.deepEqual(order, chunks.map((c) => c.index));
});

test('a recording that cannot travel (toSpec() null) still runs with jobs=2, on the main thread', async () => {
  const rec = new LocalOnlyRecording(DATA, { samplingFrequency: FS, channelIds: Array.from({ length: NC }, (_, c) => `c${c}`) });
  const run = await reduce(rec, 2, sumTask(false));
  const ref = reference(false);
  assert.equal(run.summary.workers, 0);
  assert.deepEqual(run.order, allIndices);
  assert.deepEqual(run.sum, ref.sum);
  assert.deepEqual(run.max, ref.max);
});

test('an inline function task runs on the main thread with any jobs', async () => {
  const spans: number[] = [];
  const summary = await runChunks<number>({
    recording: memoryRecording(),
    label: 'inline',
    jobs: 4,
    chunkSize: CHUNK,
    task: (_rec, chunk) => chunk.end - chunk.start,
    onResult: (_c, n) => void spans.push(n),
  });
  assert.equal(summary.workers, 0);
  assert.equal(spans.reduce((a, b) => a + b, 0), SEGMENT_SAMPLES[0] + SEGMENT_SAMPLES[1]);
});

test('abort mid-run rejects with an AbortError naming the label and leaves no worker alive', async () => {
  const controller = new AbortController();
  const delivered: number[] = [];
  const rec = memoryRecording();
  const chunks = makeChunks(rec, { chunkSize: 1_000 }); // 38 chunks of 30 ms: ~0.6 s if not stopped
  const t0 = performance.now();
  await assert.rejects(
    runChunks<number>({
      recording: rec,
      label: 'slow stage',
      jobs: 2,
      chunks,
      signal: controller.signal,
      task: { module: TASKS, exportName: 'slowChunk', args: { ms: 30 } },
      onResult(chunk) {
        delivered.push(chunk.index);
        if (chunk.index === 2) controller.abort('test abort');
      },
    }),
    (e: Error) => e.name === 'AbortError' && e.message.includes('slow stage') && e.message.includes('test abort'),
  );
  assert.deepEqual(delivered, [0, 1, 2]);
  assert.equal(liveChunkWorkerCount(), 0);
  // It stopped early instead of finishing the 38 chunks.
  assert.ok(performance.now() - t0 < 20 * 30 + 2000);
});

test('an already-aborted signal rejects before any work', async () => {
  const controller = new AbortController();
  controller.abort();
  let called = false;
  await assert.rejects(
    runChunks({ recording: memoryRecording(), label: 'never', jobs: 2, signal: controller.signal, task: () => (called = true) }),
    (e: Error) => e.name === 'AbortError' && e.message.startsWith('never'),
  );
  assert.equal(called, false);
});

test('abort on the main thread stops between chunks', async () => {
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    runChunks({
      recording: memoryRecording(),
      label: 'main abort',
      jobs: 1,
      chunkSize: 1_000,
      signal: controller.signal,
      task: () => {
        if (++calls === 3) controller.abort();
        return calls;
      },
    }),
    (e: Error) => e.name === 'AbortError' && e.message.includes('main abort'),
  );
  assert.equal(calls, 3);
});

for (const jobs of [1, 2]) {
  test(`a task error surfaces with the chunk that failed and the task's stack (jobs=${jobs})`, async () => {
    await assert.rejects(
      runChunks({ recording: memoryRecording(), label: 'failing stage', jobs, chunkSize: CHUNK, task: { module: TASKS, exportName: 'explodeOnPurpose', args: { index: 5 } } }),
      (e: unknown) => {
        assert.ok(e instanceof ChunkTaskError);
        assert.equal(e.chunk?.index, 5);
        assert.equal(e.chunk?.segment, 0);
        assert.match(e.message, /^failing stage: chunk 5 \(segment 0, samples 20000\.\.24000\) failed .*planned failure in chunk 5/);
        assert.match(e.stack ?? '', /explodeOnPurpose/);
        assert.match(e.message, jobs === 2 ? /in worker \d/ : /on the main thread/);
        return true;
      },
    );
    assert.equal(liveChunkWorkerCount(), 0);
  });
}

test('init failures and unsendable results are reported, naming the stage', async () => {
  await assert.rejects(
    runChunks({ recording: memoryRecording(), label: 'bad init', jobs: 2, chunkSize: CHUNK, task: { module: TASKS, exportName: 'sumMax', init: 'brokenInit' } }),
    /bad init: worker \d could not set up the task: planned init failure/,
  );
  await assert.rejects(
    runChunks({ recording: memoryRecording(), label: 'bad result', jobs: 2, chunkSize: CHUNK, task: { module: TASKS, exportName: 'unsendable' } }),
    /bad result: chunk \d+ .* cannot be sent to the main thread/,
  );
  await assert.rejects(
    runChunks({ recording: memoryRecording(), label: 'typo', jobs: 1, task: { module: TASKS, exportName: 'sumMx' } }),
    /typo: task setup failed: .*exports no function 'sumMx'/,
  );
  assert.equal(liveChunkWorkerCount(), 0);
});

test('an error thrown by onResult stops the run and the workers', async () => {
  await assert.rejects(
    runChunks({
      recording: memoryRecording(),
      label: 'consumer',
      jobs: 2,
      chunkSize: CHUNK,
      task: sumTask(false),
      onResult(chunk) {
        if (chunk.index === 1) throw new Error('disk full');
      },
    }),
    /disk full/,
  );
  assert.equal(liveChunkWorkerCount(), 0);
});

test('maxInFlight bounds the chunks computed ahead of a slow consumer', async () => {
  const started = new Int32Array(new SharedArrayBuffer(4));
  const maxInFlight = 3;
  let most = 0;
  await runChunks<number>({
    recording: memoryRecording(),
    label: 'bounded',
    jobs: 2,
    maxInFlight,
    chunkSize: 2_000,
    task: { module: TASKS, exportName: 'slowChunk', args: { ms: 1, started } },
    async onResult(chunk) {
      await new Promise((r) => setTimeout(r, 15));
      most = Math.max(most, Atomics.load(started, 0) - chunk.index);
    },
  });
  // At onResult(k), chunks 0..k-1 are delivered, so at most k + maxInFlight have been started.
  assert.ok(most <= maxInFlight, `${most} chunks ahead`);
  assert.ok(most >= 2, `workers should run ahead of the consumer, got ${most}`);
});

test('progress goes through the reporter: begin(label, n), progress up to n, end', async () => {
  const events: string[] = [];
  const reporter: Reporter = {
    log: () => {},
    begin: (label, n) => void events.push(`begin ${label} ${n}`),
    progress: (d) => void events.push(`progress ${d}`),
    end: () => void events.push('end'),
  };
  await runChunks({ recording: memoryRecording(), label: 'reported', jobs: 2, chunkSize: CHUNK, reporter, task: sumTask(false) });
  assert.deepEqual(events, ['begin reported 11', ...allIndices.map((i) => `progress ${i + 1}`), 'end']);
});

test('bad options are rejected with the fix', async () => {
  const rec = memoryRecording();
  await assert.rejects(runChunks({ recording: rec, label: 'x', jobs: 0, task: () => 0 }), /jobs must be a positive whole number, got 0: check --jobs/);
  await assert.rejects(
    runChunks({ recording: rec, label: 'x', jobs: 1, chunks: [{ segment: 1, start: 0, end: 20_000, index: 0 }], task: () => 0 }),
    /x: chunk 0 \(segment 1, samples 0\.\.20000\) is outside segment 1 \(0\.\.13000\)/,
  );
});

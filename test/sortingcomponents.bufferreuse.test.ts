/**
 * The detection pass reuses one trace-window buffer and one matched-filter buffer per thread. A reused
 * buffer holds the previous chunk's values, so every value a fresh array would hold (zero padding at the
 * segment edges and rows outside the filter's scored range included) must be rewritten: the outputs into
 * buffers filled with NaN are compared, bit for bit, with those into fresh arrays on every kernel backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { getKernels, setKernels } from '../src/kernels/registry.js';
import { matchedFilter } from '../src/sortingcomponents/detection.js';
import { Float32Scratch } from '../src/sortingcomponents/scratch.js';
import { readNormalized } from '../src/sortingcomponents/traces.js';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';

const NC = 37;
const NS = 300;

function recording(): InMemoryRecording {
  const q = Int16Array.from(randomArray(NS * NC, 5), (v) => Math.round(v * 3000));
  return new InMemoryRecording([q], { samplingFrequency: 1000, channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`), gains: new Array(NC).fill(0.195), offsets: new Array(NC).fill(0) });
}

/** Same values and the same bits (so -0 and NaN count as different from 0). */
function assertSameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: value ${i} is ${a[i]}, expected ${b[i]}`);
}

function garbage(n: number): Float32Array {
  return new Float32Array(n).fill(NaN);
}

// [start, end, margin]: inside, across the segment's start, across its end, wider than the segment, and wholly past it.
const WINDOWS: [number, number, number][] = [[100, 200, 20], [0, 50, 30], [260, 300, 25], [0, 300, 40], [310, 330, 5]];

test('readNormalized into a used buffer equals a fresh read, zero padding included', () => {
  const rec = recording();
  const src = { recording: rec, scale: Float32Array.from({ length: NC }, (_, c) => 0.5 + c / NC) };
  for (const [start, end, margin] of WINDOWS) {
    const fresh = readNormalized(src, 0, start, end, margin);
    const buffer = garbage(fresh.data.length + 3 * NC);
    const reused = readNormalized(src, 0, start, end, margin, buffer);
    assert.equal(reused.data.buffer, buffer.buffer, 'the window is a view of the given buffer');
    assertSameBits(reused.data, fresh.data, `window [${start}, ${end}) ± ${margin}`);
    assert.deepEqual({ ...reused, data: null }, { ...fresh, data: null });
  }
});

test('readNormalized rejects a buffer too small for the window, naming both sizes', () => {
  const src = { recording: recording(), scale: new Float32Array(NC).fill(1) };
  assert.throws(() => readNormalized(src, 0, 0, 10, 2, new Float32Array(14 * NC - 1)), /buffer of 517 values cannot hold the window's 518/);
});

test('matchedFilter into a used buffer equals a fresh output on every backend', () => {
  const previous = getKernels();
  try {
    for (const [name, kernels] of kernelBackends()) {
      setKernels(kernels);
      const proto = Float32Array.from([0.1, -0.3, -0.8, 0.4, 0.2, -0.05, 0]);
      const scale = Float32Array.from({ length: NC }, (_, c) => 1 + c / 10);
      for (const ns of [120, proto.length + 1, proto.length, 3]) {
        const data = randomArray(ns * NC, ns);
        const fresh = matchedFilter(data, ns, NC, proto, 2, scale);
        const buffer = garbage(data.length + NC);
        const reused = matchedFilter(data, ns, NC, proto, 2, scale, buffer);
        assert.equal(reused.buffer, buffer.buffer, `${name}: the output is a view of the given buffer`);
        assertSameBits(reused, fresh, `${name}, ${ns} samples`);
      }
      assert.throws(() => matchedFilter(new Float32Array(20 * NC), 20, NC, proto, 2, scale, new Float32Array(20 * NC - 1)), /cannot hold 740/);
    }
  } finally {
    setKernels(previous);
  }
});

test('Float32Scratch hands out views of one buffer, grown when needed, and a fresh one after release', () => {
  const s = new Float32Scratch();
  const a = s.take(100);
  const b = s.take(60);
  assert.equal(a.length, 100);
  assert.equal(b.length, 60);
  assert.equal(b.buffer, a.buffer, 'a smaller request reuses the buffer');
  const c = s.take(1000);
  assert.equal(c.length, 1000);
  assert.notEqual(c.buffer, a.buffer, 'a larger request grows it');
  s.release();
  assert.notEqual(s.take(10).buffer, c.buffer, 'after release the old buffer is not handed out');
});

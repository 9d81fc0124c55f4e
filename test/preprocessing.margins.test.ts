import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { getTracesWithMargin, reflectIndex } from '../src/core/margins.js';

// Channel c at sample t holds 1000·c + t, so every value says where it came from.
const NT = 50;
const NC = 3;
const data = Int16Array.from({ length: NT * NC }, (_, i) => 1000 * (i % NC) + Math.floor(i / NC));
const rec = InMemoryRecording.fromArray(data, NC, 1000, { gains: [2, 2, 2], offsets: [1, 1, 1] });
const uv = (c: number, t: number) => (1000 * c + t) * 2 + 1;

test('reflectIndex mirrors like numpy pad mode reflect, repeating for long pads', () => {
  assert.deepEqual([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflectIndex(i, 5)), [3, 2, 1, 0, 4, 3, 2, 1]);
  assert.deepEqual([-9, 13].map((i) => reflectIndex(i, 5)), [1, 3]);
  assert.equal(reflectIndex(-4, 1), 0);
});

test('reflect, zeros and none margins at both edges give the expected samples in µV', () => {
  for (const [start, end] of [[0, 10], [2, 48], [40, 50], [20, 30]]) {
    const margin = 5;
    for (const mode of ['reflect', 'zeros', 'none'] as const) {
      const r = getTracesWithMargin(rec, { start, end, margin, mode, channels: [2, 0] });
      const lp = Math.max(0, margin - start);
      const rp = Math.max(0, end + margin - NT);
      assert.equal(r.leftPad, mode === 'none' ? 0 : lp);
      assert.equal(r.rightPad, mode === 'none' ? 0 : rp);
      assert.equal(r.leftMargin, mode === 'none' ? margin - lp : margin);
      assert.equal(r.traces.length, (r.leftMargin + end - start + r.rightMargin) * 2);
      for (let k = 0; k < r.traces.length / 2; k++) {
        const t = start - r.leftMargin + k;
        const inside = t >= 0 && t < NT;
        for (const [j, c] of [[0, 2], [1, 0]]) {
          const want = inside ? uv(c, t) : mode === 'zeros' ? 0 : uv(c, reflectIndex(t, NT));
          assert.equal(r.traces[k * 2 + j], want, `${mode} [${start},${end}) k=${k}`);
        }
      }
    }
  }
});

test('margins longer than the segment reflect repeatedly; bad requests throw', () => {
  const short = InMemoryRecording.fromArray(Float32Array.of(0, 1, 2), 1, 1000);
  const r = getTracesWithMargin(short, { start: 0, end: 3, margin: 6, mode: 'reflect' });
  assert.deepEqual(Array.from(r.traces), [2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0]);
  assert.throws(() => getTracesWithMargin(rec, { start: 10, end: 60, margin: 2, mode: 'zeros' }), /outside segment/);
  assert.throws(() => getTracesWithMargin(rec, { start: 0, end: 5, margin: -1, mode: 'zeros' }), /non-negative/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { highpassFilter, readTracesScratch } from '../src/preprocessing/filter.js';
import { commonReference } from '../src/preprocessing/common_reference.js';

const NC = 8;
const FS = 30000;
const NS = 9000;

/** Deterministic noise plus a shared sine (so the median reference has something to remove), in int16 steps of 0.195 µV. */
function rawRecording(): InMemoryRecording {
  const data = new Int16Array(NS * NC);
  let s = 12345;
  for (let t = 0; t < NS; t++) {
    const shared = 400 * Math.sin((2 * Math.PI * 50 * t) / FS);
    for (let c = 0; c < NC; c++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[t * NC + c] = Math.round(shared + ((s >>> 8) % 2001) - 1000);
    }
  }
  return InMemoryRecording.fromArray(data, NC, FS, { dtype: 'int16', gains: new Float64Array(NC).fill(0.195), offsets: new Float64Array(NC) });
}

const windows: Array<[number, number]> = [[0, 1000], [1000, 4000], [2500, 2600], [4000, NS], [NS - 7, NS]];

test('readScratch of a filter and of a clipped global median reference equals getTraces bit for bit, window by window', () => {
  const filtered = highpassFilter(rawRecording());
  const referenced = commonReference(highpassFilter(rawRecording()), { reference: 'global', operator: 'median', clipUv: 30 });
  for (const rec of [filtered, referenced]) {
    for (const [a, b] of windows) {
      const expected = rec.getTraces({ start: a, end: b, scaled: true }) as Float32Array;
      const got = rec.readScratch(0, a, b);
      assert.equal(got.length, (b - a) * NC);
      assert.deepEqual(got, expected, `${rec.constructor.name} [${a}, ${b})`);
    }
  }
});

test('readScratch reuses one buffer (a later read overwrites an earlier one); getTraces results are unaffected', () => {
  const rec = commonReference(highpassFilter(rawRecording()), { reference: 'global', operator: 'median', clipUv: 30 });
  // The later window is the shorter one (no context rows before sample 0), so the buffer need not grow.
  const owned = rec.getTraces({ start: 3000, end: 6000, scaled: true }) as Float32Array;
  const kept = owned.slice();
  const first = rec.readScratch(0, 3000, 6000);
  const firstCopy = first.slice();
  const second = rec.readScratch(0, 0, 3000);
  assert.equal(first.buffer, second.buffer, 'the scratch buffer is reused');
  assert.notDeepEqual(first, firstCopy, 'the second read wrote over the first');
  assert.deepEqual(owned, kept, 'a getTraces result is the caller\'s own');
  assert.deepEqual(firstCopy, kept);
});

test('readScratch of a local reference (no in-place path) and readTracesScratch of a plain recording still equal getTraces', () => {
  const raw = rawRecording();
  const locations = new Float64Array(NC * 2).map((_, i) => (i % 2 === 1 ? 20 * Math.floor(i / 2) : 0));
  const local = commonReference(highpassFilter(InMemoryRecording.fromArray(raw.getTraces({ scaled: true }), NC, FS, { properties: new Map([['location', locations]]) })),
    { reference: 'local', operator: 'median', localRadiusUm: [10, 45] });
  for (const [a, b] of windows) {
    assert.deepEqual(local.readScratch(0, a, b), local.getTraces({ start: a, end: b, scaled: true }));
    assert.deepEqual(readTracesScratch(raw, 0, a, b), raw.getTraces({ start: a, end: b, scaled: true }));
  }
});

test('readScratch refuses windows outside the segment, naming them', () => {
  const rec = highpassFilter(rawRecording());
  assert.throws(() => rec.readScratch(0, 100, NS + 1), /frames \[100, 9001\) are outside segment 0/);
  assert.throws(() => rec.readScratch(1, 0, 10), /segment 1 does not exist/);
  assert.equal(rec.readScratch(0, 5, 5).length, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Events } from '../src/core/events.js';
import { Snippets } from '../src/core/snippets.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';

test('events are sorted per segment and selected by label and time', () => {
  const ev = new Events([
    { times: [3, 1, 2, 5], labels: ['stim', 'trial', 'stim', 'trial'], durations: [0.5, 0, 0.5, 0] },
    { times: [0.25], labels: 'ttl' },
  ]);
  assert.equal(ev.numSegments, 2);
  assert.deepEqual(ev.labels, ['stim', 'trial', 'ttl']);
  assert.deepEqual(Array.from(ev.select(0).times), [1, 2, 3, 5]);
  const stim = ev.select(0, { label: 'stim' });
  assert.deepEqual(Array.from(stim.times), [2, 3]);
  assert.deepEqual(Array.from(stim.durations), [0.5, 0.5]);
  assert.deepEqual(Array.from(ev.select(0, { startS: 2, endS: 5 }).times), [2, 3]);
  assert.deepEqual(Array.from(ev.toSamples(1, 30000, 0.1)), [4500]);
  assert.equal(ev.count(1), 1);
  assert.throws(() => ev.select(2), /segment 2 does not exist/);
  assert.throws(() => new Events([{ times: [1, 2], labels: ['a'] }]), /1 labels for 2 times/);
  assert.throws(() => new Events([{ times: [NaN] }]), /must be finite/);
});

test('snippets cut from a recording hold the right samples; mean and select work', () => {
  const nc = 3;
  const n = 200;
  // Value encodes (t, c) so every cut-out can be checked exactly.
  const data = Float32Array.from({ length: n * nc }, (_, i) => Math.floor(i / nc) * 10 + (i % nc));
  const rec = InMemoryRecording.fromArray(data, nc, 1000);
  const sn = Snippets.fromRecording(rec, [20, 50, 100], { nBefore: 5, numSamples: 12, channels: [2, 0] });
  assert.equal(sn.numSnippets, 3);
  assert.deepEqual(sn.channelIds, ['2', '0']);
  const s1 = sn.get(1);
  for (let k = 0; k < 12; k++) {
    assert.equal(s1[k * 2], (50 - 5 + k) * 10 + 2);
    assert.equal(s1[k * 2 + 1], (50 - 5 + k) * 10);
  }
  const m = sn.mean();
  assert.ok(Math.abs(m[0] - (((20 + 50 + 100) / 3 - 5) * 10 + 2)) < 1e-4);
  const sel = sn.select([2, 0]);
  assert.deepEqual(Array.from(sel.frames), [100, 20]);
  assert.deepEqual(sel.get(0), sn.get(2));
  assert.throws(() => Snippets.fromRecording(rec, [2], { nBefore: 5, numSamples: 12 }), /frame 2 needs samples \[-3, 9\)/);
  assert.throws(() => new Snippets({ data: new Float32Array(5), frames: [1], nBefore: 1, numSamples: 3, channelIds: ['a'], samplingFrequency: 1 }), /5 values for 1 snippets/);
});

/**
 * The clipped global median reference (CommonReferenceRecording with clipUv): a large spike on a quarter
 * of the channels leaves its inverted ghost on the other channels under the plain median, not under the
 * clipped one; and chunked reads equal the whole-segment read (the window's context rows are read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { commonReference } from '../src/preprocessing/common_reference.js';
import { mulberry32 } from '../src/core/random.js';
import { gaussian } from './helpers/random.js';

const NC = 64;
const NT = 30000;
const SPIKE_EVERY = 300;

/** Unit-sd noise + a shared 3 sd level, and every 10 ms a spike on channels 20..35: 0.3 ms at −40, then 0.6 ms at +3. */
function spikyRecording(): InMemoryRecording {
  const rand = mulberry32(3);
  const x = new Float32Array(NT * NC);
  for (let t = 0; t < NT; t++) {
    const shared = 3 * gaussian(rand);
    for (let c = 0; c < NC; c++) x[t * NC + c] = shared + gaussian(rand);
  }
  for (let t0 = 100; t0 + 27 < NT; t0 += SPIKE_EVERY) {
    for (let t = t0; t < t0 + 27; t++) for (let c = 20; c < 36; c++) x[t * NC + c] += t < t0 + 9 ? -40 : 3;
  }
  return new InMemoryRecording([x], { samplingFrequency: 30000, channelIds: Array.from({ length: NC }, (_, c) => `ch${c}`) });
}

/** Mean over spikes of the far channels (0..15, 40..63) at each of the 27 rows of the spike. */
function farChannelWaveform(y: Float32Array): Float64Array {
  const w = new Float64Array(27);
  let n = 0;
  for (let t0 = 100; t0 + 27 < NT; t0 += SPIKE_EVERY, n++) {
    for (let k = 0; k < 27; k++) for (let c = 0; c < NC; c++) if (c < 16 || c >= 40) w[k] += y[(t0 + k) * NC + c] / 40;
  }
  return w.map((v) => v / n);
}

test('clipped median reference: no ghost of a large spike on the far channels; the plain median leaves one', () => {
  const rec = spikyRecording();
  const plain = farChannelWaveform(commonReference(rec).getTraces({ scaled: true }) as Float32Array);
  const clipped = farChannelWaveform(commonReference(rec, { clipUv: 4 }).getTraces({ scaled: true }) as Float32Array);
  // 100 spikes × 40 channels of unit noise: a row's mean is ±0.02 (plus the reference's own ~0.16 / 10).
  const trough = (w: Float64Array) => w.slice(0, 9).reduce((a, b) => a + b, 0) / 9;
  const rebound = (w: Float64Array) => w.slice(9).reduce((a, b) => a + b, 0) / 18;
  assert.ok(trough(plain) > 0.3, `plain median: far-channel ghost of the trough ${trough(plain)}`);
  assert.ok(rebound(plain) < -0.1, `plain median: far-channel ghost of the rebound ${rebound(plain)}`);
  assert.ok(Math.abs(trough(clipped)) < 0.06, `clipped median: trough ghost ${trough(clipped)}`);
  assert.ok(Math.abs(rebound(clipped)) < 0.06, `clipped median: rebound ghost ${rebound(clipped)}`);
});

test('clipped median reference: chunked reads and channel subsets equal the whole read', () => {
  const ref = commonReference(spikyRecording(), { clipUv: 4, clipHoldMs: 1, clipLeadMs: 0.5 });
  const whole = ref.getTraces({ scaled: true }) as Float32Array;
  for (const [s, e] of [[0, 1234], [1234, 1250], [1250, 20000], [29990, NT]]) {
    const part = ref.getTraces({ start: s, end: e, scaled: true }) as Float32Array;
    assert.deepEqual(part, whole.subarray(s * NC, e * NC), `chunk ${s}..${e}`);
    const sub = ref.getTraces({ start: s, end: e, channels: [3, 25], scaled: true }) as Float32Array;
    assert.deepEqual(sub, Float32Array.from({ length: 2 * (e - s) }, (_, i) => whole[(s + (i >> 1)) * NC + (i & 1 ? 25 : 3)]), `channels 3, 25 of ${s}..${e}`);
  }
  assert.throws(() => commonReference(spikyRecording(), { clipUv: -1 }), /clipUv = -1 must be a finite number ≥ 0/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth } from '../src/core/generator.js';
import { mulberry32 } from '../src/core/random.js';
import { computeMotion, StreamedMotion } from '../src/motion/compute.js';
import { DriftMapSample } from '../src/motion/driftsample.js';
import { estimateMotion, LocalizedPeaks, MotionLayout, MotionRasters } from '../src/motion/estimate.js';

/** Peaks of two drifting bands per shank: shank 'a' on channels 0–3, 'b' on 4–7, both 0–300 µm deep. */
function syntheticPeaks(layout: MotionLayout, perSecond: number, seed: number): Required<LocalizedPeaks> {
  const rand = mulberry32(seed);
  const rows: [number, number, number, number, number][] = [];
  layout.segments.forEach(([t0, t1], seg) => {
    for (let t = t0; t < t1; t += 1 / perSecond) {
      const shank = rand() < 0.5 ? 0 : 1;
      const drift = (shank === 0 ? 8 : -5) * Math.sin((t - t0) / 3) + seg * 4;
      const band = rand() < 0.5 ? 80 : 210;
      rows.push([t, band + drift + 6 * (rand() - 0.5), 30 + 200 * rand(), seg, 4 * shank + Math.floor(4 * rand())]);
    }
  });
  return {
    timeS: Float64Array.from(rows, (r) => r[0]),
    y: Float64Array.from(rows, (r) => r[1]),
    amplitude: Float32Array.from(rows, (r) => r[2]),
    segment: Int32Array.from(rows, (r) => r[3]),
    channel: Int32Array.from(rows, (r) => r[4]),
  };
}

const twoShanks: MotionLayout = {
  segments: [[0, 20], [100, 115]],
  shanks: [
    { shankId: 'a', yMin: 0, yMax: 300, channels: Int32Array.of(0, 1, 2, 3) },
    { shankId: 'b', yMin: 0, yMax: 300, channels: Int32Array.of(4, 5, 6, 7) },
  ],
};

function subset(p: Required<LocalizedPeaks>, keep: (i: number) => boolean): Required<LocalizedPeaks> {
  const idx = Array.from(p.timeS.keys()).filter(keep);
  return {
    timeS: Float64Array.from(idx, (i) => p.timeS[i]),
    y: Float64Array.from(idx, (i) => p.y[i]),
    amplitude: Float32Array.from(idx, (i) => p.amplitude[i]),
    segment: Int32Array.from(idx, (i) => p.segment[i]),
    channel: Int32Array.from(idx, (i) => p.channel[i]),
  };
}

test('motion rasters fed in uneven batches give exactly the motion of all peaks at once (two shanks, two segments)', () => {
  const peaks = syntheticPeaks(twoShanks, 300, 3);
  const opts = { windowStepUm: 100, windowScaleUm: 100 };
  const whole = estimateMotion(peaks, twoShanks, opts);
  const rasters = new MotionRasters(twoShanks, opts);
  const rand = mulberry32(9);
  for (let a = 0; a < peaks.timeS.length; ) {
    const b = Math.min(peaks.timeS.length, a + Math.floor(rand() * 900));
    rasters.add(subset(peaks, (i) => i >= a && i < b));
    a = b;
  }
  assert.deepEqual(rasters.estimate(), whole);
  assert.throws(() => rasters.add(peaks), /after estimate/);
});

test('each shank and segment is estimated from its own peaks only', () => {
  const peaks = syntheticPeaks(twoShanks, 300, 4);
  const whole = estimateMotion(peaks, twoShanks, { rigid: true });
  twoShanks.shanks.forEach((shank, k) => {
    twoShanks.segments.forEach((span, seg) => {
      const alone = estimateMotion(
        subset(peaks, (i) => peaks.segment[i] === seg && shank.channels.includes(peaks.channel[i])),
        { segments: twoShanks.segments, shanks: [shank] },
        { rigid: true },
      );
      assert.deepEqual(whole.shanks[k].displacementUm[seg], alone.shanks[0].displacementUm[seg], `shank ${shank.shankId}, segment ${seg} (${span.join('–')} s)`);
    });
  });
  // The shanks drift differently, so a mix-up between them would show.
  assert.notDeepEqual(whole.shanks[0].displacementUm[0], whole.shanks[1].displacementUm[0]);
});

test('a multi-shank layout needs the peak channels', () => {
  const peaks = syntheticPeaks(twoShanks, 50, 5);
  const { channel: _, ...noChannel } = peaks;
  assert.throws(() => new MotionRasters(twoShanks).add(noChannel), /peak channel/);
});

test('drift-map sample: every peak up to its capacity, then evenly every 2^k-th, whatever the batch sizes', () => {
  const n = 10_000;
  const all = { timeS: Float64Array.from({ length: n }, (_, i) => i), y: Float64Array.from({ length: n }, (_, i) => i % 97), amplitude: Float32Array.from({ length: n }, (_, i) => i % 13), segment: new Int32Array(n) };
  const slice = (a: number, b: number) => ({ timeS: all.timeS.subarray(a, b), y: all.y.subarray(a, b), amplitude: all.amplitude.subarray(a, b), segment: all.segment.subarray(a, b) });
  const few = new DriftMapSample(n);
  few.add(all);
  assert.deepEqual(Array.from(few.peaks().timeS), Array.from(all.timeS));
  const capacity = 700;
  const reference = new DriftMapSample(capacity);
  reference.add(all);
  const kept = reference.peaks();
  // 10 000 peaks into 700 slots: stride 16 keeps ⌈10 000 / 16⌉ = 625.
  assert.deepEqual(Array.from(kept.timeS), Array.from({ length: 625 }, (_, j) => 16 * j));
  assert.deepEqual(Array.from(kept.y), Array.from({ length: 625 }, (_, j) => (16 * j) % 97));
  assert.deepEqual(Array.from(kept.amplitude), Array.from({ length: 625 }, (_, j) => (16 * j) % 13));
  for (const step of [1, 7, 700, 701, 3333]) {
    const s = new DriftMapSample(capacity);
    for (let a = 0; a < n; a += step) s.add(slice(a, Math.min(n, a + step)));
    assert.deepEqual(s.peaks(), kept, `batches of ${step}`);
  }
  assert.throws(() => new DriftMapSample(1), /capacity/);
});

test('streamed motion detection equals computeMotion, and keeps a bounded sample of its peaks', () => {
  const g = generateGroundTruth({ numChannels: 32, numUnits: 12, durationS: 8, seed: 21, firingRateHz: [5, 12], amplitudeUv: [80, 250], noiseStdUv: 5, drift: { mode: 'rigid', waveform: 'zigzag', amplitudeUm: 10, periodS: 8 } });
  const estimate = { windowStepUm: 100, windowScaleUm: 100 };
  const reference = computeMotion(g.recording, { estimate });
  const n = reference.peaks.timeS.length;
  const capacity = 100;
  assert.ok(n > 4 * capacity, `${n} peaks`);
  const stream = new StreamedMotion(g.recording, estimate, capacity);
  stream.detect(g.recording);
  const found = stream.finish();
  assert.deepEqual(found.motion, reference.motion);
  const m = found.peaks.timeS.length;
  assert.ok(m <= capacity && m > capacity / 2, `${m} peaks kept of ${n}`);
  const stride = 2 ** Math.ceil(Math.log2(n / capacity));
  for (let j = 0; j < m; j++) {
    assert.equal(found.peaks.timeS[j], reference.peaks.timeS[j * stride]);
    assert.equal(found.peaks.y[j], Math.fround(reference.peaks.y[j * stride]));
  }
});

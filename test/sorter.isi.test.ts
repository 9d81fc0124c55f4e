import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isiViolations } from '../src/qualitymetrics/isi.js';
import { seededRandom } from '../src/sortingcomponents/random.js';

test('a clean refractory train has no contamination; a random (Poisson) train is ~fully contaminated', () => {
  const fs = 30000;
  const dur = 600 * fs;
  const clean: number[] = [];
  for (let t = 0; t < dur; t += 0.05 * fs) clean.push(t);
  assert.equal(isiViolations(clean, dur, 0.0015 * fs, 0).contamination, 0);
  // Poisson at 20 Hz: expected violations n²·2·tr/T; the estimate should be near r = 1.
  const rand = seededRandom(2);
  const poisson: number[] = [];
  for (let t = 0; t < dur; ) {
    t += (-Math.log(1 - rand()) / 20) * fs;
    poisson.push(t);
  }
  const c = isiViolations(poisson, dur, 0.0015 * fs, 0).contamination;
  // A Poisson train has P(next spike within tr) = 1 − e^(−λ·tr) ≈ λ·tr, i.e. n²·tr/T short intervals: r = 1.
  // r(2 − r) is flat near r = 1, so a ±3 % count fluctuation moves r by up to ~0.2.
  assert.ok(c > 0.7, `contamination ${c}`);
  // Half the spikes random: r(2 − r) = 0.75 of the Poisson count.
  const v = isiViolations(poisson, dur, 0.0015 * fs, 0).count;
  const n = poisson.length;
  const expectHalf = 0.75 * v;
  const rHalf = 1 - Math.sqrt(1 - (expectHalf * dur) / (n * n * 0.0015 * fs));
  assert.ok(Math.abs(rHalf - 0.5) < 0.1, `r for a 0.75 violation fraction: ${rHalf}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateGroundTruth, GeneratorOptions } from '../src/core/generator.js';
import { computeMotion } from '../src/motion/compute.js';
import { isDriftSignificant } from '../src/motion/detectdrift.js';
import { motionError } from '../src/motion/evaluate.js';
import { bandedCholeskySolve } from '../src/motion/solve.js';
import { motionFromArrays, displacementAt } from '../src/motion/motion.js';
import { shiftPositions } from '../src/motion/correct.js';

const base: GeneratorOptions = { numChannels: 32, numUnits: 18, durationS: 12, seed: 11, firingRateHz: [5, 12], amplitudeUv: [80, 250], noiseStdUv: 5 };

function truthOf(g: ReturnType<typeof generateGroundTruth>) {
  const m = g.motion!;
  return { timesS: m.timesS, depthsUm: m.depthBinsUm, displacementUm: m.displacementUm };
}

test('rigid zigzag drift (±10 µm) is recovered within 1.5 µm RMS', () => {
  const g = generateGroundTruth({ ...base, drift: { mode: 'rigid', waveform: 'zigzag', amplitudeUm: 10, periodS: 12 } });
  const { motion } = computeMotion(g.recording, { estimate: { rigid: true } });
  assert.equal(motion.shanks[0].spatialBinsUm.length, 1);
  const err = motionError(motion, truthOf(g));
  assert.ok(err.rmsUm < 1.5, `rigid RMS ${err.rmsUm.toFixed(2)} µm`);
  assert.ok(isDriftSignificant(motion).significant);
});

test('non-rigid drift (amplitude growing along the probe) is recovered within 3 µm RMS at every window', () => {
  const g = generateGroundTruth({ ...base, drift: { mode: 'non-rigid', waveform: 'sine', amplitudeUm: 12, periodS: 12, nonRigidGradient: 1 } });
  const { motion } = computeMotion(g.recording, { estimate: { windowStepUm: 100, windowScaleUm: 100 } });
  const sh = motion.shanks[0];
  assert.ok(sh.spatialBinsUm.length >= 3);
  const t = truthOf(g);
  // Truth at the window centres (the generator's model is linear in depth between its bins).
  const nd = t.depthsUm.length;
  const atWindows = {
    timesS: t.timesS,
    depthsUm: sh.spatialBinsUm,
    displacementUm: Float64Array.from({ length: t.timesS.length * sh.spatialBinsUm.length }, (_, i) => {
      const ti = Math.floor(i / sh.spatialBinsUm.length);
      const y = sh.spatialBinsUm[i % sh.spatialBinsUm.length];
      const f = Math.min(nd - 1.000001, Math.max(0, (y - t.depthsUm[0]) / (t.depthsUm[1] - t.depthsUm[0])));
      const k = Math.floor(f);
      return t.displacementUm[ti * nd + k] * (1 - (f - k)) + t.displacementUm[ti * nd + k + 1] * (f - k);
    }),
  };
  const err = motionError(motion, atWindows);
  for (const [w, e] of err.perDepthUm.entries()) assert.ok(e < 3, `window ${w} at ${sh.spatialBinsUm[w].toFixed(0)} µm: RMS ${e.toFixed(2)} µm`);
  // The estimate must see that the top moves more than the bottom.
  const range = (w: number) => {
    const col = Array.from({ length: motion.temporalBinsS[0].length }, (_, i) => sh.displacementUm[0][i * sh.spatialBinsUm.length + w]);
    return Math.max(...col) - Math.min(...col);
  };
  assert.ok(range(sh.spatialBinsUm.length - 1) > 1.5 * range(0));
});

test('static recording: the estimate stays near zero and drift is not significant', () => {
  const g = generateGroundTruth({ ...base, seed: 12 });
  const { motion } = computeMotion(g.recording);
  for (const d of motion.shanks[0].displacementUm[0]) assert.ok(Math.abs(d) < 2, `displacement ${d.toFixed(2)} µm on a static recording`);
  assert.equal(isDriftSignificant(motion).significant, false);
});

test('banded Cholesky solves a banded SPD system (residual < 1e-9)', () => {
  const n = 40;
  const h = 3;
  const dense = new Float64Array(n * n);
  const band = new Float64Array(n * (h + 1));
  for (let i = 0; i < n; i++) {
    for (let d = 0; d <= h && i + d < n; d++) {
      const v = d === 0 ? 10 + (i % 3) : Math.cos(i + d) ;
      band[i * (h + 1) + d] = v;
      dense[i * n + i + d] = v;
      dense[(i + d) * n + i] = v;
    }
  }
  const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const x = bandedCholeskySolve(band, b, n, h);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += dense[i * n + j] * x[j];
    assert.ok(Math.abs(s - b[i]) < 1e-9);
  }
});

test('motionFromArrays validates shapes; displacementAt interpolates; shiftPositions registers depths', () => {
  assert.throws(() => motionFromArrays({ temporalBinsS: [0.5, 1.5], spatialBinsUm: [0, 100], displacementUm: [1, 2, 3] }), /expected 2 time bins × 2 windows/);
  const m = motionFromArrays({ temporalBinsS: [0, 10], spatialBinsUm: [0, 100], displacementUm: [0, 0, 10, 20] });
  assert.equal(displacementAt(m, 0, 0, 5, 50), 7.5);
  assert.equal(displacementAt(m, 0, 0, 20, -50), 10);
  // A peak at time 10 observed at 120 µm: d(y) = 10 + y/10 → y_reg + 10 + y_reg/10 = 120 → y_reg = 100 (clamped window: d = 20).
  const y = shiftPositions({ timeS: [10], y: [120] }, m);
  assert.ok(Math.abs(y[0] - 100) < 1e-9);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { makeLayoutProbe } from '../src/core/generatorprobes.js';
import { recordingFromSpec } from '../src/core/spec.js';
import { correctMotion } from '../src/motion/correct.js';
import { motionFromArrays } from '../src/motion/motion.js';
import { loadMotionNpz, saveMotionNpz } from '../src/motion/motionio.js';
import { writeMotionOutputs } from '../src/motion/outputs.js';
import { tempDir } from './helpers/paths.js';

const FS = 1000;
const NC = 48;
const probe = makeLayoutProbe({ layout: 'neuropixels-like', numChannels: NC });
const field = (x: number, y: number, t: number) => 100 * Math.exp(-0.5 * ((y - 240) / 45) ** 2) * Math.cos(2 * Math.PI * 7 * t) * (1 + x / 200);

/** Traces of a smooth spatial field, displaced along y by d(t) (tissue at y seen at y + d). */
function shiftedRecording(d: (t: number) => number): InMemoryRecording {
  const ns = 2 * FS;
  const loc = probe.probes[0].positions;
  const data = new Float32Array(ns * NC);
  for (let s = 0; s < ns; s++) for (let c = 0; c < NC; c++) data[s * NC + c] = field(loc[2 * c], loc[2 * c + 1] - d(s / FS), s / FS);
  return InMemoryRecording.fromArray(data, NC, FS, { probe });
}

test('kriging correction of a drifted field matches the static field (interior channels within 4 % of the peak)', async () => {
  const d = (t: number) => (t < 1 ? -8 : 12);
  const rec = shiftedRecording(d);
  const motion = motionFromArrays({ temporalBinsS: [0.25, 0.75, 1.25, 1.75], displacementUm: [-8, -8, 12, 12] });
  const corrected = correctMotion(rec, motion, { blockS: 0.5 });
  const out = corrected.getTraces({ scaled: true }) as Float32Array;
  const loc = probe.probes[0].positions;
  let worst = 0;
  let worstRaw = 0;
  const raw = rec.getTraces({ scaled: true }) as Float32Array;
  for (let s = 0; s < 2 * FS; s += 7) {
    for (let c = 0; c < NC; c++) {
      const y = loc[2 * c + 1];
      if (y < 100 || y > 380) continue; // away from the probe ends, where nothing can be interpolated
      const want = field(loc[2 * c], y, s / FS);
      worst = Math.max(worst, Math.abs(out[s * NC + c] - want));
      worstRaw = Math.max(worstRaw, Math.abs(raw[s * NC + c] - want));
    }
  }
  assert.ok(worst < 4 * 1.5, `max error ${worst.toFixed(2)} µV (peak 150 µV)`);
  assert.ok(worstRaw > 3 * worst, `the uncorrected error ${worstRaw.toFixed(1)} µV should be far larger than ${worst.toFixed(1)} µV`);
  // The same recording rebuilt from its spec (as in a worker) gives identical traces.
  const spec = corrected.toSpec();
  assert.ok(spec);
  const again = await recordingFromSpec(spec);
  assert.deepEqual(again.getTraces({ start: 900, end: 1100, channels: [3, 20, 40], scaled: true }), corrected.getTraces({ start: 900, end: 1100, channels: [3, 20, 40], scaled: true }));
});

test('zero motion leaves the traces (nearly) unchanged', () => {
  const rec = shiftedRecording(() => 0);
  const out = correctMotion(rec, motionFromArrays({ temporalBinsS: [1], displacementUm: [0] })).getTraces({ scaled: true }) as Float32Array;
  const raw = rec.getTraces({ scaled: true }) as Float32Array;
  let worst = 0;
  for (let i = 0; i < raw.length; i++) worst = Math.max(worst, Math.abs(out[i] - raw[i]));
  // Kilosort's 0.01 ridge makes kriging a slight smoother, not an identity.
  assert.ok(worst < 3, `max change ${worst.toFixed(2)} µV`);
});

test('motion.npz round trip and drift map PNG', () => {
  const dir = tempDir('spikeforge-motion-');
  try {
    const motion = motionFromArrays({ temporalBinsS: [0.5, 1.5, 2.5], spatialBinsUm: [50, 150], displacementUm: [0, 1, 2, 3, 4, 5.5], shankId: 'A' });
    const file = path.join(dir, 'm.npz');
    saveMotionNpz(file, motion);
    assert.deepEqual(loadMotionNpz(file), motion);
    const peaks = { timeS: [0.2, 1.1, 2.9], y: [40, 120, 160], amplitude: [50, 100, 200] };
    const out = writeMotionOutputs(dir, motion, peaks);
    const png = fs.readFileSync(out.driftMapFile);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // Decode IDAT with Node's zlib (an independent inflater) and check the size and that red motion lines were drawn.
    const idatLen = png.readUInt32BE(33);
    assert.equal(png.subarray(37, 41).toString('latin1'), 'IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    assert.equal(raw.length, height * (1 + width * 4));
    let red = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const o = y * (1 + width * 4) + 1 + x * 4;
      if (raw[o] > 200 && raw[o + 1] < 60 && raw[o + 2] < 60) red++;
    }
    assert.ok(red > 100, `${red} red pixels`);
    assert.deepEqual(loadMotionNpz(out.motionFile), motion);
    assert.throws(() => loadMotionNpz(path.join(dir, 'missing.npz')), /not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * learnPrototype's matched-filter noise (read from the recording's reused raw buffer, correlated a piece at a
 * time, MADs selected per block of channels) against a plain reference written here: the same windows read
 * through readNormalized, a float32 'valid' correlation tap by tap, and sort-based MADs. Also the temporal
 * basis (four waveforms per sweep of the moment matrix) against eigenvector equations on a naive matrix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateGroundTruth } from '../src/core/generator.js';
import { getKernels } from '../src/kernels/registry.js';
import { BinaryRecording } from '../src/io/binary.js';
import { learnTemporalBasis } from '../src/sortingcomponents/features.js';
import { DetectionSetup, learnPrototype } from '../src/sortingcomponents/peakpass.js';
import { seededRandom } from '../src/sortingcomponents/random.js';
import { readNormalized, NormalizedSource } from '../src/sortingcomponents/traces.js';
import { tempDir } from './helpers/paths.js';
import { testDetectionSetup } from './helpers/detectionsetup.js';

const MAD_TO_SD = 0.6744897501960817;

/** An int16 binary recording (the trace cache's kind: zero offsets, positive gains) of a small ground truth. */
function int16Recording(dir: string): BinaryRecording {
  const gt = generateGroundTruth({ seed: 5, numChannels: 8, durationS: 3, numUnits: 5, firingRateHz: [20, 40] });
  const rec = gt.recording;
  const uv = rec.getTraces({ segment: 0, scaled: true }) as Float32Array;
  const gain = 0.5;
  const q = Int16Array.from(uv, (v) => Math.max(-32768, Math.min(32767, Math.round(v / gain))));
  const file = path.join(dir, 'traces.raw');
  fs.writeFileSync(file, new Uint8Array(q.buffer));
  return new BinaryRecording({
    files: [file],
    samplingFrequency: rec.samplingFrequency,
    numChannelsInFile: rec.numChannels,
    dtype: 'int16',
    gains: new Float64Array(rec.numChannels).fill(gain),
    init: { probe: rec.probe ?? undefined },
  });
}

function setupFor(rec: BinaryRecording): DetectionSetup {
  const fs = rec.samplingFrequency;
  const locations = rec.hasProbe() ? rec.getChannelLocations() : Float64Array.from({ length: 2 * rec.numChannels }, (_, i) => (i % 2 ? 20 * (i >> 1) : 0));
  return testDetectionSetup(fs, locations, rec.numChannels);
}

/** MAD (medians at index n >> 1 of sorted copies) / 0.6745. */
function sortedMadSigma(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const med = s[s.length >> 1];
  const dev = Float64Array.from(v, (x) => Math.abs(x - med)).sort();
  return dev[dev.length >> 1] / MAD_TO_SD;
}

test('learnPrototype measures the matched filter noise exactly as a plain correlation and sort-based MADs do', () => {
  const dir = tempDir();
  try {
    const rec = int16Recording(dir);
    const nc = rec.numChannels;
    const scale = new Float32Array(nc).fill(1 / 20);
    const src: NormalizedSource = { recording: rec, scale };
    const setup = setupFor(rec);
    const seed = 4;
    const proto = learnPrototype(src, setup, { threshold: 5, numComponents: 3, maxPeaks: 1000, numChunks: 6, seed });
    assert.ok(proto.numPeaksUsed > 20, `only ${proto.numPeaksUsed} peaks: the fixture should hold spikes`);
    // The windows learnPrototype draws (a segment, then a start), the first 4 measuring the filter's noise.
    const rand = seededRandom(seed);
    const F = proto.filter.length;
    const cols: number[][] = Array.from({ length: nc }, () => []);
    for (let k = 0; k < 4; k++) {
      const seg = Math.floor(rand() * rec.numSegments);
      const ns = rec.getNumSamples(seg);
      const len = Math.min(ns, setup.chunkSamples);
      const start = Math.floor(rand() * (ns - len + 1));
      const win = readNormalized(src, seg, start, start + len, F);
      // Output row t (the window's own rows F .. F + len) correlates data rows t − peakIndex .. t − peakIndex + F − 1:
      // one kernel call on the whole window, as matchedFilter makes it (the kernel's float32 sums are its own).
      const y = new Float32Array(len * nc);
      getKernels().correlateChannels(win.data.subarray((F - proto.peakIndex) * nc, (2 * F + len - 1 - proto.peakIndex) * nc), nc, proto.filter, F, y);
      for (let t = 0; t < len; t++) for (let c = 0; c < nc; c++) cols[c].push(y[t * nc + c]);
      // The same rows by a plain float64 correlation: the kernel's sums agree to float32 rounding.
      for (const t of [0, len >> 1, len - 1]) {
        for (let c = 0; c < nc; c++) {
          let a = 0;
          for (let j = 0; j < F; j++) a += proto.filter[j] * win.data[(t + F - proto.peakIndex + j) * nc + c];
          assert.ok(Math.abs(y[t * nc + c] - a) <= 1e-5 * (1 + Math.abs(a)), `row ${t} channel ${c}: ${y[t * nc + c]} vs ${a}`);
        }
      }
    }
    const expected = Float32Array.from(cols, (v) => {
      const s = sortedMadSigma(Float64Array.from(v));
      return s > 0 ? 1 / s : 0;
    });
    assert.deepEqual(Array.from(proto.filterScale), Array.from(expected));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('learnTemporalBasis returns orthonormal eigenvectors of the waveforms\' second-moment matrix, largest first', () => {
  const L = 24;
  const n = 4 * 37 + 3; // not a multiple of the four waveforms per sweep
  const rand = seededRandom(11);
  const w = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    const a = 1 + rand();
    for (let p = 0; p < L; p++) w[i * L + p] = -a * Math.exp(-(((p - 8) / 2) ** 2)) + 0.3 * (rand() - 0.5) + (i % 3) * 0.2 * Math.sin(p / 3);
  }
  const k = 3;
  const basis = learnTemporalBasis(w, L, k, 8);
  // Naive second moments, one waveform at a time.
  const m = new Float64Array(L * L);
  for (let i = 0; i < n; i++) for (let p = 0; p < L; p++) for (let q = 0; q < L; q++) m[p * L + q] += w[i * L + p] * w[i * L + q];
  const trace = Array.from({ length: L }, (_, p) => m[p * L + p]).reduce((a, b) => a + b, 0);
  const lambdas: number[] = [];
  for (let r = 0; r < k; r++) {
    const v = basis.components.subarray(r * L, (r + 1) * L);
    for (let s = 0; s <= r; s++) {
      let dot = 0;
      for (let p = 0; p < L; p++) dot += v[p] * basis.components[s * L + p];
      assert.ok(Math.abs(dot - (r === s ? 1 : 0)) < 1e-5, `components ${r}·${s} = ${dot}`);
    }
    const mv = Array.from({ length: L }, (_, p) => {
      let s = 0;
      for (let q = 0; q < L; q++) s += m[p * L + q] * v[q];
      return s;
    });
    const lambda = mv.reduce((a, x, p) => a + x * v[p], 0);
    const residual = Math.hypot(...mv.map((x, p) => x - lambda * v[p]));
    // float32 components: the eigen equation holds to ~1e-6 of the matrix's scale.
    assert.ok(residual < 1e-5 * trace, `component ${r}: |Mv − λv| = ${residual} (trace ${trace})`);
    lambdas.push(lambda);
  }
  assert.ok(lambdas[0] >= lambdas[1] && lambdas[1] >= lambdas[2], `eigenvalues not in decreasing order: ${lambdas}`);
});

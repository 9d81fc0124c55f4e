import { test } from 'node:test';
import assert from 'node:assert/strict';
import { butterSos, sosSteadyState } from '../src/preprocessing/butterworth.js';
import { filterReferenceQuantizeWith, type FilterReferenceQuantizeJob } from '../src/kernels/filterreferencequantize.js';
import { kernelBackends } from './helpers/kernels.js';

function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** int16 noise (sd ≈ 40 steps) around a per-channel offset, with large spikes on a third of the channels every 300 rows. */
function rawBlock(rows: number, nc: number, seed: number): Int16Array {
  const u = uniform(seed);
  const q = new Int16Array(rows * nc);
  for (let t = 0; t < rows; t++) {
    for (let c = 0; c < nc; c++) {
      let v = 100 * c - 1500 + 40 * Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
      const k = t % 300;
      if (c % 3 === 0 && k >= 150 && k < 160) v -= 3000 * Math.sin((Math.PI * (k - 150)) / 10);
      q[t * nc + c] = Math.round(v);
    }
  }
  return q;
}

function makeJob(nc: number, rawRows: number, o: Partial<FilterReferenceQuantizeJob> = {}): FilterReferenceQuantizeJob {
  const sos = butterSos({ order: 5, band: 'highpass', frequencies: [300], samplingFrequency: 30_000 });
  return {
    sos, zi: sosSteadyState(sos), zeroPhase: true, numChannels: nc,
    gain: Float64Array.from({ length: nc }, (_, c) => 0.195 * (1 + 0.01 * c)),
    rawRows, windowFrom: 200, windowRows: rawRows - 400, subset: Int32Array.from({ length: nc }, (_, c) => c),
    clipUv: 60, back: 30, fwd: 15, outFrom: 30, outRows: rawRows - 400 - 45,
    invGain: Float64Array.from({ length: nc }, (_, c) => 8 / (1 + 0.02 * c)),
    ...o,
  };
}

// ---- An independent float64 reference of the definition (filter → clipped median → rounding) ----

function filtfilt64(job: FilterReferenceQuantizeJob, q: Int16Array): Float64Array {
  const { numChannels: nc, rawRows: nt, sos } = job;
  const x = new Float64Array(nt * nc);
  for (let i = 0; i < x.length; i++) x[i] = q[i] * job.gain[i % nc];
  const pass = (backward: boolean) => {
    for (let c = 0; c < nc; c++) {
      const first = x[(backward ? nt - 1 : 0) * nc + c];
      for (let s = 0; s < sos.length / 6; s++) {
        const [b0, b1, b2, a0, a1, a2] = sos.subarray(6 * s, 6 * s + 6);
        let z0 = job.zi[2 * s] * first;
        let z1 = job.zi[2 * s + 1] * first;
        for (let k = 0; k < nt; k++) {
          const i = (backward ? nt - 1 - k : k) * nc + c;
          const v = x[i];
          const y = (b0 / a0) * v + z0;
          z0 = (b1 / a0) * v + z1 - (a1 / a0) * y;
          z1 = (b2 / a0) * v - (a2 / a0) * y;
          x[i] = y;
        }
      }
    }
  };
  pass(false);
  if (job.zeroPhase) pass(true);
  return x;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * The clipped median of the kernel contract, written out directly (O(rows · channels · window)): channel c is
 * left out of row t when it lies beyond clip of the plain median at any row in [t − back, t + fwd].
 */
function clippedMedianRef(x: Float64Array, nc: number, subset: Int32Array, rows: number, clip: number, back: number, fwd: number): Float64Array {
  const row = (t: number) => Array.from(subset, (c) => x[t * nc + c]);
  const plain = Float64Array.from({ length: rows }, (_, t) => median(row(t)));
  const out = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    const kept: number[] = [];
    for (const c of subset) {
      let far = false;
      for (let u = Math.max(0, t - back); u <= Math.min(rows - 1, t + fwd) && !far; u++) far = clip > 0 && Math.abs(x[u * nc + c] - plain[u]) > clip;
      if (!far) kept.push(x[t * nc + c]);
    }
    out[t] = kept.length === subset.length || 2 * kept.length < subset.length ? plain[t] : median(kept);
  }
  return out;
}

function reference(job: FilterReferenceQuantizeJob, q: Int16Array): Int16Array {
  const nc = job.numChannels;
  const all = filtfilt64(job, q);
  const win = all.subarray(job.windowFrom * nc, (job.windowFrom + job.windowRows) * nc);
  const ref = clippedMedianRef(win, nc, job.subset, job.windowRows, job.clipUv, job.back, job.fwd);
  const out = new Int16Array(job.outRows * nc);
  for (let t = 0; t < job.outRows; t++) {
    for (let c = 0; c < nc; c++) {
      const v = (win[(job.outFrom + t) * nc + c] - ref[job.outFrom + t]) * job.invGain[c];
      out[t * nc + c] = Math.max(-32767, Math.min(32767, Math.floor(v + 0.5)));
    }
  }
  return out;
}

const CASES: Array<[string, Partial<FilterReferenceQuantizeJob>]> = [
  ['clipped median, zero phase', {}],
  ['plain median', { clipUv: 0 }],
  ['causal filter', { zeroPhase: false }],
  ['window at the block edges, output = window', { windowFrom: 0, windowRows: 1500, outFrom: 0, outRows: 1500 }],
  ['median over a subset', { subset: Int32Array.from([1, 2, 3, 5, 8, 13, 21, 34]) }],
];

test('filterReferenceQuantize: each backend fused equals its separate kernels bit for bit, at any block size', () => {
  const nc = 37; // 2 × 16 + 4 + 1: every lane width of the filter kernel
  const q = rawBlock(1500, nc, 5);
  for (const [name, k] of kernelBackends([undefined, 4096, 40_000])) {
    for (const [what, o] of CASES) {
      const job = makeJob(nc, 1500, o);
      const fused = k.filterReferenceQuantize(job, (raw) => (raw.set(q), true));
      assert.ok(fused);
      // Copied: the steps are valid until the backend's next call.
      const fusedSteps = fused.steps.slice();
      const separate = filterReferenceQuantizeWith(k, job, (raw) => (raw.set(q), true));
      assert.ok(separate);
      assert.equal(fusedSteps.length, job.outRows * nc, `${name}, ${what}`);
      assert.deepEqual(fusedSteps, separate.steps, `${name}, ${what}: steps`);
      assert.equal(fused.clipped, separate.clipped, `${name}, ${what}: clipped count`);
    }
  }
});

test('filterReferenceQuantize: within one step of a float64 reference of filter, clipped median and rounding; clips counted', () => {
  const nc = 21;
  const q = rawBlock(1200, nc, 9);
  // The spikes must move the plain median, or the clipped case would test nothing beyond it.
  assert.notDeepEqual(reference(makeJob(nc, 1200), q), reference(makeJob(nc, 1200, { clipUv: 0 }), q));
  for (const [name, k] of kernelBackends()) {
    for (const [what, o] of CASES.slice(0, 3)) {
      const job = makeJob(nc, 1200, o);
      const got = k.filterReferenceQuantize(job, (raw) => (raw.set(q), true))!;
      const want = reference(job, q);
      let worst = 0;
      let off = 0;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(got.steps[i] - want[i]);
        worst = Math.max(worst, d);
        if (d > 0) off++;
      }
      // float32 filtering is ~1e-5 of the range: only values next to a rounding boundary may land one step away.
      assert.ok(worst <= 1, `${name}, ${what}: worst difference ${worst} steps`);
      assert.ok(off < 0.01 * want.length, `${name}, ${what}: ${off} of ${want.length} values differ`);
      // Steps of 1/8 µV: the spikes (≈ 585 µV on channel 0 alone) stay far below 32767 steps; at 64 per µV they clip.
      assert.equal(got.clipped, 0);
    }
    const loud = makeJob(nc, 1200, { invGain: new Float64Array(nc).fill(64) });
    const got = k.filterReferenceQuantize(loud, (raw) => (raw.set(q), true))!;
    const want = reference(loud, q);
    assert.equal(got.clipped, want.filter((v) => Math.abs(v) === 32767).length, `${name}: clipped count`);
  }
});

test('filterReferenceQuantize: a fill that cannot read gives null; bad windows are refused with the reason', () => {
  for (const [name, k] of kernelBackends()) {
    assert.equal(k.filterReferenceQuantize(makeJob(8, 1000), () => false), null, name);
    assert.throws(() => k.filterReferenceQuantize(makeJob(8, 1000, { windowRows: 900 }), () => true), /window rows \[200, 1100\) are outside the 1000 raw rows/);
    assert.throws(() => k.filterReferenceQuantize(makeJob(8, 1000, { outRows: 590 }), () => true), /output rows \[30, 620\) are outside the 600 window rows/);
    assert.throws(() => k.filterReferenceQuantize(makeJob(8, 1000, { subset: Int32Array.from([0, 8]) }), () => true), /subset\[1\] = 8 is not a channel index/);
  }
});

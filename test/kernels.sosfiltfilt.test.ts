/**
 * sosfiltfilt (a whole filter read in one call) on every backend, int16 and float32 input, forward-only and
 * zero-phase, every output window: against a per-channel float64 zero-phase filter written here, with its
 * own steady-state start. Tolerances, relative to the output range: TS reference 1e-5 (float64 delays,
 * float32 rounding between sections and passes); WASM 5e-5 (float32 arithmetic throughout, 4 channels per
 * SIMD vector: the errors scale with the raw offset and slow sine, here larger than the output; measured
 * 1.1e-5, far below the int16 cache step of 1/8 noise SD). Within a backend the results are exact: int16
 * input equals its float32 µV, and the WASM whole-block and streamed paths agree bit for bit. The FilterRecording tests
 * at the end check that an int16 parent (scaled inside the kernel) gives the float32 parent's output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels } from '../src/kernels/tsbackend.js';
import { butterSos, sosSteadyState } from '../src/preprocessing/butterworth.js';
import { highpassFilter } from '../src/preprocessing/filter.js';
import { InMemoryRecording } from '../src/core/recordingtools.js';
import { setKernels } from '../src/kernels/registry.js';
import { kernelBackends } from './helpers/kernels.js';
import { randomArray } from './helpers/random.js';

const FS = 30000;
const SOS = butterSos({ order: 5, band: 'highpass', frequencies: [300], samplingFrequency: FS });
const ZI = sosSteadyState(SOS);

/**
 * One channel in float64 throughout: each pass starts every section from its steady state for a constant
 * input equal to the pass's first sample (TDF-II: y = g·u, z1 = (b2 − a2·g)·u, z0 = (b1 − a1·g)·u + z1, u the
 * section's constant input, g its DC gain).
 */
function referenceChannel(x: Float64Array, zeroPhase: boolean): Float64Array {
  const y = Float64Array.from(x);
  const passes = zeroPhase ? [false, true] : [false];
  for (const backward of passes) {
    let u = backward ? y[y.length - 1] : y[0];
    for (let s = 0; s < SOS.length / 6; s++) {
      const [b0, b1, b2, a0, a1, a2] = Array.from(SOS.subarray(s * 6, s * 6 + 6), (v, i) => (i === 3 ? v : v / SOS[s * 6 + 3]));
      assert.equal(a0, 1);
      const g = (b0 + b1 + b2) / (1 + a1 + a2);
      let z1 = (b2 - a2 * g) * u;
      let z0 = (b1 - a1 * g) * u + z1;
      for (let k = 0; k < y.length; k++) {
        const i = backward ? y.length - 1 - k : k;
        const xi = y[i];
        const out = b0 * xi + z0;
        z0 = b1 * xi - a1 * out + z1;
        z1 = b2 * xi - a2 * out;
        y[i] = out;
      }
      u *= g;
    }
  }
  return y;
}

function inputs(nt: number, nc: number, seed: number): { q: Int16Array; gain: Float64Array; uv: Float32Array } {
  const r = randomArray(nt * nc, seed);
  // An offset and a slow sine under the noise, as raw traces before the high-pass.
  const q = Int16Array.from(r, (v, i) => Math.round(3000 * v + 8000 + 6000 * Math.sin((2 * Math.PI * 5 * Math.floor(i / nc)) / FS) + 10 * (i % nc)));
  const gain = Float64Array.from({ length: nc }, (_, c) => 0.195 + 0.01 * c);
  const uv = Float32Array.from(q, (v, i) => v * gain[i % nc]);
  return { q, gain, uv };
}

test('sosfiltfilt: every backend matches a float64 zero-phase filter, int16 input its µV, streamed WASM whole-block WASM; the input is left unchanged', () => {
  const nt = 3000;
  const wasmResults = new Map<string, Float32Array>();
  // 512-byte stream blocks put these inputs over the whole-block limit: the streamed path.
  for (const [label, k] of kernelBackends([undefined, 512])) {
    const relTol = label === 'ts' ? 1e-5 : 5e-5;
    for (const nc of [1, 3, 8, 13, 21, 37]) {
      const { q, gain, uv } = inputs(nt, nc, 5 + nc);
      for (const zeroPhase of [true, false]) {
        const refs = Array.from({ length: nc }, (_, c) => referenceChannel(Float64Array.from({ length: nt }, (_, t) => uv[t * nc + c]), zeroPhase));
        for (const [from, rows] of [[0, nt], [700, 1600], [nt - 1, 1], [10, 0]]) {
          const results: Float32Array[] = [];
          for (const int16 of [true, false]) {
            const x = int16 ? q.slice() : uv.slice();
            const got = new Float32Array(rows * nc).fill(NaN);
            k.sosfiltfilt(SOS, ZI, x, nc, int16 ? gain : null, zeroPhase, got, from);
            assert.deepEqual(x, int16 ? q : uv, `${label}: input modified`);
            results.push(got);
          }
          const where = `${label}, ${nc} ch, zeroPhase ${zeroPhase}, rows [${from}, ${from + rows})`;
          assert.deepEqual(results[0], results[1], `${where}: int16 input differs from its float32 µV`);
          for (let c = 0; c < nc; c++) {
            // The range of the whole output channel: a window of a few rows can sit near zero.
            let range = 0;
            for (const v of refs[c]) range = Math.max(range, Math.abs(v));
            let err = 0;
            for (let t = 0; t < rows; t++) err = Math.max(err, Math.abs(results[0][t * nc + c] - refs[c][from + t]));
            assert.ok(err <= relTol * range, `${where}, channel ${c}: error ${err} over range ${range}`);
          }
          if (label === 'ts') continue;
          const key = `${nc}/${zeroPhase}/${from}/${rows}`;
          const first = wasmResults.get(key);
          if (first) assert.deepEqual(results[0], first, `${where}: differs from the other WASM path`);
          else wasmResults.set(key, results[0]);
        }
      }
    }
  }
});

test('sosfiltfilt: bad shapes and gains are refused with what is wrong', () => {
  const x = new Float32Array(12);
  assert.throws(() => tsKernels.sosfiltfilt(SOS, ZI.subarray(1), x, 3, null, true, new Float32Array(12), 0), /zi has 5 values, expected 6/);
  assert.throws(() => tsKernels.sosfiltfilt(SOS, ZI, x, 5, null, true, new Float32Array(5), 0), /not a multiple of 5 channels/);
  assert.throws(() => tsKernels.sosfiltfilt(SOS, ZI, new Int16Array(12), 3, null, true, new Float32Array(12), 0), /int16 input needs one gain per channel/);
  assert.throws(() => tsKernels.sosfiltfilt(SOS, ZI, x, 3, new Float64Array(3), true, new Float32Array(12), 0), /gains apply to int16 input only/);
  assert.throws(() => tsKernels.sosfiltfilt(SOS, ZI, x, 3, null, true, new Float32Array(6), 3), /does not fit/);
});

test('FilterRecording: an int16 parent (scaled in the kernel) gives the float32 µV parent\'s output bit for bit, in chunks at and away from the edges', () => {
  const nc = 7;
  const nt = 9000;
  const { q, gain, uv } = inputs(nt, nc, 99);
  // A negative gain takes the general scaling path (scaleTraces before the kernel).
  const negGain = gain.map((g, c) => (c === 2 ? -g : g));
  const uvNeg = Float32Array.from(q, (v, i) => v * negGain[i % nc]);
  const cases: Array<[Float64Array, Float32Array]> = [[gain, uv], [negGain, uvNeg]];
  for (const [label, k] of kernelBackends()) {
    const before = setKernels(k);
    try {
      for (const [g, ref] of cases) {
        const fromInt16 = highpassFilter(InMemoryRecording.fromArray(q, nc, FS, { gains: g, offsets: new Float64Array(nc) }));
        const fromUv = highpassFilter(InMemoryRecording.fromArray(ref, nc, FS));
        for (const causal of [false, true]) {
          const a = causal ? highpassFilter(InMemoryRecording.fromArray(q, nc, FS, { gains: g }), { causal }) : fromInt16;
          const b = causal ? highpassFilter(InMemoryRecording.fromArray(ref, nc, FS), { causal }) : fromUv;
          for (const [start, end] of [[0, 2000], [3000, 5000], [nt - 1500, nt], [0, nt]]) {
            const channels = start === 3000 ? [5, 1, 6] : undefined;
            const got = a.getTraces({ start, end, channels, scaled: true });
            assert.deepEqual(got, b.getTraces({ start, end, channels, scaled: true }), `${label}, causal ${causal}, [${start}, ${end})`);
          }
        }
      }
    } finally {
      setKernels(before);
    }
  }
});

test('getRawTracesWithMargin: the raw samples of getTracesWithMargin (reflected and clamped alike), and zeros refused', async () => {
  const { getRawTracesWithMargin, getTracesWithMargin } = await import('../src/core/margins.js');
  const nc = 3;
  const { q, gain } = inputs(50, nc, 3);
  const rec = InMemoryRecording.fromArray(q, nc, FS, { gains: gain });
  for (const mode of ['reflect', 'none'] as const) {
    for (const [start, end] of [[0, 10], [20, 30], [45, 50]]) {
      const req = { start, end, margin: 8, mode, channels: [2, 0] };
      const raw = getRawTracesWithMargin(rec, req);
      const uv = getTracesWithMargin(rec, req);
      assert.ok(raw.traces instanceof Int16Array);
      assert.equal(raw.leftMargin, uv.leftMargin);
      assert.equal(raw.rightMargin, uv.rightMargin);
      assert.deepEqual(Float32Array.from(raw.traces, (v, i) => v * gain[i % 2 === 0 ? 2 : 0]), uv.traces);
    }
  }
  assert.throws(() => getRawTracesWithMargin(rec, { start: 0, end: 10, margin: 4, mode: 'zeros' }), /scaled traces only/);
});

/**
 * Kernel throughput, TS reference vs WebAssembly SIMD, single thread, on realistic block sizes:
 * `node dist/bench/kernels.js [--repeats N]` (npm run bench:kernels). Prints one row per kernel with the
 * best of N timed runs after a warm-up, and the largest difference from the TS result.
 */
import { tsKernels } from '../src/kernels/tsbackend.js';
import { defaultWasmKernelsPath, loadWasmKernels } from '../src/kernels/wasmnode.js';
import type { Kernels } from '../src/kernels/types.js';

interface Case {
  kernel: string;
  shape: string;
  /** Work per run in `unit`s (flops in G, samples in M). */
  work: number;
  unit: 'GFLOP/s' | 'Msamples/s';
  /** Returns the run and the output to compare. */
  setup(k: Kernels): { run: () => void; output: () => ArrayLike<number> };
}

function randomArray(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** A 3-section band-pass-like cascade (poles near the unit circle, as a 300 Hz high-pass at 30 kHz has). */
const SOS = Float64Array.of(
  0.02, 0.04, 0.02, 1, -1.56, 0.64,
  1, -2, 1, 1, -1.88, 0.885,
  1, 0, -1, 1, -1.2, 0.5,
);

function gemmCase(m: number, n: number, k: number): Case {
  return {
    kernel: 'gemm', shape: `${m}×${k} · ${k}×${n}`, work: (2 * m * n * k) / 1e9, unit: 'GFLOP/s',
    setup(kern) {
      const A = randomArray(m * k, 1), B = randomArray(k * n, 2), C = new Float32Array(m * n);
      return { run: () => kern.gemm(false, false, m, n, k, 1, A, k, B, n, 0, C, n), output: () => C };
    },
  };
}

const CASES: Case[] = [
  {
    kernel: 'sosfilt', shape: '384 ch × 30000, 3 sections', work: (384 * 30000) / 1e6, unit: 'Msamples/s',
    setup(k) {
      const x0 = randomArray(384 * 30000, 3);
      const x = x0.slice();
      const state = new Float64Array(3 * 2 * 384);
      return { run: () => { x.set(x0); state.fill(0); k.sosfilt(SOS, x, 384, state, false); }, output: () => x };
    },
  },
  gemmCase(60000, 256, 192),
  gemmCase(512, 512, 512),
  {
    kernel: 'medianAcrossChannels', shape: '384 ch × 30000, all channels', work: (384 * 30000) / 1e6, unit: 'Msamples/s',
    setup(k) {
      const x = randomArray(384 * 30000, 4);
      const subset = Int32Array.from({ length: 384 }, (_, c) => c);
      const out = new Float32Array(30000);
      return { run: () => k.medianAcrossChannels(x, 384, subset, out, 1, 0), output: () => out };
    },
  },
  {
    kernel: 'accumulateCovariance', shape: '384 ch × 10000', work: (2 * 10000 * 384 * 384) / 1e9, unit: 'GFLOP/s',
    setup(k) {
      const x = randomArray(384 * 10000, 5);
      const acc = new Float64Array(384 * 384);
      return { run: () => { acc.fill(0); k.accumulateCovariance(x, 384, acc); }, output: () => acc };
    },
  },
  {
    kernel: 'correlateChannels', shape: '384 ch × 10000, 6 filters × 61 taps', work: (2 * 6 * 61 * 384 * (10000 - 60)) / 1e9, unit: 'GFLOP/s',
    setup(k) {
      const x = randomArray(384 * 10000, 6);
      const filters = randomArray(6 * 61, 7);
      const out = new Float32Array(6 * (10000 - 60) * 384);
      return { run: () => k.correlateChannels(x, 384, filters, 61, out), output: () => out };
    },
  },
];

function bestSeconds(run: () => void, repeats: number): number {
  run();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0, d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return scale > 0 ? d / scale : d;
}

function main(): void {
  const ri = process.argv.indexOf('--repeats');
  const repeats = ri >= 0 ? Math.max(1, Number(process.argv[ri + 1]) || 1) : 3;
  const wasm = loadWasmKernels();
  if (!wasm) {
    process.stderr.write(`bench:kernels: ${defaultWasmKernelsPath()} is missing or WebAssembly SIMD is unavailable: run npm run build\n`);
    process.exit(1);
  }
  const header = ['kernel', 'shape', 'TS', 'WASM', 'unit', 'speed-up', 'max |Δ|/max|TS|'];
  const rows: string[][] = [];
  for (const c of CASES) {
    const ts = c.setup(tsKernels);
    // The reference is slow on the large cases: one timed run after the warm-up is enough to rank it.
    const tTs = bestSeconds(ts.run, 1);
    const wa = c.setup(wasm);
    const tWa = bestSeconds(wa.run, repeats);
    rows.push([c.kernel, c.shape, (c.work / tTs).toFixed(1), (c.work / tWa).toFixed(1), c.unit, `${(tTs / tWa).toFixed(1)}×`, maxRelDiff(ts.output(), wa.output()).toExponential(1)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((v, i) => v.padEnd(widths[i])).join(' | ')} |\n`;
  process.stdout.write(line(header));
  process.stdout.write(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) process.stdout.write(line(r));
}

main();

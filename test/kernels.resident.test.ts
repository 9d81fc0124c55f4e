/**
 * residentFloat32 (buffers in the kernels' own memory, read and written in place): gatheredShiftedDots,
 * normalizeInt16 and thresholdCrossings must give the same results whether their arguments are resident or ordinary arrays (ordinary
 * arrays are checked against the TS reference in their own tests), slots must not overlap one another or
 * the kernels' scratch, and a slot is reused while large enough. Runs where the WASM module is built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/types.js';
import { randomArray } from './helpers/random.js';
import { kernelBackends } from './helpers/kernels.js';

function residentBackends(): Array<[string, Kernels & { residentFloat32: NonNullable<Kernels['residentFloat32']> }]> {
  return kernelBackends([undefined, 4096]).filter((b): b is [string, Kernels & { residentFloat32: NonNullable<Kernels['residentFloat32']> }] => b[1].residentFloat32 !== undefined);
}

function sameBits(a: Float64Array | Float32Array, b: Float64Array | Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what} [${i}]: ${a[i]} vs ${b[i]}`);
}

test('the TS backend has no resident buffers (callers fall back to ordinary arrays)', () => {
  assert.equal(kernelBackends()[0][1].residentFloat32, undefined);
});

test('gatheredShiftedDots gives the same bits with resident x, resident templates, both or neither', () => {
  for (const [name, k] of residentBackends()) {
    const ld = 57;
    const rows = 30;
    const shifts = 7;
    const count = 6;
    const nRows = 50;
    const x = randomArray(nRows * ld, 3);
    const rowStart = Int32Array.from({ length: count }, (_, j) => (j * 3) % (nRows - rows - shifts));
    const widths = [5, 12, 1, 9, 17, 8];
    const colStart = new Int32Array(count + 1);
    for (let j = 0; j < count; j++) colStart[j + 1] = colStart[j] + widths[j];
    const cols = Int32Array.from({ length: colStart[count] }, (_, i) => (i * 7 + 3) % ld);
    const w = widths.map((n, j) => randomArray(rows * n, 10 + j));
    const plain = new Float64Array(count * shifts);
    k.gatheredShiftedDots(x, ld, rows, shifts, count, rowStart, colStart, cols, w, plain);
    // Reserve both slots before taking views: a reservation may grow memory, which detaches older views.
    const wTotal = w.reduce((a, v) => a + v.length, 0);
    k.residentFloat32(1, x.length + 5);
    k.residentFloat32(2, wTotal);
    // An offset start checks that the kernel reads x where the view begins.
    const rx = k.residentFloat32(1, x.length + 5).subarray(5);
    rx.set(x);
    const store = k.residentFloat32(2, wTotal);
    let at = 0;
    const rw = w.map((v) => {
      const view = store.subarray(at, at + v.length);
      view.set(v);
      at += v.length;
      return view;
    });
    for (const [label, xs, ws] of [['x', rx, w], ['templates', x, rw], ['both', rx, rw]] as const) {
      const out = new Float64Array(count * shifts);
      k.gatheredShiftedDots(xs, ld, rows, shifts, count, rowStart, colStart, cols, ws as Float32Array[], out);
      sameBits(out, plain, `${name} resident ${label}`);
    }
    assert.ok(rx.length > 0 && store.length > 0, `${name}: small kernel calls must not detach resident views`);
    sameBits(rx, x, `${name}: the kernels must not write into a resident x`);
  }
});

test('normalizeInt16 writes a resident out in place, with the same bits as an ordinary out', () => {
  for (const [name, k] of residentBackends()) {
    const nc = 7;
    const nt = 1000;
    const q = Int16Array.from(randomArray(nt * nc, 5), (v) => Math.round(v * 3000));
    const gain = Float64Array.from({ length: nc }, (_, c) => 0.195 * (1 + c / 10));
    const scale = Float32Array.from({ length: nc }, (_, c) => 1 / (4 + c));
    const plain = new Float32Array(nt * nc);
    k.normalizeInt16(q, nc, gain, scale, plain);
    const out = k.residentFloat32(3, nt * nc + 3).subarray(3);
    k.normalizeInt16(q, nc, gain, scale, out);
    sameBits(out, plain, name);
  }
});

test('thresholdCrossings scans a resident x in place, with the crossings of an ordinary copy', () => {
  for (const [name, k] of residentBackends()) {
    const x = randomArray(5000, 9);
    const r = k.residentFloat32(4, x.length + 1).subarray(1);
    r.set(x);
    for (const [lo, hi] of [[-0.9, 0.9], [NaN, 0.5], [-0.7, NaN]]) {
      const want = k.thresholdCrossings(x, lo, hi);
      assert.ok(want.length > 0, name);
      assert.deepEqual(Array.from(k.thresholdCrossings(r, lo, hi)), Array.from(want), `${name} [${lo}, ${hi}]`);
      assert.deepEqual(Array.from(k.thresholdCrossings(r.subarray(777, 4321), lo, hi)), Array.from(k.thresholdCrossings(x.subarray(777, 4321), lo, hi)), `${name} [${lo}, ${hi}] part`);
    }
  }
});

test('resident slots are reused while large enough and never overlap each other or the scratch', () => {
  for (const [name, k] of residentBackends()) {
    const a = k.residentFloat32(10, 1000);
    const b = k.residentFloat32(11, 500);
    const a2 = k.residentFloat32(10, 800);
    assert.equal(a2.byteOffset, a.byteOffset, `${name}: a smaller request reuses the slot`);
    const b2 = k.residentFloat32(11, 500);
    a2.fill(1);
    b2.fill(2);
    // A kernel call with ordinary arrays uses the scratch, which must lie elsewhere.
    const x = randomArray(4000, 1);
    const out = new Float64Array(3);
    k.shiftedDots(x, randomArray(2000, 2), 2000, 1000, 3, out);
    assert.ok(a2.every((v) => v === 1) && b2.every((v) => v === 2), `${name}: slots overlap each other or the scratch`);
    const grown = k.residentFloat32(10, 5000);
    assert.equal(grown.length, 5000, name);
    const b3 = k.residentFloat32(11, 500);
    assert.equal(b3.byteOffset, b2.byteOffset, `${name}: growing one slot leaves the others where they are`);
    assert.ok(b3.every((v) => v === 2), `${name}: growing one slot keeps the others' contents`);
    assert.ok(b3.byteOffset + 4 * 500 <= grown.byteOffset || grown.byteOffset + 4 * 5000 <= b3.byteOffset, `${name}: slots overlap`);
    assert.throws(() => k.residentFloat32(12, -1), /length -1 must be a non-negative integer/, name);
  }
});

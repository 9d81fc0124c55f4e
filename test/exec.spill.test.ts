import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spillFloat32Sink } from '../src/exec/spill.js';
import { gatherBlocksInPlace } from '../src/sortingcomponents/curation.js';
import { memoryFloat32Sink } from '../src/sortingcomponents/matchpass.js';
import { tempDir } from './helpers/paths.js';

/** Pieces of varied sizes (empty ones and views into larger buffers included), as matching chunks return them. */
function pieces(): Float32Array[] {
  const out: Float32Array[] = [];
  let v = 0;
  for (const n of [5, 0, 48, 1, 0, 300, 7]) out.push(Float32Array.from({ length: n }, () => (v++ * 0.37) % 11 - 5));
  const big = Float32Array.from({ length: 20 }, (_, i) => 100 + i);
  out.push(big.subarray(3, 9));
  return out;
}

function concatenated(ps: Float32Array[]): number[] {
  return ps.flatMap((p) => Array.from(p));
}

test('spill sink returns every appended value in order and removes its file', () => {
  const dir = tempDir('spikeforge-spill-');
  try {
    const ps = pieces();
    const sink = spillFloat32Sink(dir);
    assert.ok(fs.existsSync(sink.path));
    for (const p of ps) sink.append(p);
    assert.equal(sink.length, ps.reduce((a, p) => a + p.length, 0));
    assert.equal(fs.statSync(sink.path).size, 4 * sink.length);
    const out = sink.collect();
    assert.deepEqual(Array.from(out), concatenated(ps));
    assert.equal(fs.existsSync(sink.path), false);
    assert.throws(() => sink.append(new Float32Array(1)), /spill file already collected/);
    sink.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('spill sink: dispose without collect removes the file; a missing folder is named', () => {
  const dir = tempDir('spikeforge-spill-');
  try {
    const sink = spillFloat32Sink(dir);
    sink.append(new Float32Array([1, 2, 3]));
    sink.dispose();
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.throws(() => spillFloat32Sink(`${dir}/missing`), /missing: the temporary folder .* does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memory sink matches the plain concatenation, and an empty sink gives an empty array', () => {
  const ps = pieces();
  const sink = memoryFloat32Sink();
  for (const p of ps) sink.append(p);
  assert.deepEqual(Array.from(sink.collect()), concatenated(ps));
  assert.equal(memoryFloat32Sink().collect().length, 0);
});

test('gatherBlocksInPlace equals a gather into a fresh array, for any subset order', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let trial = 0; trial < 40; trial++) {
    const k = 1 + Math.floor(rand() * 6);
    const numBlocks = Math.floor(rand() * 60);
    const data = Float32Array.from({ length: numBlocks * k }, (_, i) => i + 0.5);
    // A random subset in random order (sometimes all blocks, sometimes none).
    const keep = Array.from({ length: numBlocks }, (_, i) => i).filter(() => trial % 5 === 0 || rand() < 0.7);
    for (let i = keep.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keep[i], keep[j]] = [keep[j], keep[i]];
    }
    const expected = new Float32Array(keep.length * k);
    keep.forEach((b, j) => expected.set(data.subarray(b * k, (b + 1) * k), j * k));
    const got = gatherBlocksInPlace(data, k, keep);
    assert.equal(got.buffer, data.buffer, 'gathered in place');
    assert.deepEqual(Array.from(got), Array.from(expected), `trial ${trial}: k ${k}, ${keep.length} of ${numBlocks} blocks`);
  }
});

test('gatherBlocksInPlace rejects repeated or out-of-range blocks', () => {
  assert.throws(() => gatherBlocksInPlace(new Float32Array(6), 2, [0, 0]), /repeated or outside/);
  assert.throws(() => gatherBlocksInPlace(new Float32Array(6), 2, [3]), /repeated or outside/);
  assert.throws(() => gatherBlocksInPlace(new Float32Array(5), 2, [0]), /not whole blocks/);
});

test('a new spill sink removes spill files of dead processes, never those of live ones', () => {
  const dir = tempDir('spikeforge-spill-stale-');
  try {
    // pid 2^22 + 12345 is above Linux's default pid_max: no such process.
    const dead = `${dir}/spikeforge-spill-${2 ** 22 + 12345}-old.f32`;
    const live = `${dir}/spikeforge-spill-${process.pid}-other.f32`;
    const unrelated = `${dir}/notes-123-x.f32`;
    for (const f of [dead, live, unrelated]) fs.writeFileSync(f, 'x');
    const sink = spillFloat32Sink(dir);
    assert.equal(fs.existsSync(dead), false);
    assert.equal(fs.existsSync(live), true);
    assert.equal(fs.existsSync(unrelated), true);
    sink.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

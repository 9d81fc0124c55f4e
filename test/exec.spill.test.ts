import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { float32RowsInMemory, spillFloat32Sink } from '../src/exec/spill.js';
import { readNpy, writeNpy, writeNpyRows } from '../src/io/npy.js';
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

test('spill sink returns every appended value in order, and its file is never left in the folder', () => {
  const dir = tempDir('spikeforge-spill-');
  try {
    const ps = pieces();
    const sink = spillFloat32Sink(dir);
    // Unlinked at once: it lives on through its descriptor only.
    assert.deepEqual(fs.readdirSync(dir), []);
    for (const p of ps) sink.append(p);
    assert.equal(sink.length, ps.reduce((a, p) => a + p.length, 0));
    const out = sink.collect();
    assert.deepEqual(Array.from(out), concatenated(ps));
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

/** Rows of k values numbered so that each value names its row and column. */
function numberedRows(numRows: number, k: number): Float32Array {
  return Float32Array.from({ length: numRows * k }, (_, i) => Math.floor(i / k) + (i % k) / 100);
}

test('spilled rows read back exactly as the rows in memory, in any order, by runs, spans and ranges', () => {
  const dir = tempDir('spikeforge-spill-rows-');
  try {
    const k = 6;
    const numRows = 40000;
    const data = numberedRows(numRows, k);
    const sink = spillFloat32Sink(dir);
    // Appended in uneven pieces, as matching chunks arrive.
    for (let r = 0; r < numRows; ) {
      const n = Math.min(numRows - r, 1 + ((r * 7919) % 5000));
      sink.append(data.subarray(r * k, (r + n) * k));
      r += n;
    }
    const spilled = sink.rows(k);
    const memory = float32RowsInMemory(data, k);
    assert.equal(spilled.numRows, numRows);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // Scattered rows (single reads), a shuffled dense block (one span read), ascending runs, a repeat, and nothing.
    const dense = Array.from({ length: 3000 }, (_, i) => 20000 + i).sort(() => rand() - 0.5);
    const requests = [Array.from({ length: 500 }, () => Math.floor(rand() * numRows)), dense, [5, 6, 7, 8, 100, 101, 39999], [3, 3], []];
    for (const rows of requests) assert.deepEqual(Array.from(spilled.read(rows)), Array.from(memory.read(rows)));
    assert.deepEqual(Array.from(memory.read([2, 0])), [...data.subarray(2 * k, 3 * k), ...data.subarray(0, k)]);
    assert.deepEqual(Array.from(spilled.readRange(123, 4567)), Array.from(data.subarray(123 * k, 4567 * k)));
    assert.throws(() => spilled.read([numRows]), /row 40000 is outside/);
    assert.throws(() => spilled.read([1, -1]), /row -1 is outside/);
    assert.throws(() => sink.append(new Float32Array(1)), /already collected/);
    spilled.dispose();
    assert.throws(() => spilled.read([0]), /disposed/);
    spilled.dispose();
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rows that are not whole are refused', () => {
  assert.throws(() => float32RowsInMemory(new Float32Array(5), 2), /not whole rows of 2/);
  const dir = tempDir('spikeforge-spill-rows-');
  try {
    const sink = spillFloat32Sink(dir);
    sink.append(new Float32Array(5));
    assert.throws(() => sink.rows(2), /not whole rows of 2/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a .npy written from rows, batch by batch, is byte for byte the .npy of the whole array', () => {
  const dir = tempDir('spikeforge-npy-rows-');
  try {
    const shape = [20000, 3, 4];
    const data = numberedRows(shape[0], 12);
    writeNpy(path.join(dir, 'whole.npy'), { data, dtype: 'float32', shape });
    writeNpyRows(path.join(dir, 'rows.npy'), float32RowsInMemory(data, 12), shape);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'rows.npy')), fs.readFileSync(path.join(dir, 'whole.npy')));
    assert.deepEqual(readNpy(path.join(dir, 'rows.npy')).shape, shape);
    assert.throws(() => writeNpyRows(path.join(dir, 'bad.npy'), float32RowsInMemory(data, 12), [20000, 3, 3]), /does not match 20000 rows of 12/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withAtomicDir, writeFileAtomic } from '../src/io/atomic.js';
import { tempDir } from './helpers/paths.js';

function withTemp(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = tempDir();
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('writeFileAtomic writes, replaces, creates parents and leaves no temp files', withTemp((dir) => {
  const p = path.join(dir, 'sub', 'a.txt');
  writeFileAtomic(p, 'one');
  writeFileAtomic(p, new Uint8Array([0x74, 0x77, 0x6f]));
  assert.equal(fs.readFileSync(p, 'utf8'), 'two');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), ['a.txt']);
  assert.throws(() => writeFileAtomic(dir, 'x'), /is a folder/);
}));

test('withAtomicDir: the folder appears only when fn finishes', withTemp(async (dir) => {
  const out = path.join(dir, 'out');
  await withAtomicDir(out, async (tmp) => {
    assert.match(path.basename(tmp), /^\.out\.partial-\d+-/);
    fs.writeFileSync(path.join(tmp, 'f'), '1');
    assert.equal(fs.existsSync(out), false);
  });
  assert.equal(fs.readFileSync(path.join(out, 'f'), 'utf8'), '1');
  assert.deepEqual(fs.readdirSync(dir), ['out']);
}));

test('withAtomicDir: failure removes the temp folder and keeps the old output', withTemp(async (dir) => {
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'old'), 'keep');
  await assert.rejects(
    withAtomicDir(out, (tmp) => {
      fs.writeFileSync(path.join(tmp, 'new'), 'x');
      throw new Error('boom');
    }, { overwrite: true }),
    /boom/,
  );
  assert.deepEqual(fs.readdirSync(dir), ['out']);
  assert.deepEqual(fs.readdirSync(out), ['old']);
}));

test('withAtomicDir refuses a non-empty folder unless overwrite, then replaces it whole', withTemp(async (dir) => {
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'old'), 'x');
  await assert.rejects(withAtomicDir(out, () => {}), /out: folder already exists and is not empty: pass overwrite/);
  await withAtomicDir(out, (tmp) => fs.writeFileSync(path.join(tmp, 'new'), 'y'), { overwrite: true });
  assert.deepEqual(fs.readdirSync(out), ['new']);
  assert.deepEqual(fs.readdirSync(dir), ['out']);
  fs.writeFileSync(path.join(dir, 'file'), 'z');
  await assert.rejects(withAtomicDir(path.join(dir, 'file'), () => {}, { overwrite: true }), /exists and is a file/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await withAtomicDir(path.join(dir, 'empty'), (tmp) => fs.writeFileSync(path.join(tmp, 'a'), 'a'));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'empty')), ['a']);
}));

test('folders left by a killed run are removed by the next write; live ones are kept', async () => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir();
  try {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = path.join(dir, `.out.partial-${dead}-abc123`);
    const live = path.join(dir, `.out.partial-${process.pid}-def456`);
    fs.mkdirSync(stale);
    fs.mkdirSync(live);
    await withAtomicDir(path.join(dir, 'out'), (tmp) => fs.writeFileSync(path.join(tmp, 'a.txt'), 'x'));
    assert.ok(!fs.existsSync(stale), 'stale partial folder of a dead process is removed');
    assert.ok(fs.existsSync(live), 'a live process keeps its partial folder');
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'a.txt'), 'utf8'), 'x');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

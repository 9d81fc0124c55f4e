import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureRun } from '../src/exec/memory.js';

test('measureRun sees a 64 MiB allocation and the elapsed time', async () => {
  const size = 64 * 1024 * 1024;
  const m = await measureRun(async () => {
    const a = new Uint8Array(size).fill(1); // fill() touches every page, so it is resident
    await new Promise((r) => setTimeout(r, 60));
    return a;
  });
  assert.equal(m.result.length, size);
  assert.ok(m.seconds >= 0.055 && m.seconds < 5, `seconds ${m.seconds}`);
  assert.ok(m.peakRssMB - m.startRssMB >= 60, `peak ${m.peakRssMB} MiB, start ${m.startRssMB} MiB`);
});

test('measureRun works for synchronous work and passes errors through', async () => {
  const m = await measureRun(() => 42);
  assert.equal(m.result, 42);
  assert.ok(m.peakRssMB >= m.startRssMB);
  await assert.rejects(measureRun(() => {
    throw new Error('inner failure');
  }), /inner failure/);
});

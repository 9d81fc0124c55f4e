import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureRun, releaseGarbage } from '../src/exec/memory.js';

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

test('releaseGarbage frees unreachable ArrayBuffers that V8 would otherwise keep', async () => {
  // Many mid-size buffers, dropped at once: below V8's external-memory trigger for a collection of its own.
  const make = () => {
    const parts: Float64Array[] = [];
    for (let i = 0; i < 48; i++) parts.push(new Float64Array(128 * 1024).fill(i));
    return parts.length;
  };
  const settle = () => new Promise((r) => setTimeout(r, 50));
  releaseGarbage();
  await settle();
  const before = process.memoryUsage().arrayBuffers;
  assert.equal(make(), 48);
  const held = process.memoryUsage().arrayBuffers;
  assert.ok(held - before >= 40e6, `48 MiB allocated, arrayBuffers grew by ${((held - before) / 1e6).toFixed(1)} MB`);
  releaseGarbage();
  // The backing stores are swept just after the collection.
  await settle();
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(after - before < 8e6, `after releaseGarbage, ${((after - before) / 1e6).toFixed(1)} MB of the 48 MiB remain`);
});

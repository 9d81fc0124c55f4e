/**
 * Chunk tasks used by test/exec.executor.test.ts. They live in their own module because worker
 * threads import tasks by URL; this file holds no tests.
 */
import type { Recording } from '../src/core/recording.js';
import type { TraceChunk } from '../src/exec/chunks.js';
import type { ChunkTaskContext } from '../src/exec/executor.js';

let initCalls = 0;

export interface SumMaxState {
  initCallsInThisThread: number;
}

/** Counts how often init ran in this thread: once per worker is the contract. */
export function init(): SumMaxState {
  initCalls++;
  return { initCallsInThisThread: initCalls };
}

export interface SumMaxResult {
  index: number;
  sum: Float64Array;
  max: Float64Array;
  inWorker: boolean;
  initCalls: number;
}

/** Per-channel sum and max of one chunk, raw or in µV. */
export function sumMax(recording: Recording, chunk: TraceChunk, args: { scaled?: boolean } | undefined, ctx: ChunkTaskContext<SumMaxState | undefined>): SumMaxResult {
  const nc = recording.numChannels;
  const traces = recording.getTraces({ segment: chunk.segment, start: chunk.start, end: chunk.end, scaled: args?.scaled ?? false });
  const sum = new Float64Array(nc);
  const max = new Float64Array(nc).fill(-Infinity);
  for (let i = 0; i < traces.length; i++) {
    const c = i % nc;
    sum[c] += traces[i];
    if (traces[i] > max[c]) max[c] = traces[i];
  }
  return { index: chunk.index, sum, max, inWorker: ctx.inWorker, initCalls: ctx.state?.initCallsInThisThread ?? 0 };
}

/** Blocks the thread like real CPU work; counts chunks started in a shared counter when given one. */
export function slowChunk(_rec: Recording, chunk: TraceChunk, args: { ms: number; started?: Int32Array }): number {
  if (args.started) Atomics.add(args.started, 0, 1);
  if (args.ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, args.ms);
  return chunk.index;
}

export function explodeOnPurpose(_rec: Recording, chunk: TraceChunk, args: { index: number }): number {
  if (chunk.index === args.index) throw new Error(`planned failure in chunk ${chunk.index}`);
  return chunk.index;
}

export function brokenInit(): never {
  throw new Error('planned init failure');
}

/** A result that structured clone cannot send (a function). */
export function unsendable(): { f: () => void } {
  return { f: () => {} };
}

/**
 * Chunk 0 waits (up to `maxWaitMs`) until another chunk has finished, so workers finish out of
 * order on any machine load; each chunk records its place in the finishing order.
 */
export function unevenChunk(_rec: Recording, chunk: TraceChunk, args: { maxWaitMs: number; finishOrder: Int32Array }): number {
  // Slot 0 counts finished chunks; slot 1 + i receives chunk i's finishing rank.
  if (chunk.index === 0) Atomics.wait(args.finishOrder, 0, 0, args.maxWaitMs);
  args.finishOrder[1 + chunk.index] = Atomics.add(args.finishOrder, 0, 1);
  Atomics.notify(args.finishOrder, 0);
  return chunk.index;
}

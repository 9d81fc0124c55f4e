/**
 * The chunk executor: runs a task over every chunk of a recording, in worker threads when the
 * recording can travel (toSpec() not null) and jobs > 1, else in the calling thread, and hands the
 * results back IN CHUNK ORDER, so output does not depend on `jobs` or on which worker finished first.
 *
 * How a stage uses it:
 *
 *   // detect.task.ts: the worker side. Exports plain functions; init() runs once per worker.
 *   export function init(recording: Recording, args: DetectArgs) { return buildFilters(recording, args); }
 *   export function detectChunk(recording: Recording, chunk: TraceChunk, args: DetectArgs, ctx: ChunkTaskContext) {
 *     const traces = recording.getTraces({ segment: chunk.segment, start: chunk.start, end: chunk.end, scaled: true });
 *     return { samples: Float64Array.from(...), channels: Int32Array.from(...) };   // typed arrays are transferred, not copied
 *   }
 *
 *   // detect.ts: the calling side.
 *   await runChunks<{ samples: Float64Array; channels: Int32Array }>({
 *     recording, label: 'detect peaks', jobs, reporter, signal,
 *     chunkDurationS: 1,
 *     task: { module: new URL('./detect.task.js', import.meta.url).href, exportName: 'detectChunk', args },
 *     onResult: (chunk, r) => peaks.append(r),      // called in chunk order, one at a time
 *   });
 *
 * Rules for tasks: args and results must be structured-cloneable (typed arrays, numbers, strings,
 * plain objects and arrays; class instances arrive as plain objects). Typed arrays in a result are
 * moved to the main thread, so a task must not keep using them (return fresh arrays, or set
 * `transfer: false`). An inline function task runs on the main thread only.
 * At most `maxInFlight` chunks (default 2 × jobs) are being computed or waiting for onResult,
 * which bounds memory whatever the order workers finish in.
 */
import type { Recording } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { RunAbortedError, isAbortError, throwIfAborted } from './cancel.js';
import { TraceChunk, makeChunks } from './chunks.js';
import { Reporter, silentReporter } from './reporter.js';

export interface ChunkTaskContext<S = unknown> {
  /** 0..workers-1 in worker threads; 0 on the main thread. */
  workerIndex: number;
  inWorker: boolean;
  /** What the task module's init() returned (undefined without one). */
  state: S;
  /** The run's signal, on the main thread only (workers are terminated instead). */
  signal?: AbortSignal;
}

export type ChunkTaskFn<R, A = unknown, S = unknown> = (
  recording: Recording,
  chunk: TraceChunk,
  args: A,
  ctx: ChunkTaskContext<S>,
) => R | Promise<R>;

/** A task that can run in a worker: a function exported by an ES module. */
export interface ChunkTaskModule {
  /** URL of the module, e.g. new URL('./x.task.js', import.meta.url).href. */
  module: string;
  exportName: string;
  /** Passed to the task and to init(); structured-cloneable. */
  args?: unknown;
  /** Export run once per worker as init(recording, args); its return value is ctx.state. Default 'init' when exported; null for none. */
  init?: string | null;
  /** Move typed arrays of results instead of copying them (default true). */
  transfer?: boolean;
}

export interface RunChunksOptions<R> {
  recording: Recording;
  /** Names the run in progress, errors and cancellation. */
  label: string;
  task: ChunkTaskModule | ChunkTaskFn<R, undefined>;
  /** Chunks to run, delivered in this order (default: makeChunks with chunkSize / chunkDurationS). */
  chunks?: TraceChunk[];
  chunkSize?: number;
  chunkDurationS?: number;
  /** Worker threads (default: available parallelism). 1 runs on the main thread. */
  jobs?: number;
  /** Chunks computed or awaiting onResult at once (default 2 × jobs). */
  maxInFlight?: number;
  reporter?: Reporter;
  signal?: AbortSignal;
  /** Receives each result in chunk order, one at a time; a returned promise is awaited. */
  onResult?: (chunk: TraceChunk, result: R) => void | Promise<void>;
}

export interface RunChunksSummary {
  numChunks: number;
  /** Worker threads used; 0 when the run stayed on the main thread. */
  workers: number;
  seconds: number;
}

/** A chunk task that failed; `chunk` is null when a worker failed outside any chunk (setup, crash). */
export class ChunkTaskError extends Error {
  override readonly name = 'ChunkTaskError';
  constructor(
    readonly label: string,
    readonly chunk: TraceChunk | null,
    message: string,
    cause: Error,
  ) {
    super(message, { cause });
    this.stack = `${this.name}: ${message}\nCaused by: ${cause.stack ?? cause.message}`;
  }
}

/** Error fields that survive a trip between threads. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function reviveError(s: SerializedError): Error {
  const e = new Error(s.message);
  e.name = s.name;
  e.stack = s.stack ?? `${s.name}: ${s.message}`;
  return e;
}

export function describeChunk(c: TraceChunk): string {
  return `chunk ${c.index} (segment ${c.segment}, samples ${c.start}..${c.end})`;
}

export function chunkFailure(label: string, chunk: TraceChunk | null, cause: Error, where: string): ChunkTaskError {
  const what = chunk ? describeChunk(chunk) : 'a worker';
  return new ChunkTaskError(label, chunk, `${label}: ${what} failed ${where}: ${cause.message}`, cause);
}

export interface PreparedChunkTask<R> {
  run(chunk: TraceChunk): Promise<R>;
}

/**
 * Loads a task module, runs its init once and returns the per-chunk function. Workers and the
 * main-thread path both go through here, so a task behaves the same with any `jobs`.
 */
export async function prepareChunkTask<R>(
  ref: ChunkTaskModule,
  recording: Recording,
  ctx: Omit<ChunkTaskContext, 'state'>,
): Promise<PreparedChunkTask<R>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${ref.module}: cannot load the chunk task module: ${(e as Error).message ?? String(e)}`);
  }
  const fn = mod[ref.exportName];
  if (typeof fn !== 'function') {
    throw new Error(`${ref.module}: exports no function '${ref.exportName}' (it exports: ${Object.keys(mod).join(', ') || 'nothing'})`);
  }
  const initName = ref.init === undefined ? 'init' : ref.init;
  let state: unknown;
  if (initName !== null) {
    const init = mod[initName];
    if (typeof init === 'function') state = await (init as (r: Recording, a: unknown) => unknown)(recording, ref.args);
    else if (ref.init !== undefined) throw new Error(`${ref.module}: exports no init function '${initName}'`);
  }
  const context: ChunkTaskContext = { ...ctx, state };
  const task = fn as ChunkTaskFn<R>;
  return { run: async (chunk) => task(recording, chunk, ref.args, context) };
}

function isModuleTask<R>(t: RunChunksOptions<R>['task']): t is ChunkTaskModule {
  return typeof t === 'object' && t !== null && typeof (t as ChunkTaskModule).module === 'string';
}

async function defaultJobs(): Promise<number> {
  try {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } catch {
    const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
    return nav?.hardwareConcurrency ?? 1;
  }
}

function checkChunks(rec: Recording, chunks: TraceChunk[], label: string): void {
  for (const c of chunks) {
    if (!Number.isInteger(c.segment) || c.segment < 0 || c.segment >= rec.numSegments) {
      throw new Error(`${label}: ${describeChunk(c)} names a segment the recording does not have (it has ${rec.numSegments})`);
    }
    const n = rec.getNumSamples(c.segment);
    if (!Number.isInteger(c.start) || !Number.isInteger(c.end) || c.start < 0 || c.end > n || c.start > c.end) {
      throw new Error(`${label}: ${describeChunk(c)} is outside segment ${c.segment} (0..${n})`);
    }
  }
}

/** Lets timers and signal handlers run between main-thread chunks (a sync task would otherwise starve them). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Runs `task` over the chunks of `recording`; see the top of this file. */
export async function runChunks<R>(opts: RunChunksOptions<R>): Promise<RunChunksSummary> {
  const t0 = performance.now();
  const { recording, label } = opts;
  const reporter = opts.reporter ?? silentReporter;
  throwIfAborted(opts.signal, label);
  const chunks = opts.chunks ?? makeChunks(recording, { chunkSize: opts.chunkSize, chunkDurationS: opts.chunkDurationS });
  checkChunks(recording, chunks, label);
  const jobs = opts.jobs ?? (await defaultJobs());
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`${label}: jobs must be a positive whole number, got ${jobs}: check --jobs`);
  const maxInFlight = opts.maxInFlight ?? 2 * jobs;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new Error(`${label}: maxInFlight must be a positive whole number, got ${maxInFlight}`);

  const spec = jobs > 1 && chunks.length > 1 && isModuleTask(opts.task) ? recording.toSpec() : null;
  if (jobs > 1 && chunks.length > 1 && !spec) {
    reporter.log('debug', `${label}: running on the main thread (${isModuleTask(opts.task) ? 'the recording cannot be sent to workers' : 'inline task'})`);
  }
  reporter.begin(label, chunks.length);
  let workers = 0;
  if (spec && isModuleTask(opts.task)) {
    workers = Math.min(jobs, chunks.length, maxInFlight);
    const { runInWorkers } = await import('./worker.js');
    await runInWorkers<R>({ ...opts, chunks, spec, task: opts.task, reporter, workers, maxInFlight });
  } else {
    await runOnMainThread(opts, chunks, reporter);
  }
  reporter.end();
  return { numChunks: chunks.length, workers, seconds: (performance.now() - t0) / 1000 };
}

async function runOnMainThread<R>(opts: RunChunksOptions<R>, chunks: TraceChunk[], reporter: Reporter): Promise<void> {
  const { recording, label, signal } = opts;
  const ctx = { workerIndex: 0, inWorker: false, signal };
  const task: PreparedChunkTask<R> = isModuleTask(opts.task)
    ? await setupOrFail(() => prepareChunkTask<R>(opts.task as ChunkTaskModule, recording, ctx), label)
    : inlineTask(opts.task, recording, ctx);
  for (let i = 0; i < chunks.length; i++) {
    await yieldToEventLoop();
    checkAborted(signal, label, i, chunks.length, reporter);
    let result: R;
    try {
      result = await task.run(chunks[i]);
    } catch (e) {
      if (signal?.aborted && isAbortError(e)) checkAborted(signal, label, i, chunks.length, reporter);
      throw chunkFailure(label, chunks[i], e instanceof Error ? e : reviveError(serializeError(e)), 'on the main thread');
    }
    checkAborted(signal, label, i, chunks.length, reporter);
    await opts.onResult?.(chunks[i], result);
    reporter.progress(i + 1);
  }
}

function inlineTask<R>(fn: ChunkTaskFn<R, undefined>, recording: Recording, ctx: Omit<ChunkTaskContext, 'state'>): PreparedChunkTask<R> {
  const context: ChunkTaskContext = { ...ctx, state: undefined };
  return { run: async (chunk) => fn(recording, chunk, undefined, context) };
}

async function setupOrFail<T>(setup: () => Promise<T>, label: string): Promise<T> {
  try {
    return await setup();
  } catch (e) {
    const cause = e instanceof Error ? e : reviveError(serializeError(e));
    throw new ChunkTaskError(label, null, `${label}: task setup failed: ${cause.message}`, cause);
  }
}

function checkAborted(signal: AbortSignal | undefined, label: string, done: number, total: number, reporter: Reporter): void {
  if (!signal?.aborted) return;
  reporter.log('info', `${label}: cancelled after ${done} of ${total} chunks`);
  throw new RunAbortedError(label, signal.reason);
}

/** Options the worker pool receives from runChunks, already resolved. */
export interface PoolRunOptions<R> extends RunChunksOptions<R> {
  chunks: TraceChunk[];
  spec: RecordingSpec;
  task: ChunkTaskModule;
  reporter: Reporter;
  workers: number;
  maxInFlight: number;
}

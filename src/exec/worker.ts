/**
 * Both ends of the executor's worker threads: the pool that the main thread drives (runInWorkers)
 * and the loop each worker runs (serve). Keeping them in one file keeps the message protocol in one place.
 *
 * Protocol: a worker rebuilds the recording from its spec, loads the task (running init), then says
 * 'ready'. The main thread sends one 'run' at a time per worker and gets 'result' or 'error' back;
 * at the end it sends 'close' (the worker exits, which closes its files) or, on error or abort,
 * terminates the workers outright.
 */
import { Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { recordingFromSpec, type RecordingSpec } from '../core/spec.js';
import { RunAbortedError } from './cancel.js';
import type { TraceChunk } from './chunks.js';
import {
  ChunkTaskError,
  ChunkTaskModule,
  PoolRunOptions,
  SerializedError,
  chunkFailure,
  prepareChunkTask,
  reviveError,
  serializeError,
} from './executor.js';

const WORKER_KIND = 'spikeforge-chunk-worker';

interface WorkerSetup {
  kind: typeof WORKER_KIND;
  spec: RecordingSpec;
  task: ChunkTaskModule;
  workerIndex: number;
}

type ToWorker = { type: 'run'; pos: number; chunk: TraceChunk } | { type: 'close' };

type FromWorker =
  | { type: 'ready' }
  | { type: 'setup-error'; error: SerializedError }
  | { type: 'result'; pos: number; result: unknown }
  | { type: 'error'; pos: number; error: SerializedError };

/** How long a finished worker may take to exit by itself before it is terminated. */
const CLOSE_TIMEOUT_MS = 5000;

const liveWorkers = new Set<Worker>();

/**
 * Young-generation size of a worker thread (MB). A chunk task allocates its short-lived objects at a high
 * rate, and V8 answers by growing the young generation to its maximum (tens of MB) in every worker: RSS
 * then climbs through the first minutes of a pass. Capped, the scavenges are more frequent but as cheap
 * (little survives a chunk), and the workers stay small whatever the recording's length.
 */
const WORKER_YOUNG_GENERATION_MB = 6;

/** Worker threads of all runs that have not emitted 'exit' yet (0 once every run has settled). */
export function liveChunkWorkerCount(): number {
  return liveWorkers.size;
}

interface PoolMember {
  worker: Worker;
  index: number;
  /** Position of the chunk it is computing, or -1. */
  busy: number;
  exited: boolean;
}

/** Runs the chunks on `opts.workers` worker threads; resolves after every result was delivered and the workers exited. */
export function runInWorkers<R>(opts: PoolRunOptions<R>): Promise<void> {
  const { chunks, label, reporter, signal, maxInFlight } = opts;
  const n = chunks.length;
  const members: PoolMember[] = [];
  const idle: PoolMember[] = [];
  const buffered = new Map<number, R>();
  let nextDispatch = 0;
  let nextDeliver = 0;
  let delivering = false;
  let settled = false;

  return new Promise<void>((resolve, reject) => {
    const dispatch = () => {
      while (!settled && idle.length > 0 && nextDispatch < n && nextDispatch - nextDeliver < maxInFlight) {
        const m = idle.shift()!;
        const pos = nextDispatch++;
        m.busy = pos;
        m.worker.postMessage({ type: 'run', pos, chunk: chunks[pos] } satisfies ToWorker);
      }
    };

    const deliver = async () => {
      if (delivering) return;
      delivering = true;
      try {
        while (!settled && buffered.has(nextDeliver)) {
          const result = buffered.get(nextDeliver) as R;
          buffered.delete(nextDeliver);
          await opts.onResult?.(chunks[nextDeliver], result);
          if (settled) return;
          nextDeliver++;
          reporter.progress(nextDeliver);
          dispatch();
        }
      } catch (e) {
        fail(e);
        return;
      } finally {
        delivering = false;
      }
      if (!settled && nextDeliver === n) finish();
    };

    const cleanup = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };

    const fail = (err: unknown) => {
      if (settled) return;
      cleanup();
      void Promise.all(members.map((m) => stop(m))).then(() => reject(err));
    };

    const finish = () => {
      cleanup();
      void Promise.all(members.map((m) => closeGracefully(m))).then(() => resolve());
    };

    const onAbort = () => {
      if (settled) return;
      reporter.log('info', `${label}: cancelled after ${nextDeliver} of ${n} chunks`);
      fail(new RunAbortedError(label, signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const onMessage = (m: PoolMember, msg: FromWorker) => {
      if (settled) return;
      switch (msg.type) {
        case 'ready':
          idle.push(m);
          dispatch();
          return;
        case 'setup-error': {
          const cause = reviveError(msg.error);
          fail(new ChunkTaskError(label, null, `${label}: worker ${m.index} could not set up the task: ${cause.message}`, cause));
          return;
        }
        case 'error':
          fail(chunkFailure(label, chunks[msg.pos], reviveError(msg.error), `in worker ${m.index}`));
          return;
        case 'result':
          m.busy = -1;
          idle.push(m);
          buffered.set(msg.pos, msg.result as R);
          dispatch();
          void deliver();
          return;
      }
    };

    for (let i = 0; i < opts.workers; i++) {
      const setup: WorkerSetup = { kind: WORKER_KIND, spec: opts.spec, task: opts.task, workerIndex: i };
      let worker: Worker;
      try {
        worker = new Worker(new URL(import.meta.url), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      } catch (e) {
        fail(e);
        return;
      }
      liveWorkers.add(worker);
      const m: PoolMember = { worker, index: i, busy: -1, exited: false };
      members.push(m);
      worker.on('message', (msg: FromWorker) => onMessage(m, msg));
      worker.on('messageerror', (e) => {
        const where = m.busy >= 0 ? chunks[m.busy] : null;
        fail(chunkFailure(label, where, e instanceof Error ? e : new Error(String(e)), `in worker ${m.index} (its result could not be received)`));
      });
      worker.on('error', (e) => {
        const where = m.busy >= 0 ? chunks[m.busy] : null;
        fail(chunkFailure(label, where, e, `in worker ${m.index}`));
      });
      worker.on('exit', (code) => {
        m.exited = true;
        liveWorkers.delete(worker);
        if (!settled) {
          const where = m.busy >= 0 ? chunks[m.busy] : null;
          fail(chunkFailure(label, where, new Error(`the worker thread exited with code ${code} (out of memory?)`), `in worker ${m.index}`));
        }
      });
    }
  });
}

async function stop(m: PoolMember): Promise<void> {
  if (!m.exited) await m.worker.terminate();
}

/** Asks the worker to exit; terminates it if it does not within CLOSE_TIMEOUT_MS. */
async function closeGracefully(m: PoolMember): Promise<void> {
  if (m.exited) return;
  const exited = new Promise<void>((resolve) => m.worker.once('exit', () => resolve()));
  m.worker.postMessage({ type: 'close' } satisfies ToWorker);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)));
  const outcome = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') await m.worker.terminate();
}

// ---- worker side ----

/** ArrayBuffers behind the typed arrays of a result (searched a few levels deep), to move instead of copy. */
export function collectTransferables(value: unknown, out = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (depth > 4 || value === null || typeof value !== 'object') return [...out];
  if (value instanceof ArrayBuffer) {
    if (value.byteLength > 0) out.add(value);
  } else if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.buffer.byteLength > 0) out.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTransferables(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTransferables(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const v of Object.values(value)) collectTransferables(v, out, depth + 1);
  }
  return [...out];
}

function postResult(port: MessagePort, pos: number, result: unknown, transfer: boolean): void {
  const msg: FromWorker = { type: 'result', pos, result };
  if (transfer) {
    try {
      port.postMessage(msg, collectTransferables(result));
      return;
    } catch {
      // Some buffers cannot move (Node's pooled Buffers, wasm memory): fall back to copying.
    }
  }
  port.postMessage(msg);
}

async function serve(port: MessagePort, setup: WorkerSetup): Promise<void> {
  let run: (chunk: TraceChunk) => Promise<unknown>;
  try {
    // Each thread has its own kernel registry: pick the same best backend as the main thread.
    (await import('../kernels/wasmnode.js')).installBestKernels();
    const recording = await recordingFromSpec(setup.spec);
    const task = await prepareChunkTask<unknown>(setup.task, recording, { workerIndex: setup.workerIndex, inWorker: true });
    run = (chunk) => task.run(chunk);
  } catch (e) {
    port.postMessage({ type: 'setup-error', error: serializeError(e) } satisfies FromWorker);
    return;
  }
  const transfer = setup.task.transfer !== false;
  port.on('message', async (msg: ToWorker) => {
    // Node closes the files a worker opened when its thread exits, so closing needs no more than this.
    if (msg.type === 'close') process.exit(0);
    let result: unknown;
    try {
      result = await run(msg.chunk);
    } catch (e) {
      port.postMessage({ type: 'error', pos: msg.pos, error: serializeError(e) } satisfies FromWorker);
      return;
    }
    try {
      postResult(port, msg.pos, result, transfer);
    } catch (e) {
      const why = `its result cannot be sent to the main thread (${(e as Error).message}); return typed arrays, numbers, strings and plain objects`;
      port.postMessage({ type: 'error', pos: msg.pos, error: { name: 'DataCloneError', message: why } } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

function isWorkerSetup(d: unknown): d is WorkerSetup {
  return typeof d === 'object' && d !== null && (d as { kind?: unknown }).kind === WORKER_KIND;
}

if (!isMainThread && parentPort && isWorkerSetup(workerData)) void serve(parentPort, workerData);

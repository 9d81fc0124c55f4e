/**
 * Clustering of every peak channel's group (recursiveSplit) on the worker pool. The groups are
 * independent and recursiveSplit draws no random numbers, so each group is one task and its labels
 * come back in group order: the clusters do not depend on `jobs`. The features and time keys travel in
 * shared memory (no copy per worker thread).
 */
import type { Recording } from '../core/recording.js';
import type { TraceChunk } from '../exec/chunks.js';
import { runChunks } from '../exec/executor.js';
import type { Reporter } from '../exec/reporter.js';
import { recursiveSplit, type SplitOptions } from './clustering.js';

/** The groups to split: per group, count × featureDim features and one increasing time key per row. */
export interface SplitGroups {
  features: Float32Array[];
  featureDim: number;
  times: Float64Array[];
}

interface SplitTaskArgs extends SplitGroups {
  opts: SplitOptions;
}

/** One increasing key per spike over all segments (segment first): only the order of times matters to the time-course test. */
export function spikeTimeKeys(segment: Int32Array, sample: Float64Array): Float64Array {
  return Float64Array.from(sample, (t, i) => segment[i] * 2 ** 44 + t);
}

/** Peaks (over all groups) from which clustering goes to the worker threads. */
export const MIN_ROWS_FOR_WORKERS = 20_000;

/**
 * recursiveSplit(features[g], featureDim, opts, times[g]) for every group g, handed to `onLabels` in group
 * order. With one job the groups run on this thread and nothing is copied.
 */
export async function splitGroups(
  recording: Recording,
  groups: SplitGroups,
  opts: SplitOptions,
  run: { jobs?: number; reporter?: Reporter; onLabels: (group: number, labels: Int32Array) => void; minRowsForWorkers?: number },
): Promise<void> {
  const n = groups.features.length;
  const rows = groups.times.reduce((a, t) => a + t.length, 0);
  // Starting worker threads costs about 0.1 s: fewer peaks than this cluster faster on this thread.
  const jobs = rows < (run.minRowsForWorkers ?? MIN_ROWS_FOR_WORKERS) ? 1 : run.jobs;
  const shared = jobs !== 1 && n > 1;
  const args: SplitTaskArgs = {
    features: shared ? sharedCopies(groups.features, Float32Array) : groups.features,
    featureDim: groups.featureDim,
    times: shared ? sharedCopies(groups.times, Float64Array) : groups.times,
    opts,
  };
  await runChunks<Int32Array>({
    recording,
    label: 'cluster',
    // A group's chunk spans no samples: its rows travel in args, and the chunk's index names the group.
    chunks: Array.from({ length: n }, (_, index) => ({ segment: 0, start: 0, end: 0, index })),
    jobs,
    reporter: run.reporter,
    task: { module: import.meta.url, exportName: 'splitGroupTask', init: null, args },
    onResult: (chunk, labels) => run.onLabels(chunk.index, labels),
  });
}

/** runChunks task (any thread): one group's cluster labels. */
export function splitGroupTask(_recording: Recording, chunk: TraceChunk, args: SplitTaskArgs): Int32Array {
  const g = chunk.index;
  return recursiveSplit(args.features[g], args.featureDim, args.opts, args.times[g]);
}

/** Copies of `arrays` as consecutive views of one SharedArrayBuffer (worker threads share it instead of each receiving a copy). */
function sharedCopies<T extends Float32Array | Float64Array>(arrays: T[], Type: { new (buffer: SharedArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }): T[] {
  const total = arrays.reduce((a, x) => a + x.length, 0);
  const buffer = new SharedArrayBuffer(total * Type.BYTES_PER_ELEMENT);
  let offset = 0;
  return arrays.map((x) => {
    const view = new Type(buffer, offset * Type.BYTES_PER_ELEMENT, x.length);
    view.set(x);
    offset += x.length;
    return view;
  });
}

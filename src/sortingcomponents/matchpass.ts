/** The matching pass: every chunk (with margins) is peeled with the templates; results are concatenated in time order. */
import type { Recording } from '../core/recording.js';
import type { TraceChunk } from '../exec/chunks.js';
import { runChunks } from '../exec/executor.js';
import type { Reporter } from '../exec/reporter.js';
import { MatchOptions, MatchTemplate, MatchedSpikes, matchWindow, placeTemplates, templateFloats } from './matching.js';
import { getKernels } from '../kernels/registry.js';
import { NormalizedSource, readNormalized } from './traces.js';
import { float32RowsInMemory, type Float32Rows } from '../exec/spill.js';

export interface MatchedRecording {
  segment: Int32Array;
  sample: Float64Array;
  unit: Int32Array;
  amplitude: Float32Array;
  x: Float32Array;
  y: Float32Array;
  /** One row of numComponents × pcChannels per spike; the caller disposes them. */
  pcFeatures: Float32Rows;
}

/**
 * Where the matching pass puts per-spike PC features (the largest per-spike array: 192 bytes a
 * spike), appended chunk by chunk in chunk order; collect() returns them all as one array, rows() as rows.
 */
export interface Float32Sink {
  append(values: Float32Array): void;
  /** Values appended so far. */
  readonly length: number;
  /** Everything appended, in order; the sink is spent afterwards. */
  collect(): Float32Array;
  /** Everything appended, as rows read on demand; the sink is spent afterwards and the rows own its storage. */
  rows(rowLength: number): Float32Rows;
}

/** A Float32Sink in memory: its pieces and their concatenation coexist for a moment in collect(). */
export function memoryFloat32Sink(): Float32Sink {
  let parts: Float32Array[] = [];
  let length = 0;
  const collect = (): Float32Array => {
    const out = new Float32Array(length);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    parts = [];
    return out;
  };
  return {
    get length() {
      return length;
    },
    append(values) {
      parts.push(values);
      length += values.length;
    },
    collect,
    rows: (rowLength) => float32RowsInMemory(collect(), rowLength),
  };
}

interface MatchTaskArgs {
  scale: Float32Array;
  templates: MatchTemplate[];
  opts: MatchOptions;
}

/** residentFloat32 slots of the matching pass. */
const RESIDUAL_SLOT = 0x6d61;
const TEMPLATES_SLOT = 0x6d62;
const VARIANCE_SLOT = 0x6d63;

/** Samples read on each side of a matching chunk. */
export function matchMargin(opts: MatchOptions): number {
  return 3 * (opts.length + opts.maxShift + 2);
}

/** runChunks task (any thread): peels one chunk and reports the spikes whose time falls inside it. */
export function matchChunkTask(recording: Recording, chunk: TraceChunk, args: MatchTaskArgs): { m: MatchedSpikes; framesRead: number } {
  const margin = matchMargin(args.opts);
  // With kernels that have their own memory (WASM), the residual window and the templates live there for the
  // whole chunk: the kernels read them in place instead of copying them in for every fit.
  const resident = getKernels().residentFloat32;
  let templates = args.templates;
  const into = resident
    ? (length: number): Float32Array => {
        // Reserving a slot may grow memory, which detaches every view of it: all are reserved before any is used.
        resident(TEMPLATES_SLOT, templateFloats(args.templates));
        resident(RESIDUAL_SLOT, length);
        resident(VARIANCE_SLOT, length);
        templates = placeTemplates(args.templates, (n) => resident(TEMPLATES_SLOT, n));
        return resident(RESIDUAL_SLOT, length);
      }
    : undefined;
  // The residual variance sits beside the residual, so that subtractions update both in place.
  const varianceBuffer = resident ? (length: number) => resident(VARIANCE_SLOT, length) : undefined;
  const win = readNormalized({ recording, scale: args.scale }, chunk.segment, chunk.start, chunk.end, margin, into);
  const m = matchWindow(win.data, win.numSamples, win.numChannels, win.firstSample, margin, margin + (chunk.end - chunk.start), templates, args.opts, varianceBuffer);
  // Matching's kernel calls need little scratch, so memory never grows under the views; were it to, their
  // reads would have been garbage: fail rather than report them.
  if (win.data.buffer.byteLength === 0 || (templates[0]?.data.buffer.byteLength ?? 1) === 0) {
    throw new Error('template matching: the kernels\' memory grew during a chunk and detached its resident buffers; run with SPIKEFORGE_KERNELS=ts and report this');
  }
  return { m, framesRead: win.framesRead };
}

/**
 * The matching pass on `jobs` threads (default: all cores); chunks are concatenated in order, so the
 * output does not depend on jobs. PC features go to `pcSink` as chunks arrive and come back as
 * its rows (a spill file keeps them out of memory).
 */
export async function matchRecording(src: NormalizedSource, templates: MatchTemplate[], opts: MatchOptions, chunkSamples: number, reporter: Reporter, jobs?: number, pcSink: Float32Sink = memoryFloat32Sink()): Promise<MatchedRecording> {
  const parts: { seg: number; m: Omit<MatchedSpikes, 'pcFeatures'> }[] = [];
  if (templates.length) {
    await runChunks<{ m: MatchedSpikes; framesRead: number }>({
      recording: src.recording,
      label: 'template matching',
      chunkSize: chunkSamples,
      jobs,
      reporter,
      task: { module: import.meta.url, exportName: 'matchChunkTask', init: null, args: { scale: src.scale, templates, opts } satisfies MatchTaskArgs },
      onResult: (chunk, r) => {
        if (src.counter) {
          src.counter.frames += r.framesRead;
          src.counter.reads++;
        }
        const { pcFeatures, ...rest } = r.m;
        pcSink.append(pcFeatures);
        parts.push({ seg: chunk.segment, m: rest });
      },
    });
  }
  const cat = <T extends Float64Array | Float32Array | Int32Array>(pick: (m: Omit<MatchedSpikes, 'pcFeatures'>) => T, make: (n: number) => T): T => {
    const out = make(parts.reduce((a, p) => a + pick(p.m).length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(pick(p.m) as never, o);
      o += pick(p.m).length;
    }
    return out;
  };
  const segment = new Int32Array(parts.reduce((a, p) => a + p.m.sample.length, 0));
  let o = 0;
  for (const p of parts) {
    segment.fill(p.seg, o, o + p.m.sample.length);
    o += p.m.sample.length;
  }
  return {
    segment,
    sample: cat((m) => m.sample, (n) => new Float64Array(n)),
    unit: cat((m) => m.unit, (n) => new Int32Array(n)),
    amplitude: cat((m) => m.amplitude, (n) => new Float32Array(n)),
    x: cat((m) => m.x, (n) => new Float32Array(n)),
    y: cat((m) => m.y, (n) => new Float32Array(n)),
    pcFeatures: pcSink.rows(opts.basis.numComponents * opts.pcChannels),
  };
}

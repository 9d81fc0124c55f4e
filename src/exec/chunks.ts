/**
 * Chunk planning: how a recording is cut into [start, end) windows for the executor.
 * Pure scheduling; margins around chunks belong to the stages (preprocessing) that need them.
 */
import { DTYPE_BYTES } from '../core/dtypes.js';
import type { Recording } from '../core/recording.js';

/** One window of one segment; `index` is its position in the run (results are delivered in this order). */
export interface TraceChunk {
  segment: number;
  start: number;
  end: number;
  index: number;
}

export interface MakeChunksOptions {
  /** Samples per chunk. Takes precedence over chunkDurationS. */
  chunkSize?: number;
  /** Seconds per chunk (default 1 s). */
  chunkDurationS?: number;
  /** Segments to cover, in this order (default: all). */
  segments?: number[];
}

export const DEFAULT_CHUNK_DURATION_S = 1;

type ChunkedShape = Pick<Recording, 'samplingFrequency' | 'numSegments' | 'getNumSamples'>;

/** Samples per chunk for the given options, validated. */
export function resolveChunkSize(rec: Pick<Recording, 'samplingFrequency'>, opts: MakeChunksOptions = {}): number {
  if (opts.chunkSize !== undefined) {
    if (!Number.isInteger(opts.chunkSize) || opts.chunkSize < 1) {
      throw new Error(`chunk size must be a positive whole number of samples, got ${opts.chunkSize}: check --chunk-size`);
    }
    return opts.chunkSize;
  }
  const seconds = opts.chunkDurationS ?? DEFAULT_CHUNK_DURATION_S;
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new Error(`chunk duration must be a positive number of seconds, got ${seconds}: check --chunk-duration`);
  }
  return Math.max(1, Math.round(seconds * rec.samplingFrequency));
}

/**
 * Cuts every requested segment into consecutive chunks of `chunkSize` samples (the last one of a
 * segment may be shorter). Together the chunks cover each segment exactly once; empty segments
 * contribute none.
 */
export function makeChunks(rec: ChunkedShape, opts: MakeChunksOptions = {}): TraceChunk[] {
  const size = resolveChunkSize(rec, opts);
  const segments = opts.segments ?? Array.from({ length: rec.numSegments }, (_, s) => s);
  const seen = new Set<number>();
  const chunks: TraceChunk[] = [];
  for (const segment of segments) {
    if (!Number.isInteger(segment) || segment < 0 || segment >= rec.numSegments) {
      throw new Error(`segment ${segment} does not exist (the recording has ${rec.numSegments}): check the segment list`);
    }
    if (seen.has(segment)) throw new Error(`segment ${segment} is listed twice: each segment is processed once`);
    seen.add(segment);
    const n = rec.getNumSamples(segment);
    for (let start = 0; start < n; start += size) {
      chunks.push({ segment, start, end: Math.min(n, start + size), index: chunks.length });
    }
  }
  return chunks;
}

export interface ChunkMemoryOptions {
  /**
   * Bytes held per sample frame (all channels) while one chunk is processed. Default: channels ×
   * the recording's dtype size, as SpikeInterface's chunk_memory; stages that keep float32 copies
   * should pass their own figure (e.g. channels × 4 × copies).
   */
  bytesPerFrame?: number;
}

/** The largest chunk size (samples) whose traces fit in `bytesPerJob` bytes for one job. */
export function chunkSizeForMemory(rec: Pick<Recording, 'numChannels' | 'dtype'>, bytesPerJob: number, opts: ChunkMemoryOptions = {}): number {
  const frame = opts.bytesPerFrame ?? rec.numChannels * DTYPE_BYTES[rec.dtype];
  if (!(frame > 0) || !Number.isFinite(frame)) throw new Error(`bytes per frame must be positive, got ${frame}`);
  if (!(bytesPerJob > 0) || !Number.isFinite(bytesPerJob)) {
    throw new Error(`chunk memory must be a positive number of bytes, got ${bytesPerJob}: check --chunk-memory`);
  }
  const size = Math.floor(bytesPerJob / frame);
  if (size < 1) {
    throw new Error(
      `chunk memory of ${bytesPerJob} bytes is smaller than one sample frame (${frame} bytes for ${rec.numChannels} channels): raise --chunk-memory`,
    );
  }
  return size;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, kib: 1024,
  m: 1e6, mb: 1e6, mib: 1024 ** 2,
  g: 1e9, gb: 1e9, gib: 1024 ** 3,
};

/** Parses sizes as SpikeInterface writes them ('500M', '1G', '64MiB', '2e6') into bytes. */
export function parseMemorySize(text: string, where = 'memory size'): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? MEMORY_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new Error(`${where}: cannot read '${text}' as a size; write a number of bytes with an optional unit, e.g. 500M, 1G or 256MiB`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new Error(`${where}: '${text}' is not a positive size`);
  return bytes;
}

/**
 * Reproducible random chunks of a recording, for statistics estimated from a sample of the data
 * (noise levels, whitening covariance, bad channels). Chunks do not overlap and are returned in file
 * order so reading them is sequential.
 */
import type { Recording } from '../core/recording.js';
import { mulberry32 } from '../core/random.js';

export interface RandomChunkOptions {
  /** Chunks per segment (default 20). */
  numChunks?: number;
  /** Samples per chunk (default 10000). */
  chunkSize?: number;
  seed?: number;
}

export interface ChunkWindow {
  segment: number;
  start: number;
  end: number;
}

/** Uniform [0, 1) stream; the seed is mixed so that nearby seeds give unrelated chunk choices. */
function seededRandom(seed: number): () => number {
  return mulberry32(Math.floor(seed) ^ 0x9e3779b9);
}

export function randomChunkWindows(rec: Recording, opts: RandomChunkOptions = {}): ChunkWindow[] {
  const numChunks = opts.numChunks ?? 20;
  const chunkSize = opts.chunkSize ?? 10000;
  if (!Number.isInteger(numChunks) || numChunks < 1) throw new Error(`numChunks must be a positive integer, got ${numChunks}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
  const rand = seededRandom(opts.seed ?? 0);
  const out: ChunkWindow[] = [];
  for (let segment = 0; segment < rec.numSegments; segment++) {
    const ns = rec.getNumSamples(segment);
    if (ns === 0) continue;
    if (ns <= chunkSize) {
      out.push({ segment, start: 0, end: ns });
      continue;
    }
    // Pick distinct slots of a grid of chunk-sized slots, each shifted by a random offset within the slack.
    const slots = Math.floor(ns / chunkSize);
    const slack = ns - slots * chunkSize;
    const order = Array.from({ length: slots }, (_, i) => i);
    for (let i = slots - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const shift = Math.floor(rand() * (slack + 1));
    for (const s of order.slice(0, numChunks).sort((a, b) => a - b)) {
      out.push({ segment, start: s * chunkSize + shift, end: s * chunkSize + shift + chunkSize });
    }
  }
  return out;
}

/** The chunks' scaled traces (float32 µV) one after another, time-major, and their total length. */
export function randomChunkTraces(
  rec: Recording, opts: RandomChunkOptions = {}, channels?: ArrayLike<number>,
): { traces: Float32Array; numSamples: number; windows: ChunkWindow[] } {
  const windows = randomChunkWindows(rec, opts);
  const nc = channels ? channels.length : rec.numChannels;
  const numSamples = windows.reduce((s, w) => s + w.end - w.start, 0);
  const traces = new Float32Array(numSamples * nc);
  let o = 0;
  for (const w of windows) {
    const part = rec.getTraces({ ...w, channels, scaled: true });
    traces.set(part, o);
    o += part.length;
  }
  return { traces, numSamples, windows };
}

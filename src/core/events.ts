/**
 * Events: timestamped, labelled occurrences per segment (TTL pulses, stimuli, trial starts), like
 * SpikeInterface's BaseEvent. Times are in seconds; an optional duration makes an event an epoch.
 */
import { lowerBound } from './search.js';

export interface EventArrays {
  /** Seconds, any order (stored sorted). */
  times: ArrayLike<number>;
  labels?: ArrayLike<string> | string;
  /** Seconds; default 0 (instantaneous). */
  durations?: ArrayLike<number>;
}

export interface EventSelection {
  label?: string;
  /** [startS, endS): events whose time lies in it. */
  startS?: number;
  endS?: number;
}

export interface EventSegment {
  times: Float64Array;
  labels: string[];
  durations: Float64Array;
}

export class Events {
  private readonly segments: EventSegment[];

  /** One EventArrays per segment. */
  constructor(segments: EventArrays[], readonly name = 'events') {
    if (segments.length === 0) throw new Error(`${name}: events need at least one segment`);
    this.segments = segments.map((s, i) => normalise(s, `${name}, segment ${i}`));
  }

  get numSegments(): number {
    return this.segments.length;
  }

  /** Distinct labels over all segments, sorted. */
  get labels(): string[] {
    return [...new Set(this.segments.flatMap((s) => s.labels))].sort();
  }

  count(segment = 0): number {
    return this.segment(segment).times.length;
  }

  /** Events of one segment, optionally of one label and within [startS, endS), in time order. */
  select(segment = 0, sel: EventSelection = {}): EventSegment {
    const s = this.segment(segment);
    const a = sel.startS === undefined ? 0 : lowerBound(s.times, sel.startS);
    const b = sel.endS === undefined ? s.times.length : lowerBound(s.times, sel.endS);
    const keep: number[] = [];
    for (let i = a; i < b; i++) if (sel.label === undefined || s.labels[i] === sel.label) keep.push(i);
    return {
      times: Float64Array.from(keep, (i) => s.times[i]),
      labels: keep.map((i) => s.labels[i]),
      durations: Float64Array.from(keep, (i) => s.durations[i]),
    };
  }

  /** Event times converted to sample indices of a recording segment starting at tStart (s). */
  toSamples(segment: number, samplingFrequency: number, tStart = 0, sel: EventSelection = {}): Float64Array {
    return Float64Array.from(this.select(segment, sel).times, (t) => Math.round((t - tStart) * samplingFrequency));
  }

  private segment(i: number): EventSegment {
    if (!Number.isInteger(i) || i < 0 || i >= this.segments.length) {
      throw new Error(`${this.name}: segment ${i} does not exist (there are ${this.segments.length})`);
    }
    return this.segments[i];
  }
}

function normalise(s: EventArrays, where: string): EventSegment {
  const n = s.times.length;
  const labels = typeof s.labels === 'string' || s.labels === undefined ? new Array<string>(n).fill(s.labels ?? '') : Array.from(s.labels);
  const durations = s.durations ? Float64Array.from(s.durations) : new Float64Array(n);
  if (labels.length !== n) throw new Error(`${where}: ${labels.length} labels for ${n} times`);
  if (durations.length !== n) throw new Error(`${where}: ${durations.length} durations for ${n} times`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.times[i])) throw new Error(`${where}: event ${i} has time ${s.times[i]}; times must be finite seconds`);
    if (!(durations[i] >= 0)) throw new Error(`${where}: event ${i} has duration ${durations[i]}; durations must be ≥ 0`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s.times[a] - s.times[b] || a - b);
  return {
    times: Float64Array.from(order, (i) => s.times[i]),
    labels: order.map((i) => labels[i]),
    durations: Float64Array.from(order, (i) => durations[i]),
  };
}

/**
 * Sorting: spike trains of units over one or more segments (SpikeInterface's BaseSorting).
 * Stored as one "spike vector" sorted by (segment, sample, unit): compact, and every per-unit
 * train is a filtered view computed on demand. Sample indices are float64 (exact to 2^53).
 */
import { NumericArray } from './dtypes.js';
import type { Recording } from './recording.js';
import { lowerBound } from './search.js';

export type UnitPropertyValues = NumericArray | unknown[];

export interface SpikeVector {
  sample: Float64Array;
  unit: Int32Array;
  segment: Int32Array;
}

export interface SortingInit {
  samplingFrequency: number;
  unitIds: string[];
  numSegments?: number;
  /** Segment lengths in samples, when known (needed for frame slicing and concatenation). */
  numSamples?: number[] | null;
  properties?: Map<string, UnitPropertyValues>;
  annotations?: Record<string, unknown>;
}

export class Sorting {
  readonly samplingFrequency: number;
  readonly unitIds: readonly string[];
  readonly numSegments: number;
  readonly numSamples: number[] | null;
  readonly properties: Map<string, UnitPropertyValues>;
  readonly annotations: Record<string, unknown>;
  readonly spikes: SpikeVector;
  private registered: Recording | null = null;
  private trainCache: Map<number, Float64Array>[] | null = null;

  constructor(spikes: SpikeVector, init: SortingInit) {
    if (!(init.samplingFrequency > 0)) throw new Error(`sampling frequency must be positive, got ${init.samplingFrequency}`);
    if (new Set(init.unitIds).size !== init.unitIds.length) throw new Error('unit ids must be unique');
    const n = spikes.sample.length;
    if (spikes.unit.length !== n || spikes.segment.length !== n) throw new Error('spike vector arrays differ in length');
    this.samplingFrequency = init.samplingFrequency;
    this.unitIds = Object.freeze([...init.unitIds]);
    this.numSegments = init.numSegments ?? (init.numSamples?.length ?? 1);
    this.numSamples = init.numSamples ? [...init.numSamples] : null;
    this.properties = new Map(init.properties ?? []);
    this.annotations = { ...(init.annotations ?? {}) };
    for (let i = 0; i < n; i++) {
      const u = spikes.unit[i];
      const s = spikes.segment[i];
      if (u < 0 || u >= this.unitIds.length) throw new Error(`spike ${i} has unit index ${u}, outside 0..${this.unitIds.length - 1}`);
      if (s < 0 || s >= this.numSegments) throw new Error(`spike ${i} is in segment ${s}, but the sorting has ${this.numSegments}`);
      if (!Number.isFinite(spikes.sample[i])) throw new Error(`spike ${i} has a non-finite sample index`);
    }
    this.spikes = sortSpikeVector(spikes);
  }

  /** A sorting from per-unit trains; trains[segment][unitIndex] holds sample indices. */
  static fromTrains(trains: ArrayLike<number>[][], init: SortingInit): Sorting {
    const sample: number[] = [];
    const unit: number[] = [];
    const segment: number[] = [];
    trains.forEach((seg, s) =>
      seg.forEach((tr, u) => {
        for (let i = 0; i < tr.length; i++) {
          sample.push(tr[i]);
          unit.push(u);
          segment.push(s);
        }
      }),
    );
    return new Sorting(
      { sample: Float64Array.from(sample), unit: Int32Array.from(unit), segment: Int32Array.from(segment) },
      { numSegments: trains.length, ...init },
    );
  }

  /** A single-segment sorting from parallel arrays of spike samples and labels (any label values). */
  static fromTimesLabels(times: ArrayLike<number>, labels: ArrayLike<number | string>, samplingFrequency: number, extra: Partial<SortingInit> = {}): Sorting {
    if (times.length !== labels.length) throw new Error(`${times.length} spike times but ${labels.length} labels`);
    const ids = extra.unitIds ?? [...new Set(Array.from(labels, String))].sort(naturalCompare);
    const index = new Map(ids.map((id, i) => [id, i]));
    const unit = Int32Array.from(labels, (l) => {
      const i = index.get(String(l));
      if (i === undefined) throw new Error(`label '${l}' is not among the unit ids`);
      return i;
    });
    return new Sorting(
      { sample: Float64Array.from(times), unit, segment: new Int32Array(times.length) },
      { samplingFrequency, ...extra, unitIds: ids },
    );
  }

  get numUnits(): number {
    return this.unitIds.length;
  }

  get numSpikes(): number {
    return this.spikes.sample.length;
  }

  unitIndex(unitId: string): number {
    const i = this.unitIds.indexOf(unitId);
    if (i < 0) throw new Error(`unknown unit id '${unitId}'`);
    return i;
  }

  /** Spike samples of one unit in one segment, ascending; optionally restricted to [start, end). */
  getUnitSpikeTrain(unit: number | string, segment = 0, start?: number, end?: number): Float64Array {
    const u = typeof unit === 'string' ? this.unitIndex(unit) : unit;
    if (segment < 0 || segment >= this.numSegments) throw new Error(`segment ${segment} does not exist`);
    if (!this.trainCache) this.buildTrainCache();
    const tr = this.trainCache![segment].get(u) ?? new Float64Array(0);
    if (start === undefined && end === undefined) return tr;
    const a = start === undefined ? 0 : lowerBound(tr, start);
    const b = end === undefined ? tr.length : lowerBound(tr, end);
    return tr.subarray(a, b);
  }

  /** Spike times in seconds, using a registered recording's time vector when there is one. */
  getUnitSpikeTrainSeconds(unit: number | string, segment = 0): Float64Array {
    const tr = this.getUnitSpikeTrain(unit, segment);
    if (this.registered) {
      const times = this.registered.getSegmentTime(segment);
      if (times.timestamps) return Float64Array.from(tr, (s) => times.timestamps![s]);
      return Float64Array.from(tr, (s) => times.tStart + s / this.samplingFrequency);
    }
    return Float64Array.from(tr, (s) => s / this.samplingFrequency);
  }

  /** Number of spikes per unit over all segments. */
  countSpikes(): Int32Array {
    const c = new Int32Array(this.numUnits);
    for (const u of this.spikes.unit) c[u]++;
    return c;
  }

  registerRecording(rec: Recording): void {
    if (rec.samplingFrequency !== this.samplingFrequency) {
      throw new Error(`cannot register a recording at ${rec.samplingFrequency} Hz with a sorting at ${this.samplingFrequency} Hz`);
    }
    if (rec.numSegments !== this.numSegments) {
      throw new Error(`the recording has ${rec.numSegments} segments, the sorting ${this.numSegments}`);
    }
    this.registered = rec;
  }

  get recording(): Recording | null {
    return this.registered;
  }

  selectUnits(unitIds: readonly string[], renamed?: string[]): Sorting {
    const old = Int32Array.from(unitIds, (id) => this.unitIndex(id));
    const map = new Int32Array(this.numUnits).fill(-1);
    old.forEach((o, i) => (map[o] = i));
    const keep: number[] = [];
    for (let i = 0; i < this.numSpikes; i++) if (map[this.spikes.unit[i]] >= 0) keep.push(i);
    const props = new Map<string, UnitPropertyValues>();
    for (const [k, v] of this.properties) props.set(k, pickRows(v, old, this.numUnits));
    return new Sorting(
      {
        sample: Float64Array.from(keep, (i) => this.spikes.sample[i]),
        unit: Int32Array.from(keep, (i) => map[this.spikes.unit[i]]),
        segment: Int32Array.from(keep, (i) => this.spikes.segment[i]),
      },
      { ...this.initCopy(), unitIds: renamed ?? [...unitIds], properties: props },
    );
  }

  removeUnits(unitIds: readonly string[]): Sorting {
    const drop = new Set(unitIds);
    return this.selectUnits(this.unitIds.filter((u) => !drop.has(u)));
  }

  /** Spikes in [start, end) of a mono-segment sorting, re-timed to start at 0. */
  frameSlice(start: number, end: number): Sorting {
    if (this.numSegments !== 1) throw new Error('frame slicing needs a mono-segment sorting');
    const keep: number[] = [];
    for (let i = 0; i < this.numSpikes; i++) {
      const s = this.spikes.sample[i];
      if (s >= start && s < end) keep.push(i);
    }
    return new Sorting(
      {
        sample: Float64Array.from(keep, (i) => this.spikes.sample[i] - start),
        unit: Int32Array.from(keep, (i) => this.spikes.unit[i]),
        segment: new Int32Array(keep.length),
      },
      { ...this.initCopy(), numSamples: [end - start] },
    );
  }

  /**
   * Splits a mono-segment sorting into segments at the given boundaries (e.g. the piece offsets of a
   * ConcatenateRecording), the inverse of concatenation.
   */
  splitSegments(boundaries: number[], numSamples?: number[]): Sorting {
    if (this.numSegments !== 1) throw new Error('splitSegments needs a mono-segment sorting');
    const b = [...boundaries];
    const seg = new Int32Array(this.numSpikes);
    const sample = new Float64Array(this.numSpikes);
    for (let i = 0; i < this.numSpikes; i++) {
      const t = this.spikes.sample[i];
      let s = 0;
      while (s + 1 < b.length && t >= b[s + 1]) s++;
      seg[i] = s;
      sample[i] = t - b[s];
    }
    return new Sorting(
      { sample, unit: Int32Array.from(this.spikes.unit), segment: seg },
      { ...this.initCopy(), numSegments: b.length, numSamples: numSamples ?? null },
    );
  }

  /** Joins the segments end to end into one segment; segment lengths must be known. */
  concatenateSegments(numSamples: number[] | null = this.numSamples): Sorting {
    if (!numSamples || numSamples.length !== this.numSegments) {
      throw new Error('concatenating segments needs the length of every segment: register a recording or pass numSamples');
    }
    const offsets = numSamples.map((_, i) => numSamples.slice(0, i).reduce((a, b) => a + b, 0));
    return new Sorting(
      {
        sample: Float64Array.from(this.spikes.sample, (t, i) => t + offsets[this.spikes.segment[i]]),
        unit: Int32Array.from(this.spikes.unit),
        segment: new Int32Array(this.numSpikes),
      },
      { ...this.initCopy(), numSegments: 1, numSamples: [numSamples.reduce((a, b) => a + b, 0)] },
    );
  }

  private initCopy(): SortingInit {
    return {
      samplingFrequency: this.samplingFrequency,
      unitIds: [...this.unitIds],
      numSegments: this.numSegments,
      numSamples: this.numSamples,
      properties: new Map(this.properties),
      annotations: { ...this.annotations },
    };
  }

  private buildTrainCache(): void {
    const cache: Map<number, number[]>[] = Array.from({ length: this.numSegments }, () => new Map());
    const { sample, unit, segment } = this.spikes;
    for (let i = 0; i < sample.length; i++) {
      const m = cache[segment[i]];
      let a = m.get(unit[i]);
      if (!a) m.set(unit[i], (a = []));
      a.push(sample[i]);
    }
    this.trainCache = cache.map((m) => new Map([...m].map(([u, a]) => [u, Float64Array.from(a)])));
  }
}

/** Units of several sortings (same rate and segments) side by side; unit ids are prefixed when they clash. */
export function aggregateUnits(sortings: Sorting[]): Sorting {
  if (sortings.length === 0) throw new Error('aggregate units: no sortings given');
  const s0 = sortings[0];
  for (const [i, s] of sortings.entries()) {
    if (s.samplingFrequency !== s0.samplingFrequency) throw new Error(`aggregate units: sorting ${i} has a different sampling frequency`);
    if (s.numSegments !== s0.numSegments) throw new Error(`aggregate units: sorting ${i} has a different number of segments`);
  }
  const all = sortings.flatMap((s) => [...s.unitIds]);
  const clash = new Set(all).size !== all.length;
  const ids = sortings.flatMap((s, i) => s.unitIds.map((u) => (clash ? `${i}-${u}` : u)));
  let off = 0;
  const parts = sortings.map((s) => {
    const p = { sample: s.spikes.sample, unit: s.spikes.unit.map((u) => u + off), segment: s.spikes.segment };
    off += s.numUnits;
    return p;
  });
  const props = new Map<string, UnitPropertyValues>();
  for (const key of s0.properties.keys()) {
    if (sortings.every((s) => s.properties.get(key)?.length === s.numUnits)) {
      props.set(key, sortings.flatMap((s) => Array.from(s.properties.get(key) as ArrayLike<unknown>)));
    }
  }
  return new Sorting(
    {
      sample: concatF64(parts.map((p) => p.sample)),
      unit: Int32Array.from(parts.flatMap((p) => Array.from(p.unit))),
      segment: Int32Array.from(parts.flatMap((p) => Array.from(p.segment))),
    },
    { samplingFrequency: s0.samplingFrequency, unitIds: ids, numSegments: s0.numSegments, numSamples: s0.numSamples, properties: props },
  );
}

function concatF64(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sortSpikeVector(v: SpikeVector): SpikeVector {
  const n = v.sample.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    sorted = compare(v, i - 1, i) <= 0;
  }
  if (sorted) return { sample: Float64Array.from(v.sample), unit: Int32Array.from(v.unit), segment: Int32Array.from(v.segment) };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compare(v, a, b));
  return {
    sample: Float64Array.from(order, (i) => v.sample[i]),
    unit: Int32Array.from(order, (i) => v.unit[i]),
    segment: Int32Array.from(order, (i) => v.segment[i]),
  };
}

function compare(v: SpikeVector, a: number, b: number): number {
  return v.segment[a] - v.segment[b] || v.sample[a] - v.sample[b] || v.unit[a] - v.unit[b];
}

function pickRows(v: UnitPropertyValues, rows: Int32Array, n: number): UnitPropertyValues {
  if (v.length !== n) return v;
  if (Array.isArray(v)) return Array.from(rows, (r) => v[r]);
  const arr = v as NumericArray;
  const out = new (arr.constructor as new (k: number) => NumericArray)(rows.length);
  rows.forEach((r, i) => (out[i] = arr[r]));
  return out;
}

/** Orders '2' before '10' and numbers before other names. */
export function naturalCompare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  const fa = a.trim() !== '' && Number.isFinite(na);
  const fb = b.trim() !== '' && Number.isFinite(nb);
  if (fa && fb) return na - nb;
  if (fa) return -1;
  if (fb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Recordings built from other recordings or from memory: channel and frame slices, aggregation
 * across recordings, multi-segment append, mono-segment concatenation, segment selection.
 * All are lazy: they map a request onto their parents' getTraces.
 */
import { DType, NumericArray, allocArray, dtypeOf } from './dtypes.js';
import { Recording, RecordingInit, PropertyValues, SegmentTime, reviveInit } from './recording.js';
import type { RecordingSpec, SpecLoader } from './spec.js';

/** Spec of a recording whose args are its parents' specs plus plain values; null if a parent cannot travel. */
function derivedSpec(exportName: string, parents: Recording[], extra: Record<string, unknown>): RecordingSpec | null {
  const specs = parents.map((p) => p.toSpec());
  if (specs.some((s) => s === null)) return null;
  return { module: import.meta.url, exportName, args: { parents: specs, ...extra } };
}

interface DerivedArgs {
  parents: RecordingSpec[];
  [k: string]: unknown;
}

async function loadParents(args: unknown, load: SpecLoader): Promise<{ parents: Recording[]; a: DerivedArgs }> {
  const a = args as DerivedArgs;
  return { parents: await Promise.all(a.parents.map(load)), a };
}
import { Probe, ProbeGroup } from './probe.js';

/** A recording held in memory: one time-major typed array per segment. */
export class InMemoryRecording extends Recording {
  private readonly data: NumericArray[];

  constructor(
    data: NumericArray[],
    init: Omit<RecordingInit, 'dtype' | 'numSamples'> & { dtype?: DType },
  ) {
    const nc = init.channelIds.length;
    for (const [s, d] of data.entries()) {
      if (d.length % nc !== 0) throw new Error(`segment ${s}: ${d.length} values is not a multiple of ${nc} channels`);
    }
    super({ ...init, dtype: data.length ? dtypeOf(data[0]) : (init.dtype ?? 'float32'), numSamples: data.map((d) => d.length / nc) });
    this.data = data;
  }

  /** Convenience: one segment of float32 µV traces with channels '0'..'n-1'. */
  static fromArray(data: NumericArray, numChannels: number, samplingFrequency: number, extra: Partial<RecordingInit> = {}): InMemoryRecording {
    return new InMemoryRecording([data], {
      samplingFrequency,
      channelIds: Array.from({ length: numChannels }, (_, i) => String(i)),
      ...extra,
    });
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    return gatherChannels(this.data[segment], this.numChannels, start, end, channels);
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'InMemoryRecording', args: { data: this.data, init: this.baseInit() } };
  }

  static fromSpec(args: unknown): InMemoryRecording {
    const a = args as { data: NumericArray[]; init: RecordingInit };
    return new InMemoryRecording(a.data, reviveInit(a.init));
  }
}

/** Copies rows [start, end) and the given columns of a time-major array. */
export function gatherChannels(src: NumericArray, numChannels: number, start: number, end: number, channels: Int32Array): NumericArray {
  const nc = channels.length;
  const out = allocArray(dtypeOf(src), (end - start) * nc);
  let contiguous = nc === numChannels;
  for (let j = 0; contiguous && j < nc; j++) contiguous = channels[j] === j;
  if (contiguous) {
    out.set(src.subarray(start * numChannels, end * numChannels));
    return out;
  }
  for (let t = start, o = 0; t < end; t++) {
    const b = t * numChannels;
    for (let j = 0; j < nc; j++) out[o++] = src[b + channels[j]];
  }
  return out;
}

export class ChannelSliceRecording extends Recording {
  constructor(readonly parent: Recording, readonly parentChannels: Int32Array, renamedIds?: string[]) {
    super(parent.sliceInit(parentChannels, renamedIds ? { channelIds: renamedIds } : {}));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    return this.parent.getTraces({ segment, start, end, channels: channels.map((c) => this.parentChannels[c]) });
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('ChannelSliceRecording', [this.parent], { channels: Array.from(this.parentChannels), ids: [...this.channelIds] });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    const { parents, a } = await loadParents(args, load);
    return new ChannelSliceRecording(parents[0], Int32Array.from(a.channels as number[]), a.ids as string[]);
  }
}

export function selectChannels(rec: Recording, ids: readonly string[], renamedIds?: string[]): Recording {
  return new ChannelSliceRecording(rec, rec.idsToIndices(ids), renamedIds);
}

export function removeChannels(rec: Recording, ids: readonly string[]): Recording {
  const drop = new Set(rec.idsToIndices(ids));
  const keep = Int32Array.from(rec.channelIds.keys()).filter((c) => !drop.has(c));
  if (keep.length === 0) throw new Error('removing these channels would leave none');
  return new ChannelSliceRecording(rec, keep);
}

/** One recording per channel group (shank), keyed by group label. */
export function splitByGroup(rec: Recording, groups: string[] = rec.getChannelGroups()): Map<string, Recording> {
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, c) => {
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push(c);
  });
  const out = new Map<string, Recording>();
  for (const [g, chans] of byGroup) out.set(g, new ChannelSliceRecording(rec, Int32Array.from(chans)));
  return out;
}

export class FrameSliceRecording extends Recording {
  constructor(readonly parent: Recording, readonly startFrame: number, readonly endFrame: number) {
    if (parent.numSegments !== 1) throw new Error('frame slicing needs a mono-segment recording; select a segment first');
    const ns = parent.getNumSamples(0);
    if (!(0 <= startFrame && startFrame <= endFrame && endFrame <= ns)) {
      throw new Error(`frame slice [${startFrame}, ${endFrame}) is outside 0..${ns}`);
    }
    const t = parent.getSegmentTime(0);
    const time: SegmentTime = t.timestamps
      ? { tStart: t.timestamps[startFrame] ?? t.tStart, timestamps: t.timestamps.slice(startFrame, endFrame) }
      : { tStart: t.tStart + startFrame / parent.samplingFrequency, timestamps: null };
    super(parent.baseInit({ numSamples: [endFrame - startFrame], times: [time] }));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    return this.parent.getTraces({ segment, start: start + this.startFrame, end: end + this.startFrame, channels });
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('FrameSliceRecording', [this.parent], { start: this.startFrame, end: this.endFrame });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    const { parents, a } = await loadParents(args, load);
    return new FrameSliceRecording(parents[0], a.start as number, a.end as number);
  }
}

export function frameSlice(rec: Recording, start: number, end: number): Recording {
  return new FrameSliceRecording(rec, start, end);
}

export class SelectSegmentRecording extends Recording {
  constructor(readonly parent: Recording, readonly segments: number[]) {
    const numSamples = segments.map((s) => parent.getNumSamples(s));
    super(parent.baseInit({ numSamples, times: segments.map((s) => parent.getSegmentTime(s)) }));
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    return this.parent.getTraces({ segment: this.segments[segment], start, end, channels });
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('SelectSegmentRecording', [this.parent], { segments: this.segments });
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    const { parents, a } = await loadParents(args, load);
    return new SelectSegmentRecording(parents[0], a.segments as number[]);
  }
}

export function selectSegments(rec: Recording, segments: number[]): Recording {
  return new SelectSegmentRecording(rec, segments);
}

function checkCompatible(recs: Recording[], what: string, sameChannels: boolean): void {
  if (recs.length === 0) throw new Error(`${what}: no recordings given`);
  const r0 = recs[0];
  recs.forEach((r, i) => {
    if (r.samplingFrequency !== r0.samplingFrequency) {
      throw new Error(`${what}: recording ${i} is sampled at ${r.samplingFrequency} Hz, recording 0 at ${r0.samplingFrequency} Hz`);
    }
    if (r.dtype !== r0.dtype) throw new Error(`${what}: recording ${i} has dtype ${r.dtype}, recording 0 ${r0.dtype}`);
    if (sameChannels && r.channelIds.join('\u0000') !== r0.channelIds.join('\u0000')) {
      throw new Error(`${what}: recording ${i} has different channel ids from recording 0`);
    }
  });
}

/** Segments of several recordings (same channels) one after another as segments of one recording. */
export class AppendSegmentsRecording extends Recording {
  private readonly map: [Recording, number][];

  constructor(readonly parents: Recording[]) {
    checkCompatible(parents, 'append', true);
    const map: [Recording, number][] = [];
    for (const r of parents) for (let s = 0; s < r.numSegments; s++) map.push([r, s]);
    super(parents[0].baseInit({
      numSamples: map.map(([r, s]) => r.getNumSamples(s)),
      times: map.map(([r, s]) => r.getSegmentTime(s)),
    }));
    this.map = map;
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const [r, s] = this.map[segment];
    return r.getTraces({ segment: s, start, end, channels });
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('AppendSegmentsRecording', this.parents, {});
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    return new AppendSegmentsRecording((await loadParents(args, load)).parents);
  }
}

/** All segments of several recordings joined end to end into one segment. */
export class ConcatenateRecording extends Recording {
  private readonly pieces: { rec: Recording; segment: number; offset: number; length: number }[] = [];

  constructor(readonly parents: Recording[]) {
    checkCompatible(parents, 'concatenate', true);
    const pieces: { rec: Recording; segment: number; offset: number; length: number }[] = [];
    let total = 0;
    for (const r of parents) {
      for (let s = 0; s < r.numSegments; s++) {
        const n = r.getNumSamples(s);
        pieces.push({ rec: r, segment: s, offset: total, length: n });
        total += n;
      }
    }
    super(parents[0].baseInit({ numSamples: [total], times: [{ tStart: parents[0].getSegmentTime(0).tStart, timestamps: null }] }));
    this.pieces = pieces;
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('ConcatenateRecording', this.parents, {});
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    return new ConcatenateRecording((await loadParents(args, load)).parents);
  }

  /** Offset (samples) at which each parent segment begins in the concatenated segment. */
  get pieceOffsets(): number[] {
    return this.pieces.map((p) => p.offset);
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const nc = channels.length;
    const out = allocArray(this.dtype, (end - start) * nc);
    for (const p of this.pieces) {
      const a = Math.max(start, p.offset);
      const b = Math.min(end, p.offset + p.length);
      if (a >= b) continue;
      const part = p.rec.getTraces({ segment: p.segment, start: a - p.offset, end: b - p.offset, channels });
      out.set(part, (a - start) * nc);
    }
    return out;
  }
}

/** Channels of several recordings side by side (same length, rate and dtype). */
export class AggregateChannelsRecording extends Recording {
  private readonly owner: { rec: Recording; channel: number }[];

  constructor(readonly parents: Recording[]) {
    checkCompatible(parents, 'aggregate channels', false);
    const r0 = parents[0];
    parents.forEach((r, i) => {
      if (r.numSegments !== r0.numSegments) throw new Error(`aggregate channels: recording ${i} has ${r.numSegments} segments, recording 0 ${r0.numSegments}`);
      for (let s = 0; s < r.numSegments; s++) {
        if (r.getNumSamples(s) !== r0.getNumSamples(s)) throw new Error(`aggregate channels: recording ${i} segment ${s} has a different length`);
      }
    });
    const owner: { rec: Recording; channel: number }[] = [];
    const ids: string[] = [];
    const idsClash = new Set(parents.flatMap((r) => [...r.channelIds])).size !== parents.reduce((a, r) => a + r.numChannels, 0);
    parents.forEach((r, i) => r.channelIds.forEach((id, c) => {
      owner.push({ rec: r, channel: c });
      ids.push(idsClash ? `${i}-${id}` : id);
    }));
    const props = new Map<string, PropertyValues>();
    for (const key of r0.properties.keys()) {
      if (!parents.every((r) => r.properties.get(key)?.length === r.numChannels)) continue;
      props.set(key, parents.flatMap((r) => Array.from(r.properties.get(key) as ArrayLike<unknown>)));
    }
    if (!props.has('group')) props.set('group', parents.flatMap((r, i) => new Array(r.numChannels).fill(i)));
    let probe: ProbeGroup | null = null;
    if (parents.every((r) => r.probe)) {
      // Re-wire every parent's probes onto the aggregated channel numbering.
      let off = 0;
      const probes = parents.flatMap((r) => {
        const sliced = r.probe!.probes.map((p): Probe => {
          const geo = r.probe!.channelGeometry(r.numChannels);
          const wiring = new Int32Array(p.numContacts).fill(-1);
          for (let ch = 0; ch < r.numChannels; ch++) {
            if (geo.probeIndex[ch] >= 0 && r.probe!.probes[geo.probeIndex[ch]] === p) wiring[geo.contactIndex[ch]] = ch + off;
          }
          return p.withWiring(wiring);
        });
        off += r.numChannels;
        return sliced;
      });
      probe = new ProbeGroup(probes);
    }
    super({
      samplingFrequency: r0.samplingFrequency,
      channelIds: ids,
      dtype: r0.dtype,
      numSamples: Array.from({ length: r0.numSegments }, (_, s) => r0.getNumSamples(s)),
      gains: parents.flatMap((r) => Array.from(r.gains)),
      offsets: parents.flatMap((r) => Array.from(r.offsets)),
      probe,
      properties: props,
      annotations: { ...r0.annotations },
      times: Array.from({ length: r0.numSegments }, (_, s) => r0.getSegmentTime(s)),
    });
    this.owner = owner;
  }

  override toSpec(): RecordingSpec | null {
    return derivedSpec('AggregateChannelsRecording', this.parents, {});
  }

  static async fromSpec(args: unknown, load: SpecLoader): Promise<Recording> {
    return new AggregateChannelsRecording((await loadParents(args, load)).parents);
  }

  protected readRaw(segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const nc = channels.length;
    const out = allocArray(this.dtype, (end - start) * nc);
    // Group requested channels by parent so each parent is read once.
    const byParent = new Map<Recording, { parentCh: number[]; outCol: number[] }>();
    channels.forEach((c, j) => {
      const o = this.owner[c];
      if (!byParent.has(o.rec)) byParent.set(o.rec, { parentCh: [], outCol: [] });
      const e = byParent.get(o.rec)!;
      e.parentCh.push(o.channel);
      e.outCol.push(j);
    });
    for (const [rec, e] of byParent) {
      const part = rec.getTraces({ segment, start, end, channels: e.parentCh });
      const k = e.parentCh.length;
      for (let t = 0; t < end - start; t++) {
        for (let i = 0; i < k; i++) out[t * nc + e.outCol[i]] = part[t * k + i];
      }
    }
    return out;
  }
}

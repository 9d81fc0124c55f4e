/**
 * Channel sparsity: for each unit, the channels on which its waveforms are kept (SpikeInterface's
 * ChannelSparsity). A units × channels 0/1 mask; builders pick channels by distance to the unit's
 * peak channel, by template amplitude rank, by amplitude over noise, or by shared channel group.
 */

/** The part of dense templates that sparsity needs (postprocessing's Templates satisfies it). */
export interface DenseTemplatesLike {
  readonly unitIds: readonly string[];
  readonly channelIds: readonly string[];
  /** Samples per template. */
  readonly numSamples: number;
  /** Units × time × channels, time-major within a unit. */
  readonly data: Float32Array;
}

/** Which extremum defines a unit's amplitude on a channel: troughs ('neg'), peaks ('pos') or either. */
export type PeakSign = 'neg' | 'pos' | 'both';

export interface ChannelSparsityJson {
  unitIds: string[];
  channelIds: string[];
  /** Per unit, the indices of its channels. */
  unitChannels: number[][];
}

export class ChannelSparsity {
  readonly unitIds: readonly string[];
  readonly channelIds: readonly string[];
  /** units × channels, 1 where the channel is kept for the unit. */
  readonly mask: Uint8Array;

  constructor(mask: Uint8Array, unitIds: readonly string[], channelIds: readonly string[]) {
    if (mask.length !== unitIds.length * channelIds.length) {
      throw new Error(`sparsity mask has ${mask.length} entries, expected ${unitIds.length} units × ${channelIds.length} channels`);
    }
    this.mask = mask;
    this.unitIds = Object.freeze([...unitIds]);
    this.channelIds = Object.freeze([...channelIds]);
  }

  get numUnits(): number {
    return this.unitIds.length;
  }

  get numChannels(): number {
    return this.channelIds.length;
  }

  /** Channel indices (ascending) kept for unit index u. */
  unitChannelIndices(u: number): Int32Array {
    if (!Number.isInteger(u) || u < 0 || u >= this.numUnits) throw new Error(`sparsity: unit index ${u} is outside 0..${this.numUnits - 1}`);
    const nc = this.numChannels;
    const out: number[] = [];
    for (let c = 0; c < nc; c++) if (this.mask[u * nc + c]) out.push(c);
    return Int32Array.from(out);
  }

  /** Largest number of channels any unit keeps. */
  maxChannelsPerUnit(): number {
    let m = 0;
    for (let u = 0; u < this.numUnits; u++) m = Math.max(m, this.unitChannelIndices(u).length);
    return m;
  }

  /** Every unit keeps every channel. */
  static dense(unitIds: readonly string[], channelIds: readonly string[]): ChannelSparsity {
    return new ChannelSparsity(new Uint8Array(unitIds.length * channelIds.length).fill(1), unitIds, channelIds);
  }

  /** Channels within radiusUm (inclusive) of each unit's peak channel. */
  static fromRadius(
    source: DenseTemplatesLike | { unitIds: readonly string[]; channelIds: readonly string[]; peakChannels: ArrayLike<number> },
    channelLocations: ArrayLike<number>,
    radiusUm: number,
    peakSign: PeakSign = 'neg',
  ): ChannelSparsity {
    if (!(radiusUm >= 0)) throw new Error(`sparsity radius must be >= 0 µm, got ${radiusUm}`);
    const nc = source.channelIds.length;
    if (channelLocations.length !== 2 * nc) {
      throw new Error(`sparsity: ${channelLocations.length / 2} channel locations for ${nc} channels: attach a probe that covers every channel`);
    }
    const peaks = 'peakChannels' in source ? Int32Array.from(source.peakChannels) : peakChannelIndices(source, peakSign);
    if (peaks.length !== source.unitIds.length) throw new Error(`sparsity: ${peaks.length} peak channels for ${source.unitIds.length} units`);
    const mask = new Uint8Array(source.unitIds.length * nc);
    const r2 = radiusUm * radiusUm;
    peaks.forEach((p, u) => {
      if (p < 0 || p >= nc) throw new Error(`sparsity: unit '${source.unitIds[u]}' has peak channel ${p}, outside 0..${nc - 1}`);
      const px = channelLocations[2 * p];
      const py = channelLocations[2 * p + 1];
      for (let c = 0; c < nc; c++) {
        const dx = channelLocations[2 * c] - px;
        const dy = channelLocations[2 * c + 1] - py;
        if (dx * dx + dy * dy <= r2) mask[u * nc + c] = 1;
      }
    });
    return new ChannelSparsity(mask, source.unitIds, source.channelIds);
  }

  /** The k channels with the largest template amplitude per unit (ties: lower channel index first). */
  static fromBestChannels(templates: DenseTemplatesLike, k: number, peakSign: PeakSign = 'neg'): ChannelSparsity {
    const nc = templates.channelIds.length;
    if (!Number.isInteger(k) || k < 1) throw new Error(`sparsity: number of best channels must be a positive integer, got ${k}`);
    const amps = templateChannelAmplitudes(templates, peakSign);
    const nu = templates.unitIds.length;
    const mask = new Uint8Array(nu * nc);
    const order = Array.from({ length: nc }, (_, c) => c);
    for (let u = 0; u < nu; u++) {
      const a = amps.subarray(u * nc, (u + 1) * nc);
      const ranked = [...order].sort((x, y) => a[y] - a[x] || x - y);
      for (const c of ranked.slice(0, Math.min(k, nc))) mask[u * nc + c] = 1;
    }
    return new ChannelSparsity(mask, templates.unitIds, templates.channelIds);
  }

  /** Channels where the template amplitude is at least snrThreshold × the channel's noise level. */
  static fromThreshold(templates: DenseTemplatesLike, noiseLevels: ArrayLike<number>, snrThreshold: number, peakSign: PeakSign = 'neg'): ChannelSparsity {
    const nc = templates.channelIds.length;
    if (noiseLevels.length !== nc) throw new Error(`sparsity: ${noiseLevels.length} noise levels for ${nc} channels`);
    const amps = templateChannelAmplitudes(templates, peakSign);
    const mask = new Uint8Array(amps.length);
    for (let i = 0; i < amps.length; i++) {
      const noise = noiseLevels[i % nc];
      if (noise > 0 && amps[i] / noise >= snrThreshold) mask[i] = 1;
    }
    return new ChannelSparsity(mask, templates.unitIds, templates.channelIds);
  }

  /** Channels whose group (e.g. shank) equals the unit's group. */
  static fromProperty(unitIds: readonly string[], unitGroups: ArrayLike<unknown>, channelIds: readonly string[], channelGroups: ArrayLike<unknown>): ChannelSparsity {
    if (unitGroups.length !== unitIds.length) throw new Error(`sparsity: ${unitGroups.length} unit groups for ${unitIds.length} units`);
    if (channelGroups.length !== channelIds.length) throw new Error(`sparsity: ${channelGroups.length} channel groups for ${channelIds.length} channels`);
    const nc = channelIds.length;
    const mask = new Uint8Array(unitIds.length * nc);
    for (let u = 0; u < unitIds.length; u++) {
      for (let c = 0; c < nc; c++) if (String(unitGroups[u]) === String(channelGroups[c])) mask[u * nc + c] = 1;
    }
    return new ChannelSparsity(mask, unitIds, channelIds);
  }

  toJSON(): ChannelSparsityJson {
    return {
      unitIds: [...this.unitIds],
      channelIds: [...this.channelIds],
      unitChannels: this.unitIds.map((_, u) => Array.from(this.unitChannelIndices(u))),
    };
  }

  static fromJSON(j: ChannelSparsityJson, where = 'sparsity'): ChannelSparsity {
    if (!Array.isArray(j?.unitIds) || !Array.isArray(j.channelIds) || !Array.isArray(j.unitChannels) || j.unitChannels.length !== j.unitIds.length) {
      throw new Error(`${where}: expected {unitIds, channelIds, unitChannels} with one channel list per unit`);
    }
    const nc = j.channelIds.length;
    const mask = new Uint8Array(j.unitIds.length * nc);
    j.unitChannels.forEach((chans, u) =>
      chans.forEach((c) => {
        if (!Number.isInteger(c) || c < 0 || c >= nc) throw new Error(`${where}: unit '${j.unitIds[u]}' lists channel ${c}, outside 0..${nc - 1}`);
        mask[u * nc + c] = 1;
      }),
    );
    return new ChannelSparsity(mask, j.unitIds, j.channelIds);
  }
}

/** Per unit and channel, the template's extremum magnitude over time (units × channels). */
export function templateChannelAmplitudes(t: DenseTemplatesLike, peakSign: PeakSign = 'neg'): Float64Array {
  const nu = t.unitIds.length;
  const nc = t.channelIds.length;
  const ns = t.numSamples;
  if (t.data.length !== nu * ns * nc) throw new Error(`templates: data has ${t.data.length} values, expected ${nu} × ${ns} × ${nc}`);
  const out = new Float64Array(nu * nc);
  for (let u = 0; u < nu; u++) {
    for (let c = 0; c < nc; c++) {
      let best = 0;
      for (let s = 0; s < ns; s++) {
        const v = t.data[(u * ns + s) * nc + c];
        const a = peakSign === 'neg' ? -v : peakSign === 'pos' ? v : Math.abs(v);
        if (a > best) best = a;
      }
      out[u * nc + c] = best;
    }
  }
  return out;
}

/** Per unit, the channel with the largest template amplitude (lowest index on ties). */
export function peakChannelIndices(t: DenseTemplatesLike, peakSign: PeakSign = 'neg'): Int32Array {
  const nc = t.channelIds.length;
  const amps = templateChannelAmplitudes(t, peakSign);
  return Int32Array.from(t.unitIds, (_, u) => {
    let best = 0;
    for (let c = 1; c < nc; c++) if (amps[u * nc + c] > amps[u * nc + best]) best = c;
    return best;
  });
}

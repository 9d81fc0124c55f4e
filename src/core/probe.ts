/**
 * Probe geometry, modelled on probeinterface: contacts with positions and shapes,
 * shank ids and the wiring from contacts to recording channels (device channel indices).
 * Reading and writing probe files lives in src/io/probe*.ts.
 */
export type ContactShape = 'circle' | 'square' | 'rect';

export interface ContactShapeParams {
  radius?: number;
  width?: number;
  height?: number;
}

export interface ProbeInit {
  ndim?: 2 | 3;
  /** Contact positions in µm, contact-major: [x0, y0, (z0), x1, y1, ...]. */
  positions: ArrayLike<number>;
  contactIds?: string[];
  shankIds?: string[];
  /** Recording channel index for each contact; -1 for contacts not wired. */
  deviceChannelIndices?: ArrayLike<number> | null;
  contactShapes?: ContactShape[];
  contactShapeParams?: ContactShapeParams[];
  planarContour?: number[][] | null;
  name?: string;
  manufacturer?: string;
  model?: string;
  siUnits?: string;
  annotations?: Record<string, unknown>;
  /** Per contact, the two in-plane axis vectors, flat: contacts × 2 × ndim. Default [1,0],[0,1] (2-D). */
  contactPlaneAxes?: ArrayLike<number> | null;
  /** Per-contact annotations: each value has one entry per contact (probeinterface contact_annotations). */
  contactAnnotations?: Record<string, unknown[]>;
}

export class Probe {
  readonly ndim: 2 | 3;
  readonly positions: Float64Array;
  readonly contactIds: string[];
  readonly shankIds: string[];
  deviceChannelIndices: Int32Array | null;
  readonly contactShapes: ContactShape[];
  readonly contactShapeParams: ContactShapeParams[];
  readonly planarContour: number[][] | null;
  readonly name: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly siUnits: string;
  readonly annotations: Record<string, unknown>;
  readonly contactPlaneAxes: Float64Array | null;
  readonly contactAnnotations: Record<string, unknown[]>;

  constructor(init: ProbeInit) {
    this.ndim = init.ndim ?? 2;
    if (init.positions.length % this.ndim !== 0) {
      throw new Error(`probe positions: ${init.positions.length} values is not a multiple of ndim=${this.ndim}`);
    }
    this.positions = Float64Array.from(init.positions);
    const n = this.positions.length / this.ndim;
    for (let i = 0; i < this.positions.length; i++) {
      if (!Number.isFinite(this.positions[i])) {
        throw new Error(`probe positions: contact ${Math.floor(i / this.ndim)} has a non-finite coordinate`);
      }
    }
    this.contactIds = init.contactIds ?? Array.from({ length: n }, () => '');
    this.shankIds = init.shankIds ?? Array.from({ length: n }, () => '');
    this.deviceChannelIndices = init.deviceChannelIndices ? Int32Array.from(init.deviceChannelIndices) : null;
    this.contactShapes = init.contactShapes ?? Array.from({ length: n }, () => 'circle' as const);
    this.contactShapeParams = init.contactShapeParams ?? Array.from({ length: n }, () => ({ radius: 6 }));
    this.planarContour = init.planarContour ?? null;
    this.name = init.name ?? '';
    this.manufacturer = init.manufacturer ?? '';
    this.model = init.model ?? '';
    this.siUnits = init.siUnits ?? 'um';
    this.annotations = init.annotations ?? {};
    this.contactPlaneAxes = init.contactPlaneAxes ? Float64Array.from(init.contactPlaneAxes) : null;
    if (this.contactPlaneAxes && this.contactPlaneAxes.length !== n * 2 * this.ndim) {
      throw new Error(`probe contact_plane_axes: has ${this.contactPlaneAxes.length} values for ${n} contacts × 2 axes × ${this.ndim} dims`);
    }
    this.contactAnnotations = init.contactAnnotations ?? {};
    for (const [key, values] of Object.entries(this.contactAnnotations)) {
      if (values.length !== n) throw new Error(`probe contact_annotations '${key}': has ${values.length} entries for ${n} contacts`);
    }
    for (const [what, len] of [
      ['contact_ids', this.contactIds.length],
      ['shank_ids', this.shankIds.length],
      ['contact_shapes', this.contactShapes.length],
      ['contact_shape_params', this.contactShapeParams.length],
      ['device_channel_indices', this.deviceChannelIndices?.length ?? n],
    ] as const) {
      if (len !== n) throw new Error(`probe ${what}: has ${len} entries for ${n} contacts`);
    }
  }

  get numContacts(): number {
    return this.positions.length / this.ndim;
  }

  /** A probe with only the given contacts (in that order), wired to the given channels. */
  subset(contacts: ArrayLike<number>, wiring: ArrayLike<number> | null): Probe {
    const keep = Array.from(contacts);
    const nd = this.ndim;
    return new Probe({
      ndim: nd,
      positions: keep.flatMap((k) => Array.from(this.positions.subarray(k * nd, k * nd + nd))),
      contactIds: keep.map((k) => this.contactIds[k]),
      shankIds: keep.map((k) => this.shankIds[k]),
      deviceChannelIndices: wiring,
      contactShapes: keep.map((k) => this.contactShapes[k]),
      contactShapeParams: keep.map((k) => this.contactShapeParams[k]),
      planarContour: this.planarContour,
      name: this.name,
      manufacturer: this.manufacturer,
      model: this.model,
      siUnits: this.siUnits,
      annotations: this.annotations,
      contactPlaneAxes: this.contactPlaneAxes
        ? keep.flatMap((k) => Array.from(this.contactPlaneAxes!.subarray(k * 2 * nd, (k + 1) * 2 * nd)))
        : null,
      contactAnnotations: Object.fromEntries(
        Object.entries(this.contactAnnotations).map(([key, v]) => [key, keep.map((k) => v[k])]),
      ),
    });
  }

  /** The same contacts wired to other channels. */
  withWiring(wiring: ArrayLike<number> | null): Probe {
    return this.subset(Array.from({ length: this.numContacts }, (_, i) => i), wiring);
  }

  /** x, y (µm) of contact i. */
  xy(i: number): [number, number] {
    return [this.positions[i * this.ndim], this.positions[i * this.ndim + 1]];
  }
}

/** Several probes recorded together (probeinterface ProbeGroup). */
export class ProbeGroup {
  constructor(readonly probes: Probe[]) {}

  /** Rebuilds a group after structured cloning (which drops class prototypes). */
  static revive(plain: { probes: ProbeInit[] } | ProbeGroup): ProbeGroup {
    return new ProbeGroup(plain.probes.map((p) => new Probe(p as ProbeInit)));
  }

  get numContacts(): number {
    return this.probes.reduce((s, p) => s + p.numContacts, 0);
  }

  /**
   * For each recording channel 0..numChannels-1, its 2-D location, shank and probe,
   * following device channel indices (or contact order when the probe has none).
   */
  channelGeometry(numChannels: number, where = 'probe'): ChannelGeometry {
    const x = new Float64Array(numChannels).fill(NaN);
    const y = new Float64Array(numChannels).fill(NaN);
    const shank = new Array<string>(numChannels).fill('');
    const probeIndex = new Int32Array(numChannels).fill(-1);
    const contactIndex = new Int32Array(numChannels).fill(-1);
    let offset = 0;
    this.probes.forEach((p, pi) => {
      for (let c = 0; c < p.numContacts; c++) {
        const ch = p.deviceChannelIndices ? p.deviceChannelIndices[c] : offset + c;
        if (ch < 0) continue;
        if (ch >= numChannels) {
          throw new Error(
            `${where}: contact ${c} is wired to channel ${ch}, but the recording has ${numChannels} channels. Check the probe's device_channel_indices or the channel count.`,
          );
        }
        if (probeIndex[ch] !== -1) {
          throw new Error(`${where}: channel ${ch} is wired to two contacts. Check device_channel_indices.`);
        }
        const [cx, cy] = p.xy(c);
        x[ch] = cx;
        y[ch] = cy;
        shank[ch] = p.shankIds[c];
        probeIndex[ch] = pi;
        contactIndex[ch] = c;
      }
      offset += p.numContacts;
    });
    return { x, y, shank, probeIndex, contactIndex };
  }
}

export interface ChannelGeometry {
  x: Float64Array;
  y: Float64Array;
  shank: string[];
  probeIndex: Int32Array;
  contactIndex: Int32Array;
}

/**
 * Neuropixels probe knowledge shared by the SpikeGLX and Open Ephys readers: IMRO tables (which electrode
 * each of the 384 readout channels records, with its gain), electrode geometry per probe family, and
 * the ~snsGeomMap table of newer SpikeGLX versions.
 * Geometry follows the imec catalogue (as in probeinterface's library): electrode 0 is the lowest site.
 */
import { Probe } from '../core/probe.js';

/** One readout channel's entry in an IMRO table. */
export interface ImroEntry {
  channel: number;
  shank: number;
  /** Electrode index within its shank. */
  electrode: number;
  /** AP/LF gains (NP1.0 family only; NP2.0 has a fixed gain of 80). */
  apGain: number | null;
  lfGain: number | null;
  reference: number;
}

export interface ImroTable {
  probeType: number;
  entries: ImroEntry[];
}

/** Probe geometry family, selected from imDatPrb_type / part number. */
export type NeuropixelsFamily = 'np1' | 'np2-1shank' | 'np2-4shank' | 'ultra';

interface FamilyGeometry {
  /** Contact x, y (µm) on its shank for electrode e. */
  xy(e: number): [number, number];
  shankPitch: number;
  contactWidth: number;
  model: string;
}

const NP1_X = [16, 48, 0, 32];

const FAMILIES: Record<NeuropixelsFamily, FamilyGeometry> = {
  np1: { xy: (e) => [NP1_X[e % 4], Math.floor(e / 2) * 20], shankPitch: 0, contactWidth: 12, model: 'Neuropixels 1.0' },
  'np2-1shank': { xy: (e) => [(e % 2) * 32, Math.floor(e / 2) * 15], shankPitch: 0, contactWidth: 12, model: 'Neuropixels 2.0 single shank' },
  'np2-4shank': { xy: (e) => [(e % 2) * 32, Math.floor(e / 2) * 15], shankPitch: 250, contactWidth: 12, model: 'Neuropixels 2.0 four shank' },
  ultra: { xy: (e) => [(e % 8) * 6, Math.floor(e / 8) * 6], shankPitch: 0, contactWidth: 5, model: 'Neuropixels Ultra (NP1100)' },
};

/** Probe types (imro table header / imDatPrb_type) of the NP1.0 imro layout (ch bank ref apGain lfGain hpFilt). */
const NP1_TYPES = new Set([0, 1020, 1030, 1100, 1120, 1121, 1122, 1123, 1200, 1300]);

/** Parses '(type,n)(...)(...)' IMRO text (a .imro file or the ~imroTbl meta value). */
export function parseImroTable(text: string, where = 'imro table'): ImroTable {
  const groups = [...text.matchAll(/\(([^)]*)\)/g)].map((m) => m[1].trim());
  if (groups.length < 1) throw new Error(`${where}: no '(type,count)' header found; is this an IMRO table?`);
  const head = groups[0].split(',').map(Number);
  const probeType = head[0];
  if (!Number.isFinite(probeType)) throw new Error(`${where}: header '(${groups[0]})' has no probe type`);
  const entries: ImroEntry[] = groups.slice(1).map((g, i) => {
    const v = g.split(/\s+/).map(Number);
    if (v.some((x) => !Number.isFinite(x))) throw new Error(`${where}: entry ${i} '(${g})' is not numeric`);
    if (NP1_TYPES.has(probeType)) {
      if (v.length < 5) throw new Error(`${where}: NP1.0 entry ${i} '(${g})' needs 'ch bank ref apGain lfGain'`);
      return { channel: v[0], shank: 0, electrode: v[1] * 384 + v[0], reference: v[2], apGain: v[3], lfGain: v[4] };
    }
    if (probeType === 21 || probeType === 2003 || probeType === 2004) {
      if (v.length < 4) throw new Error(`${where}: NP2.0 entry ${i} '(${g})' needs 'ch bankMask ref electrode'`);
      return { channel: v[0], shank: 0, electrode: v[3], reference: v[2], apGain: null, lfGain: null };
    }
    if (probeType === 24 || probeType === 2013 || probeType === 2014) {
      if (v.length < 5) throw new Error(`${where}: NP2.0 4-shank entry ${i} '(${g})' needs 'ch shank bank ref electrode'`);
      return { channel: v[0], shank: v[1], electrode: v[4], reference: v[3], apGain: null, lfGain: null };
    }
    throw new Error(`${where}: probe type ${probeType} is not supported yet (known: NP1.0 types 0/1020/1030/1100/..., NP2.0 types 21/24/2003/2004/2013/2014)`);
  });
  return { probeType, entries };
}

/** The geometry family for a probe type and part number (NP1100 shares type 0 with NP1.0). */
export function neuropixelsFamily(probeType: number, partNumber = ''): NeuropixelsFamily | null {
  if (partNumber.startsWith('NP1100') || partNumber.startsWith('NP1110') || probeType === 1100) return 'ultra';
  if (NP1_TYPES.has(probeType)) return 'np1';
  if (probeType === 21 || probeType === 2003 || probeType === 2004) return 'np2-1shank';
  if (probeType === 24 || probeType === 2013 || probeType === 2014) return 'np2-4shank';
  return null;
}

/**
 * A probe with one contact per IMRO entry, wired to recording channel i for entry i
 * (SpikeGLX saves AP channels in imro order; `savedChannels` maps to the saved subset).
 */
export function probeFromImro(table: ImroTable, partNumber: string, savedChannels?: number[]): Probe | null {
  const family = neuropixelsFamily(table.probeType, partNumber);
  if (!family) return null;
  const g = FAMILIES[family];
  const byChannel = new Map(table.entries.map((e) => [e.channel, e]));
  const chans = savedChannels ?? table.entries.map((e) => e.channel);
  const positions: number[] = [];
  const contactIds: string[] = [];
  const shankIds: string[] = [];
  const wiring: number[] = [];
  chans.forEach((ch, i) => {
    const e = byChannel.get(ch);
    if (!e) return;
    const [x, y] = g.xy(e.electrode);
    positions.push(x + e.shank * g.shankPitch, y);
    contactIds.push(g.shankPitch ? `s${e.shank}e${e.electrode}` : `e${e.electrode}`);
    shankIds.push(String(e.shank));
    wiring.push(i);
  });
  return new Probe({
    positions,
    contactIds,
    shankIds,
    deviceChannelIndices: wiring,
    contactShapes: contactIds.map(() => 'square' as const),
    contactShapeParams: contactIds.map(() => ({ width: g.contactWidth })),
    manufacturer: 'imec',
    model: partNumber || g.model,
    name: g.model,
    annotations: { probeType: table.probeType },
  });
}

/**
 * The recorded sites of a catalogue probe (probeinterface's Neuropixels JSONs list every electrode):
 * contact i of the result is the site of IMRO entry i, wired to recording channel i.
 * Catalogue contact ids are 'e<electrode>' (one shank) or 's<shank>e<electrode>'.
 */
export function selectSitesFromImro(catalogue: Probe, table: ImroTable, where = 'probe'): Probe {
  const index = new Map(catalogue.contactIds.map((id, i) => [id, i]));
  const multiShank = catalogue.contactIds.some((id) => id.startsWith('s'));
  const contacts = table.entries.map((e) => {
    const id = multiShank ? `s${e.shank}e${e.electrode}` : `e${e.electrode}`;
    const k = index.get(id);
    if (k === undefined) {
      throw new Error(`${where}: the imro table records electrode ${e.electrode} on shank ${e.shank} (contact '${id}'), which this probe does not have: use the catalogue file of the probe model in the recording's .meta`);
    }
    return k;
  });
  return catalogue.subset(contacts, contacts.map((_, i) => i));
}

/**
 * Parses SpikeGLX's ~snsGeomMap '(part,nShanks,shankSep,shankWidth)(s:x:z:used)...' into a probe
 * with one contact per saved AP channel (x offset by shank × shankSep).
 */
export function probeFromGeomMap(text: string, where = '~snsGeomMap'): Probe {
  const groups = [...text.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]);
  if (groups.length < 2) throw new Error(`${where}: expected '(part,nShanks,shankSep,shankWidth)(s:x:z:u)...'`);
  const head = groups[0].split(',');
  const shankSep = Number(head[2]);
  const positions: number[] = [];
  const shankIds: string[] = [];
  groups.slice(1).forEach((g, i) => {
    const [s, x, z] = g.split(':').map(Number);
    if (![s, x, z].every(Number.isFinite)) throw new Error(`${where}: entry ${i} '(${g})' is not 's:x:z:used'`);
    positions.push(x + s * (Number.isFinite(shankSep) ? shankSep : 0), z);
    shankIds.push(String(s));
  });
  const n = shankIds.length;
  return new Probe({
    positions,
    shankIds,
    contactIds: shankIds.map((_, i) => `ch${i}`),
    deviceChannelIndices: Array.from({ length: n }, (_, i) => i),
    contactShapes: shankIds.map(() => 'square' as const),
    contactShapeParams: shankIds.map(() => ({ width: 12 })),
    manufacturer: 'imec',
    model: head[0] ?? '',
  });
}

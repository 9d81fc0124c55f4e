/**
 * probeinterface JSON (specification 'probeinterface', the format written by probeinterface's
 * write_probeinterface and used by SpikeInterface folders and the probeinterface_library).
 * probeGroupFromJson / probeGroupToJson are pure; the read/write functions add the file edge.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { ContactShape, ContactShapeParams, Probe, ProbeGroup, ProbeInit } from '../core/probe.js';

/** The format version we write (the one the shared datasets and probeinterface 0.3.x use). */
export const PROBEINTERFACE_FORMAT_VERSION = '0.3.2';

export interface ProbeInterfaceProbeJson {
  ndim: number;
  si_units: string;
  annotations: Record<string, unknown>;
  contact_annotations: Record<string, unknown[]>;
  contact_positions: number[][];
  contact_plane_axes: number[][][];
  contact_shapes: string[];
  contact_shape_params: Record<string, number>[];
  probe_planar_contour?: number[][];
  device_channel_indices?: number[];
  contact_ids?: string[];
  shank_ids?: string[];
}

export interface ProbeInterfaceJson {
  specification: 'probeinterface';
  version: string;
  probes: ProbeInterfaceProbeJson[];
}

const SHAPES: readonly ContactShape[] = ['circle', 'square', 'rect'];

/** Reads a probeinterface .json file into a ProbeGroup. */
export function readProbeInterfaceJson(path: string): ProbeGroup {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the probe file (${(e as Error).message}): check the path`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}): a probeinterface file is JSON with a "probes" list`);
  }
  return probeGroupFromJson(obj, path);
}

/** Writes a ProbeGroup as probeinterface JSON (atomically: temp file, then rename). */
export function writeProbeInterfaceJson(path: string, group: ProbeGroup): void {
  writeFileAtomic(path, JSON.stringify(probeGroupToJson(group), null, 4) + '\n');
}

/**
 * A ProbeGroup from parsed probeinterface JSON. `where` names the source in errors.
 * A bare probe object (with contact_positions at top level) is accepted as a group of one.
 */
export function probeGroupFromJson(obj: unknown, where = 'probe json'): ProbeGroup {
  if (!isRecord(obj)) throw new Error(`${where}: expected a JSON object with a "probes" list, got ${describe(obj)}`);
  if (obj.specification !== undefined && obj.specification !== 'probeinterface') {
    throw new Error(`${where}: "specification" is '${String(obj.specification)}', expected 'probeinterface': this is not a probeinterface file`);
  }
  let probes: unknown[];
  if (Array.isArray(obj.probes)) probes = obj.probes;
  else if ('contact_positions' in obj) probes = [obj];
  else throw new Error(`${where}: no "probes" list: a probeinterface file looks like {"specification": "probeinterface", "probes": [...]}`);
  if (probes.length === 0) throw new Error(`${where}: the "probes" list is empty: add at least one probe`);
  return new ProbeGroup(probes.map((p, i) => probeFromJson(p, `${where}: probes[${i}]`)));
}

function probeFromJson(p: unknown, where: string): Probe {
  if (!isRecord(p)) throw new Error(`${where}: expected an object, got ${describe(p)}`);
  const positions = p.contact_positions;
  if (!Array.isArray(positions)) throw new Error(`${where}: "contact_positions" is missing or not a list of [x, y] pairs`);
  const n = positions.length;
  const ndimRaw = p.ndim ?? (n > 0 && Array.isArray(positions[0]) ? positions[0].length : 2);
  if (ndimRaw !== 2 && ndimRaw !== 3) throw new Error(`${where}: "ndim" is ${JSON.stringify(ndimRaw)}, must be 2 or 3`);
  const ndim: 2 | 3 = ndimRaw;
  const flat = new Float64Array(n * ndim);
  positions.forEach((pos, i) => {
    const v = numberRow(pos, ndim, `${where}.contact_positions[${i}]`);
    flat.set(v, i * ndim);
  });

  const perContact = <T>(key: string, parse: (v: unknown, w: string) => T): T[] | undefined => {
    const v = p[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new Error(`${where}: "${key}" must be a list with one entry per contact`);
    if (v.length !== n) throw new Error(`${where}: "${key}" has ${v.length} entries but there are ${n} contacts: the file is inconsistent`);
    return v.map((x, i) => parse(x, `${where}.${key}[${i}]`));
  };

  const init: ProbeInit = {
    ndim,
    positions: flat,
    siUnits: optionalString(p.si_units, `${where}.si_units`) ?? 'um',
    contactIds: perContact('contact_ids', idString),
    shankIds: perContact('shank_ids', idString),
    deviceChannelIndices: perContact('device_channel_indices', channelIndex) ?? null,
    contactShapes: perContact('contact_shapes', shapeName),
    contactShapeParams: perContact('contact_shape_params', shapeParams),
    planarContour: parseContour(p.probe_planar_contour, `${where}.probe_planar_contour`),
    contactPlaneAxes: parsePlaneAxes(perContact('contact_plane_axes', (v, w) => planeAxes(v, ndim, w))),
    contactAnnotations: parseContactAnnotations(p.contact_annotations, n, `${where}.contact_annotations`),
  };
  if (init.siUnits !== 'um' && init.siUnits !== 'mm') {
    throw new Error(`${where}: "si_units" is '${init.siUnits}'; only 'um' and 'mm' are supported`);
  }
  if (init.siUnits === 'mm') {
    // Everything downstream works in µm.
    for (let i = 0; i < flat.length; i++) flat[i] *= 1000;
    init.siUnits = 'um';
  }
  const annotations = p.annotations ?? {};
  if (!isRecord(annotations)) throw new Error(`${where}: "annotations" must be an object`);
  init.annotations = { ...annotations };
  init.name = typeof annotations.name === 'string' ? annotations.name : '';
  init.manufacturer = typeof annotations.manufacturer === 'string' ? annotations.manufacturer : '';
  init.model = typeof annotations.model_name === 'string' ? annotations.model_name : '';
  return new Probe(init);
}

/** probeinterface JSON for a ProbeGroup, in the key order probeinterface writes. */
export function probeGroupToJson(group: ProbeGroup): ProbeInterfaceJson {
  return {
    specification: 'probeinterface',
    version: PROBEINTERFACE_FORMAT_VERSION,
    probes: group.probes.map(probeToJson),
  };
}

function probeToJson(p: Probe): ProbeInterfaceProbeJson {
  const n = p.numContacts;
  const nd = p.ndim;
  const annotations: Record<string, unknown> = { ...p.annotations };
  if (p.name) annotations.name = p.name;
  if (p.manufacturer) annotations.manufacturer = p.manufacturer;
  if (p.model) annotations.model_name = p.model;
  const out: ProbeInterfaceProbeJson = {
    ndim: nd,
    si_units: p.siUnits,
    annotations,
    contact_annotations: Object.fromEntries(Object.entries(p.contactAnnotations).map(([k, v]) => [k, [...v]])),
    contact_positions: Array.from({ length: n }, (_, i) => Array.from(p.positions.subarray(i * nd, i * nd + nd))),
    contact_plane_axes: Array.from({ length: n }, (_, i) => {
      if (p.contactPlaneAxes) {
        const a = p.contactPlaneAxes.subarray(i * 2 * nd, (i + 1) * 2 * nd);
        return [Array.from(a.subarray(0, nd)), Array.from(a.subarray(nd, 2 * nd))];
      }
      return nd === 2 ? [[1, 0], [0, 1]] : [[1, 0, 0], [0, 1, 0]];
    }),
    contact_shapes: [...p.contactShapes],
    contact_shape_params: p.contactShapeParams.map((s) => {
      const o: Record<string, number> = {};
      for (const k of ['radius', 'width', 'height'] as const) if (s[k] !== undefined) o[k] = s[k]!;
      return o;
    }),
  };
  if (p.planarContour) out.probe_planar_contour = p.planarContour.map((r) => [...r]);
  if (p.deviceChannelIndices) out.device_channel_indices = Array.from(p.deviceChannelIndices);
  if (p.contactIds.some((id) => id !== '')) out.contact_ids = [...p.contactIds];
  if (p.shankIds.some((id) => id !== '')) out.shank_ids = [...p.shankIds];
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v;
}

function numberRow(v: unknown, len: number, where: string): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${where}: expected ${len} finite numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

function optionalString(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Contact and shank ids are strings in probeinterface; older files sometimes hold numbers. */
function idString(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new Error(`${where}: expected a string id, got ${JSON.stringify(v)}`);
}

function channelIndex(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) {
    throw new Error(`${where}: a device channel index must be an integer >= 0 (or -1 for not wired), got ${JSON.stringify(v)}`);
  }
  return v;
}

function shapeName(v: unknown, where: string): ContactShape {
  if (typeof v !== 'string' || !SHAPES.includes(v as ContactShape)) {
    throw new Error(`${where}: contact shape ${JSON.stringify(v)} is not one of ${SHAPES.join(', ')}`);
  }
  return v as ContactShape;
}

function shapeParams(v: unknown, where: string): ContactShapeParams {
  if (!isRecord(v)) throw new Error(`${where}: expected an object like {"radius": 6}, got ${JSON.stringify(v)}`);
  const out: ContactShapeParams = {};
  for (const k of ['radius', 'width', 'height'] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`${where}.${k}: expected a non-negative number, got ${JSON.stringify(x)}`);
    out[k] = x;
  }
  return out;
}

function planeAxes(v: unknown, ndim: number, where: string): number[] {
  if (!Array.isArray(v) || v.length !== 2) throw new Error(`${where}: expected two axis vectors, got ${JSON.stringify(v)}`);
  return [...numberRow(v[0], ndim, `${where}[0]`), ...numberRow(v[1], ndim, `${where}[1]`)];
}

function parsePlaneAxes(rows: number[][] | undefined): number[] | null {
  return rows ? rows.flat() : null;
}

function parseContour(v: unknown, where: string): number[][] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list of points`);
  return v.map((pt, i) => {
    if (!Array.isArray(pt) || (pt.length !== 2 && pt.length !== 3)) throw new Error(`${where}[${i}]: expected [x, y], got ${JSON.stringify(pt)}`);
    return numberRow(pt, pt.length, `${where}[${i}]`).slice();
  });
}

function parseContactAnnotations(v: unknown, n: number, where: string): Record<string, unknown[]> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new Error(`${where}: expected an object of per-contact lists`);
  const out: Record<string, unknown[]> = {};
  for (const [k, vals] of Object.entries(v)) {
    if (!Array.isArray(vals) || vals.length !== n) {
      throw new Error(`${where}.${k}: expected a list with one entry per contact (${n})`);
    }
    out[k] = [...vals];
  }
  return out;
}

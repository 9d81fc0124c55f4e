/**
 * SpikeInterface binary recording folders (recording.save(format='binary') in SpikeInterface 0.104):
 * traces_cached_seg{i}.raw + binary.json + si_folder.json + probe.json + properties/*.npy
 * (+ times_cached_seg{i}.npy for recordings with time vectors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DType, DTYPE_BYTES, NumericArray, allocArray, isFloatDType, parseDType } from '../core/dtypes.js';
import { Probe, ProbeGroup } from '../core/probe.js';
import { PropertyValues, Recording, SegmentTime } from '../core/recording.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { withAtomicDir, writeFileAtomic } from './atomic.js';
import { BinaryRecording } from './binary.js';
import { NpyArray, NpyData, readNpy, writeNpy } from './npy.js';
import { readProbeInterfaceJson, writeProbeInterfaceJson } from './probeinterface.js';

/** The SpikeInterface version whose folder layout is written (recorded in the JSON files as SI does). */
export const SI_LAYOUT_VERSION = '0.104.8';

const NUMPY_DESCR: Record<DType, string> = {
  int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4', float32: '<f4', float64: '<f8',
};

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file}: file not found` : `${file}: cannot read (${code ?? String(e)})`);
  }
  let v: unknown;
  try {
    // SpikeInterface's JSON encoder may write NaN/Infinity, which JSON.parse rejects.
    v = JSON.parse(text.replace(/\bNaN\b/g, 'null').replace(/-?\bInfinity\b/g, 'null'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** A property value as stored in memory: numbers flat (k values per item), strings, booleans. */
export function npyToProperty(arr: NpyArray, where: string): PropertyValues | null {
  if (arr.dtype === 'structured') return null;
  if (arr.dtype === 'bool') return Array.from(arr.data as Uint8Array, (v) => v === 1);
  if (Array.isArray(arr.data)) return arr.data;
  if ((arr.dtype === 'int64' || arr.dtype === 'uint64') && (arr.data as Float64Array).every((v) => v >= -2147483648 && v <= 2147483647)) {
    // Small int64 values (groups, ids) become Int32Array so they stay integers when written back.
    return Int32Array.from(arr.data as Float64Array);
  }
  void where;
  return arr.data;
}

/** Reads every properties/*.npy of a SpikeInterface folder (structured arrays such as contact_vector are returned apart). */
export function readSiProperties(dir: string): { values: Map<string, PropertyValues>; raw: Map<string, NpyArray> } {
  const values = new Map<string, PropertyValues>();
  const raw = new Map<string, NpyArray>();
  const pdir = path.join(dir, 'properties');
  if (!fs.existsSync(pdir)) return { values, raw };
  for (const f of fs.readdirSync(pdir).sort()) {
    if (!f.endsWith('.npy')) continue;
    const key = f.slice(0, -4);
    const arr = readNpy(path.join(pdir, f));
    raw.set(key, arr);
    const v = npyToProperty(arr, path.join(pdir, f));
    if (v) values.set(key, v);
  }
  return { values, raw };
}

/** Writes properties as properties/<name>.npy; a property with k values per item is written as (n, k). */
export function writeSiProperties(dir: string, props: Map<string, PropertyValues>, numItems: number): void {
  for (const [key, v] of props) {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`property '${key}': name cannot be used as a file name; rename it`);
    if (v.length === 0 && numItems > 0) continue;
    const k = numItems > 0 && v.length % numItems === 0 ? v.length / numItems : 1;
    const shape = k === 1 ? [v.length] : [numItems, k];
    let data: NpyData | boolean[];
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'boolean')) data = v as boolean[];
      else if (v.every((x) => typeof x === 'number')) data = Float64Array.from(v as number[]);
      else data = v.map((x) => String(x));
    } else {
      data = v;
    }
    writeNpy(path.join(dir, 'properties', `${key}.npy`), { data, shape });
  }
}

/** Parses a SpikeInterface dtype string ('<i2', '>f4', 'int16') into our dtype plus byte order. */
function parseSiDType(s: unknown, where: string): { dtype: DType; bigEndian: boolean } {
  if (typeof s !== 'string') throw new Error(`${where}: "dtype" is missing or not a string`);
  const bigEndian = s.startsWith('>');
  return { dtype: parseDType(bigEndian ? s.slice(1) : s.replace(/^[<=|]/, ''), where), bigEndian };
}

function numbers(v: unknown, n: number, what: string, where: string): number[] | null {
  if (v === null || v === undefined) return null;
  const arr = Array.isArray(v) ? v : [v];
  if (arr.length === 1 && n > 1) return new Array(n).fill(Number(arr[0]));
  if (arr.length !== n || !arr.every((x) => typeof x === 'number')) {
    throw new Error(`${where}: "${what}" must be ${n} numbers (one per channel), got ${JSON.stringify(v).slice(0, 80)}`);
  }
  return arr as number[];
}

/** A ProbeGroup rebuilt from SpikeInterface's contact_vector property (used when probe.json is absent). */
export function probeFromContactVector(cv: NpyArray, where: string): ProbeGroup {
  const f = cv.fields;
  if (!f || !f.x || !f.y || !f.probe_index) throw new Error(`${where}: contact_vector lacks probe_index/x/y fields`);
  const n = f.x.length;
  const probeIndex = f.probe_index as Float64Array;
  const ids = [...new Set(Array.from(probeIndex))].sort((a, b) => a - b);
  const probes = ids.map((pi) => {
    const rows = Array.from({ length: n }, (_, i) => i).filter((i) => probeIndex[i] === pi);
    const str = (key: string) => (f[key] ? rows.map((i) => String((f[key] as string[])[i])) : undefined);
    const num = (key: string) => (f[key] ? rows.map((i) => (f[key] as Float64Array)[i]) : undefined);
    const radius = num('radius');
    const width = num('width');
    const height = num('height');
    const shapes = str('contact_shapes');
    const hasZ = Boolean(f.z);
    return new Probe({
      ndim: hasZ ? 3 : 2,
      positions: rows.flatMap((i) => (hasZ ? [(f.x as Float64Array)[i], (f.y as Float64Array)[i], (f.z as Float64Array)[i]] : [(f.x as Float64Array)[i], (f.y as Float64Array)[i]])),
      contactIds: str('contact_ids'),
      shankIds: str('shank_ids'),
      deviceChannelIndices: num('device_channel_indices') ?? null,
      contactShapes: shapes?.map((s) => (s === 'square' || s === 'rect' ? s : 'circle')),
      contactShapeParams: rows.map((_, j) => {
        const s = shapes?.[j] ?? 'circle';
        if (s === 'circle') return { radius: radius?.[j] ?? 6 };
        if (s === 'square') return { width: width?.[j] ?? 12 };
        return { width: width?.[j] ?? 12, height: height?.[j] ?? 12 };
      }),
      siUnits: str('si_units')?.[0] ?? 'um',
    });
  });
  return new ProbeGroup(probes);
}

/** SpikeInterface's contact_vector for a recording's probe: one record per channel, in channel order. */
export function contactVectorFor(group: ProbeGroup, numChannels: number): NpyArray {
  const geo = group.channelGeometry(numChannels);
  const wired = Array.from({ length: numChannels }, (_, c) => c).filter((c) => geo.probeIndex[c] >= 0);
  const contact = (c: number) => group.probes[geo.probeIndex[c]];
  const k = (c: number) => geo.contactIndex[c];
  const shapes = wired.map((c) => contact(c).contactShapes[k(c)]);
  const fields: Record<string, NpyData> = {};
  const info: { name: string; dtype: 'int64' | 'float64' | 'unicode' }[] = [];
  const add = (name: string, dtype: 'int64' | 'float64' | 'unicode', data: NpyData) => {
    fields[name] = data;
    info.push({ name, dtype });
  };
  const is3d = group.probes.some((p) => p.ndim === 3);
  add('probe_index', 'int64', Float64Array.from(wired, (c) => geo.probeIndex[c]));
  add('x', 'float64', Float64Array.from(wired, (c) => contact(c).positions[k(c) * contact(c).ndim]));
  add('y', 'float64', Float64Array.from(wired, (c) => contact(c).positions[k(c) * contact(c).ndim + 1]));
  if (is3d) add('z', 'float64', Float64Array.from(wired, (c) => (contact(c).ndim === 3 ? contact(c).positions[k(c) * 3 + 2] : 0)));
  add('contact_shapes', 'unicode', shapes.map(String));
  const param = (c: number) => contact(c).contactShapeParams[k(c)];
  if (shapes.includes('circle')) add('radius', 'float64', Float64Array.from(wired, (c) => param(c).radius ?? NaN));
  if (shapes.includes('square') || shapes.includes('rect')) add('width', 'float64', Float64Array.from(wired, (c) => param(c).width ?? NaN));
  if (shapes.includes('rect')) add('height', 'float64', Float64Array.from(wired, (c) => param(c).height ?? NaN));
  if (wired.some((c) => contact(c).shankIds[k(c)] !== '')) add('shank_ids', 'unicode', wired.map((c) => contact(c).shankIds[k(c)]));
  add('contact_ids', 'unicode', wired.map((c) => contact(c).contactIds[k(c)]));
  add('device_channel_indices', 'int64', Float64Array.from(wired));
  add('si_units', 'unicode', wired.map((c) => contact(c).siUnits));
  // Contact plane axes: probeinterface's default orientation (x along x, y along y).
  add('plane_axis_x_0', 'float64', new Float64Array(wired.length).fill(1));
  add('plane_axis_x_1', 'float64', new Float64Array(wired.length));
  add('plane_axis_y_0', 'float64', new Float64Array(wired.length));
  add('plane_axis_y_1', 'float64', new Float64Array(wired.length).fill(1));
  return {
    descr: '',
    dtype: 'structured',
    shape: [wired.length],
    data: new Uint8Array(0),
    fortranOrder: false,
    fields,
    fieldInfo: info.map((i) => ({ name: i.name, dtype: i.dtype, descr: i.dtype === 'unicode' ? '<U64' : i.dtype === 'int64' ? '<i8' : '<f8', shape: [] })),
  };
}

/** Reads a SpikeInterface binary folder (or a folder holding only binary.json) as a BinaryRecording. */
export function readSpikeInterfaceFolder(dir: string): BinaryRecording {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: folder not found`);
  const siFile = path.join(dir, 'si_folder.json');
  const binFile = path.join(dir, 'binary.json');
  let annotations: Record<string, unknown> = {};
  let desc: Record<string, unknown>;
  let descFile: string;
  if (fs.existsSync(siFile)) {
    const si = readJson(siFile);
    const cls = String(si.class ?? '');
    annotations = { ...((si.annotations as Record<string, unknown>) ?? {}) };
    if (cls.endsWith('BinaryFolderRecording')) {
      desc = readJson(binFile);
      descFile = binFile;
    } else if (cls.endsWith('BinaryRecordingExtractor')) {
      desc = si;
      descFile = siFile;
    } else {
      throw new Error(`${siFile}: class '${cls}' is not a binary recording folder; only recordings saved with format='binary' are supported (re-save with recording.save(format='binary'))`);
    }
  } else if (fs.existsSync(binFile)) {
    desc = readJson(binFile);
    descFile = binFile;
  } else {
    throw new Error(`${dir}: neither si_folder.json nor binary.json found; is this a SpikeInterface binary folder?`);
  }
  annotations = { ...((desc.annotations as Record<string, unknown>) ?? {}), ...annotations };
  const kw = (desc.kwargs ?? {}) as Record<string, unknown>;
  const timeAxis = kw.time_axis ?? 0;
  if (timeAxis !== 0) throw new Error(`${descFile}: time_axis=${String(timeAxis)} (channel-major files) is not supported; re-save the recording with time_axis=0`);
  const numChannels = Number(kw.num_channels);
  if (!Number.isInteger(numChannels) || numChannels < 1) throw new Error(`${descFile}: "num_channels" must be a positive integer`);
  const fs_ = Number(kw.sampling_frequency);
  if (!(fs_ > 0)) throw new Error(`${descFile}: "sampling_frequency" must be a positive number`);
  const { dtype, bigEndian } = parseSiDType(kw.dtype, descFile);
  const paths = Array.isArray(kw.file_paths) ? kw.file_paths : kw.file_paths !== undefined ? [kw.file_paths] : [];
  if (paths.length === 0) throw new Error(`${descFile}: "file_paths" is empty`);
  const files = paths.map((p) => {
    const s = String(p);
    const candidates = path.isAbsolute(s) ? [s, path.join(dir, path.basename(s))] : [path.join(dir, s)];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`${descFile}: data file '${s}' not found (looked in ${candidates.join(', ')}); copy it beside binary.json`);
    return found;
  });
  const channelIds = Array.isArray(kw.channel_ids) ? kw.channel_ids.map(String) : undefined;
  if (channelIds && channelIds.length !== numChannels) throw new Error(`${descFile}: ${channelIds.length} channel_ids for num_channels=${numChannels}`);
  const { values: props, raw } = readSiProperties(dir);
  const gains = pickNumbers(props.get('gain_to_uV'), numChannels) ?? numbers(kw.gain_to_uV, numChannels, 'gain_to_uV', descFile) ?? undefined;
  const offsets = pickNumbers(props.get('offset_to_uV'), numChannels) ?? numbers(kw.offset_to_uV, numChannels, 'offset_to_uV', descFile) ?? undefined;
  props.delete('gain_to_uV');
  props.delete('offset_to_uV');
  for (const [k, v] of props) {
    if (v.length % numChannels !== 0) throw new Error(`${path.join(dir, 'properties', k + '.npy')}: ${v.length} values is not a multiple of ${numChannels} channels`);
  }
  const probeFile = path.join(dir, 'probe.json');
  let probe: ProbeGroup | null = null;
  if (fs.existsSync(probeFile)) probe = readProbeInterfaceJson(probeFile);
  else if (raw.has('contact_vector')) probe = probeFromContactVector(raw.get('contact_vector')!, path.join(dir, 'properties', 'contact_vector.npy'));
  const tStarts = kw.t_starts;
  const times: SegmentTime[] = files.map((_, s) => {
    const tf = path.join(dir, `times_cached_seg${s}.npy`);
    const t0 = Array.isArray(tStarts) && typeof tStarts[s] === 'number' ? (tStarts[s] as number) : 0;
    if (!fs.existsSync(tf)) return { tStart: t0, timestamps: null };
    const ts = readNpy(tf);
    return { tStart: 0, timestamps: Float64Array.from(ts.data as ArrayLike<number>) };
  });
  const rec = new BinaryRecording({
    files,
    samplingFrequency: fs_,
    numChannelsInFile: numChannels,
    dtype,
    bigEndian,
    byteOffset: Number(kw.file_offset ?? 0),
    channelIds,
    gains,
    offsets,
    init: { probe, properties: props, annotations, times: times.some((t) => t.timestamps || t.tStart) ? times : undefined },
  });
  times.forEach((t, s) => {
    if (t.timestamps && t.timestamps.length !== rec.getNumSamples(s)) {
      throw new Error(`${path.join(dir, `times_cached_seg${s}.npy`)}: ${t.timestamps.length} timestamps for ${rec.getNumSamples(s)} samples`);
    }
  });
  return rec;
}

function pickNumbers(v: PropertyValues | undefined, n: number): number[] | null {
  if (!v || v.length !== n || Array.isArray(v)) return null;
  return Array.from(v as NumericArray);
}

export interface WriteSiFolderOptions {
  /** Storage dtype (default: the recording's). Float → integer rounds and refuses values out of range. */
  dtype?: DType;
  /** Samples per chunk (default: about 16 MB of traces). */
  chunkSize?: number;
  reporter?: Reporter;
  overwrite?: boolean;
}

/** Writes a recording as a SpikeInterface binary folder, chunk by chunk, atomically. */
export async function writeSpikeInterfaceFolder(rec: Recording, dir: string, opts: WriteSiFolderOptions = {}): Promise<void> {
  const dtype = opts.dtype ?? rec.dtype;
  const reporter = opts.reporter ?? silentReporter;
  const nc = rec.numChannels;
  const frameBytes = nc * DTYPE_BYTES[dtype];
  const chunk = Math.max(1, Math.floor(opts.chunkSize ?? Math.max(1, Math.floor((16 << 20) / frameBytes))));
  if (rec instanceof BinaryRecording && opts.overwrite) {
    const target = path.resolve(dir) + path.sep;
    for (const f of rec.fileNames) {
      if (path.resolve(f).startsWith(target)) throw new Error(`${dir}: cannot overwrite the folder the recording is read from (${f}); write to another folder`);
    }
  }
  await withAtomicDir(dir, (tmp) => {
    const total = Array.from({ length: rec.numSegments }, (_, s) => Math.ceil(rec.getNumSamples(s) / chunk)).reduce((a, b) => a + b, 0);
    reporter.begin(`writing ${path.basename(dir)}`, total);
    let done = 0;
    for (let s = 0; s < rec.numSegments; s++) {
      const fd = fs.openSync(path.join(tmp, `traces_cached_seg${s}.raw`), 'wx');
      try {
        const ns = rec.getNumSamples(s);
        for (let start = 0; start < ns; start += chunk) {
          const end = Math.min(ns, start + chunk);
          const traces = castTraces(rec.getTraces({ segment: s, start, end }), dtype, `${dir}: segment ${s}, samples ${start}..${end}`);
          const bytes = new Uint8Array(traces.buffer, traces.byteOffset, traces.byteLength);
          let w = 0;
          while (w < bytes.length) w += fs.writeSync(fd, bytes, w, bytes.length - w);
          reporter.progress(++done);
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      const st = rec.getSegmentTime(s);
      if (st.timestamps) writeNpy(path.join(tmp, `times_cached_seg${s}.npy`), { data: st.timestamps });
    }
    reporter.end();
    writeMetadata(rec, tmp, dtype);
  }, { overwrite: opts.overwrite });
}

function castTraces(t: NumericArray, dtype: DType, where: string): NumericArray {
  if (t instanceof (allocArray(dtype, 0).constructor as new () => NumericArray)) return t;
  const out = allocArray(dtype, t.length);
  const round = !isFloatDType(dtype);
  for (let i = 0; i < t.length; i++) {
    const v = round ? Math.round(t[i]) : t[i];
    out[i] = v;
    if (round && out[i] !== v) throw new Error(`${where}: value ${t[i]} does not fit in ${dtype}; write as float32 or scale the traces first`);
  }
  return out;
}

function writeMetadata(rec: Recording, dir: string, dtype: DType): void {
  const nc = rec.numChannels;
  const tStarts = Array.from({ length: rec.numSegments }, (_, s) => rec.getSegmentTime(s).tStart);
  const gains = Array.from(rec.gains);
  const offsets = Array.from(rec.offsets);
  const binary = {
    class: 'spikeinterface.core.binaryrecordingextractor.BinaryRecordingExtractor',
    module: 'spikeinterface',
    version: SI_LAYOUT_VERSION,
    kwargs: {
      file_paths: Array.from({ length: rec.numSegments }, (_, s) => `traces_cached_seg${s}.raw`),
      sampling_frequency: rec.samplingFrequency,
      t_starts: tStarts.some((t) => t !== 0) ? tStarts : null,
      num_channels: nc,
      dtype: NUMPY_DESCR[dtype],
      channel_ids: [...rec.channelIds],
      time_axis: 0,
      file_offset: 0,
      gain_to_uV: gains,
      offset_to_uV: offsets,
      is_filtered: Boolean(rec.annotations.is_filtered),
    },
    annotations: { is_filtered: Boolean(rec.annotations.is_filtered) },
    properties: { gain_to_uV: gains, offset_to_uV: offsets },
    relative_paths: true,
  };
  writeFileAtomic(path.join(dir, 'binary.json'), JSON.stringify(binary, jsonSafe, 4));
  const si = {
    class: 'spikeinterface.core.binaryfolder.BinaryFolderRecording',
    module: 'spikeinterface',
    version: SI_LAYOUT_VERSION,
    kwargs: { folder_path: '.' },
    annotations: rec.annotations,
    properties: {},
    relative_paths: true,
  };
  writeFileAtomic(path.join(dir, 'si_folder.json'), JSON.stringify(si, jsonSafe, 4));
  const props = new Map(rec.properties);
  props.set('gain_to_uV', Float64Array.from(gains));
  props.set('offset_to_uV', Float64Array.from(offsets));
  props.delete('contact_vector');
  writeSiProperties(dir, props, nc);
  if (rec.probe) {
    writeProbeInterfaceJson(path.join(dir, 'probe.json'), rec.probe);
    writeNpy(path.join(dir, 'properties', 'contact_vector.npy'), contactVectorFor(rec.probe, nc));
  }
}

/** JSON without typed arrays or non-finite numbers (SpikeInterface reads null). */
function jsonSafe(_key: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/**
 * NWB (Neurodata Without Borders, HDF5 backend): ElectricalSeries as recordings, the Units table as
 * sortings, and writing a sorting as a Units table.
 *
 * An ElectricalSeries stores `data` (time × channels, any numeric dtype) in `unit` (volts) with
 * value = data × conversion × channel_conversion[c] + offset, timing as starting_time + rate or as
 * explicit timestamps, and `electrodes`, a region (row indices) of /general/extracellular_ephys/electrodes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PropertyValues, Recording, SegmentTime } from '../core/recording.js';
import { Sorting } from '../core/sorting.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import {
  H5File,
  H5Group,
  H5Dataset,
  Hdf5Recording,
  addHdf5PluginPath,
  asNumber,
  asString,
  attrValue,
  findDataset,
  findGroup,
  hasHdf5Signature,
  hdf5PluginPaths,
  isHdf5Loaded,
  loadHdf5,
  openHdf5,
  readNumbers,
  requireDataset,
  requireGroup,
} from './hdf5.js';

export interface NwbOpenOptions {
  /** Which ElectricalSeries: its path ('acquisition/ElectricalSeries') or its name when unique. */
  stream?: string;
  hdf5PluginPath?: string;
  reporter?: Reporter;
}

const ELECTRODES_TABLE = '/general/extracellular_ephys/electrodes';

/** NWB files are HDF5 files whose root says neurodata_type NWBFile (judged by the .nwb name until loadHdf5() has run). */
export function isNwb(file: string): boolean {
  if (!hasHdf5Signature(file)) return false;
  if (!isHdf5Loaded()) return file.toLowerCase().endsWith('.nwb');
  let f: H5File | null = null;
  try {
    f = openHdf5(file);
    return attrValue(f, 'neurodata_type') === 'NWBFile';
  } catch {
    return false;
  } finally {
    f?.close();
  }
}

/** Paths of the ElectricalSeries under /acquisition and /processing, e.g. 'acquisition/ElectricalSeries'. */
export function findElectricalSeries(f: H5File): string[] {
  const out: string[] = [];
  const walk = (g: H5Group, depth: number) => {
    for (const key of g.keys()) {
      const child = findGroup(f, `${g.path}/${key}`);
      if (!child) continue;
      if (attrValue(child, 'neurodata_type') === 'ElectricalSeries') out.push(child.path.replace(/^\//, ''));
      else if (depth < 4) walk(child, depth + 1);
    }
  };
  for (const top of ['/acquisition', '/processing']) {
    const g = findGroup(f, top);
    if (g) walk(g, 1);
  }
  return out;
}

export async function listNwbStreams(file: string): Promise<string[]> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    checkNwb(f);
    return findElectricalSeries(f);
  } finally {
    f.close();
  }
}

function checkNwb(f: H5File): void {
  if (attrValue(f, 'neurodata_type') !== 'NWBFile') {
    throw new Error(`${f.filename}: not an NWB file (the HDF5 root has no neurodata_type 'NWBFile'): check the path or the format`);
  }
}

/** Resolves the `stream` option to one series path; without it, the only series in /acquisition. */
export function chooseSeries(fileName: string, series: string[], stream?: string): string {
  const list = series.length ? series.join(', ') : 'none';
  if (stream !== undefined) {
    const s = stream.replace(/^\//, '');
    const hits = series.filter((p) => p === s || p.endsWith(`/${s}`));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new Error(`${fileName}: stream '${stream}' matches ${hits.join(', ')}: give the full path`);
    throw new Error(`${fileName}: no ElectricalSeries '${stream}'; the file has: ${list}`);
  }
  if (series.length === 1) return series[0];
  const acq = series.filter((p) => p.startsWith('acquisition/'));
  if (acq.length === 1) return acq[0];
  if (series.length === 0) throw new Error(`${fileName}: the NWB file has no ElectricalSeries under /acquisition or /processing: nothing to sort`);
  throw new Error(`${fileName}: the NWB file has several ElectricalSeries (${list}): choose one with --stream`);
}

const UNIT_TO_UV: Record<string, number> = { volts: 1e6, volt: 1e6, v: 1e6, millivolts: 1e3, mv: 1e3, microvolts: 1, uv: 1, µv: 1 };

/** Opens one ElectricalSeries as a lazily read recording. */
export async function openNwb(file: string, opts: NwbOpenOptions = {}): Promise<Hdf5Recording> {
  await loadHdf5();
  if (opts.hdf5PluginPath) addHdf5PluginPath(opts.hdf5PluginPath);
  const reporter = opts.reporter ?? silentReporter;
  const f = openHdf5(file);
  let args: ConstructorParameters<typeof Hdf5Recording>[0];
  try {
    checkNwb(f);
    const seriesPath = chooseSeries(file, findElectricalSeries(f), opts.stream);
    args = seriesArgs(f, file, seriesPath, reporter);
  } finally {
    f.close();
  }
  return new Hdf5Recording({ ...args, pluginPaths: hdf5PluginPaths() });
}

function seriesArgs(f: H5File, file: string, seriesPath: string, reporter: Reporter): ConstructorParameters<typeof Hdf5Recording>[0] {
  const where = `${file}: ${seriesPath}`;
  const data = requireDataset(f, `${seriesPath}/data`, 'ElectricalSeries data');
  const shape = data.shape ?? [];
  if (shape.length < 1 || shape.length > 2) throw new Error(`${where}/data has shape [${shape}]: expected time × channels`);
  const numSamples = shape[0];
  const numChannels = shape.length === 2 ? shape[1] : 1;

  const unit = String(attrValue(data, 'unit') ?? 'volts').toLowerCase();
  const toUv = UNIT_TO_UV[unit];
  if (toUv === undefined) throw new Error(`${where}/data has unit '${unit}': expected volts (NWB ElectricalSeries data are in volts)`);
  const conversion = attrValue(data, 'conversion') === undefined ? 1 : asNumber(attrValue(data, 'conversion'), `${where}/data conversion`);
  const offset = attrValue(data, 'offset') === undefined ? 0 : asNumber(attrValue(data, 'offset'), `${where}/data offset`);
  const chConv = findDataset(f, `${seriesPath}/channel_conversion`);
  const perChannel = chConv ? readNumbers(chConv) : new Float64Array(numChannels).fill(1);
  if (perChannel.length !== numChannels) {
    throw new Error(`${where}/channel_conversion has ${perChannel.length} values for ${numChannels} channels: the file is inconsistent`);
  }
  const gains = Array.from(perChannel, (c) => conversion * c * toUv);
  const offsets = new Array<number>(numChannels).fill(offset * toUv);

  const { samplingFrequency, time } = seriesTiming(f, where, seriesPath, numSamples);
  const electrodes = seriesElectrodes(f, where, seriesPath, numChannels, reporter);

  return {
    file,
    dataset: `/${seriesPath}/data`,
    layout: shape.length === 2 ? 'time-major' : 'interleaved',
    numChannelsInFile: numChannels,
    init: {
      samplingFrequency,
      channelIds: electrodes.channelIds,
      gains,
      offsets,
      properties: electrodes.properties,
      annotations: { format: 'nwb', nwbSeries: seriesPath },
      times: [time],
    },
  };
}

function seriesTiming(f: H5File, where: string, seriesPath: string, numSamples: number): { samplingFrequency: number; time: SegmentTime } {
  const start = findDataset(f, `${seriesPath}/starting_time`);
  if (start) {
    const rate = asNumber(attrValue(start, 'rate'), `${where}/starting_time rate`);
    if (!(rate > 0)) throw new Error(`${where}/starting_time has rate ${rate}: expected a positive sampling rate in Hz`);
    return { samplingFrequency: rate, time: { tStart: asNumber(start.value, `${where}/starting_time`), timestamps: null } };
  }
  const ts = findDataset(f, `${seriesPath}/timestamps`);
  if (!ts) throw new Error(`${where} has neither starting_time + rate nor timestamps: the file is not valid NWB`);
  const t = readNumbers(ts);
  if (t.length !== numSamples) throw new Error(`${where}/timestamps has ${t.length} values for ${numSamples} samples: the file is inconsistent`);
  if (t.length < 2) throw new Error(`${where}: cannot infer a sampling rate from ${t.length} timestamp(s)`);
  const n = Math.min(t.length, 10001);
  const d = Array.from({ length: n - 1 }, (_, i) => t[i + 1] - t[i]).sort((a, b) => a - b);
  const dt = d[Math.floor(d.length / 2)];
  if (!(dt > 0)) throw new Error(`${where}/timestamps are not increasing: cannot infer a sampling rate`);
  return { samplingFrequency: 1 / dt, time: { tStart: t[0], timestamps: t } };
}

interface ElectrodeInfo {
  channelIds: string[];
  properties: Map<string, PropertyValues>;
}

function seriesElectrodes(f: H5File, where: string, seriesPath: string, numChannels: number, reporter: Reporter): ElectrodeInfo {
  const fallback = (): ElectrodeInfo => ({ channelIds: Array.from({ length: numChannels }, (_, i) => String(i)), properties: new Map() });
  const region = findDataset(f, `${seriesPath}/electrodes`);
  if (!region) return fallback();
  let rows = Array.from(readNumbers(region));
  if (rows.length !== numChannels) {
    if (rows.length < numChannels) {
      throw new Error(`${where}/electrodes lists ${rows.length} electrodes for ${numChannels} data columns: the file is inconsistent`);
    }
    reporter.log('warn', `${where}/electrodes lists ${rows.length} electrodes for ${numChannels} data columns; using the first ${numChannels}`);
    rows = rows.slice(0, numChannels);
  }
  const table = electrodesTable(f, region);
  if (!table) return fallback();
  const cols = readTableColumns(f, table);
  const nRows = cols.get('id')?.length ?? 0;
  for (const r of rows) {
    if (!(r >= 0 && r < nRows)) throw new Error(`${where}/electrodes refers to row ${r} of a ${nRows}-row electrodes table: the file is inconsistent`);
  }
  const pick = (name: string) => {
    const v = cols.get(name);
    return v && v.length === nRows ? rows.map((r) => v[r]) : null;
  };
  const ids = pick('channel_name')?.map(String) ?? pick('id')?.map(String) ?? rows.map(String);
  const channelIds = new Set(ids).size === ids.length ? ids : rows.map(String);
  const properties = new Map<string, PropertyValues>();
  const x = pick('rel_x') ?? pick('x');
  const y = pick('rel_y') ?? pick('y');
  if (x && y && x.every((v) => typeof v === 'number') && y.every((v) => typeof v === 'number')) {
    properties.set('location', Float64Array.from({ length: numChannels * 2 }, (_, i) => Number((i % 2 ? y : x)[i >> 1])));
  }
  const group = pick('group_name') ?? pick('group');
  if (group) properties.set('group', group.map(String));
  const area = pick('location');
  if (area) properties.set('brain_area', area.map(String));
  properties.set('electrode_row', Int32Array.from(rows));
  return { channelIds, properties };
}

function electrodesTable(f: H5File, region: H5Dataset): H5Group | null {
  const ref = region.attrs['table']?.value;
  const r = Array.isArray(ref) ? ref[0] : ref;
  if (r && typeof r === 'object' && 'ref_data' in r) {
    try {
      const target = f.dereference(r as never);
      if (target && 'keys' in target) return target as unknown as H5Group;
    } catch {
      // fall through to the standard location
    }
  }
  return findGroup(f, ELECTRODES_TABLE);
}

/** Columns of an hdmf DynamicTable as JS arrays (object references become the referenced object's name). */
function readTableColumns(f: H5File, table: H5Group): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const key of table.keys()) {
    const ds = findDataset(f, `${table.path}/${key}`);
    if (!ds || (ds.shape ?? []).length !== 1) continue;
    const meta = ds.metadata;
    if (meta.type === 7) {
      const refs = (ds.value as unknown[]) ?? [];
      out.set(key, refs.map((r) => {
        try {
          const e = f.dereference(r as never) as { path?: string } | null;
          return e?.path ? path.posix.basename(e.path) : '';
        } catch {
          return '';
        }
      }));
      continue;
    }
    const v = ds.json_value;
    if (Array.isArray(v)) out.set(key, v.map((x) => (typeof x === 'bigint' ? Number(x) : x)));
  }
  return out;
}

export interface NwbUnitsReadOptions {
  /** Sampling rate for spike sample indices; default: the rate of the file's raw ElectricalSeries. */
  samplingFrequency?: number;
  /** Time (s) of sample 0; default: the starting time of that series (or 0). */
  tStart?: number;
}

/** Reads /units (spike_times + spike_times_index) as a one-segment sorting. */
export async function readNwbUnits(file: string, opts: NwbUnitsReadOptions = {}): Promise<Sorting> {
  await loadHdf5();
  const f = openHdf5(file);
  try {
    checkNwb(f);
    requireGroup(f, '/units', 'Units table');
    let fs_ = opts.samplingFrequency;
    let t0 = opts.tStart;
    if (fs_ === undefined || t0 === undefined) {
      const series = findElectricalSeries(f);
      if (series.length === 0 && fs_ === undefined) {
        throw new Error(`${file}: no ElectricalSeries to take the sampling rate from: pass samplingFrequency`);
      }
      if (series.length) {
        const s = chooseSeries(file, series);
        const data = requireDataset(f, `${s}/data`);
        const timing = seriesTiming(f, `${file}: ${s}`, s, (data.shape ?? [0])[0]);
        fs_ ??= timing.samplingFrequency;
        t0 ??= timing.time.tStart;
      }
    }
    const rate = fs_!;
    const start = t0 ?? 0;
    const times = readNumbers(requireDataset(f, '/units/spike_times', 'units spike_times'));
    const index = readNumbers(requireDataset(f, '/units/spike_times_index', 'units spike_times_index'));
    const ids = readNumbers(requireDataset(f, '/units/id', 'units id'));
    if (ids.length !== index.length) throw new Error(`${file}: /units has ${ids.length} ids but ${index.length} spike_times_index entries: the file is inconsistent`);
    const names = findDataset(f, '/units/unit_name')?.json_value;
    const unitIds = Array.isArray(names) && names.length === ids.length ? names.map(String) : Array.from(ids, String);
    const trains: Float64Array[] = [];
    let prev = 0;
    index.forEach((end, u) => {
      if (end < prev || end > times.length) throw new Error(`${file}: /units/spike_times_index entry ${u} (${end}) is out of order or past the ${times.length} spike times`);
      trains.push(Float64Array.from(times.subarray(prev, end), (t) => Math.round((t - start) * rate)));
      prev = end;
    });
    return Sorting.fromTrains([trains], { samplingFrequency: rate, unitIds, annotations: { format: 'nwb' } });
  } finally {
    f.close();
  }
}

export interface NwbUnitsWriteOptions {
  /** Put the units into a copy of this NWB file (which is never modified) instead of a new minimal file. */
  copyFrom?: string;
  /** The recording the sorting came from: its timestamps/start time give spike times in seconds, and a new file gets its electrodes. */
  recording?: Recording;
  /** For each unit, the recording channel indices (electrodes table rows) it is on, e.g. its sparsity. */
  unitChannels?: number[][];
  /** Mean waveforms in µV, unit-major [unit][sample][channel], with their shape. */
  waveformMean?: { data: Float32Array | Float64Array; numSamples: number; numChannels: number };
  sessionDescription?: string;
  identifier?: string;
  sessionStartTime?: Date;
  overwrite?: boolean;
}

/**
 * Writes a sorting as an NWB Units table, into a new minimal NWB 2.5 file or a copy of an existing
 * one. The file is built under a temporary name beside `file` and renamed when complete.
 */
export async function writeNwbUnits(file: string, sorting: Sorting, opts: NwbUnitsWriteOptions = {}): Promise<void> {
  const h5 = await loadHdf5();
  if (sorting.numSegments !== 1) {
    throw new Error(`${file}: NWB units need a one-segment sorting (this one has ${sorting.numSegments}): concatenate the segments first`);
  }
  const target = path.resolve(file);
  if (fs.existsSync(target) && !opts.overwrite) throw new Error(`${file}: already exists: pass overwrite (--overwrite) or choose another name`);
  if (opts.copyFrom && path.resolve(opts.copyFrom) === target) throw new Error(`${file}: the output would replace the input NWB file: choose another output name`);
  const n = sorting.numUnits;
  if (opts.unitChannels && opts.unitChannels.length !== n) throw new Error(`${file}: unitChannels has ${opts.unitChannels.length} entries for ${n} units`);
  const wf = opts.waveformMean;
  if (wf && wf.data.length !== n * wf.numSamples * wf.numChannels) {
    throw new Error(`${file}: waveformMean has ${wf.data.length} values, expected ${n} units × ${wf.numSamples} samples × ${wf.numChannels} channels`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    if (opts.copyFrom) {
      const src = openHdf5(opts.copyFrom);
      try {
        checkNwb(src);
        if (findGroup(src, '/units')) throw new Error(`${opts.copyFrom}: already has a /units table: write the units to a new file instead (omit copyFrom)`);
      } finally {
        src.close();
      }
      fs.copyFileSync(opts.copyFrom, tmp);
      fs.chmodSync(tmp, 0o644);
    }
    const out = new h5.File(tmp, opts.copyFrom ? 'a' : 'w');
    try {
      if (!opts.copyFrom) writeNwbSkeleton(out, opts);
      if (!opts.copyFrom && opts.recording) writeElectrodes(out, opts.recording);
      writeUnitsTable(out, sorting, opts);
    } finally {
      out.close();
    }
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function uuid(): string {
  return globalThis.crypto.randomUUID();
}

function typed(obj: H5Group | H5Dataset, namespace: string, type: string, extra: Record<string, string> = {}): void {
  obj.create_attribute('namespace', namespace);
  obj.create_attribute('neurodata_type', type);
  obj.create_attribute('object_id', uuid());
  for (const [k, v] of Object.entries(extra)) obj.create_attribute(k, v);
}

function writeNwbSkeleton(f: H5File, opts: NwbUnitsWriteOptions): void {
  const now = new Date().toISOString();
  typed(f, 'core', 'NWBFile');
  f.create_attribute('nwb_version', '2.5.0');
  f.create_dataset({ name: 'file_create_date', data: [now] });
  f.create_dataset({ name: 'identifier', data: opts.identifier ?? uuid() });
  f.create_dataset({ name: 'session_description', data: opts.sessionDescription ?? 'spike sorting results written by spikeforge' });
  const start = (opts.sessionStartTime ?? new Date(0)).toISOString();
  f.create_dataset({ name: 'session_start_time', data: start });
  f.create_dataset({ name: 'timestamps_reference_time', data: start });
  for (const g of ['acquisition', 'analysis', 'processing', 'general', 'stimulus', 'stimulus/presentation', 'stimulus/templates']) f.create_group(g);
}

function vectorData(g: H5Group, name: string, data: Parameters<H5Group['create_dataset']>[0]['data'], description: string, shape?: number[]): H5Dataset {
  const d = g.create_dataset({ name, data, shape: shape ?? null });
  typed(d, 'hdmf-common', 'VectorData', { description });
  return d;
}

function vectorIndex(g: H5Group, name: string, ends: number[], target: H5Dataset): void {
  const d = g.create_dataset({ name, data: BigUint64Array.from(ends, (e) => BigInt(e)) });
  typed(d, 'hdmf-common', 'VectorIndex', { description: `Index for VectorData '${path.posix.basename(target.path)}'` });
  d.create_attribute('target', target.create_reference());
}

/** The group at `p`, creating it and missing parents. */
function ensureGroup(f: H5File, p: string): H5Group {
  let g: H5Group = f;
  for (const part of p.split('/').filter(Boolean)) g = findGroup(f, `${g.path === '/' ? '' : g.path}/${part}`) ?? g.create_group(part);
  return g;
}

/** An electrodes table (one row per recording channel) with one ElectrodeGroup per channel group. */
function writeElectrodes(f: H5File, rec: Recording): void {
  const dev = ensureGroup(f, 'general/devices/spikeforge_device');
  typed(dev, 'core', 'Device', { description: 'recording device (unknown to spikeforge)' });
  const ecephys = ensureGroup(f, 'general/extracellular_ephys');
  const groups = rec.getChannelGroups();
  const names = [...new Set(groups)].map((g) => `group_${g.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  const nameOf = new Map([...new Set(groups)].map((g, i) => [g, names[i]]));
  for (const name of names) {
    const eg = ecephys.create_group(name);
    typed(eg, 'core', 'ElectrodeGroup', { description: 'channel group', location: 'unknown' });
    eg.create_soft_link('/general/devices/spikeforge_device', 'device');
  }
  const table = ecephys.create_group('electrodes');
  const nc = rec.numChannels;
  const colnames = ['location', 'group', 'group_name', 'channel_name'];
  const idDs = table.create_dataset({ name: 'id', data: BigInt64Array.from({ length: nc }, (_, i) => BigInt(i)) });
  typed(idDs, 'hdmf-common', 'ElementIdentifiers');
  vectorData(table, 'location', new Array(nc).fill('unknown'), 'the location of channel within the subject e.g. brain region');
  const groupRefs = groups.map((g) => (f.get(`general/extracellular_ephys/${nameOf.get(g)}`) as H5Group).create_reference());
  vectorData(table, 'group', groupRefs, 'a reference to the ElectrodeGroup this electrode is a part of');
  vectorData(table, 'group_name', groups.map((g) => nameOf.get(g)!), 'the name of the ElectrodeGroup this electrode is a part of');
  vectorData(table, 'channel_name', [...rec.channelIds], 'channel id in spikeforge');
  if (rec.hasProbe()) {
    const loc = rec.getChannelLocations();
    vectorData(table, 'rel_x', Float64Array.from({ length: nc }, (_, i) => loc[2 * i]), 'x position of the electrode on the probe (µm)');
    vectorData(table, 'rel_y', Float64Array.from({ length: nc }, (_, i) => loc[2 * i + 1]), 'y position of the electrode on the probe (µm)');
    colnames.push('rel_x', 'rel_y');
  }
  typed(table, 'hdmf-common', 'DynamicTable', { description: 'metadata about extracellular electrodes' });
  table.create_attribute('colnames', colnames);
}

function spikeSeconds(sorting: Sorting, rec: Recording | undefined, unit: number): Float64Array {
  const tr = sorting.getUnitSpikeTrain(unit, 0);
  if (!rec) return Float64Array.from(tr, (s) => s / sorting.samplingFrequency);
  const t = rec.getSegmentTime(0);
  if (t.timestamps) {
    const ts = t.timestamps;
    return Float64Array.from(tr, (s) => {
      if (s < 0 || s >= ts.length) throw new Error(`spike at sample ${s} of unit ${sorting.unitIds[unit]} is outside the recording's ${ts.length} timestamps`);
      return ts[s];
    });
  }
  return Float64Array.from(tr, (s) => t.tStart + s / rec.samplingFrequency);
}

function writeUnitsTable(f: H5File, sorting: Sorting, opts: NwbUnitsWriteOptions): void {
  const units = f.create_group('units');
  const n = sorting.numUnits;
  const numeric = sorting.unitIds.every((id) => /^\d+$/.test(id) && Number(id) <= Number.MAX_SAFE_INTEGER);
  const idDs = units.create_dataset({
    name: 'id',
    data: BigInt64Array.from(sorting.unitIds, (id, i) => BigInt(numeric ? id : i)),
  });
  typed(idDs, 'hdmf-common', 'ElementIdentifiers');
  const colnames = ['spike_times'];
  const trains = Array.from({ length: n }, (_, u) => spikeSeconds(sorting, opts.recording, u));
  const ends: number[] = [];
  let total = 0;
  for (const t of trains) ends.push((total += t.length));
  const all = new Float64Array(total);
  trains.forEach((t, u) => all.set(t, ends[u] - t.length));
  const st = vectorData(units, 'spike_times', all, 'the spike times for each unit in seconds');
  st.create_attribute('resolution', 1 / sorting.samplingFrequency);
  vectorIndex(units, 'spike_times_index', ends, st);
  if (!numeric) {
    vectorData(units, 'unit_name', [...sorting.unitIds], 'unit id in spikeforge');
    colnames.push('unit_name');
  }
  if (opts.unitChannels) {
    const table = findGroup(f, ELECTRODES_TABLE);
    if (!table) throw new Error(`${f.filename}: unitChannels needs an electrodes table: pass the recording (or copy a file that has one)`);
    const nRows = (findDataset(f, `${ELECTRODES_TABLE}/id`)?.shape ?? [0])[0];
    const flat = opts.unitChannels.flat();
    for (const r of flat) if (!(Number.isInteger(r) && r >= 0 && r < nRows)) throw new Error(`unitChannels: row ${r} is outside the ${nRows}-row electrodes table`);
    const chEnds: number[] = [];
    let k = 0;
    for (const c of opts.unitChannels) chEnds.push((k += c.length));
    const el = units.create_dataset({ name: 'electrodes', data: BigInt64Array.from(flat, (r) => BigInt(r)) });
    typed(el, 'hdmf-common', 'DynamicTableRegion', { description: 'the electrodes each unit was detected on' });
    el.create_attribute('table', table.create_reference());
    vectorIndex(units, 'electrodes_index', chEnds, el);
    colnames.push('electrodes');
  }
  if (opts.waveformMean) {
    const w = opts.waveformMean;
    const d = vectorData(units, 'waveform_mean', Float64Array.from(w.data, (v) => v * 1e-6), 'the spike waveform mean for each unit', [n, w.numSamples, w.numChannels]);
    d.create_attribute('unit', 'volts');
    d.create_attribute('sampling_rate', sorting.samplingFrequency);
    colnames.push('waveform_mean');
  }
  typed(units, 'core', 'Units', { description: 'units sorted by spikeforge' });
  units.create_attribute('colnames', colnames);
}

/**
 * Phy / Kilosort output folders: params.py, spike_times.npy, spike_clusters.npy, templates.npy, ...
 * and cluster_*.tsv tables. Read tolerantly (Kilosort versions differ in dtypes and (n, 1) shapes),
 * written in the dtypes Phy's documentation lists.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NumericArray } from '../core/dtypes.js';
import { Sorting, UnitPropertyValues } from '../core/sorting.js';
import { withAtomicDir, writeFileAtomic } from './atomic.js';
import { NpyArray, NpyDType, readNpy, writeNpy, writeNpyRows } from './npy.js';
import type { Float32Rows } from '../exec/spill.js';
import { PyValue, parsePyAssignments, toPyLiteral } from './pyliteral.js';

export interface PhyParams {
  /** Raw data file(s), as written in params.py (relative to the folder or absolute). */
  datPath: string | string[];
  nChannelsDat: number;
  dtype: string;
  offset: number;
  sampleRate: number;
  hpFiltered: boolean;
  /** Any other assignments found in params.py. */
  extra?: Record<string, PyValue>;
}

/** An array with its shape (C order), as stored in one .npy file. */
export interface PhyArray<T extends NumericArray = NumericArray> {
  data: T;
  shape: number[];
}

/** A float32 array stored as rows read on demand (written a batch at a time): shape[0] rows. */
export interface PhyRows {
  rows: Float32Rows;
  shape: number[];
}

/** A cluster_<name>.tsv table: value columns (after cluster_id) and one row of strings per cluster. */
export interface ClusterTable {
  columns: string[];
  rows: Map<number, string[]>;
}

export interface PhyData {
  params: PhyParams;
  /** Spike times in samples. */
  spikeTimes: Float64Array;
  spikeClusters: Int32Array;
  spikeTemplates?: Int32Array;
  amplitudes?: Float64Array;
  /** units × time × channels. */
  templates?: PhyArray<Float32Array>;
  /** units × channels: the channels of each sparse template. */
  templatesInd?: PhyArray<Int32Array>;
  channelMap?: Int32Array;
  /** channels × 2 (µm). */
  channelPositions?: PhyArray<Float64Array>;
  similarTemplates?: PhyArray<Float32Array>;
  whiteningMat?: PhyArray<Float64Array>;
  whiteningMatInv?: PhyArray<Float64Array>;
  /** spikes × PCs × channels; read only when asked (it is the largest file). A sort's are written from their rows. */
  pcFeatures?: PhyArray<Float32Array> | PhyRows;
  pcFeatureInd?: PhyArray<Int32Array>;
  /** spikes × 2 (µm). */
  spikePositions?: PhyArray<Float64Array>;
  /** Tables by file stem: 'group' for cluster_group.tsv, 'KSLabel', 'ContamPct', 'info', ... */
  clusterTables: Map<string, ClusterTable>;
}

export interface ReadPhyOptions {
  /** Also load pc_features.npy (spikes × 3 × channels floats: gigabytes for long recordings). Default false. */
  pcFeatures?: boolean;
}

// ---------------------------------------------------------------- params.py

export function parsePhyParams(text: string, where = 'params.py'): PhyParams {
  const v = parsePyAssignments(text, where);
  const need = (key: string, type: 'number' | 'string'): number | string => {
    const x = v[key];
    if (typeof x !== type) throw new Error(`${where}: '${key}' must be a ${type}, found ${x === undefined ? 'nothing' : JSON.stringify(x)}`);
    return x as number | string;
  };
  const dat = v.dat_path;
  let datPath: string | string[];
  if (typeof dat === 'string') datPath = dat;
  else if (Array.isArray(dat) && dat.every((d) => typeof d === 'string')) datPath = dat as string[];
  else throw new Error(`${where}: 'dat_path' must be a string or a list of strings`);
  const known = new Set(['dat_path', 'n_channels_dat', 'dtype', 'offset', 'sample_rate', 'hp_filtered']);
  const extra = Object.fromEntries(Object.entries(v).filter(([k]) => !known.has(k)));
  const params: PhyParams = {
    datPath,
    nChannelsDat: need('n_channels_dat', 'number') as number,
    dtype: need('dtype', 'string') as string,
    offset: typeof v.offset === 'number' ? v.offset : 0,
    sampleRate: need('sample_rate', 'number') as number,
    hpFiltered: v.hp_filtered === true,
  };
  if (!(params.sampleRate > 0)) throw new Error(`${where}: 'sample_rate' must be positive`);
  if (Object.keys(extra).length) params.extra = extra;
  return params;
}

export function formatPhyParams(p: PhyParams): string {
  const float = (x: number) => (Number.isInteger(x) ? `${x}.` : String(x));
  const lines = [
    `dat_path = ${toPyLiteral(p.datPath)}`,
    `n_channels_dat = ${p.nChannelsDat}`,
    `dtype = ${toPyLiteral(p.dtype)}`,
    `offset = ${p.offset}`,
    `sample_rate = ${float(p.sampleRate)}`,
    `hp_filtered = ${p.hpFiltered ? 'True' : 'False'}`,
    ...Object.entries(p.extra ?? {}).map(([k, x]) => `${k} = ${toPyLiteral(x)}`),
  ];
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------- tsv

export function parseClusterTsv(text: string, where: string): ClusterTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${where}: empty file; expected a 'cluster_id<TAB>value' header`);
  const header = lines[0].split('\t');
  const idCol = header.indexOf('cluster_id') >= 0 ? header.indexOf('cluster_id') : header.indexOf('id');
  if (idCol < 0) throw new Error(`${where}: header '${lines[0]}' has no 'cluster_id' column`);
  const columns = header.filter((_, i) => i !== idCol);
  const rows = new Map<number, string[]>();
  lines.slice(1).forEach((line, i) => {
    const cells = line.split('\t');
    const id = Number(cells[idCol]);
    if (!Number.isInteger(id)) throw new Error(`${where}: line ${i + 2}: cluster id '${cells[idCol]}' is not an integer`);
    rows.set(id, columns.map((_, j) => cells.filter((__, k) => k !== idCol)[j] ?? ''));
  });
  return { columns, rows };
}

export function formatClusterTsv(t: ClusterTable): string {
  const ids = [...t.rows.keys()].sort((a, b) => a - b);
  return [['cluster_id', ...t.columns].join('\t'), ...ids.map((id) => [String(id), ...t.rows.get(id)!].join('\t'))].join('\n') + '\n';
}

// ---------------------------------------------------------------- reading

function asInt32(a: NpyArray, file: string): Int32Array {
  const d = a.data;
  if (Array.isArray(d) || a.dtype === 'structured') throw new Error(`${file}: expected integers, found dtype ${a.descr}`);
  if (d instanceof Int32Array) return d;
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    out[i] = d[i];
    if (out[i] !== d[i]) throw new Error(`${file}: value ${d[i]} at index ${i} is not an integer within ±2^31`);
  }
  return out;
}

function asFloat<T extends Float32Array | Float64Array>(a: NpyArray, file: string, ctor: { from(x: ArrayLike<number>): T }): T {
  if (Array.isArray(a.data) || a.dtype === 'structured') throw new Error(`${file}: expected numbers, found dtype ${a.descr}`);
  return ctor.from(a.data);
}

/** A per-spike vector: shape (n,) or (n, 1). */
function vectorShape(a: NpyArray, file: string): void {
  if (a.shape.length > 2 || (a.shape.length === 2 && a.shape[1] !== 1)) {
    throw new Error(`${file}: expected a vector of shape (n,) or (n, 1), found (${a.shape.join(', ')})`);
  }
}

/** Reads a Phy folder. Lengths and shapes are cross-checked; errors name both files involved. */
export function readPhyFolder(dir: string, opts: ReadPhyOptions = {}): PhyData {
  const file = (name: string) => path.join(dir, name);
  const has = (name: string) => fs.existsSync(file(name));
  const load = (name: string) => readNpy(file(name));
  if (!has('params.py')) throw new Error(`${dir}: no params.py; is this a Phy/Kilosort output folder?`);
  const params = parsePhyParams(fs.readFileSync(file('params.py'), 'utf8'), file('params.py'));
  if (!has('spike_times.npy')) throw new Error(`${file('spike_times.npy')}: file not found; a Phy folder needs spike_times.npy`);
  const st = load('spike_times.npy');
  vectorShape(st, file('spike_times.npy'));
  const spikeTimes = asFloat(st, file('spike_times.npy'), Float64Array);
  const n = spikeTimes.length;
  const perSpike = (name: string): NpyArray | undefined => {
    if (!has(name)) return undefined;
    const a = load(name);
    vectorShape(a, file(name));
    if (a.shape[0] !== n) throw new Error(`${file(name)}: ${a.shape[0]} entries but spike_times.npy has ${n} spikes; the files come from different runs`);
    return a;
  };
  const templatesArr = perSpike('spike_templates.npy');
  const spikeTemplates = templatesArr && asInt32(templatesArr, file('spike_templates.npy'));
  const clustersArr = perSpike('spike_clusters.npy');
  // Before any manual curation Phy uses the templates as clusters.
  const spikeClusters = clustersArr ? asInt32(clustersArr, file('spike_clusters.npy')) : spikeTemplates;
  if (!spikeClusters) throw new Error(`${dir}: neither spike_clusters.npy nor spike_templates.npy found`);
  const data: PhyData = { params, spikeTimes, spikeClusters, clusterTables: new Map() };
  if (spikeTemplates) data.spikeTemplates = spikeTemplates;
  const amps = perSpike('amplitudes.npy');
  if (amps) data.amplitudes = asFloat(amps, file('amplitudes.npy'), Float64Array);
  const shaped = <T extends NumericArray>(name: string, conv: (a: NpyArray, f: string) => T, ndim: number): PhyArray<T> | undefined => {
    if (!has(name)) return undefined;
    const a = load(name);
    if (a.shape.length !== ndim) throw new Error(`${file(name)}: expected ${ndim} dimensions, found shape (${a.shape.join(', ')})`);
    return { data: conv(a, file(name)), shape: a.shape };
  };
  const f32 = (a: NpyArray, f: string) => asFloat(a, f, Float32Array);
  const f64 = (a: NpyArray, f: string) => asFloat(a, f, Float64Array);
  data.templates = shaped('templates.npy', f32, 3);
  data.templatesInd = shaped('templates_ind.npy', asInt32, 2) ?? shaped('template_ind.npy', asInt32, 2);
  if (has('channel_map.npy')) data.channelMap = asInt32(load('channel_map.npy'), file('channel_map.npy'));
  data.channelPositions = shaped('channel_positions.npy', f64, 2);
  data.similarTemplates = shaped('similar_templates.npy', f32, 2);
  data.whiteningMat = shaped('whitening_mat.npy', f64, 2);
  data.whiteningMatInv = shaped('whitening_mat_inv.npy', f64, 2);
  data.pcFeatureInd = shaped('pc_feature_ind.npy', asInt32, 2);
  data.spikePositions = shaped('spike_positions.npy', f64, 2);
  if (opts.pcFeatures) data.pcFeatures = shaped('pc_features.npy', f32, 3);
  for (const key of Object.keys(data) as (keyof PhyData)[]) if (data[key] === undefined) delete data[key];
  for (const f of fs.readdirSync(dir).sort()) {
    const m = /^cluster_(.+)\.tsv$/.exec(f);
    if (m) data.clusterTables.set(m[1], parseClusterTsv(fs.readFileSync(file(f), 'utf8'), file(f)));
  }
  checkConsistency(data, dir);
  return data;
}

function checkConsistency(d: PhyData, dir: string): void {
  const f = (name: string) => path.join(dir, name);
  const nTemplates = d.templates?.shape[0];
  if (nTemplates !== undefined && d.spikeTemplates) {
    for (let i = 0; i < d.spikeTemplates.length; i++) {
      if (d.spikeTemplates[i] < 0 || d.spikeTemplates[i] >= nTemplates) {
        throw new Error(`${f('spike_templates.npy')}: spike ${i} uses template ${d.spikeTemplates[i]} but ${f('templates.npy')} has ${nTemplates}`);
      }
    }
  }
  if (d.templatesInd && nTemplates !== undefined && d.templatesInd.shape[0] !== nTemplates) {
    throw new Error(`${f('templates_ind.npy')}: ${d.templatesInd.shape[0]} rows but ${f('templates.npy')} has ${nTemplates} templates`);
  }
  if (d.channelMap && d.channelPositions && d.channelPositions.shape[0] !== d.channelMap.length) {
    throw new Error(`${f('channel_positions.npy')}: ${d.channelPositions.shape[0]} rows but ${f('channel_map.npy')} has ${d.channelMap.length} channels`);
  }
  if (d.pcFeatures && d.pcFeatures.shape[0] !== d.spikeTimes.length) {
    throw new Error(`${f('pc_features.npy')}: ${d.pcFeatures.shape[0]} rows but ${f('spike_times.npy')} has ${d.spikeTimes.length} spikes`);
  }
  if (d.spikePositions && d.spikePositions.shape[0] !== d.spikeTimes.length) {
    throw new Error(`${f('spike_positions.npy')}: ${d.spikePositions.shape[0]} rows but ${f('spike_times.npy')} has ${d.spikeTimes.length} spikes`);
  }
}

/** Per-cluster group label: cluster_group.tsv (any value column), else the 'group' column of cluster_info.tsv. */
export function phyClusterGroups(d: PhyData): Map<number, string> {
  const out = new Map<number, string>();
  const info = d.clusterTables.get('info');
  const gi = info?.columns.indexOf('group') ?? -1;
  if (info && gi >= 0) for (const [id, row] of info.rows) out.set(id, row[gi]);
  const g = d.clusterTables.get('group');
  if (g) for (const [id, row] of g.rows) out.set(id, row[0] ?? '');
  return out;
}

/** A Sorting of a Phy folder: one unit per cluster id, cluster_*.tsv columns as unit properties. */
export function sortingFromPhyFolder(dir: string, opts: { excludeGroups?: string[] } = {}): Sorting {
  const d = readPhyFolder(dir);
  const groups = phyClusterGroups(d);
  const exclude = new Set(opts.excludeGroups ?? []);
  const keep: number[] = [];
  for (let i = 0; i < d.spikeClusters.length; i++) if (!exclude.has(groups.get(d.spikeClusters[i]) ?? '')) keep.push(i);
  const ids = [...new Set(keep.map((i) => d.spikeClusters[i]))].sort((a, b) => a - b);
  const index = new Map(ids.map((id, k) => [id, k]));
  const properties = new Map<string, UnitPropertyValues>();
  for (const [stem, t] of d.clusterTables) {
    t.columns.forEach((col, j) => {
      const name = stem === 'group' ? 'quality' : col === 'group' ? 'quality' : col;
      const values = ids.map((id) => t.rows.get(id)?.[j] ?? '');
      const numeric = values.every((v) => v !== '' && Number.isFinite(Number(v)));
      properties.set(name, numeric ? Float64Array.from(values, Number) : values);
    });
  }
  return new Sorting(
    {
      sample: Float64Array.from(keep, (i) => d.spikeTimes[i]),
      unit: Int32Array.from(keep, (i) => index.get(d.spikeClusters[i])!),
      segment: new Int32Array(keep.length),
    },
    { samplingFrequency: d.params.sampleRate, unitIds: ids.map(String), properties, annotations: { phy_folder: dir } },
  );
}

// ---------------------------------------------------------------- writing

/** Writes a Phy folder atomically. spike_times int64; other dtypes as Phy's documentation lists them. */
export async function writePhyFolder(dir: string, d: PhyData, opts: { overwrite?: boolean } = {}): Promise<void> {
  checkPhyData(dir, d);
  await withAtomicDir(dir, (tmp) => writePhyFiles(tmp, d), opts);
}

/**
 * Writes the Phy files into an existing folder that the caller makes atomic (e.g. a sort output that
 * also holds a summary): use writePhyFolder otherwise.
 */
export function writePhyFiles(dir: string, d: PhyData): void {
  checkPhyData(dir, d);
  const put = (name: string, data: NumericArray | undefined, dtype: NpyDType, shape?: number[]) => {
    if (data) writeNpy(path.join(dir, name), { data, dtype, shape });
  };
  writeFileAtomic(path.join(dir, 'params.py'), formatPhyParams(d.params));
  put('spike_times.npy', d.spikeTimes, 'int64');
  put('spike_clusters.npy', d.spikeClusters, 'int32');
  put('spike_templates.npy', d.spikeTemplates, 'int32');
  put('amplitudes.npy', d.amplitudes, 'float64');
  put('templates.npy', d.templates?.data, 'float32', d.templates?.shape);
  put('templates_ind.npy', d.templatesInd?.data, 'int32', d.templatesInd?.shape);
  put('channel_map.npy', d.channelMap, 'int32');
  put('channel_positions.npy', d.channelPositions?.data, 'float64', d.channelPositions?.shape);
  put('similar_templates.npy', d.similarTemplates?.data, 'float32', d.similarTemplates?.shape);
  put('whitening_mat.npy', d.whiteningMat?.data, 'float64', d.whiteningMat?.shape);
  put('whitening_mat_inv.npy', d.whiteningMatInv?.data, 'float64', d.whiteningMatInv?.shape);
  const pc = d.pcFeatures;
  if (pc && 'rows' in pc) writeNpyRows(path.join(dir, 'pc_features.npy'), pc.rows, pc.shape);
  else put('pc_features.npy', pc?.data, 'float32', pc?.shape);
  put('pc_feature_ind.npy', d.pcFeatureInd?.data, 'int32', d.pcFeatureInd?.shape);
  put('spike_positions.npy', d.spikePositions?.data, 'float64', d.spikePositions?.shape);
  for (const [stem, t] of d.clusterTables) {
    if (!/^[A-Za-z0-9_-]+$/.test(stem)) throw new Error(`cluster table '${stem}': name cannot be used in a file name`);
    writeFileAtomic(path.join(dir, `cluster_${stem}.tsv`), formatClusterTsv(t));
  }
}

function checkPhyData(dir: string, d: PhyData): void {
  const n = d.spikeTimes.length;
  const perSpike: [string, ArrayLike<number> | undefined][] = [['spike_clusters.npy', d.spikeClusters], ['spike_templates.npy', d.spikeTemplates], ['amplitudes.npy', d.amplitudes]];
  for (const [name, a] of perSpike) {
    if (a && a.length !== n) throw new Error(`${dir}: ${name} would have ${a.length} entries but spike_times.npy has ${n}; pass one value per spike`);
  }
}

/**
 * HDF5 access for the HDF5-based lab formats (NWB, MaxWell, MEArec, 3Brain BRW) through h5wasm.
 *
 * One place loads the h5wasm module (asynchronously, once per thread), opens files read-only with
 * clear errors, reads 2-D slices without loading whole datasets, detects compression filters that
 * are not available, and provides Hdf5Recording: a lazy recording over one dataset that streams
 * [start, end) windows and can be rebuilt in a worker from its spec.
 */
import * as fs from 'node:fs';
import type * as H5 from 'h5wasm';
import { DType, NumericArray, allocArray, isFloatDType } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { formatBytes } from './bytesource.js';

type H5Lib = typeof import('h5wasm');
export type H5File = H5.File;
export type H5Dataset = H5.Dataset;
export type H5Group = H5.Group;

let lib: H5Lib | null = null;
let loading: Promise<H5Lib> | null = null;
const addedPluginPaths = new Set<string>();

/** Loads h5wasm (once) and makes HDF5 errors throw instead of printing. Paths in $HDF5_PLUGIN_PATH are searched for filter plugins. */
export async function loadHdf5(): Promise<H5Lib> {
  if (lib) return lib;
  if (!loading) {
    loading = (async () => {
      // Emscripten's environment check rejects runtimes that define `navigator` (Node >= 21, Electron).
      const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
      if (nav?.configurable) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
      try {
        const mod = (await import('h5wasm/node')) as unknown as H5Lib;
        const module = await mod.ready;
        module.activate_throwing_error_handler();
        lib = mod;
      } finally {
        if (nav?.configurable) Object.defineProperty(globalThis, 'navigator', nav);
      }
      for (const p of (process.env.HDF5_PLUGIN_PATH ?? '').split(':')) if (p) addHdf5PluginPath(p);
      return lib;
    })();
  }
  return loading;
}

/** True once loadHdf5() has finished: content-based format detection needs it. */
export function isHdf5Loaded(): boolean {
  return lib !== null;
}

/** The loaded h5wasm module; synchronous code paths call this after an awaited loadHdf5(). */
function h5(): H5Lib {
  if (!lib) throw new Error('HDF5 support is not initialised: await loadHdf5() before opening HDF5 files');
  return lib;
}

/**
 * Adds a folder searched for HDF5 filter plugins (first). h5wasm reads the host file system, but only
 * plugins compiled to WebAssembly for h5wasm load; native plugins built for desktop HDF5 do not.
 */
export function addHdf5PluginPath(dir: string): void {
  if (addedPluginPaths.has(dir)) return;
  h5().Module.insert_plugin_search_path(dir, 0);
  addedPluginPaths.add(dir);
}

/** Folders added with addHdf5PluginPath / $HDF5_PLUGIN_PATH, so workers can add the same ones. */
export function hdf5PluginPaths(): string[] {
  return [...addedPluginPaths];
}

/** The HDF5 superblock signature sits at byte 0, 512, 1024, 2048, ... of a file. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the file starts with (or has at a power-of-two offset) the HDF5 signature. */
export function hasHdf5Signature(path: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = new Uint8Array(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      if (fs.readSync(fd, buf, 0, 8, off) === 8 && SIGNATURE.every((b, i) => buf[i] === b)) return true;
      if (off > 1 << 24) break;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** The most specific line of an HDF5 error stack (h5wasm puts the whole diagnostic in the message). */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text.split('\n').filter((l) => /#\d+:/.test(l));
  if (lines.length === 0) return text.split('\n')[0];
  const last = lines[lines.length - 1];
  const m = /in (\w+)\(\): (.*)$/.exec(last);
  return m ? `${m[2]} (${m[1]})` : last.trim();
}

/** Opens an HDF5 file read-only (after `await loadHdf5()`); errors name the file and the likely cause. */
export function openHdf5(path: string): H5File {
  let size: number;
  try {
    const st = fs.statSync(path);
    if (st.isDirectory()) throw new Error(`${path}: is a folder, expected an HDF5 file`);
    size = st.size;
    fs.accessSync(path, fs.constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: file not found`);
    if (code) throw new Error(`${path}: cannot open for reading (${code})`);
    throw e;
  }
  if (!hasHdf5Signature(path)) {
    throw new Error(`${path}: not an HDF5 file (no HDF5 signature in its ${formatBytes(size)} bytes): check the path and the format`);
  }
  try {
    return new (h5().File)(path, 'r');
  } catch (e) {
    throw new Error(
      `${path}: HDF5 cannot open the file (${hdf5Reason(e)}); a file of ${formatBytes(size)} bytes that fails this way is usually truncated (an interrupted copy or recording): copy it again`,
    );
  }
}

function entityAt(file: H5File, path: string): H5.Entity | null {
  try {
    return file.get(path);
  } catch {
    return null;
  }
}

/** The dataset at `path`, or null when there is none. */
export function findDataset(file: H5File, path: string): H5Dataset | null {
  const e = entityAt(file, path);
  return e instanceof h5().Dataset ? e : null;
}

/** The group at `path`, or null when there is none. */
export function findGroup(file: H5File, path: string): H5Group | null {
  const e = entityAt(file, path);
  return e instanceof h5().Group ? e : null;
}

export function requireDataset(file: H5File, path: string, what = 'dataset'): H5Dataset {
  const d = findDataset(file, path);
  if (!d) throw new Error(`${file.filename}: missing ${what} '${path}': the file is incomplete or not in the expected layout`);
  return d;
}

export function requireGroup(file: H5File, path: string, what = 'group'): H5Group {
  const g = findGroup(file, path);
  if (!g) throw new Error(`${file.filename}: missing ${what} '${path}': the file is incomplete or not in the expected layout`);
  return g;
}

/** Attribute value as plain JS (numbers, strings, arrays), or undefined when absent. */
export function attrValue(obj: H5Dataset | H5Group, name: string): unknown {
  const attrs = obj.attrs;
  if (!Object.prototype.hasOwnProperty.call(attrs, name)) return undefined;
  return attrs[name].json_value;
}

/** A scalar or 1-element numeric dataset/attribute value as a number (bigint converted). */
export function asNumber(v: unknown, where: string): number {
  let x = v;
  while (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const arr = x as ArrayLike<unknown>;
    if (arr.length < 1) break;
    x = arr[0];
  }
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
  if (typeof x !== 'number') throw new Error(`${where}: expected a number, found ${JSON.stringify(v)}`);
  return x;
}

/** A scalar or 1-element string dataset/attribute value. */
export function asString(v: unknown): string {
  let x = v;
  while (Array.isArray(x) && x.length > 0) x = x[0];
  if (x instanceof Uint8Array) return new TextDecoder().decode(x).replace(/\0+$/, '');
  return String(x);
}

/** A 1-D numeric dataset as Float64Array (int64 values are exact up to 2^53). */
export function readNumbers(ds: H5Dataset): Float64Array {
  const v = ds.value;
  if (v === null || v === undefined) return new Float64Array(0);
  if (typeof v === 'number' || typeof v === 'bigint') return Float64Array.of(Number(v));
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Float64Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x));
  }
  if (Array.isArray(v)) return Float64Array.from((v as unknown[]).flat(8) as unknown[], (x) => Number(x));
  throw new Error(`dataset '${ds.path}': expected numbers, found ${typeof v}`);
}

/** The spikeforge dtype of a numeric dataset; throws naming the file for other types. */
export function datasetDType(ds: H5Dataset, fileName: string): DType {
  const m = ds.metadata;
  // h5wasm type classes: 0 integer, 1 float.
  if (m.type === 0) {
    const base = m.signed ? 'int' : 'uint';
    if (m.size === 1 || m.size === 2 || m.size === 4) return `${base}${m.size * 8}` as DType;
  } else if (m.type === 1) {
    if (m.size === 4) return 'float32';
    if (m.size === 8) return 'float64';
  }
  throw new Error(
    `${fileName}: dataset '${ds.path}' has an unsupported sample type (${JSON.stringify(ds.dtype)}); supported: 8/16/32-bit integers and float32/float64`,
  );
}

/** Filters built into the HDF5 library itself (deflate, shuffle, fletcher32, szip, nbit, scaleoffset). */
const BUILTIN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

const KNOWN_PLUGINS: Record<number, string> = {
  401: 'MaxWell Biosystems proprietary compression (mxw-data)',
  32001: 'Blosc',
  32004: 'LZ4',
  32008: 'Bitshuffle',
  32013: 'ZFP',
  32015: 'Zstandard',
  32026: 'Blosc2',
  307: 'BZip2',
  32000: 'LZF',
};

export interface FilterInfo {
  id: number;
  name: string;
}

/** The compression/checksum filters a dataset's chunks pass through. */
export function datasetFilters(ds: H5Dataset): FilterInfo[] {
  try {
    return ds.filters.map((f) => ({ id: f.id, name: f.name || KNOWN_PLUGINS[f.id] || '' }));
  } catch {
    return [];
  }
}

/** Filters of a dataset that are not part of the HDF5 library and need a plugin. */
export function pluginFilters(ds: H5Dataset): FilterInfo[] {
  return datasetFilters(ds).filter((f) => !BUILTIN_FILTERS.has(f.id));
}

/**
 * Reads one element so that a missing filter plugin fails now, with a message naming the filter,
 * instead of in the middle of a sort. `hint` tells how to supply the plugin for this format.
 */
export function assertDecodable(ds: H5Dataset, fileName: string, hint = ''): void {
  const shape = ds.shape ?? [];
  if (shape.some((n) => n === 0)) return;
  try {
    ds.slice(shape.map(() => [0, 1] as [number, number]));
  } catch (e) {
    const plugins = pluginFilters(ds);
    const what = plugins.length
      ? `uses the HDF5 compression filter ${plugins.map((f) => `${f.id}${f.name ? ` (${KNOWN_PLUGINS[f.id] ?? f.name})` : ''}`).join(', ')}, which is not available`
      : `cannot be decoded (${hdf5Reason(e)})`;
    const fix =
      hint ||
      'supply the filter plugin compiled for h5wasm (WebAssembly) in a folder named by the hdf5PluginPath option or the HDF5_PLUGIN_PATH environment variable, or rewrite the file without that filter (h5repack)';
    throw new Error(`${fileName}: dataset '${ds.path}' ${what}: ${fix}`);
  }
}

/** How a 2-D (or flat) sample dataset is laid out. */
export type SampleLayout =
  /** shape [time, channels] */
  | 'time-major'
  /** shape [channels, time] */
  | 'channel-major'
  /** 1-D, frames of `numChannelsInFile` values one after the other */
  | 'interleaved';

/**
 * Reads samples [start, end) of the given file columns, returned time-major in the native dtype.
 * Only the bounding box of the requested columns is read from the file.
 */
export function readSampleWindow(
  ds: H5Dataset,
  layout: SampleLayout,
  numChannelsInFile: number,
  start: number,
  end: number,
  columns: Int32Array,
  dtype: DType,
): NumericArray {
  const nt = end - start;
  const nc = columns.length;
  let lo = numChannelsInFile;
  let hi = -1;
  for (const c of columns) {
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  const width = hi - lo + 1;
  let block: NumericArray;
  if (layout === 'time-major') block = ds.slice([[start, end], [lo, hi + 1]]) as NumericArray;
  else if (layout === 'channel-major') block = ds.slice([[lo, hi + 1], [start, end]]) as NumericArray;
  else block = ds.slice([[start * numChannelsInFile, end * numChannelsInFile]]) as NumericArray;
  const stride = layout === 'interleaved' ? numChannelsInFile : width;
  const base = layout === 'interleaved' ? 0 : lo;
  // The block already is the answer when the columns are exactly the ones read, in order.
  const whole = nc === stride && columns.every((c, j) => c === base + j);
  if (whole && (layout !== 'channel-major' || nc === 1)) return block;
  const out = allocArray(dtype, nt * nc);
  if (layout === 'channel-major') {
    for (let j = 0; j < nc; j++) {
      const base = (columns[j] - lo) * nt;
      for (let t = 0; t < nt; t++) out[t * nc + j] = block[base + t];
    }
  } else {
    const offs = Int32Array.from(columns, (c) => (layout === 'interleaved' ? c : c - lo));
    for (let t = 0, o = 0; t < nt; t++) {
      const b = t * stride;
      for (let j = 0; j < nc; j++) out[o++] = block[b + offs[j]];
    }
  }
  return out;
}

export interface Hdf5RecordingOptions {
  file: string;
  /** Path of the sample dataset inside the file. */
  dataset: string;
  layout: SampleLayout;
  /** Columns (channels) stored in the dataset. */
  numChannelsInFile: number;
  /** Samples in the dataset (needed for the interleaved layout; checked against the shape otherwise). */
  numSamples?: number;
  /** Which dataset columns form the recording's channels (default: all, in order). */
  fileChannels?: ArrayLike<number>;
  /** Folders searched for filter plugins, re-added when a worker rebuilds the recording. */
  pluginPaths?: string[];
  /** How to supply a missing filter plugin for this format (used in the error message). */
  pluginHint?: string;
  /** Metadata: sampling rate, channel ids, gains, probe, properties, times; dtype and numSamples come from the file. */
  init: Omit<RecordingInit, 'dtype' | 'numSamples'> & Partial<Pick<RecordingInit, 'dtype' | 'numSamples'>>;
}

/** A one-segment recording over one HDF5 dataset, read lazily in windows. Call close() when done. */
export class Hdf5Recording extends Recording {
  private file: H5File | null;
  private readonly ds: H5Dataset;
  private readonly fileChannels: Int32Array;
  private readonly opts: Hdf5RecordingOptions;

  /** Opens the file and checks the dataset; `await loadHdf5()` first (the format openers do). */
  constructor(opts: Hdf5RecordingOptions) {
    for (const p of opts.pluginPaths ?? []) addHdf5PluginPath(p);
    const file = openHdf5(opts.file);
    let ds: H5Dataset;
    let numSamples: number;
    let dtype: DType;
    let fileChannels: Int32Array;
    try {
      ds = requireDataset(file, opts.dataset, 'sample dataset');
      dtype = datasetDType(ds, opts.file);
      const shape = ds.shape ?? [];
      numSamples = samplesInDataset(shape, opts, opts.file);
      fileChannels = opts.fileChannels
        ? Int32Array.from(opts.fileChannels)
        : Int32Array.from({ length: opts.numChannelsInFile }, (_, i) => i);
      for (const c of fileChannels) {
        if (!(c >= 0 && c < opts.numChannelsInFile)) {
          throw new Error(`${opts.file}: channel column ${c} is outside 0..${opts.numChannelsInFile - 1} of '${opts.dataset}'`);
        }
      }
      assertDecodable(ds, opts.file, opts.pluginHint);
    } catch (e) {
      file.close();
      throw e;
    }
    super({ ...opts.init, dtype, numSamples: [numSamples] });
    this.file = file;
    this.ds = ds;
    this.fileChannels = fileChannels;
    this.opts = opts;
  }

  override toSpec(): RecordingSpec {
    return {
      module: import.meta.url,
      exportName: 'Hdf5Recording',
      args: { ...this.opts, fileChannels: Array.from(this.fileChannels), init: this.baseInit() },
    };
  }

  static async fromSpec(args: unknown): Promise<Hdf5Recording> {
    await loadHdf5();
    const a = args as Hdf5RecordingOptions;
    return new Hdf5Recording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  get fileName(): string {
    return this.opts.file;
  }

  close(): void {
    if (this.file) {
      this.file.close();
      this.file = null;
    }
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    if (!this.file) throw new Error(`${this.opts.file}: read after close`);
    const cols = Int32Array.from(channels, (c) => this.fileChannels[c]);
    let out: NumericArray;
    try {
      out = readSampleWindow(this.ds, this.opts.layout, this.opts.numChannelsInFile, start, end, cols, this.dtype);
    } catch (e) {
      throw new Error(`${this.opts.file}: reading samples ${start}..${end} of '${this.opts.dataset}' failed (${hdf5Reason(e)}): the file may be truncated or corrupt`);
    }
    if (isFloatDType(this.dtype)) {
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(out[i])) {
          throw new Error(`${this.opts.file}: ${out[i]} at sample ${start + Math.floor(i / cols.length)}, channel ${this.channelIds[channels[i % cols.length]]}: float data must be finite; repair or interpolate the file before sorting`);
        }
      }
    }
    return out;
  }
}

function samplesInDataset(shape: number[], opts: Hdf5RecordingOptions, fileName: string): number {
  const where = `${fileName}: dataset '${opts.dataset}'`;
  if (opts.layout === 'interleaved') {
    if (shape.length !== 1) throw new Error(`${where} has shape [${shape}], expected one flat dimension`);
    const frames = Math.floor(shape[0] / opts.numChannelsInFile);
    const want = opts.numSamples ?? frames;
    if (want > frames) {
      throw new Error(`${where} holds ${frames} frames of ${opts.numChannelsInFile} channels but the metadata says ${want}: the file is truncated`);
    }
    if (opts.numSamples === undefined && shape[0] % opts.numChannelsInFile !== 0) {
      throw new Error(`${where} has ${shape[0]} values, not a multiple of ${opts.numChannelsInFile} channels: check the channel count`);
    }
    return want;
  }
  if (shape.length !== 2) throw new Error(`${where} has shape [${shape}], expected 2 dimensions (time × channels)`);
  const [t, c] = opts.layout === 'time-major' ? shape : [shape[1], shape[0]];
  if (c !== opts.numChannelsInFile) {
    throw new Error(`${where} has ${c} channels but the metadata describes ${opts.numChannelsInFile}: the file is inconsistent`);
  }
  if (opts.numSamples !== undefined && opts.numSamples > t) {
    throw new Error(`${where} holds ${t} samples but the metadata says ${opts.numSamples}: the file is truncated`);
  }
  return opts.numSamples ?? t;
}

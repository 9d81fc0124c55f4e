/**
 * Spike waveforms: for a random (seeded) subset of each unit's spikes, the traces in a window around
 * the spike on the unit's channels. The recording is read once, in time order, in bounded windows
 * that cover nearby spikes together, so memory is the output plus one read window.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChannelSparsity, ChannelSparsityJson } from '../core/sparsity.js';
import type { Recording } from '../core/recording.js';
import type { Sorting } from '../core/sorting.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { mulberry32 } from '../core/random.js';
import { withAtomicDir, writeFileAtomic } from '../io/atomic.js';
import { npyNumbers, readNpy, writeNpy } from '../io/npy.js';

export interface ExtractWaveformsOptions {
  msBefore?: number;
  msAfter?: number;
  /** Spikes kept per unit, drawn at random without replacement; Infinity keeps all. */
  maxSpikesPerUnit?: number;
  seed?: number;
  /** µV (float32) when true, raw values (as float32) when false. */
  scaled?: boolean;
  /** Keep only each unit's channels; default all channels. */
  sparsity?: ChannelSparsity;
  reporter?: Reporter;
  /** Most samples read at once (default 1 s of data). */
  chunkSize?: number;
}

export interface UnitWaveforms {
  unitId: string;
  /** Indices into the sorting's spike vector of the sampled spikes, in time order. */
  spikeIndices: Float64Array;
  segments: Int32Array;
  samples: Float64Array;
  /** Recording channel indices of the stored channels. */
  channels: Int32Array;
  /** spikes × numSamples × channels.length, time-major within a spike. */
  data: Float32Array;
}

export interface WaveformSet {
  unitIds: string[];
  channelIds: string[];
  samplingFrequency: number;
  nBefore: number;
  nAfter: number;
  /** nBefore + nAfter; the spike sample is at index nBefore. */
  numSamples: number;
  scaled: boolean;
  seed: number;
  maxSpikesPerUnit: number;
  sparsity: ChannelSparsity | null;
  units: UnitWaveforms[];
  /** Per unit, spikes left out because their window runs past a segment edge. */
  skippedNearEdge: Int32Array;
}

export function extractWaveforms(rec: Recording, sorting: Sorting, opts: ExtractWaveformsOptions = {}): WaveformSet {
  const fs_ = rec.samplingFrequency;
  if (sorting.samplingFrequency !== fs_) {
    throw new Error(`waveforms: the sorting is at ${sorting.samplingFrequency} Hz but the recording at ${fs_} Hz: use the sorting of this recording`);
  }
  if (sorting.numSegments !== rec.numSegments) {
    throw new Error(`waveforms: the sorting has ${sorting.numSegments} segments but the recording ${rec.numSegments}`);
  }
  const msBefore = opts.msBefore ?? 1;
  const msAfter = opts.msAfter ?? 2;
  if (!(msBefore >= 0) || !(msAfter > 0)) throw new Error(`waveforms: msBefore must be >= 0 and msAfter > 0 (got ${msBefore}, ${msAfter})`);
  const nBefore = Math.round((msBefore * fs_) / 1000);
  const nAfter = Math.round((msAfter * fs_) / 1000);
  const ns = nBefore + nAfter;
  const maxPerUnit = opts.maxSpikesPerUnit ?? 500;
  if (!(maxPerUnit >= 1)) throw new Error(`waveforms: maxSpikesPerUnit must be >= 1, got ${maxPerUnit}`);
  const seed = opts.seed ?? 0;
  const scaled = opts.scaled ?? true;
  const reporter = opts.reporter ?? silentReporter;
  const chunkSize = Math.max(opts.chunkSize ?? Math.round(fs_), ns);
  const sparsity = opts.sparsity ?? null;
  if (sparsity) checkSparsity(sparsity, rec, sorting);

  const picked = selectWaveformSpikes(rec, sorting, nBefore, nAfter, maxPerUnit, seed);
  const units: UnitWaveforms[] = picked.perUnit.map((idx, u) => {
    const channels = sparsity ? sparsity.unitChannelIndices(u) : Int32Array.from({ length: rec.numChannels }, (_, c) => c);
    return {
      unitId: sorting.unitIds[u],
      spikeIndices: Float64Array.from(idx),
      segments: Int32Array.from(idx, (i) => sorting.spikes.segment[i]),
      samples: Float64Array.from(idx, (i) => sorting.spikes.sample[i]),
      channels,
      data: new Float32Array(idx.length * ns * channels.length),
    };
  });
  const bytes = units.reduce((a, w) => a + w.data.byteLength, 0);
  if (bytes > 2 ** 31) {
    reporter.log('warn', `waveforms will use ${(bytes / 2 ** 30).toFixed(1)} GiB of memory: pass a sparsity or lower maxSpikesPerUnit`);
  }

  // All sampled spikes in time order, with their slot in their unit's output.
  const order: { spike: number; unit: number; slot: number }[] = [];
  picked.perUnit.forEach((idx, u) => idx.forEach((spike, slot) => order.push({ spike, unit: u, slot })));
  const { sample, segment } = sorting.spikes;
  order.sort((a, b) => segment[a.spike] - segment[b.spike] || sample[a.spike] - sample[b.spike]);

  const windows = readWindows(order.map((o) => o.spike), sample, segment, nBefore, nAfter, chunkSize);
  reporter.begin('extract waveforms', windows.length);
  const nc = rec.numChannels;
  windows.forEach((w, wi) => {
    const traces = rec.getTraces({ segment: w.segment, start: w.start, end: w.end, scaled });
    for (let k = w.first; k < w.last; k++) {
      const o = order[k];
      const out = units[o.unit];
      const chans = out.channels;
      const ncOut = chans.length;
      const t0 = sample[o.spike] - nBefore - w.start;
      let dst = o.slot * ns * ncOut;
      for (let s = 0; s < ns; s++) {
        const src = (t0 + s) * nc;
        for (let j = 0; j < ncOut; j++) out.data[dst++] = traces[src + chans[j]];
      }
    }
    reporter.progress(wi + 1);
  });
  reporter.end();

  return {
    unitIds: [...sorting.unitIds],
    channelIds: [...rec.channelIds],
    samplingFrequency: fs_,
    nBefore,
    nAfter,
    numSamples: ns,
    scaled,
    seed,
    maxSpikesPerUnit: maxPerUnit,
    sparsity,
    units,
    skippedNearEdge: picked.skipped,
  };
}

function checkSparsity(sp: ChannelSparsity, rec: Recording, sorting: Sorting): void {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(sp.unitIds, sorting.unitIds)) throw new Error('waveforms: the sparsity was made for other units than the sorting has: rebuild it from this sorting');
  if (!same(sp.channelIds, rec.channelIds)) throw new Error('waveforms: the sparsity was made for other channels than the recording has: rebuild it from this recording');
}

/**
 * Per unit, the spike-vector indices to extract: spikes whose window fits in their segment, then at
 * most maxPerUnit of them drawn without replacement (seeded), returned in time order.
 */
export function selectWaveformSpikes(
  rec: Recording,
  sorting: Sorting,
  nBefore: number,
  nAfter: number,
  maxPerUnit: number,
  seed: number,
): { perUnit: number[][]; skipped: Int32Array } {
  const nu = sorting.numUnits;
  const candidates: number[][] = Array.from({ length: nu }, () => []);
  const skipped = new Int32Array(nu);
  const { sample, unit, segment } = sorting.spikes;
  for (let i = 0; i < sample.length; i++) {
    const t = sample[i];
    if (t - nBefore < 0 || t + nAfter > rec.getNumSamples(segment[i])) skipped[unit[i]]++;
    else candidates[unit[i]].push(i);
  }
  const perUnit = candidates.map((c, u) => {
    if (c.length <= maxPerUnit) return c;
    const rand = seededUniform(seed, u);
    // Partial Fisher-Yates: the first k entries become a uniform sample without replacement.
    const a = [...c];
    const k = Math.floor(maxPerUnit);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (a.length - i));
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a.slice(0, k).sort((x, y) => x - y);
  });
  return { perUnit, skipped };
}

/** A deterministic uniform [0, 1) stream for (seed, stream) (mulberry32 on a mixed seed). */
function seededUniform(seed: number, stream: number): () => number {
  return mulberry32(Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b));
}

interface ReadWindow {
  segment: number;
  start: number;
  end: number;
  /** Range [first, last) of the time-ordered spikes this window serves. */
  first: number;
  last: number;
}

/** Groups time-ordered spikes into read windows of at most chunkSize samples (one segment each). */
function readWindows(spikes: number[], sample: Float64Array, segment: Int32Array, nBefore: number, nAfter: number, chunkSize: number): ReadWindow[] {
  const out: ReadWindow[] = [];
  let k = 0;
  while (k < spikes.length) {
    const seg = segment[spikes[k]];
    const start = sample[spikes[k]] - nBefore;
    let end = sample[spikes[k]] + nAfter;
    let last = k + 1;
    while (last < spikes.length && segment[spikes[last]] === seg && sample[spikes[last]] + nAfter - start <= chunkSize) {
      end = Math.max(end, sample[spikes[last]] + nAfter);
      last++;
    }
    out.push({ segment: seg, start, end, first: k, last });
    k = last;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Folder format: info.json + per unit waveforms_<i>.npy (spikes × samples × channels, float32),
// sampled_index_<i>.npy (spike-vector index, sample, segment as int64 columns) and channels_<i>.npy.

interface WaveformInfoJson {
  format: 'spikeforge-waveforms';
  version: 1;
  unitIds: string[];
  channelIds: string[];
  samplingFrequency: number;
  nBefore: number;
  nAfter: number;
  scaled: boolean;
  seed: number;
  maxSpikesPerUnit: number | null;
  skippedNearEdge: number[];
  sparsity: ChannelSparsityJson | null;
}

export async function saveWaveforms(set: WaveformSet, dir: string, opts: { overwrite?: boolean } = {}): Promise<void> {
  await withAtomicDir(
    dir,
    (tmp) => {
      set.units.forEach((w, u) => {
        const n = w.spikeIndices.length;
        writeNpy(path.join(tmp, `waveforms_${u}.npy`), { data: w.data, shape: [n, set.numSamples, w.channels.length] });
        const idx = new Float64Array(n * 3);
        for (let i = 0; i < n; i++) {
          idx[3 * i] = w.spikeIndices[i];
          idx[3 * i + 1] = w.samples[i];
          idx[3 * i + 2] = w.segments[i];
        }
        writeNpy(path.join(tmp, `sampled_index_${u}.npy`), { data: idx, shape: [n, 3], dtype: 'int64' });
        writeNpy(path.join(tmp, `channels_${u}.npy`), { data: w.channels });
      });
      const info: WaveformInfoJson = {
        format: 'spikeforge-waveforms',
        version: 1,
        unitIds: set.unitIds,
        channelIds: set.channelIds,
        samplingFrequency: set.samplingFrequency,
        nBefore: set.nBefore,
        nAfter: set.nAfter,
        scaled: set.scaled,
        seed: set.seed,
        maxSpikesPerUnit: Number.isFinite(set.maxSpikesPerUnit) ? set.maxSpikesPerUnit : null,
        skippedNearEdge: Array.from(set.skippedNearEdge),
        sparsity: set.sparsity ? set.sparsity.toJSON() : null,
      };
      // info.json last: its presence marks the folder complete even before the atomic rename.
      writeFileAtomic(path.join(tmp, 'info.json'), JSON.stringify(info, null, 1));
    },
    opts,
  );
}

export function loadWaveforms(dir: string): WaveformSet {
  const infoPath = path.join(dir, 'info.json');
  let info: WaveformInfoJson;
  try {
    info = JSON.parse(fs.readFileSync(infoPath, 'utf8')) as WaveformInfoJson;
  } catch (e) {
    throw new Error(`${infoPath}: cannot read waveform info (${(e as Error).message}): is ${dir} a folder written by saveWaveforms?`);
  }
  if (info.format !== 'spikeforge-waveforms') throw new Error(`${infoPath}: not a spikeforge waveforms folder (format '${String(info.format)}')`);
  const ns = info.nBefore + info.nAfter;
  const units: UnitWaveforms[] = info.unitIds.map((unitId, u) => {
    const wf = readNpy(path.join(dir, `waveforms_${u}.npy`));
    const idx = npyNumbers(readNpy(path.join(dir, `sampled_index_${u}.npy`)), `sampled_index_${u}.npy`);
    const channels = Int32Array.from(npyNumbers(readNpy(path.join(dir, `channels_${u}.npy`)), `channels_${u}.npy`));
    const n = idx.length / 3;
    if (wf.shape.length !== 3 || wf.shape[0] !== n || wf.shape[1] !== ns || wf.shape[2] !== channels.length) {
      throw new Error(`${path.join(dir, `waveforms_${u}.npy`)}: shape (${wf.shape.join(', ')}) does not match ${n} spikes × ${ns} samples × ${channels.length} channels: the folder is inconsistent`);
    }
    return {
      unitId,
      spikeIndices: Float64Array.from({ length: n }, (_, i) => idx[3 * i]),
      samples: Float64Array.from({ length: n }, (_, i) => idx[3 * i + 1]),
      segments: Int32Array.from({ length: n }, (_, i) => idx[3 * i + 2]),
      channels,
      data: Float32Array.from(npyNumbers(wf, `waveforms_${u}.npy`)),
    };
  });
  return {
    unitIds: info.unitIds,
    channelIds: info.channelIds,
    samplingFrequency: info.samplingFrequency,
    nBefore: info.nBefore,
    nAfter: info.nAfter,
    numSamples: ns,
    scaled: info.scaled,
    seed: info.seed,
    maxSpikesPerUnit: info.maxSpikesPerUnit ?? Infinity,
    sparsity: info.sparsity ? ChannelSparsity.fromJSON(info.sparsity, infoPath) : null,
    units,
    skippedNearEdge: Int32Array.from(info.skippedNearEdge),
  };
}

/**
 * Templates: each unit's mean (or median) waveform on every channel, dense units × time × channels.
 * Computed from extracted waveforms; channels a sparse extraction did not keep are zero.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChannelSparsity, ChannelSparsityJson, DenseTemplatesLike, PeakSign, peakChannelIndices } from '../core/sparsity.js';
import type { Recording } from '../core/recording.js';
import type { Sorting } from '../core/sorting.js';
import { withAtomicDir, writeFileAtomic } from '../io/atomic.js';
import { npyNumbers, readNpy, writeNpy } from '../io/npy.js';
import { ExtractWaveformsOptions, WaveformSet, extractWaveforms } from './waveforms.js';

export interface Templates extends DenseTemplatesLike {
  readonly unitIds: string[];
  readonly channelIds: string[];
  readonly samplingFrequency: number;
  /** Samples before the spike: the spike sample is at index nBefore. */
  readonly nBefore: number;
  readonly numSamples: number;
  /** units × numSamples × channels. */
  readonly data: Float32Array;
  /** Per-sample standard deviation across spikes (same layout), when computed. */
  readonly std: Float32Array | null;
  /** The channels each unit's waveforms were taken on (null: all). */
  readonly sparsity: ChannelSparsity | null;
  /** Spikes averaged per unit. */
  readonly numSpikes: Int32Array;
  /** Whether values are µV. */
  readonly scaled: boolean;
}

export type TemplateOperator = 'average' | 'median';

export interface ComputeTemplatesOptions {
  operator?: TemplateOperator;
  /** Also compute the per-sample standard deviation (population, ddof = 0). Default true. */
  withStd?: boolean;
}

/** Templates from extracted waveforms, or from a recording and sorting (extracting waveforms first). */
export function computeTemplates(waveforms: WaveformSet, opts?: ComputeTemplatesOptions): Templates;
export function computeTemplates(rec: Recording, sorting: Sorting, opts?: ComputeTemplatesOptions & ExtractWaveformsOptions): Templates;
export function computeTemplates(
  a: WaveformSet | Recording,
  b?: Sorting | ComputeTemplatesOptions,
  c?: ComputeTemplatesOptions & ExtractWaveformsOptions,
): Templates {
  if ('units' in a && 'nBefore' in a) return templatesFromWaveforms(a, (b as ComputeTemplatesOptions | undefined) ?? {});
  if (!b || !('spikes' in b)) throw new Error('computeTemplates: pass extracted waveforms, or a recording and its sorting');
  return templatesFromWaveforms(extractWaveforms(a as Recording, b as Sorting, c ?? {}), c ?? {});
}

function templatesFromWaveforms(wf: WaveformSet, opts: ComputeTemplatesOptions): Templates {
  const operator = opts.operator ?? 'average';
  if (operator !== 'average' && operator !== 'median') throw new Error(`templates: operator '${String(operator)}' is not 'average' or 'median'`);
  const withStd = opts.withStd ?? true;
  const nu = wf.unitIds.length;
  const nc = wf.channelIds.length;
  const ns = wf.numSamples;
  const data = new Float32Array(nu * ns * nc);
  const std = withStd ? new Float32Array(nu * ns * nc) : null;
  const numSpikes = new Int32Array(nu);
  const column = new Float32Array(Math.max(0, ...wf.units.map((w) => w.spikeIndices.length)));
  wf.units.forEach((w, u) => {
    const n = w.spikeIndices.length;
    numSpikes[u] = n;
    if (n === 0) return;
    const chans = w.channels;
    const k = chans.length;
    for (let s = 0; s < ns; s++) {
      for (let j = 0; j < k; j++) {
        // Float64 accumulation: float32 sums of hundreds of spikes would lose ~1e-5 relative.
        let sum = 0;
        for (let i = 0; i < n; i++) sum += w.data[(i * ns + s) * k + j];
        const mean = sum / n;
        const dst = (u * ns + s) * nc + chans[j];
        if (operator === 'average') data[dst] = mean;
        else {
          for (let i = 0; i < n; i++) column[i] = w.data[(i * ns + s) * k + j];
          data[dst] = median(column.subarray(0, n));
        }
        if (std) {
          let ss = 0;
          for (let i = 0; i < n; i++) {
            const d = w.data[(i * ns + s) * k + j] - mean;
            ss += d * d;
          }
          std[dst] = Math.sqrt(ss / n);
        }
      }
    }
  });
  return {
    unitIds: [...wf.unitIds],
    channelIds: [...wf.channelIds],
    samplingFrequency: wf.samplingFrequency,
    nBefore: wf.nBefore,
    numSamples: ns,
    data,
    std,
    sparsity: wf.sparsity,
    numSpikes,
    scaled: wf.scaled,
  };
}

/** Median of values (sorted in place); mean of the middle two for even counts, as numpy. */
function median(v: Float32Array): number {
  v.sort();
  const n = v.length;
  return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** Per unit, the channel index where the template is largest (troughs by default). */
export function templatePeakChannels(t: Templates, peakSign: PeakSign = 'neg'): Int32Array {
  return peakChannelIndices(t, peakSign);
}

/** One unit's template as numSamples × channels (a view, not a copy). */
export function unitTemplate(t: Templates, unit: number): Float32Array {
  const size = t.numSamples * t.channelIds.length;
  return t.data.subarray(unit * size, (unit + 1) * size);
}

// ---------------------------------------------------------------------------------------------
// Folder format: templates.npy (units × samples × channels, float32), std.npy (optional), info.json.

interface TemplatesInfoJson {
  format: 'spikeforge-templates';
  version: 1;
  unitIds: string[];
  channelIds: string[];
  samplingFrequency: number;
  nBefore: number;
  numSamples: number;
  scaled: boolean;
  numSpikes: number[];
  sparsity: ChannelSparsityJson | null;
}

export async function saveTemplates(t: Templates, dir: string, opts: { overwrite?: boolean } = {}): Promise<void> {
  const shape = [t.unitIds.length, t.numSamples, t.channelIds.length];
  await withAtomicDir(
    dir,
    (tmp) => {
      writeNpy(path.join(tmp, 'templates.npy'), { data: t.data, shape });
      if (t.std) writeNpy(path.join(tmp, 'std.npy'), { data: t.std, shape });
      const info: TemplatesInfoJson = {
        format: 'spikeforge-templates',
        version: 1,
        unitIds: t.unitIds,
        channelIds: t.channelIds,
        samplingFrequency: t.samplingFrequency,
        nBefore: t.nBefore,
        numSamples: t.numSamples,
        scaled: t.scaled,
        numSpikes: Array.from(t.numSpikes),
        sparsity: t.sparsity ? t.sparsity.toJSON() : null,
      };
      writeFileAtomic(path.join(tmp, 'info.json'), JSON.stringify(info, null, 1));
    },
    opts,
  );
}

export function loadTemplates(dir: string): Templates {
  const infoPath = path.join(dir, 'info.json');
  let info: TemplatesInfoJson;
  try {
    info = JSON.parse(fs.readFileSync(infoPath, 'utf8')) as TemplatesInfoJson;
  } catch (e) {
    throw new Error(`${infoPath}: cannot read templates info (${(e as Error).message}): is ${dir} a folder written by saveTemplates?`);
  }
  if (info.format !== 'spikeforge-templates') throw new Error(`${infoPath}: not a spikeforge templates folder (format '${String(info.format)}')`);
  const shape = [info.unitIds.length, info.numSamples, info.channelIds.length];
  const load = (name: string): Float32Array => {
    const file = path.join(dir, name);
    const arr = readNpy(file);
    if (arr.shape.join(',') !== shape.join(',')) {
      throw new Error(`${file}: shape (${arr.shape.join(', ')}) does not match info.json (${shape.join(', ')}): the folder is inconsistent`);
    }
    return Float32Array.from(npyNumbers(arr, file));
  };
  return {
    unitIds: info.unitIds,
    channelIds: info.channelIds,
    samplingFrequency: info.samplingFrequency,
    nBefore: info.nBefore,
    numSamples: info.numSamples,
    data: load('templates.npy'),
    std: fs.existsSync(path.join(dir, 'std.npy')) ? load('std.npy') : null,
    sparsity: info.sparsity ? ChannelSparsity.fromJSON(info.sparsity, infoPath) : null,
    numSpikes: Int32Array.from(info.numSpikes),
    scaled: info.scaled,
  };
}

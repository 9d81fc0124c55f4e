/**
 * Sort outputs: one folder holding a Phy/Kilosort-compatible result and sorting_summary.json, written
 * atomically so an interrupted run never leaves a folder that looks complete.
 *
 * Phy conventions followed here (as Kilosort writes them): templates.npy is in the whitened space the
 * sorter matched in, and whitening_mat_inv.npy maps it back to the raw file's units; spike_times are
 * samples of the raw file that params.py points at (segments are concatenated, as Phy has one timeline).
 */
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Recording } from '../core/recording.js';
import { ChannelSliceRecording } from '../core/recordingtools.js';
import type { DType } from '../core/dtypes.js';
import { BinaryRecording } from '../io/binary.js';
import { withAtomicDir, writeFileAtomic } from '../io/atomic.js';
import { ClusterTable, PhyData, writePhyFiles } from '../io/phy.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { unitPanelsPng } from '../viz/units.js';
import { writeMotionOutputs } from '../motion/outputs.js';
import type { SortResult } from './sort.js';

export interface RawFileLayout {
  file: string;
  nChannelsDat: number;
  dtype: DType;
  offset: number;
  /** For each recording channel, its column in the file. */
  channelMap: Int32Array;
}

/**
 * The flat binary file behind a recording (through channel slices), so Phy can show the raw traces;
 * null for multi-segment or non-binary sources.
 */
export function rawFileLayout(rec: Recording): RawFileLayout | null {
  let channels = Int32Array.from({ length: rec.numChannels }, (_, i) => i);
  let cur: Recording = rec;
  while (cur instanceof ChannelSliceRecording) {
    const parentChannels = cur.parentChannels;
    channels = channels.map((c) => parentChannels[c]);
    cur = cur.parent;
  }
  if (!(cur instanceof BinaryRecording) || cur.numSegments !== 1) return null;
  const l = cur.layout;
  return { file: path.resolve(l.files[0]), nChannelsDat: l.numChannelsInFile, dtype: l.dtype, offset: l.byteOffset, channelMap: channels.map((c) => l.fileChannels[c]) };
}

export interface SortOutputOptions {
  overwrite?: boolean;
  reporter?: Reporter;
  /** Extra files written into the folder before it is published (name → bytes or text). */
  extraFiles?: Map<string, Uint8Array | string>;
}

/** Writes the Phy folder and sorting_summary.json for a sort of `recording` into `outDir`. */
export async function writeSortOutput(outDir: string, recording: Recording, result: SortResult, opts: SortOutputOptions = {}): Promise<PhyData> {
  const reporter = opts.reporter ?? silentReporter;
  const layout = rawFileLayout(recording);
  if (!layout) {
    reporter.log('warn', `the recording is not a single flat binary file, so Phy will open ${outDir} without raw traces (convert it with 'spikeforge convert' first to browse traces)`);
  }
  const phy = buildPhyData(recording, result, layout);
  await withAtomicDir(
    outDir,
    (tmp) => {
      writePhyFiles(tmp, phy);
      writeFileAtomic(path.join(tmp, 'sorting_summary.json'), JSON.stringify(result.summary, null, 1));
      writeFileAtomic(path.join(tmp, 'units.png'), unitsFigure(recording, result, phy));
      if (result.motion) writeMotionOutputs(tmp, result.motion.motion, result.motion.peaks);
      for (const [name, data] of opts.extraFiles ?? []) writeFileAtomic(path.join(tmp, name), data);
    },
    { overwrite: opts.overwrite },
  );
  return phy;
}

/** Phy arrays from a sort result. */
export function buildPhyData(recording: Recording, result: SortResult, layout: RawFileLayout | null): PhyData {
  const { sorting, templates } = result;
  const nc = recording.numChannels;
  const numUnits = sorting.numUnits;
  const len = templates.length ? templates[0].data.length / Math.max(1, templates[0].channels.length) : 0;

  // One timeline: segment s starts after the samples of segments 0..s-1.
  const segOffset = new Float64Array(recording.numSegments);
  for (let s = 1; s < recording.numSegments; s++) segOffset[s] = segOffset[s - 1] + recording.getNumSamples(s - 1);
  const n = sorting.numSpikes;
  const spikeTimes = Float64Array.from(sorting.spikes.sample, (t, i) => t + segOffset[sorting.spikes.segment[i]]);
  const spikeClusters = Int32Array.from(sorting.spikes.unit);

  const dense = new Float32Array(numUnits * len * nc);
  templates.forEach((t, u) => {
    const k = t.channels.length;
    for (let p = 0; p < len; p++) for (let q = 0; q < k; q++) dense[(u * len + p) * nc + t.channels[q]] = t.data[p * k + q];
  });

  // The sorter matched in noise-normalised units: normalised = raw × gain × scale per channel.
  const gains = layout ? recording.gains : new Float64Array(nc).fill(1);
  const w = new Float64Array(nc * nc);
  const wi = new Float64Array(nc * nc);
  for (let c = 0; c < nc; c++) {
    const f = gains[c] * result.noiseScale[c];
    w[c * nc + c] = f;
    wi[c * nc + c] = f > 0 ? 1 / f : 0;
  }

  const [ns, npc, nch] = result.pcFeatureShape;
  const locations = recording.hasProbe() ? recording.getChannelLocations() : null;
  const pcFeatureInd = new Int32Array(numUnits * nch);
  templates.forEach((t, u) => {
    const chosen = Array.from(t.channels.subarray(0, nch));
    // Pad with the nearest channels not yet used: Phy needs valid indices; their features are zero.
    if (chosen.length < nch) {
      const used = new Set(chosen);
      const byDistance = Array.from({ length: nc }, (_, c) => c)
        .filter((c) => !used.has(c))
        .sort((a, b) => distance(locations, t.peakChannel, a) - distance(locations, t.peakChannel, b) || a - b);
      for (const c of byDistance) {
        if (chosen.length >= nch) break;
        chosen.push(c);
      }
    }
    for (let j = 0; j < nch; j++) pcFeatureInd[u * nch + j] = chosen[j] ?? t.peakChannel;
  });

  const labels = (sorting.properties.get('KSLabel') as string[] | undefined) ?? new Array<string>(numUnits).fill('unsorted');
  const contamination = sorting.properties.get('contamination') as ArrayLike<number> | undefined;
  const table = (column: string, values: (u: number) => string): ClusterTable => ({
    columns: [column],
    // spike_clusters holds unit indices, so cluster ids are unit indices too.
    rows: new Map(Array.from({ length: numUnits }, (_, u) => [u, [values(u)]])),
  });
  const clusterTables = new Map<string, ClusterTable>([
    ['group', table('group', (u) => labels[u])],
    ['KSLabel', table('KSLabel', (u) => labels[u])],
    ['ContamPct', table('ContamPct', (u) => (contamination ? (100 * contamination[u]).toFixed(1) : 'nan'))],
    ['Amplitude', table('Amplitude', (u) => peakAmplitudeUv(templates[u], result.noiseScale).toFixed(1))],
  ]);

  const positions = recording.hasProbe() ? recording.getChannelLocations() : new Float64Array(nc * 2).map((_, i) => (i % 2 === 1 ? 20 * Math.floor(i / 2) : 0));
  return {
    params: {
      datPath: layout ? layout.file : '',
      nChannelsDat: layout ? layout.nChannelsDat : nc,
      dtype: layout ? layout.dtype : 'float32',
      offset: layout ? layout.offset : 0,
      sampleRate: recording.samplingFrequency,
      hpFiltered: recording.annotations['is_filtered'] === true,
    },
    spikeTimes,
    spikeClusters,
    spikeTemplates: Int32Array.from(spikeClusters),
    amplitudes: Float64Array.from(result.spikeAmplitudes),
    templates: { data: dense, shape: [numUnits, len, nc] },
    channelMap: layout ? layout.channelMap : Int32Array.from({ length: nc }, (_, i) => i),
    channelPositions: { data: Float64Array.from(positions), shape: [nc, 2] },
    similarTemplates: { data: templateSimilarity(dense, numUnits, len, nc, 3), shape: [numUnits, numUnits] },
    whiteningMat: { data: w, shape: [nc, nc] },
    whiteningMatInv: { data: wi, shape: [nc, nc] },
    pcFeatures: { rows: result.pcFeatures, shape: [ns, npc, nch] },
    pcFeatureInd: { data: pcFeatureInd, shape: [numUnits, nch] },
    spikePositions: { data: Float64Array.from(result.spikePositions), shape: [n, 2] },
    clusterTables,
  };
}

/** units.png: every unit's template in µV on its neighbouring channels. */
function unitsFigure(recording: Recording, result: SortResult, phy: PhyData): Uint8Array {
  const [numUnits, len, nc] = phy.templates!.shape;
  const uv = new Float32Array(phy.templates!.data.length);
  for (let i = 0; i < uv.length; i++) {
    const s = result.noiseScale[i % nc];
    uv[i] = s > 0 ? phy.templates!.data[i] / s : 0;
  }
  return unitPanelsPng({
    templates: uv,
    numUnits,
    numSamples: len,
    numChannels: nc,
    locations: phy.channelPositions!.data,
    unitIds: result.sorting.unitIds,
    labels: result.sorting.properties.get('KSLabel') as string[] | undefined,
    counts: result.sorting.countSpikes(),
  }, {}, (raw) => zlib.deflateSync(raw));
}

function distance(locations: Float64Array | null, a: number, b: number): number {
  if (!locations) return Math.abs(a - b);
  return Math.hypot(locations[2 * a] - locations[2 * b], locations[2 * a + 1] - locations[2 * b + 1]);
}

function peakAmplitudeUv(t: { data: Float32Array; channels: Int32Array } | undefined, scale: Float32Array): number {
  if (!t) return 0;
  const k = t.channels.length;
  let best = 0;
  for (let i = 0; i < t.data.length; i++) {
    const s = scale[t.channels[i % k]];
    if (s > 0) best = Math.max(best, Math.abs(t.data[i]) / s);
  }
  return best;
}

/**
 * Cosine similarity of every pair of templates, maximised over lags of ±maxLag samples (Phy's
 * similar_templates orders its "similar clusters" view by it).
 */
export function templateSimilarity(dense: Float32Array, numUnits: number, len: number, nc: number, maxLag: number): Float32Array {
  const out = new Float32Array(numUnits * numUnits);
  const norms = new Float64Array(numUnits);
  const active: Int32Array[] = [];
  for (let u = 0; u < numUnits; u++) {
    const base = u * len * nc;
    let s = 0;
    const chans: number[] = [];
    for (let c = 0; c < nc; c++) {
      let e = 0;
      for (let p = 0; p < len; p++) e += dense[base + p * nc + c] ** 2;
      if (e > 0) chans.push(c);
      s += e;
    }
    norms[u] = Math.sqrt(s);
    active.push(Int32Array.from(chans));
  }
  for (let a = 0; a < numUnits; a++) {
    out[a * numUnits + a] = norms[a] > 0 ? 1 : 0;
    const setA = new Set(active[a]);
    for (let b = a + 1; b < numUnits; b++) {
      const shared = active[b].filter((c) => setA.has(c));
      if (shared.length === 0 || norms[a] === 0 || norms[b] === 0) continue;
      let best = 0;
      for (let lag = -maxLag; lag <= maxLag; lag++) {
        let dot = 0;
        for (let p = Math.max(0, -lag); p < Math.min(len, len - lag); p++) {
          const ra = a * len * nc + p * nc;
          const rb = b * len * nc + (p + lag) * nc;
          for (const c of shared) dot += dense[ra + c] * dense[rb + c];
        }
        best = Math.max(best, dot);
      }
      const sim = best / (norms[a] * norms[b]);
      out[a * numUnits + b] = sim;
      out[b * numUnits + a] = sim;
    }
  }
  return out;
}

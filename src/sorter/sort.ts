/**
 * The native sorter, top-down (the stage order reads like Kilosort4's run_kilosort):
 *   check input → preprocess → noise → geometry → learn prototype → detect + features →
 *   cluster → templates + merges → template matching → curation → outputs.
 * Each stage is a pure function in src/sortingcomponents with its own section of params.ts.
 */
import * as path from 'node:path';
import type { Recording } from '../core/recording.js';
import { Sorting } from '../core/sorting.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { writeFileAtomic } from '../io/atomic.js';
import { commonReference } from '../preprocessing/common_reference.js';
import { estimateCommonMode } from '../preprocessing/commonmode.js';
import { FilterRecording, highpassFilter } from '../preprocessing/filter.js';
import { DTYPE_BYTES } from '../core/dtypes.js';
import { StreamedMotion } from '../motion/compute.js';
import { correctMotion } from '../motion/correct.js';
import { isDriftSignificant, DriftDecision } from '../motion/detectdrift.js';
import type { Motion } from '../motion/motion.js';
import type { MotionEstimateOptions } from '../motion/estimate.js';
import type { MotionPeakParams } from '../motion/peaks.js';
import { VERSION } from '../version.js';
import type { DriftMapPeaks } from '../viz/driftmap.js';
import { spikeTimeKeys, splitGroups } from '../sortingcomponents/clustergroups.js';
import { findEchoSpikes, labelUnits, removeDuplicateSpikes } from '../sortingcomponents/curation.js';
import { findPostMerges } from '../sortingcomponents/postmerge.js';
import type { Polarity } from '../sortingcomponents/detection.js';
import { prepareTemplates, SparseTemplate } from '../sortingcomponents/matching.js';
import { matchRecording, MatchedRecording } from '../sortingcomponents/matchpass.js';
import { channelDistance, channelNeighbourhoods, fallbackLocations } from '../sortingcomponents/neighbours.js';
import { estimateNoiseMad } from '../sortingcomponents/noise.js';
import { DetectionSetup, detectAndSample, learnPrototype, PeakSample, Prototype } from '../sortingcomponents/peakpass.js';
import { buildTemplates, Cluster } from '../sortingcomponents/templatebuild.js';
import type { NormalizedSource, ReadCounter } from '../sortingcomponents/traces.js';
import { resolveSorterParams, SorterParamOverrides, SorterParams } from './params.js';
import { cacheTraces, decideTraceCache, TraceCache, TraceCacheDtype, TraceCacheMode, traceCacheRemovals } from '../exec/tracecache.js';
import { Float32Rows, spillFloat32Sink } from '../exec/spill.js';
import { releaseGarbage } from '../exec/memory.js';

export interface SortOptions {
  params?: SorterParamOverrides;
  reporter?: Reporter;
  /** When given, sorting_summary.json is written there (atomically). */
  outDir?: string;
  seed?: number;
  /** Filled with intermediate results (clusters, merge groups) for diagnostics and benchmarks. */
  debug?: SortDebug;
  /** Worker threads for the passes over the recording (default: all cores). The result does not depend on it. */
  jobs?: number;
}

export interface SortDebug {
  clusters?: Cluster[];
  /** For each template, the clusters it was built from. */
  members?: number[][];
  /** The sampled peaks and their features that clustering ran on. */
  peaks?: PeakSample;
}

export interface SortedUnit {
  id: string;
  label: 'good' | 'mua';
  numSpikes: number;
  contamination: number;
  peakChannel: number;
  /** Template centre of mass (µm). */
  x: number;
  y: number;
}

export interface SortingSummary {
  software: { name: 'spikeforge'; version: string };
  recording: { numChannels: number; samplingFrequency: number; durationS: number; numSegments: number };
  numUnits: number;
  numSpikes: number;
  numGood: number;
  stageSeconds: Record<string, number>;
  params: SorterParams;
  preprocessing: PreprocessSummary;
  /** Drift: whether it was estimated, its range and whether the traces were corrected. */
  motion: { estimated: boolean; corrected: boolean; rangeUm: number | null; reason: string };
  warnings: string[];
  units: SortedUnit[];
  /** Sequential passes over the whole recording, and bytes read from the input file (sampled chunks and margins included). */
  io: { passes: number; bytesRead: number; cache?: TraceCacheSummary | null };
}

/** The temporary copy of the preprocessed traces that the passes read (execution.cacheTraces). */
export interface TraceCacheSummary {
  dtype: TraceCacheDtype;
  bytesWritten: number;
  /** Bytes the passes read back from it. */
  bytesRead: number;
  clippedSamples: number;
}

/** The estimated motion (for motion.npz), and an even sample of the peaks it came from (for the drift map). */
export interface SortMotion {
  motion: Motion;
  peaks: Required<DriftMapPeaks>;
  decision: DriftDecision;
  corrected: boolean;
}

export interface SortResult {
  sorting: Sorting;
  summary: SortingSummary;
  /** Templates in noise units (length × channels, sparse) and the scale back to µV per channel. */
  templates: SparseTemplate[];
  templateNBefore: number;
  noiseScale: Float32Array;
  /** Per spike, aligned with sorting.spikes after sorting by (segment, sample, unit). */
  spikeAmplitudes: Float32Array;
  spikePositions: Float32Array;
  /**
   * One row of pcFeatureShape[1] × pcFeatureShape[2] per spike, kept in a temporary file (unlinked, so
   * nothing is left on disk) and read on demand: they grow with the recording. dispose() frees them early.
   */
  pcFeatures: Float32Rows;
  pcFeatureShape: [number, number, number];
  /** The recording the sorter actually ran on (after preprocessing and drift correction). */
  preprocessed: Recording;
  motion: SortMotion | null;
}

export async function sort(recording: Recording, options: SortOptions = {}): Promise<SortResult> {
  const ctx = makeSortContext(options);
  const { params, reporter } = ctx;
  const warnings = ctx.stage('check input', () => checkInput(recording));
  for (const w of warnings) reporter.log('warn', w);
  const pre = ctx.stage('preprocess', () => preprocess(recording, params));
  reporter.log('info', pre.summary.reason);
  const filtered = pre.recording;
  const { result: run, cache } = await withTraceCache(recording, filtered, ctx, warnings, (rec, counter, drift) => runPasses(rec, counter, drift, ctx, warnings, options.debug));
  // What the sort ran on, as a lazy chain over the input (the cache is gone).
  const rec = run.drift?.corrected ? correctMotion(filtered, run.drift.motion, { sigmaUm: params.motion.sigmaUm }) : filtered;
  let cur: Curated;
  try {
    cur = ctx.stage('curate', () => curate(run.matched, run.built.templates, rec, params, run.locations, run.proto.basis.numComponents, reporter));
  } finally {
    run.matched.pcFeatures.dispose();
  }
  const units = describeUnits(cur, run.built.templates, run.locations);
  const sorting = makeSorting(cur, units, rec);
  const summary: SortingSummary = {
    software: { name: 'spikeforge', version: VERSION },
    recording: { numChannels: rec.numChannels, samplingFrequency: rec.samplingFrequency, durationS: rec.getDuration(), numSegments: rec.numSegments },
    numUnits: units.length,
    numSpikes: sorting.numSpikes,
    numGood: units.filter((u) => u.label === 'good').length,
    stageSeconds: ctx.timings,
    params,
    preprocessing: pre.summary,
    motion: run.drift
      ? { estimated: true, corrected: run.drift.corrected, rangeUm: run.drift.decision.rangeUm, reason: run.drift.decision.reason }
      : { estimated: false, corrected: false, rangeUm: null, reason: motionSkipReason(filtered, params) },
    warnings,
    units,
    io: sortIo(recording, filtered, rec, cache, run.counter, run.drift !== null, params),
  };
  // The summary holds the same warnings array, so this late warning still reaches it.
  if (units.length === 0) warnings.push('no units were found');
  if (options.outDir) writeFileAtomic(path.join(options.outDir, 'sorting_summary.json'), JSON.stringify(summary, null, 1));
  // The cache files were deleted in the background while the curation ran: the disk is free on return.
  await traceCacheRemovals();
  return {
    sorting,
    summary,
    templates: cur.keptUnits.map((u) => run.built.templates[u]),
    templateNBefore: run.setup.nBefore,
    noiseScale: run.scale,
    spikeAmplitudes: cur.amplitude,
    spikePositions: cur.positions,
    pcFeatures: cur.pcFeatures,
    pcFeatureShape: [cur.sample.length, run.proto.basis.numComponents, params.features.maxNeighbours],
    preprocessed: rec,
    motion: run.drift,
  };
}

/** Runs `fn` and records its seconds under `name` (after the promise settles when it returns one). */
type StageTimer = <T>(name: string, fn: () => T) => T;

/** What every stage of one sort shares. */
interface SortContext {
  params: SorterParams;
  reporter: Reporter;
  seed: number;
  /** Worker threads for the passes (undefined: all cores). */
  jobs: number | undefined;
  /** Seconds per stage, in the order the stages ran (summary.stageSeconds). */
  timings: Record<string, number>;
  stage: StageTimer;
}

function makeSortContext(options: SortOptions): SortContext {
  const reporter = options.reporter ?? silentReporter;
  const timings: Record<string, number> = {};
  return {
    params: resolveSorterParams(options.params),
    reporter,
    seed: options.seed ?? 0,
    jobs: options.jobs,
    timings,
    stage: makeStageTimer(reporter, timings),
  };
}

function makeStageTimer(reporter: Reporter, timings: Record<string, number>): StageTimer {
  return <T>(name: string, fn: () => T): T => {
    // The previous stage's garbage goes before this one allocates (or starts workers) on top of it.
    releaseGarbage();
    const t0 = performance.now();
    reporter.log('info', `${name}...`);
    const record = () => {
      timings[name] = (performance.now() - t0) / 1000;
    };
    const out = fn();
    // A failed stage records no time, sync or async.
    if (out instanceof Promise) return out.then((v: unknown) => (record(), v)) as T;
    record();
    return out;
  };
}

/** Passes over the whole recording after the prototype: detection, two snippet passes (merging, final templates), matching. */
const FULL_PASSES = 4;

/** The trace cache's figures, kept after the cache itself is removed. */
interface TraceCacheRecord {
  dtype: TraceCacheDtype;
  bytesWritten: number;
  chunks: number;
  clippedSamples: number;
}

/**
 * Estimates the motion and runs `fn` on the preprocessed, drift-corrected traces. They are read from a
 * temporary cache when execution.cacheTraces asks for one (removed when `fn` ends, even on error), else
 * from the lazy chain over the input. `counter` counts the frames the passes read.
 */
async function withTraceCache<T>(
  input: Recording,
  filtered: Recording,
  ctx: SortContext,
  warnings: string[],
  fn: (rec: Recording, counter: ReadCounter, drift: SortMotion | null) => Promise<T>,
): Promise<{ result: T; cache: TraceCacheRecord | null }> {
  // Motion estimation and every later pass read the preprocessed traces from one temporary copy
  // instead of recomputing the filter and reference on each pass; its motion peaks come with it.
  const motionPeaks = wantsDrift(filtered, ctx.params) ? new StreamedMotion(filtered, motionEstimateOptions(ctx.params)) : null;
  const filteredCache = await maybeCacheTraces(input, filtered, ctx, warnings, { label: 'cache traces', noiseLabel: 'noise for cache', motionPeaks });
  let correctedCache: TraceCache | null = null;
  try {
    const base = filteredCache?.recording ?? filtered;
    const drift = ctx.stage('motion', () => estimateDrift(base, ctx.params, ctx.reporter, motionPeaks, filteredCache !== null));
    if (drift) ctx.reporter.log('info', drift.decision.reason);
    let rec = base;
    if (drift?.corrected) {
      // The interpolation is the costliest read of all: done once, into a cache of corrected traces, which
      // replaces the uncorrected one (no longer read). float32 keeps the interpolated values exactly: an int16
      // step after interpolation cost gt-drift 0.011 of mean accuracy.
      rec = correctMotion(base, drift.motion, { sigmaUm: ctx.params.motion.sigmaUm });
      correctedCache = await maybeCacheTraces(input, rec, ctx, warnings, { label: 'cache corrected traces', noiseLabel: 'noise for corrected cache', motionPeaks: null, dtype: 'float32' });
      if (correctedCache) {
        filteredCache?.dispose();
        rec = correctedCache.recording;
      }
    }
    const counter: ReadCounter = { frames: 0, reads: 0 };
    const result = await fn(rec, counter, drift);
    return { result, cache: traceCacheRecord(filteredCache, correctedCache) };
  } finally {
    correctedCache?.dispose();
    filteredCache?.dispose();
  }
}

/** The figures of the cache the passes read, with the bytes and input reads of both caches when there were two. */
function traceCacheRecord(filteredCache: TraceCache | null, correctedCache: TraceCache | null): TraceCacheRecord | null {
  const read = correctedCache ?? filteredCache;
  if (!read) return null;
  return {
    dtype: read.dtype,
    bytesWritten: (filteredCache?.bytesWritten ?? 0) + (correctedCache?.bytesWritten ?? 0),
    chunks: (filteredCache ?? read).chunks,
    clippedSamples: (filteredCache?.clippedSamples ?? 0) + (correctedCache?.clippedSamples ?? 0),
  };
}

/** Everything the passes over the (cached) traces produce. */
interface SortPasses {
  drift: SortMotion | null;
  /** 1 / noise sd per channel (0 for constant channels). */
  scale: Float32Array;
  locations: Float64Array;
  setup: DetectionSetup;
  proto: Prototype;
  built: ReturnType<typeof buildTemplates>;
  matched: MatchedRecording;
  /** Frames the passes read (from the cache when there is one). */
  counter: ReadCounter;
}

/** Noise → geometry → prototype → detection → clustering → templates → matching, on `rec` (already corrected when `drift` says so). */
async function runPasses(rec: Recording, counter: ReadCounter, drift: SortMotion | null, ctx: SortContext, warnings: string[], debug: SortDebug | undefined): Promise<SortPasses> {
  const { params, reporter, seed, jobs, stage } = ctx;
  const scale = stage('noise levels', () => noiseScale(rec, ctx, warnings));
  const src: NormalizedSource = { recording: rec, scale, counter };
  const locations = rec.hasProbe() ? rec.getChannelLocations() : fallbackLocations(rec.numChannels);
  const setup = makeDetectionSetup(rec, params, locations);
  const proto = stage('learn prototype', () => learnPrototype(src, setup, {
    threshold: params.detection.rawThresholdSigma,
    numComponents: params.features.numPcs,
    maxPeaks: params.features.maxPeaksForPca,
    numChunks: 10,
    seed,
  }));
  if (proto.numPeaksUsed === 0) warnings.push('no spike crossed the detection threshold in the sampled chunks: the recording may hold no spikes');
  const clusters = await detectAndCluster(src, setup, proto, ctx, debug);
  const built = stage('templates', () => makeTemplates(src, clusters, setup, locations, ctx));
  reporter.log('info', `${clusters.length} clusters, ${built.merges} merges, ${built.templates.length} templates`);
  if (debug) Object.assign(debug, { clusters, members: built.members });
  const matched = await stage('match', () => runMatching(src, built.templates, setup, proto, params, locations, reporter, jobs));
  return { drift, scale, locations, setup, proto, built, matched, counter };
}

/**
 * Detection and clustering. Only the clusters leave: the sampled peaks' features (up to 220 MB on 384
 * channels) must not be held through templates and matching, and a local of the long-running caller
 * cannot release them (its suspended frame keeps the awaited value in a register even once the variable is cleared).
 */
async function detectAndCluster(src: NormalizedSource, setup: DetectionSetup, proto: Prototype, ctx: SortContext, debug: SortDebug | undefined): Promise<Cluster[]> {
  const { params, reporter, seed, jobs, stage } = ctx;
  const peaks = await stage('detect peaks', () => detectAndSample(src, setup, proto, {
    threshold: params.detection.thresholdSigma,
    matchedFilter: params.detection.matchedFilter,
    maxPerChannel: params.clustering.maxPeaksPerChannel,
    maxNeighbours: params.features.maxNeighbours,
    seed,
    jobs,
  }, reporter));
  const clusters = await stage('cluster', () => clusterPeaks(src.recording, peaks, params, reporter, jobs));
  if (debug) debug.peaks = peaks;
  return clusters;
}

/** 1 / noise sd per channel; constant channels get 0 and a warning, and a recording of only those raises. */
function noiseScale(rec: Recording, ctx: SortContext, warnings: string[]): Float32Array {
  const noise = estimateNoiseMad(rec, { numChunks: ctx.params.preprocessing.noiseChunks, chunkSamples: Math.round(rec.samplingFrequency), seed: ctx.seed });
  const scale = Float32Array.from(noise, (s) => (s > 0 ? 1 / s : 0));
  const dead = [...noise].filter((s) => !(s > 0)).length;
  if (dead === rec.numChannels) throw new Error('every channel is constant (zero noise): the recording holds no signal to sort');
  if (dead) warnings.push(`${dead} channel(s) are constant and are ignored`);
  return scale;
}

function makeTemplates(src: NormalizedSource, clusters: Cluster[], setup: DetectionSetup, locations: Float64Array, ctx: SortContext): ReturnType<typeof buildTemplates> {
  const { params, seed } = ctx;
  return buildTemplates(src, clusters, {
    nBefore: setup.nBefore,
    length: setup.length,
    maxShift: Math.round((params.merging.maxShiftMs * src.recording.samplingFrequency) / 1000),
    maxSpikesPerUnit: params.merging.maxSpikesPerUnit,
    candidateCosine: params.merging.candidateCosine,
    mergeScore: params.merging.mergeScore,
    maxSeparation: params.merging.maxSeparation,
    amplitudeMin: params.matching.amplitudeMin,
    amplitudeMax: params.matching.amplitudeMax,
    scaleCosine: params.merging.scaleCosine,
    footprintTest: params.merging.footprintTest,
    sparsityRatio: params.matching.sparsityRatio,
    polarity: setup.polarity,
    chunkSamples: setup.chunkSamples,
    neighbours: setup.featureNeighbours,
    templateNeighbours: channelNeighbourhoods(locations, params.matching.templateRadiusUm, params.matching.templateMaxChannels),
    sparsityNoiseSigma: params.matching.sparsityNoiseSigma,
    near: (a, b) => channelDistance(locations, a, b) <= params.features.neighbourRadiusUm,
    seed,
  });
}

type Curated = ReturnType<typeof curate>;

function describeUnits(cur: Curated, templates: SparseTemplate[], locations: Float64Array): SortedUnit[] {
  return cur.keptUnits.map((u, i) => {
    const t = templates[u];
    const [x, y] = templateCenter(t, locations);
    return { id: String(i), label: cur.labels[i].label, numSpikes: cur.counts[i], contamination: cur.labels[i].contamination, peakChannel: t.peakChannel, x, y };
  });
}

function makeSorting(cur: Curated, units: SortedUnit[], rec: Recording): Sorting {
  const sorting = new Sorting(
    { sample: cur.sample, unit: cur.unit, segment: cur.segment },
    { samplingFrequency: rec.samplingFrequency, unitIds: units.map((u) => u.id), numSegments: rec.numSegments, numSamples: Array.from({ length: rec.numSegments }, (_, s) => rec.getNumSamples(s)) },
  );
  sorting.properties.set('KSLabel', units.map((u) => u.label));
  sorting.properties.set('contamination', Float64Array.from(units, (u) => u.contamination));
  return sorting;
}

/** summary.io: passes over and bytes read from the input, and the trace cache's figures. */
function sortIo(input: Recording, filtered: Recording, rec: Recording, cache: TraceCacheRecord | null, counter: ReadCounter, motionEstimated: boolean, params: SorterParams): SortingSummary['io'] {
  if (!cache) {
    return { ...ioSummary(input, filtered, counter, FULL_PASSES + (motionEstimated ? 1 : 0), params, noiseFrames(rec, params, motionEstimated)), cache: null };
  }
  // With a cache, the input is read by one pass (writing the cache) plus the rough noise chunks; the other passes read the cache.
  const roughNoiseFrames = 4 * Math.min(Math.round(rec.samplingFrequency / 4), rec.getNumSamples(0));
  return {
    ...ioSummary(input, filtered, { frames: rec.getTotalSamples(), reads: cache.chunks }, 1, params, roughNoiseFrames),
    cache: { dtype: cache.dtype, bytesWritten: cache.bytesWritten, bytesRead: counter.frames * rec.numChannels * (cache.dtype === 'int16' ? 2 : 4), clippedSamples: cache.clippedSamples },
  };
}

/** Problems that make a sort meaningless raise; those that only weaken it are returned as warnings. */
function checkInput(rec: Recording): string[] {
  const warnings: string[] = [];
  const minSamples = Math.round(0.01 * rec.samplingFrequency);
  if (rec.getTotalSamples() < minSamples) {
    throw new Error(`the recording is ${rec.getDuration().toFixed(4)} s long: too short to sort (need at least 10 ms, and 10 s or more for reliable units)`);
  }
  if (rec.getDuration() < 10) warnings.push(`the recording is only ${rec.getDuration().toFixed(1)} s long: units with few spikes may be missed or merged (10 s or more recommended)`);
  if (rec.numChannels === 1) warnings.push('single-channel recording: units are separated by waveform shape only');
  if (!rec.hasProbe() && rec.numChannels > 16) {
    throw new Error(`the recording has ${rec.numChannels} channels but no probe geometry: attach one with --probe (probeinterface .json, .prb or Kilosort chanMap .mat)`);
  }
  return warnings;
}

/** Depth span (µm) of the probe: drift correction needs contacts along the direction of motion. */
function depthSpanUm(rec: Recording): number {
  if (!rec.hasProbe()) return 0;
  const loc = rec.getChannelLocations();
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = 0; c < rec.numChannels; c++) {
    lo = Math.min(lo, loc[2 * c + 1]);
    hi = Math.max(hi, loc[2 * c + 1]);
  }
  return hi - lo;
}

function motionSkipReason(rec: Recording, params: SorterParams): string {
  if (params.motion.correction === 'off') return 'motion correction is off (motion.correction = off)';
  if (!rec.hasProbe()) return 'no probe geometry: no motion estimate';
  return `the probe spans ${depthSpanUm(rec).toFixed(0)} µm in depth (< motion.minSpanUm = ${params.motion.minSpanUm}): no motion estimate`;
}

/** Whether motion is estimated: correction not off, and a probe spanning enough depth. */
function wantsDrift(rec: Recording, params: SorterParams): boolean {
  return params.motion.correction !== 'off' && depthSpanUm(rec) >= params.motion.minSpanUm;
}

/** The motion peaks' parameters (their noise comes with the call). */
function motionPeakParams(params: SorterParams): MotionPeakParams {
  return { polarity: params.detection.polarity as Polarity };
}

function motionEstimateOptions(params: SorterParams): MotionEstimateOptions {
  const m = params.motion;
  return { rigid: m.rigid, binS: m.binS, windowStepUm: m.windowStepUm, windowScaleUm: m.windowScaleUm };
}

/**
 * Estimates probe motion and decides whether to correct it; null when the geometry does not allow it.
 * `stream` (null when motion is not wanted) gets the peaks of `rec`: already, by the trace cache's pass
 * (`streamed`), else detected here.
 */
function estimateDrift(rec: Recording, params: SorterParams, reporter: Reporter, stream: StreamedMotion | null, streamed: boolean): SortMotion | null {
  if (!stream) return null;
  if (!streamed) stream.detect(rec, motionPeakParams(params), reporter);
  const found = stream.finish(reporter);
  const decision = isDriftSignificant(found.motion, { thresholdUm: params.motion.thresholdUm });
  return { motion: found.motion, peaks: found.peaks, decision, corrected: params.motion.correction === 'on' || decision.significant };
}

/** What preprocessing decided: the common reference applied, and the shared-noise level behind an 'auto' choice. */
export interface PreprocessSummary {
  commonReference: 'none' | 'global-median' | 'local-median';
  /** sd of the noise shared by all channels, in units of channel noise ('auto' only; see preprocessing/commonmode.ts). */
  commonNoiseSd: number | null;
  /** Global median only: the clipped median's window (µV, preprocessing.referenceClipSigma × residual noise sd), or null for the plain median. */
  referenceClipUv: number | null;
  reason: string;
}

function preprocess(rec: Recording, params: SorterParams): { recording: Recording; summary: PreprocessSummary } {
  let out = rec;
  const filtered = rec.annotations['is_filtered'] === true;
  if (!filtered && params.preprocessing.highpassHz > 0) out = highpassFilter(out, { freqMin: params.preprocessing.highpassHz });
  const choice = chooseCommonReference(out, params);
  if (choice.commonReference === 'global-median') out = commonReference(out, { reference: 'global', operator: 'median', clipUv: choice.referenceClipUv ?? 0 });
  else if (choice.commonReference === 'local-median') out = commonReference(out, { reference: 'local', operator: 'median' });
  return { recording: out, summary: choice };
}

/**
 * 'auto' applies a global median reference from 32 channels up only when the channels share enough
 * noise for it to matter: the median moves with every large spike and stamps an inverted ghost of it
 * on all other channels, a cost worth paying only when it removes real common noise.
 */
function chooseCommonReference(filtered: Recording, params: SorterParams): PreprocessSummary {
  const mode = params.preprocessing.commonReference as PreprocessSummary['commonReference'] | 'auto';
  const clipSigma = params.preprocessing.referenceClipSigma;
  // The clip's scale needs the estimate; a plain median (clip 0) or no global median does not.
  const clipOf = (residualSdUv: number): number | null => (clipSigma > 0 && residualSdUv > 0 ? clipSigma * residualSdUv : null);
  const clipText = (clip: number | null): string => (clip === null ? '' : ` clipped at ${clip.toFixed(1)} µV (${clipSigma} sd)`);
  if (mode === 'global-median' && clipSigma > 0 && filtered.numChannels >= 2) {
    const clip = clipOf(estimateCommonMode(filtered, { seed: 7, residual: true }).residualSdUv);
    return { commonReference: mode, commonNoiseSd: null, referenceClipUv: clip, reason: `preprocessing.commonReference = ${mode}${clipText(clip)}` };
  }
  if (mode !== 'auto') return { commonReference: mode, commonNoiseSd: null, referenceClipUv: null, reason: `preprocessing.commonReference = ${mode}` };
  if (filtered.numChannels < 32) return { commonReference: 'none', commonNoiseSd: null, referenceClipUv: null, reason: `${filtered.numChannels} channels (< 32): no common reference (a median over few channels removes the spikes themselves)` };
  const min = params.preprocessing.commonNoiseMinSd;
  const { commonSd, residualSdUv } = estimateCommonMode(filtered, { seed: 7, residual: clipSigma > 0 });
  const level = `noise shared by all channels: ${commonSd.toFixed(2)} of channel noise sd`;
  const clip = clipOf(residualSdUv);
  return commonSd >= min
    ? { commonReference: 'global-median', commonNoiseSd: commonSd, referenceClipUv: clip, reason: `${level} (≥ preprocessing.commonNoiseMinSd = ${min}): global median reference${clipText(clip)}` }
    : { commonReference: 'none', commonNoiseSd: commonSd, referenceClipUv: null, reason: `${level} (< preprocessing.commonNoiseMinSd = ${min}): no common reference` };
}

/**
 * Writes `rec` (the preprocessed or the corrected traces) to a temporary cache when execution.cacheTraces
 * asks for it (see decideTraceCache). Its int16 step needs only a rough noise level of `rec` (a quarter of
 * a second from each of 4 chunks): the sort's noise is measured on the cache. `motionPeaks`: also detect
 * the motion peaks in the writing pass, into this stream (thresholded on the same rough noise).
 */
async function maybeCacheTraces(
  input: Recording,
  rec: Recording,
  ctx: SortContext,
  warnings: string[],
  how: { label: string; noiseLabel: string; motionPeaks: StreamedMotion | null; dtype?: TraceCacheDtype },
): Promise<TraceCache | null> {
  const { params, reporter, stage } = ctx;
  const ex = params.execution;
  const dtype = how.dtype ?? (ex.cacheDtype as TraceCacheDtype);
  const tempDir = ex.tempDir || undefined;
  const decision = decideTraceCache(ex.cacheTraces as TraceCacheMode, input, rec, FULL_PASSES, dtype, tempDir);
  reporter.log('debug', `${how.label}: ${decision.reason}`);
  if (!decision.cache) return null;
  const wantPeaks = how.motionPeaks !== null;
  // float32 stores values as they are: only the int16 step and the motion peaks' threshold need the noise.
  const noiseSd = dtype === 'int16' || wantPeaks
    ? stage(how.noiseLabel, () => estimateNoiseMad(rec, { numChunks: 4, chunkSamples: Math.round(rec.samplingFrequency / 4), seed: ctx.seed }))
    : new Float32Array(rec.numChannels);
  const motionPeaks = how.motionPeaks ? { noiseSd, params: motionPeakParams(params), consume: how.motionPeaks.consume } : undefined;
  const cache = await stage(how.label, () => cacheTraces(rec, { noiseSd, dtype, tempDir, jobs: ctx.jobs, reporter, motionPeaks }));
  if (cache.clippedSamples) warnings.push(`${cache.clippedSamples} samples beyond ±512 noise sd were clipped in the int16 trace cache: set execution.cacheDtype = float32 to keep them`);
  return cache;
}

function makeDetectionSetup(rec: Recording, params: SorterParams, locations: Float64Array): DetectionSetup {
  const fs = rec.samplingFrequency;
  const nBefore = Math.round((params.features.msBefore * fs) / 1000);
  const nAfter = Math.round((params.features.msAfter * fs) / 1000);
  return {
    polarity: params.detection.polarity as Polarity,
    nBefore,
    length: nBefore + nAfter,
    exclusionSamples: Math.max(1, Math.round((params.detection.exclusionMs * fs) / 1000)),
    dedupNeighbours: channelNeighbourhoods(locations, params.detection.radiusUm, rec.numChannels),
    featureNeighbours: channelNeighbourhoods(locations, params.features.neighbourRadiusUm, params.features.maxNeighbours),
    chunkSamples: Math.max(1, Math.round(params.matching.chunkSeconds * fs)),
  };
}

/** Clusters of every peak channel's group large enough to split; the groups are split on the worker pool (`jobs` threads). */
async function clusterPeaks(rec: Recording, peaks: PeakSample, params: SorterParams, reporter: Reporter, jobs: number | undefined): Promise<Cluster[]> {
  const min = params.clustering.minClusterSize;
  const channels = peaks.sample.map((s, c) => (s.length >= min ? c : -1)).filter((c) => c >= 0);
  const out: Cluster[] = [];
  const groups = {
    features: channels.map((c) => peaks.features[c]),
    featureDim: peaks.featureDim,
    times: channels.map((c) => spikeTimeKeys(peaks.segment[c], peaks.sample[c])),
  };
  await splitGroups(rec, groups, {
    minClusterSize: min,
    splitScore: params.clustering.splitScore,
    maxDepth: params.clustering.maxDepth,
    splitDims: params.clustering.splitDims,
    seedComponents: params.clustering.seedComponents,
    minSeparation: params.clustering.minSeparation,
    maxSeparationGroup: params.clustering.separationMaxGroup,
    minSeparationSide: params.clustering.separationMinSide,
    timeKs: params.clustering.separationTimeKs,
    shapeSeparation: params.clustering.shapeSeparation,
    shapeMinFraction: params.clustering.shapeMinFraction,
  }, {
    jobs,
    reporter,
    onLabels: (g, labels) => {
      const c = channels[g];
      const k = labels.reduce((m, l) => Math.max(m, l + 1), 0);
      for (let l = 0; l < k; l++) {
        const idx: number[] = [];
        labels.forEach((v, i) => v === l && idx.push(i));
        if (idx.length < min) continue;
        out.push({ segment: Int32Array.from(idx, (i) => peaks.segment[c][i]), sample: Float64Array.from(idx, (i) => peaks.sample[c][i]), channel: c });
      }
    },
  });
  return out;
}

async function runMatching(src: NormalizedSource, templates: SparseTemplate[], setup: DetectionSetup, proto: Prototype, params: SorterParams, locations: Float64Array, reporter: Reporter, jobs: number | undefined): Promise<MatchedRecording> {
  const nc = src.recording.numChannels;
  const prepared = prepareTemplates(templates, setup.length, params.matching.upsample, nc, setup.polarity);
  // A residual peak on channel c is tried against every template that has c among its channels.
  const cand: number[][] = Array.from({ length: nc }, () => []);
  prepared.forEach((t, u) => {
    for (const c of t.channels) cand[c].push(u);
  });
  // PC features (192 bytes a spike) wait in a temporary file while the pass runs, so memory never
  // holds the per-chunk pieces and their concatenation at once.
  const pcSink = spillFloat32Sink(params.execution.tempDir || undefined);
  try {
    // On success the returned rows own the file.
    return await matchRecording(src, prepared, {
      nBefore: setup.nBefore,
      length: setup.length,
      threshold: params.matching.thresholdSigma,
      minScore: params.matching.minScoreSigma,
      amplitudeMin: params.matching.amplitudeMin,
      amplitudeMax: params.matching.amplitudeMax,
      maxShift: params.matching.maxShiftSamples,
      residualError: params.matching.residualError,
      pairWindow: Math.round((params.matching.pairWindowMs * src.recording.samplingFrequency) / 1000),
      iterations: params.matching.iterations,
      candidateScreen: params.matching.candidateScreen,
      fullScoreCandidates: params.matching.fullScoreCandidates,
      polarity: setup.polarity,
      exclusionSamples: setup.exclusionSamples,
      dedupNeighbours: setup.dedupNeighbours,
      candidatesPerChannel: cand.map((a) => Int32Array.from(a)),
      locations,
      basis: proto.basis,
      pcChannels: params.features.maxNeighbours,
    }, setup.chunkSamples, reporter, jobs, pcSink);
  } catch (e) {
    pcSink.dispose();
    throw e;
  }
}

/** Frames read outside the normalised-trace reads: noise chunks, and the motion pass when drift was estimated. */
function noiseFrames(rec: Recording, params: SorterParams, motion: boolean): number {
  const second = Math.round(rec.samplingFrequency);
  const chunk = (n: number) => n * Math.min(second, rec.getNumSamples(0));
  return chunk(params.preprocessing.noiseChunks) + (motion ? chunk(10) + rec.getTotalSamples() : 0);
}

/**
 * Bytes read from the input: frames requested by the sorter's passes, plus the high-pass filter's
 * margins on each read, times the input's bytes per frame.
 */
function ioSummary(input: Recording, pre: Recording, counter: ReadCounter, passes: number, params: SorterParams, extraFrames: number): { passes: number; bytesRead: number } {
  const filterMargin = pre instanceof FilterRecording ? pre.margin : findFilterMargin(pre);
  const frameBytes = input.numChannels * DTYPE_BYTES[input.dtype];
  const extraReads = params.preprocessing.noiseChunks;
  const frames = counter.frames + extraFrames + 2 * filterMargin * (counter.reads + extraReads);
  return { passes, bytesRead: frames * frameBytes };
}

function findFilterMargin(rec: Recording): number {
  let r: unknown = rec;
  while (r && typeof r === 'object') {
    if (r instanceof FilterRecording) return r.margin;
    r = (r as { parent?: unknown }).parent;
  }
  return 0;
}

/** Consumes `matched`: its unit labels are rewritten in place; the kept spikes' PC features are copied to new rows. */
function curate(matched: MatchedRecording, templates: SparseTemplate[], rec: Recording, params: SorterParams, locations: Float64Array, numComponents: number, reporter: Reporter) {
  const fs = rec.samplingFrequency;
  const numTemplates = templates.length;
  const { m, featureUnit } = mergeMatchedUnits(matched, templates, rec, params, locations, numComponents, reporter);
  const deduped = removeDuplicateSpikes(m, Math.round((params.postprocessing.duplicateMs * fs) / 1000));
  const { keepIdx, satellites } = removeEchoes(m, deduped, templates, rec, params);
  const counts = new Int32Array(numTemplates);
  for (const i of keepIdx) counts[m.unit[i]]++;
  const keptUnits: number[] = [];
  const remap = new Int32Array(numTemplates).fill(-1);
  const minSpikes = Math.max(1, params.postprocessing.minSpikes, Math.ceil((params.postprocessing.minFiringRateHz * rec.getTotalSamples()) / fs));
  let sparse = 0;
  for (let u = 0; u < numTemplates; u++) {
    if (counts[u] >= minSpikes && !satellites.has(u)) {
      remap[u] = keptUnits.length;
      keptUnits.push(u);
    } else if (counts[u] > 0 && !satellites.has(u)) sparse++;
  }
  if (sparse) reporter.log('info', `${sparse} unit(s) with fewer than ${minSpikes} spikes removed (postprocessing.minSpikes, minFiringRateHz)`);
  const idx = Array.from(keepIdx).filter((i) => remap[m.unit[i]] >= 0);
  // Order as the Sorting stores its spike vector, so per-spike arrays line up with it.
  idx.sort((a, b) => m.segment[a] - m.segment[b] || m.sample[a] - m.sample[b] || remap[m.unit[a]] - remap[m.unit[b]]);
  const segment = Int32Array.from(idx, (i) => m.segment[i]);
  const sample = Float64Array.from(idx, (i) => m.sample[i]);
  const unit = Int32Array.from(idx, (i) => remap[m.unit[i]]);
  const amplitude = Float32Array.from(idx, (i) => m.amplitude[i]);
  const positions = new Float32Array(idx.length * 2);
  idx.forEach((i, j) => {
    positions[2 * j] = m.x[i];
    positions[2 * j + 1] = m.y[i];
  });
  const pcFeatures = keptPcFeatures(m, idx, featureUnit, templates, numComponents, params);
  const segSamples = Array.from({ length: rec.numSegments }, (_, s) => rec.getNumSamples(s));
  const labels = labelUnits(
    { segment, sample, unit, amplitude },
    keptUnits.length,
    segSamples,
    (params.postprocessing.refractoryMs * fs) / 1000,
    (params.postprocessing.censoredMs * fs) / 1000,
    params.postprocessing.goodContamination,
  );
  const finalCounts = Array.from({ length: keptUnits.length }, () => 0);
  for (const u of unit) finalCounts[u]++;
  return { keptUnits, segment, sample, unit, amplitude, positions, pcFeatures, labels, counts: finalCounts };
}

/**
 * Relabels, in place, the spikes of units that the post-matching merge joins (see findPostMerges); duplicates
 * are removed afterwards. `featureUnit`: each spike's unit before, whose channel order its PC features are in.
 */
function mergeMatchedUnits(m: MatchedRecording, templates: SparseTemplate[], rec: Recording, params: SorterParams, locations: Float64Array, numComponents: number, reporter: Reporter): { m: MatchedRecording; featureUnit: Int32Array } {
  const mg = params.merging;
  const pp = params.postprocessing;
  if (mg.postMergeScore <= 0 || templates.length < 2) return { m, featureUnit: m.unit };
  const fs = rec.samplingFrequency;
  const { target, merges } = findPostMerges(m, templates, {
    numComponents,
    pcChannels: params.features.maxNeighbours,
    maxShift: Math.round((mg.maxShiftMs * fs) / 1000),
    candidateCosine: mg.candidateCosine,
    mergeScore: mg.postMergeScore,
    maxSeparation: mg.maxSeparation,
    amplitudeMin: params.matching.amplitudeMin,
    amplitudeMax: params.matching.amplitudeMax,
    scaleCosine: mg.scaleCosine,
    maxSpikesPerUnit: 4 * mg.maxSpikesPerUnit,
    refractorySamples: (pp.refractoryMs * fs) / 1000,
    censoredSamples: (pp.duplicateMs * fs) / 1000,
    segmentSamples: Array.from({ length: rec.numSegments }, (_, s) => rec.getNumSamples(s)),
    maxCrossViolationRatio: mg.postMergeViolationRatio,
    complementaryCosine: mg.complementaryCosine,
    complementaryBinSamples: mg.complementaryBinS * fs,
    near: (a, b) => channelDistance(locations, a, b) <= params.features.neighbourRadiusUm,
  });
  for (const d of merges) reporter.log('debug', `post-match merge ${d.a}+${d.b}: dip ${d.score.toFixed(2)}, separation ${d.separation.toFixed(2)}, cosine ${d.cosine.toFixed(3)}, cross violations ${d.crossViolations} (chance ${d.expectedViolations.toFixed(1)})`);
  if (!merges.length) return { m, featureUnit: m.unit };
  const featureUnit = m.unit.slice();
  m.unit.forEach((u, i) => (m.unit[i] = target[u]));
  return { m, featureUnit };
}

/** Spikes per read and write of the kept PC features: bounds the memory of the copy. */
const PC_COPY_ROWS = 4096;

/**
 * The PC features of the spikes `order` (indices into `m`), in that order, copied batch by batch into
 * new rows in a spill file, so memory holds one batch whatever the recording's length. A relabelled
 * spike (m.unit differs from featureUnit) has its features moved to its new unit's channel order (Phy
 * reads them by the unit's channels); channels that unit lacks are dropped.
 */
function keptPcFeatures(m: MatchedRecording, order: number[], featureUnit: Int32Array, templates: SparseTemplate[], K: number, params: SorterParams): Float32Rows {
  const P = params.features.maxNeighbours;
  const rows = m.pcFeatures;
  const sink = spillFloat32Sink(params.execution.tempDir || undefined);
  try {
    const L = rows.rowLength;
    const batch = new Float32Array(PC_COPY_ROWS * L);
    const old = new Float32Array(L);
    for (let start = 0; start < order.length; start += PC_COPY_ROWS) {
      const ids = order.slice(start, start + PC_COPY_ROWS);
      const got = rows.read(ids, batch).subarray(0, ids.length * L);
      ids.forEach((i, j) => {
        const from = featureUnit[i];
        const to = m.unit[i];
        if (from === to) return;
        const block = got.subarray(j * L, (j + 1) * L);
        const fromChannels = templates[from].channels.subarray(0, P);
        old.set(block);
        block.fill(0);
        templates[to].channels.subarray(0, P).forEach((c, q) => {
          const p = fromChannels.indexOf(c);
          if (p >= 0) for (let r = 0; r < K; r++) block[r * P + q] = old[r * P + p];
        });
      });
      sink.append(got);
    }
    return sink.rows(L);
  } catch (e) {
    sink.dispose();
    throw e;
  }
}

/**
 * Echo spikes and units (see findEchoSpikes), judged on the deduplicated spikes; strength is the
 * template's peak in noise units. Returns the spikes kept and the units that were all echoes.
 */
function removeEchoes(m: MatchedRecording, deduped: Int32Array, templates: SparseTemplate[], rec: Recording, params: SorterParams): { keepIdx: Int32Array; satellites: Set<number> } {
  const pp = params.postprocessing;
  if (pp.satelliteFraction >= 1) return { keepIdx: deduped, satellites: new Set() };
  const idx = Array.from(deduped).sort((a, b) => m.segment[a] - m.segment[b] || m.sample[a] - m.sample[b]);
  const strength = templates.map((t) => t.data.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0));
  const { echo, echoUnits } = findEchoSpikes(
    { segment: Int32Array.from(idx, (i) => m.segment[i]), sample: Float64Array.from(idx, (i) => m.sample[i]), unit: Int32Array.from(idx, (i) => m.unit[i]), amplitude: new Float32Array(0) },
    templates.length,
    strength,
    { windowSamples: (pp.satelliteMs * rec.samplingFrequency) / 1000, totalSamples: rec.getTotalSamples(), excessFactor: pp.echoExcess, unitFraction: pp.satelliteFraction },
  );
  const kept = idx.filter((_, k) => !echo[k]).sort((a, b) => a - b);
  return { keepIdx: Int32Array.from(kept), satellites: echoUnits };
}

function templateCenter(t: SparseTemplate, locations: Float64Array): [number, number] {
  const nch = t.channels.length;
  const L = t.data.length / nch;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  t.channels.forEach((c, q) => {
    let m = 0;
    for (let p = 0; p < L; p++) m = Math.max(m, Math.abs(t.data[p * nch + q]));
    sw += m;
    sx += m * locations[2 * c];
    sy += m * locations[2 * c + 1];
  });
  return sw > 0 ? [sx / sw, sy / sw] : [locations[2 * t.peakChannel], locations[2 * t.peakChannel + 1]];
}

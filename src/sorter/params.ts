/**
 * The one parameter table of the native sorter. Every stage reads its own section; nothing else
 * holds tunable numbers. Each entry documents its default, valid range and meaning (the model is
 * Kilosort4's parameters.py), so `sorting_summary.json` can record exactly what a sort used.
 */

export interface ParamSpec {
  default: number | boolean | string;
  /** Inclusive numeric range; absent for booleans and strings. */
  min?: number;
  max?: number;
  /** Allowed values for strings. */
  choices?: readonly string[];
  meaning: string;
}

export const SORTER_PARAMS = {
  preprocessing: {
    highpassHz: { default: 300, min: 0, max: 5000, meaning: 'High-pass corner (Hz) when the recording is not already filtered; 0 disables.' },
    commonReference: {
      default: 'auto',
      choices: ['auto', 'none', 'global-median', 'local-median'],
      meaning: "Common reference. 'auto' = global median from 32 channels up when the channels share noise (commonNoiseMinSd), none otherwise and below 32 channels (a median over a tetrode removes the spikes themselves).",
    },
    commonNoiseMinSd: {
      default: 0.3,
      min: 0,
      max: 10,
      meaning: "'auto' reference: apply the global median when the noise shared by all channels reaches this fraction of the channel noise sd (0.3 ≈ 10 % of the noise variance). Below it the median removes little noise but still moves with large spikes, leaving their inverted ghosts on every channel.",
    },
    referenceClipSigma: {
      default: 8,
      min: 0,
      max: 100,
      meaning: "Global median reference: a channel lying beyond this many sd (of the referenced noise) of the median is left out of the median from 0.5 ms before to 1 ms after, so a large spike's channels do not move it and its inverted ghost is not stamped on every other channel (common_reference.ts clipUv). 0 = plain median. On 4 seeds of the dense common-noise generated recording, 8 cuts false-positive units from 18 to 7 (lower values let other false positives appear); it costs about twice the plain median's CPU, paid only when the reference is applied.",
    },
    noiseChunks: { default: 10, min: 1, max: 1000, meaning: 'Random 1 s chunks used to estimate per-channel noise (median absolute deviation).' },
  },
  motion: {
    correction: {
      default: 'auto',
      choices: ['auto', 'on', 'off'],
      meaning: "Drift correction. 'auto' estimates the probe motion and corrects it (kriging interpolation of the traces, as Kilosort4) when its range reaches thresholdUm; 'on' always corrects, 'off' never estimates. Needs a probe spanning at least minSpanUm in depth.",
    },
    thresholdUm: { default: 5, min: 0, max: 1000, meaning: "'auto' corrects when the robust range (5th–95th percentile) of the estimated displacement reaches this (µm)." },
    minSpanUm: { default: 100, min: 0, max: 100000, meaning: 'Probes (or shanks) spanning less depth than this are not motion-corrected (tetrodes, small arrays).' },
    rigid: { default: false, meaning: 'One displacement for the whole probe per time bin instead of windows along the probe.' },
    binS: { default: 1, min: 0.1, max: 60, meaning: 'Time bin (s) of the motion estimate.' },
    windowStepUm: { default: 100, min: 10, max: 2000, meaning: 'Non-rigid: spacing of the estimation windows along the probe (µm).' },
    windowScaleUm: { default: 150, min: 10, max: 4000, meaning: 'Non-rigid: standard deviation of each Gaussian window (µm).' },
    sigmaUm: { default: 20, min: 1, max: 200, meaning: 'Kriging kernel length (µm) for interpolating traces to the registered geometry (Kilosort4 sig_interp).' },
  },
  detection: {
    polarity: { default: 'negative', choices: ['negative', 'positive', 'both'], meaning: 'Sign of the spike peaks to detect.' },
    thresholdSigma: { default: 5, min: 2, max: 50, meaning: 'Detection threshold on the matched-filter output, in noise standard deviations.' },
    rawThresholdSigma: { default: 5.5, min: 2, max: 50, meaning: 'Threshold on the normalised traces for the first pass that learns the prototype waveform.' },
    exclusionMs: { default: 0.3, min: 0.05, max: 2, meaning: 'A peak must be the extremum within ±this time on its neighbourhood (temporal deduplication).' },
    radiusUm: { default: 50, min: 0, max: 500, meaning: 'Spatial deduplication radius: a peak must be the extremum of channels within this distance.' },
    matchedFilter: { default: true, meaning: 'Detect on traces convolved with the prototype waveform (raises SNR of weak spikes).' },
  },
  features: {
    msBefore: { default: 1.0, min: 0.3, max: 3, meaning: 'Snippet and template length before the peak (ms).' },
    msAfter: { default: 2.0, min: 0.5, max: 5, meaning: 'Snippet and template length after the peak (ms).' },
    numPcs: { default: 4, min: 1, max: 12, meaning: 'Temporal principal components per channel (Phy pc_features too).' },
    neighbourRadiusUm: { default: 75, min: 0, max: 1000, meaning: 'Channels within this distance of the peak channel form its feature neighbourhood.' },
    maxNeighbours: { default: 12, min: 1, max: 64, meaning: 'At most this many nearest channels per neighbourhood.' },
    maxPeaksForPca: { default: 5000, min: 100, max: 1e6, meaning: 'Peaks sampled to learn the temporal PCA basis.' },
  },
  clustering: {
    maxPeaksPerChannel: { default: 3000, min: 50, max: 1e6, meaning: 'Peaks per peak-channel group used for clustering (the rest are recovered by matching).' },
    minClusterSize: { default: 8, min: 3, max: 10000, meaning: 'Smallest cluster kept; also the smallest side of a split. Small on purpose: short recordings have few spikes per unit.' },
    splitScore: { default: 4, min: 1, max: 50, meaning: 'Unimodality test: z-score of the density dip along the split axis needed to split.' },
    maxDepth: { default: 12, min: 1, max: 100, meaning: 'Maximum recursion depth of the split tree.' },
    seedComponents: {
      default: 3, min: 1, max: 64,
      meaning: 'Split proposals: 2-means seeded along each of this many leading components (amplitude spread from bursts or drift often owns PC1).',
    },
    splitDims: { default: 8, min: 2, max: 64, meaning: 'Principal components of a group used for its 2-means split.' },
    minSeparation: {
      default: 4, min: 0, max: 100,
      meaning: 'A group is also split when a 2-means partition of it is this many pooled sd apart on held-out spikes (discriminant learned on half the spikes, measured on the other half): the dip test lacks power for groups of tens of spikes, while any cut through one unimodal cloud stays below ~3.5 (merging.maxSeparation keeps such pairs apart too). 0 disables.',
    },
    separationMaxGroup: {
      default: 150, min: 0, max: 1e6,
      meaning: 'The minSeparation rule applies to groups of at most this many spikes; larger groups are split by the dip test alone. In large groups the rule cuts off tails of large units (overlapping spikes, amplitude outliers: tens of spikes far from the main cloud), which look like a small unit beside it.',
    },
    separationMinSide: {
      default: 16, min: 3, max: 10000,
      meaning: 'A part split off by minSeparation with fewer spikes than this is left unclustered rather than made a cluster: the tail of a large unit (overlapping spikes, outliers) is a handful of spikes far from it and would become a unit of its own; a real small unit among them still has its cluster on another channel or is fitted by matching.',
    },
    separationTimeKs: {
      default: 1.95, min: 0.5, max: 100,
      meaning: 'A minSeparation split is refused when the two parts fire over different time courses: two-sample Kolmogorov–Smirnov statistic of their spike times above this × sqrt((n+m)/(n·m)) (1.95: 0.1 % false refusals). A unit that drifted or changed in one period forms a second cloud confined to that period; two neurons fire side by side.',
    },
    shapeSeparation: {
      default: 3.5, min: 0, max: 100,
      meaning: 'Groups larger than separationMaxGroup are also split when a 2-means partition of their amplitude-normalised features (each spike scaled to unit length, so a burst\'s or drift\'s amplitude spread no longer hides a second unit with another spatial footprint) is this many pooled sd apart on held-out spikes, the parts fire over one time course (separationTimeKs) and the smaller holds shapeMinFraction of the group. On gen-np64-60s-burst, whole units\' groups measured 0.5–3.1 and groups mixing two neighbours 4.0–4.5. 0 disables.',
    },
    shapeMinFraction: {
      default: 0.2, min: 0, max: 0.5,
      meaning: 'The smaller part of a shapeSeparation split holds at least this fraction of the group: after scaling, a tail of outliers (overlapping spikes, noise) also stands apart from its unit (0.1 cost gen-np64-30s-commonnoise 0.001 mean accuracy; the mixed group of gen-np64-60s-burst splits 28 % : 72 %).',
    },
  },
  merging: {
    mergeScore: { default: 2, min: 0.5, max: 50, meaning: 'Two units are merged when the dip z-score of their spikes along the template-difference axis is below this.' },
    maxSeparation: {
      default: 4, min: 1, max: 100,
      meaning: 'Never merge two units whose spikes, projected (held out) on the axis between their templates, are this many pooled sd apart: a cut through one unit gives at most ~3.5; the dip test alone misses small units beside large ones.',
    },
    scaleCosine: {
      default: 0.95, min: 0, max: 1,
      meaning: 'For pairs whose template cosine reaches this, amplitude is factored out before the merge test (later spikes of a burst, drift towards the probe: one unit at another scale, within matching.amplitudeMin..Max). Below it, amplitude differences count as evidence of two units. 1 disables.',
    },
    footprintTest: {
      default: true,
      meaning: 'Two clusters are also kept apart when their spikes\' footprints (per channel, the window filtered with the pair\'s mean template; each spike\'s vector scaled to unit length) are maxSeparation robust sd apart on held-out spikes (median and MAD, as a few spikes of each unit sit in the other\'s cluster). Amplitude spread (bursts, drift) then no longer hides a neighbour with the same waveform 10–20 µm away, while the amplitude halves of one unit stay one.',
    },
    maxShiftMs: { default: 0.2, min: 0, max: 1, meaning: 'Templates are aligned within ±this before comparing.' },
    candidateCosine: { default: 0.8, min: 0, max: 1, meaning: 'Only unit pairs with template cosine similarity above this are tested for merging.' },
    maxSpikesPerUnit: { default: 300, min: 20, max: 100000, meaning: 'Spikes per unit read to build templates and test merges.' },
    postMergeScore: {
      default: 4, min: 0, max: 50,
      meaning: 'After matching, two similar units are merged when the dip z-score of their matched spikes (PC features, axis between the units) is below this: the split criterion (clustering.splitScore), so a pair the splitter would keep together is merged. 0 disables.',
    },
    postMergeViolationRatio: {
      default: 0.3, min: 0, max: 10,
      meaning: 'A post-matching merge is vetoed when the two trains coincide within postprocessing.refractoryMs more than this fraction of what two independent neurons would (a split neuron keeps its refractory period).',
    },
    complementaryCosine: {
      default: 0.9, min: 0, max: 1,
      meaning: 'After matching, two units whose templates are at least this similar are merged, even when their features differ, if they fire in complementary periods (each active while the other is silent, against shuffled labels in complementaryBinS bins): one neuron that drift made look different at two probe positions. 1 disables.',
    },
    complementaryBinS: { default: 2, min: 0.1, max: 600, meaning: 'Time bin (s) of the complementary-periods test: of the order of the time drift takes to move a unit by a contact spacing.' },
  },
  matching: {
    thresholdSigma: { default: 4, min: 2, max: 50, meaning: 'Residual peaks beyond this (noise sd) are candidates for a template fit.' },
    minScoreSigma: { default: 6, min: 1, max: 100, meaning: 'A fit is accepted when its match z-score (<residual,template>/|template|) exceeds this.' },
    amplitudeMin: { default: 0.5, min: 0, max: 1, meaning: 'Smallest accepted template amplitude scaling.' },
    amplitudeMax: { default: 2.0, min: 1, max: 10, meaning: 'Largest accepted template amplitude scaling.' },
    maxShiftSamples: { default: 3, min: 0, max: 20, meaning: 'Search ±this many samples around a candidate peak for the best alignment.' },
    residualError: {
      default: 0.25, min: 0, max: 1,
      meaning: 'Relative error of a subtracted spike: where a spike of amplitude A was peeled, later fits are scored against noise variance 1 + (residualError × A)². Keeps the imperfect residual of a large spike from being fitted as small spikes of other units. 0 trusts templates exactly.',
    },
    pairWindowMs: {
      default: 0.3, min: 0, max: 2,
      meaning: 'A fit within ±this of an earlier fit on shared channels is checked against one spike explaining both; the single spike wins unless the pair explains more energy by minScoreSigma² (the cost of a spike). Stops near-synchronous overlaps being split into two wrong units. 0 disables.',
    },
    upsample: { default: 4, min: 1, max: 16, meaning: 'Sub-sample positions per sample for template alignment (1 disables).' },
    iterations: { default: 4, min: 1, max: 20, meaning: 'Peeling rounds per chunk: detect on the residual, fit, subtract.' },
    candidateScreen: {
      default: 0.25, min: 0, max: 1,
      meaning: 'Speed: a template is not tried for a residual peak when amplitudeMax × its extremum on the peak channel is below this fraction of the peak (it cannot explain the peak). 0.25 drops about a third of the tries and left the accuracy table equal or better; 0 tries every template on the channel.',
    },
    fullScoreCandidates: {
      default: 0, min: 0, max: 1000,
      meaning: 'Speed: coarse-to-fine scoring. Candidates are first scored on their templates\' cores (32 rows, the channels holding 90 % of the energy there) and only this many (a whole number) with the best estimated gain get full scores. 0 (default) scores every candidate in full. With candidateScreen 0.25, setting 2 saved only ~4 % of matching on 384 channels and lowered mean accuracy by 0.001 on three benchmark rows, so it is off.',
    },
    sparsityRatio: { default: 0.1, min: 0, max: 1, meaning: 'Template channels whose peak amplitude is below this fraction of the unit’s peak (and below sparsityNoiseSigma) are dropped.' },
    sparsityNoiseSigma: {
      default: 1.5, min: 0, max: 100,
      meaning: 'Template channels whose peak reaches this many noise sd are always kept: signal a template leaves out stays in the residual and is fitted as spurious small spikes.',
    },
    templateRadiusUm: { default: 150, min: 0, max: 2000, meaning: 'Templates may span channels within this distance of their clusters’ peak channels (then sparsified).' },
    templateMaxChannels: { default: 32, min: 1, max: 384, meaning: 'At most this many channels per template before sparsification.' },
    chunkSeconds: { default: 1, min: 0.1, max: 60, meaning: 'Chunk length for passes over the recording.' },
  },
  postprocessing: {
    duplicateMs: { default: 0.25, min: 0, max: 2, meaning: 'Spikes of one unit closer than this are duplicates; the weaker is removed.' },
    refractoryMs: { default: 1.5, min: 0.2, max: 10, meaning: 'Refractory period for contamination estimates.' },
    censoredMs: { default: 0.25, min: 0, max: 2, meaning: 'Censored period (no spikes possible after deduplication).' },
    goodContamination: { default: 0.1, min: 0, max: 1, meaning: "Units with estimated contamination below this are labelled 'good', others 'mua'." },
    satelliteMs: {
      default: 1.5, min: 0, max: 5,
      meaning: 'Window for time-locking between units (echo test below): echoes of a large spike fall up to ~1 ms after it (its repolarisation left in the residual, far channels), with a spread; the test compares with chance in the same window, so a wider window costs sensitivity, not false echoes.',
    },
    echoExcess: {
      default: 3, min: 1, max: 1000,
      meaning: 'A weaker unit whose spikes coincide (within ±satelliteMs) with a stronger unit more than this many times as often as chance (rate × 2 × window), plus 3, is echo-locked to it: the excess spikes at the cross-correlogram peak are echoes of the large spike (far-channel footprint or residual) and are removed. Independent neurons coincide at chance.',
    },
    satelliteFraction: {
      default: 0.9, min: 0, max: 1,
      meaning: 'A unit with at least this fraction of echo spikes (see echoExcess) is removed entirely; below it only its echo spikes are removed, so a real small unit that also caught echoes keeps its own spikes. 1 disables the echo test.',
    },
    minSpikes: { default: 5, min: 0, max: 1e6, meaning: 'Units with fewer matched spikes are removed.' },
    minFiringRateHz: {
      default: 0.1, min: 0, max: 100,
      meaning: 'Units firing below this mean rate over the recording are removed too. On long dense recordings, a few spikes of large units fitted by another template, or faint ghosts, gather into units of 5–20 spikes that nothing else rejects (384 ch × 120 s generated: 11 such units, none a real one); a neuron sorted reliably fires more than one spike per 10 s. 0 disables.',
    },
  },
  execution: {
    cacheTraces: {
      default: 'auto',
      choices: ['auto', 'on', 'off'],
      meaning: "Write the preprocessed traces once to a temporary file that every later pass reads, instead of recomputing the filter, reference and drift correction on each pass. 'auto' = on when there is preprocessing to save and the temporary folder has twice the room (int16: 2 bytes per sample and channel). When drift is corrected, the corrected traces replace it in a float32 cache (4 bytes per sample and channel: int16 steps after the interpolation cost gt-drift 0.011 of mean accuracy).",
    },
    cacheDtype: {
      default: 'int16',
      choices: ['int16', 'float32'],
      meaning: 'Sample type of the trace cache: int16 steps of 1/64 noise sd (rounding error ~1/220 sd; clips beyond 512 sd), or float32 (exact, twice the size). The cache of drift-corrected traces is always float32.',
    },
    tempDir: { default: '', meaning: 'Folder for the trace cache (empty: the system temporary folder). Removed at the end of the sort, also on error.' },
  },
} as const satisfies Record<string, Record<string, ParamSpec>>;

type Table = typeof SORTER_PARAMS;
type ValueOf<S> = S extends { default: infer D } ? (D extends boolean ? boolean : D extends number ? number : string) : never;
export type SorterParams = { [K in keyof Table]: { [P in keyof Table[K]]: ValueOf<Table[K][P]> } };
export type SorterParamOverrides = { [K in keyof Table]?: { [P in keyof Table[K]]?: ValueOf<Table[K][P]> } };

export function defaultSorterParams(): SorterParams {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, entries] of Object.entries(SORTER_PARAMS)) {
    out[section] = {};
    for (const [name, spec] of Object.entries(entries as Record<string, ParamSpec>)) out[section][name] = spec.default;
  }
  return out as SorterParams;
}

/** Defaults overridden by `overrides`; throws naming the parameter, the bad value and the valid range. */
export function resolveSorterParams(overrides: SorterParamOverrides = {}): SorterParams {
  const params = defaultSorterParams() as unknown as Record<string, Record<string, unknown>>;
  for (const [section, values] of Object.entries(overrides)) {
    const table = (SORTER_PARAMS as Record<string, Record<string, ParamSpec>>)[section];
    if (!table) throw new Error(`unknown sorter parameter section '${section}'; valid: ${Object.keys(SORTER_PARAMS).join(', ')}`);
    for (const [name, value] of Object.entries(values ?? {})) {
      const spec = table[name];
      if (!spec) throw new Error(`unknown sorter parameter '${section}.${name}'; valid: ${Object.keys(table).join(', ')}`);
      params[section][name] = checkParam(`${section}.${name}`, spec, value);
    }
  }
  return params as unknown as SorterParams;
}

function checkParam(name: string, spec: ParamSpec, value: unknown): unknown {
  const kind = typeof spec.default;
  if (typeof value !== kind) throw new Error(`sorter parameter ${name}: expected a ${kind}, got ${JSON.stringify(value)}`);
  if (kind === 'number') {
    const v = value as number;
    if (!Number.isFinite(v) || (spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
      throw new Error(`sorter parameter ${name}: ${v} is outside the valid range [${spec.min}, ${spec.max}]`);
    }
  }
  if (kind === 'string' && spec.choices && !spec.choices.includes(value as string)) {
    throw new Error(`sorter parameter ${name}: '${value}' is not one of ${spec.choices.join(', ')}`);
  }
  return value;
}

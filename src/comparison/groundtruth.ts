/**
 * Ground-truth comparison, reproducing SpikeInterface's GroundTruthComparison (count agreement,
 * Hungarian matching): spikes of a GT unit and a tested unit match when they lie within deltaMs,
 * agreement = matches / (nGt + nTested − matches), units are paired by maximum total agreement among
 * pairs with agreement ≥ matchScore, and tested units are classified (well detected, redundant,
 * overmerged, false positive, bad) with SpikeInterface's exact rules.
 * The result is plain data (arrays and records), so JSON.stringify(result) is the on-disk form.
 */
import type { Sorting } from '../core/sorting.js';
import { maxWeightAssignment } from './hungarian.js';

export interface GroundTruthComparisonOptions {
  /** Spikes within this many ms (inclusive) coincide. SpikeInterface default 0.4. */
  deltaMs?: number;
  /** Minimum agreement for the Hungarian pairing. Default 0.5. */
  matchScore?: number;
  /** Minimum agreement for a "best match" (used by redundant / false-positive rules). Default 0.1. */
  chanceScore?: number;
  /** Agreement (= accuracy of the pair) at or above which a matched unit is well detected. Default 0.8. */
  wellDetectedScore?: number;
  /** Unmatched tested units at or above this agreement with their best GT unit are redundant, below it false positive. Default 0.2. */
  redundantScore?: number;
  /** Tested units with agreement above this with two or more GT units are overmerged. Default 0.2. */
  overmergedScore?: number;
  /**
   * Whether the ground truth holds every neuron in the data (true for synthetic recordings). Only then do
   * false-positive, redundant, overmerged and bad units mean anything; otherwise they are reported as null.
   * Default true (SpikeInterface's default is false, but our ground truth is simulated).
   */
  exhaustiveGt?: boolean;
}

export interface GtUnitPerformance {
  gtUnitId: string;
  /** Tested unit paired by the Hungarian matching, or null. */
  testedUnitId: string | null;
  numGt: number;
  numTested: number;
  tp: number;
  fn: number;
  fp: number;
  /** tp / (tp + fn + fp); 0 when unmatched (as SpikeInterface). */
  accuracy: number;
  precision: number;
  recall: number;
  falseDiscoveryRate: number;
  missRate: number;
  /**
   * Fraction of the GT unit's spikes that coincide with spikes of tested units paired with *other* GT
   * units (from the match-count matrix, capped at fn): spikes found but given the wrong label.
   */
  misclassification: number;
}

export interface ComparisonSummary {
  numGtUnits: number;
  numTestedUnits: number;
  /** Matched GT units with agreement ≥ wellDetectedScore (0.8). */
  numWellDetected: number;
  /** GT units with accuracy ≥ 0.6. */
  numAccuracyAtLeast60: number;
  numFalsePositive: number | null;
  numRedundant: number | null;
  numOvermerged: number | null;
  numBad: number | null;
  /** Means over GT units (unmatched units count as 0), SpikeInterface's "pooled_with_average". */
  meanAccuracy: number;
  meanPrecision: number;
  meanRecall: number;
}

export interface GroundTruthComparisonResult {
  params: Required<GroundTruthComparisonOptions> & { deltaFrames: number; samplingFrequency: number };
  gtUnitIds: string[];
  testedUnitIds: string[];
  gtSpikeCounts: number[];
  testedSpikeCounts: number[];
  /** matchCounts[g][t]: coincident spikes of GT unit g and tested unit t. */
  matchCounts: number[][];
  /** agreement[g][t] = matches / (nGt + nTested − matches). */
  agreement: number[][];
  /** Hungarian pairing, GT id → tested id (or null). */
  matchGtToTested: Record<string, string | null>;
  /** Best tested unit for each GT unit (agreement ≥ chanceScore), or null. */
  bestMatchGtToTested: Record<string, string | null>;
  bestMatchTestedToGt: Record<string, string | null>;
  units: GtUnitPerformance[];
  /** Tested unit ids in each category (the false-positive, redundant, overmerged and bad lists are null unless exhaustiveGt). */
  wellDetectedUnits: string[];
  falsePositiveUnits: string[] | null;
  redundantUnits: string[] | null;
  overmergedUnits: string[] | null;
  badUnits: string[] | null;
  summary: ComparisonSummary;
}

const DEFAULTS: Required<GroundTruthComparisonOptions> = {
  deltaMs: 0.4,
  matchScore: 0.5,
  chanceScore: 0.1,
  wellDetectedScore: 0.8,
  redundantScore: 0.2,
  overmergedScore: 0.2,
  exhaustiveGt: true,
};

/** Frames within which spikes coincide: floor(deltaMs × fs / 1000) like SpikeInterface's int(), guarded against 11.999… */
export function deltaMsToFrames(deltaMs: number, samplingFrequency: number): number {
  if (!(deltaMs >= 0) || !Number.isFinite(deltaMs)) throw new Error(`comparison: deltaMs must be a non-negative number, got ${deltaMs}`);
  return Math.floor((deltaMs / 1000) * samplingFrequency + 1e-9);
}

export function compareSortingToGroundTruth(
  gt: Sorting,
  tested: Sorting,
  opts: GroundTruthComparisonOptions = {},
): GroundTruthComparisonResult {
  const p = { ...DEFAULTS, ...definedOnly(opts) };
  checkCompatible(gt, tested);
  const deltaFrames = deltaMsToFrames(p.deltaMs, gt.samplingFrequency);
  const ng = gt.numUnits;
  const nt = tested.numUnits;
  const countsG = Array.from(gt.countSpikes());
  const countsT = Array.from(tested.countSpikes());
  const counts = makeMatchCountMatrix(gt, tested, deltaFrames);
  const agree = agreementFromCounts(counts, countsG, countsT);

  const hung = hungarianMatch(agree, ng, nt, p.matchScore);
  const best12 = bestMatchRows(agree, ng, nt, p.chanceScore);
  const best21 = bestMatchCols(agree, ng, nt, p.chanceScore);

  const units = Array.from({ length: ng }, (_, g) => unitPerformance(g, hung.gtToTested, counts, countsG, countsT, nt, gt, tested));

  const at = (g: number, t: number) => agree[g * nt + t];
  const gtIds = [...gt.unitIds];
  const tIds = [...tested.unitIds];
  const wellDetected: string[] = [];
  const falsePositive: string[] = [];
  const redundant: string[] = [];
  const overmerged: string[] = [];
  const bad: string[] = [];
  for (let t = 0; t < nt; t++) {
    const g = hung.testedToGt[t];
    if (g >= 0) {
      if (at(g, t) >= p.wellDetectedScore) wellDetected.push(tIds[t]);
    } else {
      bad.push(tIds[t]);
      const b = best21[t];
      if (b < 0 || at(b, t) < p.redundantScore) falsePositive.push(tIds[t]);
      // Redundant: a second, weaker detection of a GT unit whose own best match is another tested unit.
      if (b >= 0 && best12[b] !== t && at(b, t) >= p.redundantScore) redundant.push(tIds[t]);
    }
    let above = 0;
    for (let gg = 0; gg < ng; gg++) if (at(gg, t) > p.overmergedScore) above++;
    if (above > 1) overmerged.push(tIds[t]);
  }

  const ex = p.exhaustiveGt;
  const mean = (f: (u: GtUnitPerformance) => number) => (ng === 0 ? 0 : units.reduce((s, u) => s + f(u), 0) / ng);
  const toRecord = (arr: Int32Array, from: string[], to: string[]) =>
    Object.fromEntries(from.map((id, i) => [id, arr[i] >= 0 ? to[arr[i]] : null])) as Record<string, string | null>;

  return {
    params: { ...p, deltaFrames, samplingFrequency: gt.samplingFrequency },
    gtUnitIds: gtIds,
    testedUnitIds: tIds,
    gtSpikeCounts: countsG,
    testedSpikeCounts: countsT,
    matchCounts: toRows(counts, ng, nt),
    agreement: toRows(agree, ng, nt),
    matchGtToTested: toRecord(hung.gtToTested, gtIds, tIds),
    bestMatchGtToTested: toRecord(best12, gtIds, tIds),
    bestMatchTestedToGt: toRecord(best21, tIds, gtIds),
    units,
    wellDetectedUnits: wellDetected,
    falsePositiveUnits: ex ? falsePositive : null,
    redundantUnits: ex ? redundant : null,
    overmergedUnits: ex ? overmerged : null,
    badUnits: ex ? bad : null,
    summary: {
      numGtUnits: ng,
      numTestedUnits: nt,
      numWellDetected: wellDetected.length,
      numAccuracyAtLeast60: units.filter((u) => u.accuracy >= 0.6).length,
      numFalsePositive: ex ? falsePositive.length : null,
      numRedundant: ex ? redundant.length : null,
      numOvermerged: ex ? overmerged.length : null,
      numBad: ex ? bad.length : null,
      meanAccuracy: mean((u) => u.accuracy),
      meanPrecision: mean((u) => u.precision),
      meanRecall: mean((u) => u.recall),
    },
  };
}

/**
 * Coincident-spike counts for every (GT unit, tested unit) pair, row-major ng × nt, SpikeInterface's
 * make_match_count_matrix rule: one sweep over both time-sorted spike vectors; a pair of spikes within
 * deltaFrames counts unless either spike was the last one matched for that unit pair (so no spike is
 * matched twice in a row to the same pair); counts are finally capped at the tested unit's spike count.
 * Cost O(nSpikes × spikes per window + ng × nt).
 */
export function makeMatchCountMatrix(gt: Sorting, tested: Sorting, deltaFrames: number): Float64Array {
  checkCompatible(gt, tested);
  const ng = gt.numUnits;
  const nt = tested.numUnits;
  const counts = new Float64Array(ng * nt);
  // Spike indices are global over segments, so the "last matched" state never needs resetting.
  const last1 = new Float64Array(ng * nt).fill(-1);
  const last2 = new Float64Array(ng * nt).fill(-1);
  const a = gt.spikes;
  const b = tested.spikes;
  const na = a.sample.length;
  const nb = b.sample.length;
  let start = 0;
  for (let i = 0; i < na; i++) {
    const seg = a.segment[i];
    const f1 = a.sample[i];
    // Advance past tested spikes in earlier segments or too early in this one.
    while (start < nb && (b.segment[start] < seg || (b.segment[start] === seg && b.sample[start] < f1 - deltaFrames))) start++;
    const row = a.unit[i] * nt;
    for (let j = start; j < nb; j++) {
      if (b.segment[j] !== seg || b.sample[j] > f1 + deltaFrames) break;
      const k = row + b.unit[j];
      if (last1[k] !== i && last2[k] !== j) {
        last1[k] = i;
        last2[k] = j;
        counts[k]++;
      }
    }
  }
  const countsT = tested.countSpikes();
  for (let g = 0; g < ng; g++) for (let t = 0; t < nt; t++) counts[g * nt + t] = Math.min(counts[g * nt + t], countsT[t]);
  return counts;
}

/** agreement = matches / (n1 + n2 − matches), 0 when both units are empty. */
export function agreementFromCounts(counts: Float64Array, counts1: ArrayLike<number>, counts2: ArrayLike<number>): Float64Array {
  const n1 = counts1.length;
  const n2 = counts2.length;
  const out = new Float64Array(n1 * n2);
  for (let g = 0; g < n1; g++) {
    for (let t = 0; t < n2; t++) {
      const m = counts[g * n2 + t];
      const denom = counts1[g] + counts2[t] - m;
      out[g * n2 + t] = denom > 0 ? m / denom : 0;
    }
  }
  return out;
}

/** Hungarian pairing on agreement with entries below minScore zeroed; pairs below minScore are dropped. */
function hungarianMatch(agree: Float64Array, ng: number, nt: number, minScore: number): { gtToTested: Int32Array; testedToGt: Int32Array } {
  const w = Float64Array.from(agree, (x) => (x < minScore ? 0 : x));
  const asg = maxWeightAssignment(w, ng, nt);
  const gtToTested = new Int32Array(ng).fill(-1);
  const testedToGt = new Int32Array(nt).fill(-1);
  for (let g = 0; g < ng; g++) {
    const t = asg.rowToCol[g];
    if (t >= 0 && agree[g * nt + t] >= minScore) {
      gtToTested[g] = t;
      testedToGt[t] = g;
    }
  }
  return { gtToTested, testedToGt };
}

/** For each row, the first column of maximal agreement if it is ≥ minScore, else -1 (numpy argmax tie rule). */
function bestMatchRows(agree: Float64Array, ng: number, nt: number, minScore: number): Int32Array {
  const out = new Int32Array(ng).fill(-1);
  for (let g = 0; g < ng; g++) {
    let best = -1;
    for (let t = 0; t < nt; t++) if (best < 0 || agree[g * nt + t] > agree[g * nt + best]) best = t;
    if (best >= 0 && agree[g * nt + best] >= minScore) out[g] = best;
  }
  return out;
}

function bestMatchCols(agree: Float64Array, ng: number, nt: number, minScore: number): Int32Array {
  const out = new Int32Array(nt).fill(-1);
  for (let t = 0; t < nt; t++) {
    let best = -1;
    for (let g = 0; g < ng; g++) if (best < 0 || agree[g * nt + t] > agree[best * nt + t]) best = g;
    if (best >= 0 && agree[best * nt + t] >= minScore) out[t] = best;
  }
  return out;
}

function unitPerformance(
  g: number,
  gtToTested: Int32Array,
  counts: Float64Array,
  countsG: number[],
  countsT: number[],
  nt: number,
  gt: Sorting,
  tested: Sorting,
): GtUnitPerformance {
  const t = gtToTested[g];
  const numGt = countsG[g];
  const tp = t >= 0 ? counts[g * nt + t] : 0;
  const numTested = t >= 0 ? countsT[t] : 0;
  const fn = numGt - tp;
  const fp = numTested - tp;
  let wrongLabel = 0;
  for (let g2 = 0; g2 < gtToTested.length; g2++) {
    const t2 = gtToTested[g2];
    if (g2 !== g && t2 >= 0) wrongLabel += counts[g * nt + t2];
  }
  // SpikeInterface reports every rate as 0 when nothing was matched.
  const ok = numGt > 0 && tp > 0;
  return {
    gtUnitId: gt.unitIds[g],
    testedUnitId: t >= 0 ? tested.unitIds[t] : null,
    numGt,
    numTested,
    tp,
    fn,
    fp,
    accuracy: ok ? tp / (tp + fn + fp) : 0,
    precision: ok ? tp / (tp + fp) : 0,
    recall: ok ? tp / (tp + fn) : 0,
    falseDiscoveryRate: ok ? fp / (tp + fp) : 0,
    missRate: ok ? fn / numGt : 0,
    misclassification: numGt > 0 ? Math.min(wrongLabel, fn) / numGt : 0,
  };
}

function checkCompatible(gt: Sorting, tested: Sorting): void {
  if (gt.samplingFrequency !== tested.samplingFrequency) {
    throw new Error(
      `comparison: ground truth is at ${gt.samplingFrequency} Hz but the tested sorting at ${tested.samplingFrequency} Hz; both must index the same recording`,
    );
  }
  if (gt.numSegments !== tested.numSegments) {
    throw new Error(`comparison: ground truth has ${gt.numSegments} segments but the tested sorting ${tested.numSegments}; sort the same recording`);
  }
}

function toRows(a: Float64Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(a.subarray(r * cols, (r + 1) * cols)));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A fixed-width text table: one line per GT unit, then the summary counts. */
export function formatComparisonTable(result: GroundTruthComparisonResult): string {
  const head = ['gt_unit', 'tested', 'n_gt', 'n_tested', 'tp', 'fn', 'fp', 'accuracy', 'precision', 'recall', 'miscl'];
  const rows = result.units.map((u) => [
    u.gtUnitId,
    u.testedUnitId ?? '-',
    String(u.numGt),
    String(u.numTested),
    String(u.tp),
    String(u.fn),
    String(u.fp),
    u.accuracy.toFixed(3),
    u.precision.toFixed(3),
    u.recall.toFixed(3),
    u.misclassification.toFixed(3),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  const s = result.summary;
  const p = result.params;
  const opt = (n: number | null) => (n === null ? 'n/a (ground truth not exhaustive)' : String(n));
  return [
    line(head),
    ...rows.map(line),
    '',
    `ground-truth units: ${s.numGtUnits}   tested units: ${s.numTestedUnits}   (match within ${p.deltaMs} ms = ${p.deltaFrames} samples)`,
    `well detected (accuracy ≥ ${p.wellDetectedScore}): ${s.numWellDetected}`,
    `accuracy ≥ 0.6: ${s.numAccuracyAtLeast60}`,
    `false positive: ${opt(s.numFalsePositive)}`,
    `redundant: ${opt(s.numRedundant)}`,
    `overmerged: ${opt(s.numOvermerged)}`,
    `bad: ${opt(s.numBad)}`,
    `mean accuracy ${s.meanAccuracy.toFixed(3)}   mean precision ${s.meanPrecision.toFixed(3)}   mean recall ${s.meanRecall.toFixed(3)}`,
  ].join('\n') + '\n';
}

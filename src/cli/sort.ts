/** `spikeforge sort <recording> --out <dir>`: the native sorter, writing a Phy folder and sorting_summary.json. */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { addRecordingOptions, parsePositiveInt } from './main.js';
import { cliReporter, openRecordingFromCli, out, RecordingCliOptions } from './common.js';
import { sort } from '../sorter/sort.js';
import { writeSortOutput } from '../sorter/export.js';
import { SORTER_PARAMS, SorterParamOverrides, resolveSorterParams, ParamSpec } from '../sorter/params.js';

interface SortCliOptions extends RecordingCliOptions {
  out: string;
  params?: string;
  set: string[];
  overwrite?: boolean;
  seed: string;
  jobs?: number;
  quiet?: boolean;
  verbose?: boolean;
}

/** Overrides from a JSON file and `--set section.name=value` pairs (values parsed as JSON when possible). */
export function parseParamOverrides(file: string | undefined, sets: string[]): SorterParamOverrides {
  const overrides: Record<string, Record<string, unknown>> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: cannot read sorter parameters as JSON (${(e as Error).message}); expected {"section": {"name": value}}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`${file}: expected a JSON object {"section": {"name": value}}`);
    }
    for (const [section, values] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof values !== 'object' || values === null) throw new Error(`${file}: section '${section}' must be an object of name: value`);
      overrides[section] = { ...(values as Record<string, unknown>) };
    }
  }
  for (const s of sets) {
    const m = /^([A-Za-z]+)\.([A-Za-z0-9]+)=(.*)$/.exec(s);
    if (!m) throw new Error(`--set '${s}': expected section.name=value, e.g. --set detection.thresholdSigma=4.5`);
    const [, section, name, raw] = m;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A bare word such as negative stays a string.
    }
    (overrides[section] ??= {})[name] = value;
  }
  resolveSorterParams(overrides as SorterParamOverrides);
  return overrides as SorterParamOverrides;
}

export function formatParamTable(): string {
  const lines = ['parameter | default | valid | meaning', '--- | --- | --- | ---'];
  for (const [section, entries] of Object.entries(SORTER_PARAMS)) {
    for (const [name, spec] of Object.entries(entries as Record<string, ParamSpec>)) {
      const valid = spec.choices ? spec.choices.join(' / ') : spec.min !== undefined ? `${spec.min} to ${spec.max}` : typeof spec.default;
      lines.push(`${section}.${name} | ${String(spec.default)} | ${valid} | ${spec.meaning}`);
    }
  }
  return lines.join('\n');
}

export function sortCommand(program: Command): void {
  addRecordingOptions(
    program
      .command('sort')
      .description('sort a recording: writes a Phy folder (open it with `phy template-gui <out>/params.py`) and sorting_summary.json')
      .argument('[recording]', 'recording file or folder (any supported format)')
      .option('--out <dir>', 'output folder (must not exist unless --overwrite)')
      .option('--params <file>', 'JSON file of parameter overrides: {"detection": {"thresholdSigma": 4.5}}')
      .option('--set <section.name=value>', 'override one parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--list-params', 'print every sorter parameter with its default, valid range and meaning, then exit')
      .option('--overwrite', 'replace an existing output folder')
      .option('--seed <n>', 'random seed (results are deterministic for a seed)', '0')
      .option('--jobs <n>', 'worker threads for the passes over the recording (default: all cores; results do not depend on it)', parsePositiveInt)
      .option('--quiet', 'only warnings and the result')
      .option('--verbose', 'debug messages'),
  ).action(async (input: string | undefined, o: SortCliOptions & { listParams?: boolean }) => {
    if (o.listParams) {
      out(formatParamTable());
      return;
    }
    if (!input) throw new Error('sort: missing <recording> argument');
    if (!o.out) throw new Error('sort: missing --out <dir> (the folder that will hold the Phy output)');
    const params = parseParamOverrides(o.params, o.set);
    const reporter = cliReporter({ quiet: o.quiet, verbose: o.verbose });
    const recording = await openRecordingFromCli(input, o);
    const t0 = performance.now();
    const result = await sort(recording, { params, reporter, seed: Number(o.seed), jobs: o.jobs });
    await writeSortOutput(o.out, recording, result, { overwrite: o.overwrite, reporter });
    const s = result.summary;
    const seconds = (performance.now() - t0) / 1000;
    out(`sorted ${input}: ${s.numUnits} units (${s.numGood} good), ${s.numSpikes} spikes in ${seconds.toFixed(1)} s (${(s.recording.durationS / seconds).toFixed(1)}× real time)`);
    for (const w of s.warnings) out(`warning: ${w}`);
    out(`output: ${o.out} (Phy: phy template-gui ${o.out}/params.py)`);
  });
}

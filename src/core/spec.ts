/**
 * Recording specs: a structured-cloneable description from which a worker thread rebuilds a
 * recording chain (SpikeInterface pickles recordings for the same purpose).
 * A serializable class returns { module: import.meta.url, exportName: 'ClassName', args } from
 * toSpec() and has `static fromSpec(args, load)`; `load` rebuilds nested parent specs.
 */
import type { Recording } from './recording.js';

export interface RecordingSpec {
  /** URL of the module exporting the class (import.meta.url of its file). */
  module: string;
  exportName: string;
  /** Structured-cloneable constructor arguments; parents appear as nested RecordingSpecs. */
  args: unknown;
}

export type SpecLoader = (spec: RecordingSpec) => Promise<Recording>;

interface SpecClass {
  fromSpec(args: unknown, load: SpecLoader): Recording | Promise<Recording>;
}

export async function recordingFromSpec(spec: RecordingSpec): Promise<Recording> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const cls = mod[spec.exportName] as SpecClass | undefined;
  if (!cls || typeof cls.fromSpec !== 'function') {
    throw new Error(`${spec.module}: no serializable recording class '${spec.exportName}' (needs static fromSpec)`);
  }
  return cls.fromSpec(spec.args, recordingFromSpec);
}

/** The public API of spikeforge. */
export * from './core/dtypes.js';
export * from './core/probe.js';
export * from './core/recording.js';
export * from './core/recordingtools.js';
export * from './core/sorting.js';
export * from './exec/reporter.js';

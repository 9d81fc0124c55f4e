/**
 * Memory: releasing garbage between stages, and (for benchmarks) the time and peak memory of a piece of
 * work. RSS covers the whole process, worker threads included. Sampling on a timer only sees the event
 * loop's idle moments, so the kernel's lifetime maximum (resourceUsage().maxRSS) is consulted too: when
 * the work pushes the process to a new high, that high is exact even if the work was one synchronous block.
 */

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export interface MeasureResult<T> {
  result: T;
  seconds: number;
  /** Highest resident set size seen during the work (MiB). */
  peakRssMB: number;
  /** Resident set size when the work started (MiB). */
  startRssMB: number;
}

export interface MeasureOptions {
  /** Sampling period in ms (default 20). */
  intervalMs?: number;
}

const MIB = 1024 * 1024;

/** A running RSS sampler; stop() returns the peak in bytes. */
export function startRssSampler(intervalMs = 20): { sample(): void; stop(): number } {
  let peak = process.memoryUsage.rss();
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  // The sampler must never keep a finished program alive.
  timer.unref();
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** Runs `fn` (sync or async) and reports its wall time and the process's peak RSS meanwhile. */
export async function measureRun<T>(fn: () => T | Promise<T>, opts: MeasureOptions = {}): Promise<MeasureResult<T>> {
  const maxRssBeforeKB = process.resourceUsage().maxRSS;
  const startRss = process.memoryUsage.rss();
  const sampler = startRssSampler(opts.intervalMs ?? 20);
  const t0 = performance.now();
  let result: T;
  let sampledPeak = 0;
  try {
    result = await fn();
  } finally {
    sampledPeak = sampler.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const maxRssAfterKB = process.resourceUsage().maxRSS;
  // maxRSS only tells us about this work when the work raised it.
  const kernelPeak = maxRssAfterKB > maxRssBeforeKB ? maxRssAfterKB * 1024 : 0;
  return {
    result,
    seconds,
    peakRssMB: Math.max(sampledPeak, kernelPeak) / MIB,
    startRssMB: startRss / MIB,
  };
}

let fullGc: (() => void) | null | undefined;

/**
 * A full garbage collection of this thread's heap, where the runtime allows one (else nothing). V8 collects
 * dead ArrayBuffers only once their external memory has grown by tens of MB since the last collection, so a
 * stage can end holding that much garbage; when the next stage starts its worker threads on top of it, the
 * process peaks higher than the work needs, and the allocator keeps the heap pages the garbage pinned. The
 * sorter calls this between stages (a few ms on its small heap).
 */
export function releaseGarbage(): void {
  if (fullGc === undefined) fullGc = obtainGc();
  fullGc?.();
}

/** globalThis.gc when node runs with --expose-gc, else one made by turning the flag on for a fresh context. */
function obtainGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

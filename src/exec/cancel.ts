/**
 * Cancellation: the error a cancelled run rejects with, and the CLI's Ctrl-C handling.
 * Interrupted runs leave no half-written output because every writer goes through src/io/atomic.ts.
 */
import type { Reporter } from './reporter.js';

/** Rejection of a run stopped by its AbortSignal. `name` is 'AbortError' as for fetch() and DOM APIs. */
export class RunAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(readonly label: string, reason?: unknown) {
    super(`${label}: cancelled${reasonText(reason)}`, reason instanceof Error ? { cause: reason } : undefined);
  }
}

function reasonText(reason: unknown): string {
  if (reason === undefined) return '';
  if (reason instanceof Error) return reason.name === 'AbortError' ? '' : ` (${reason.message})`;
  return ` (${String(reason)})`;
}

/** True for RunAbortedError and for any other AbortError (DOMException from AbortSignal, fetch, ...). */
export function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/** Throws a RunAbortedError naming `label` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, label: string): void {
  if (signal?.aborted) throw new RunAbortedError(label, signal.reason);
}

/** The part of `process` the handler uses; tests pass a fake. */
export interface InterruptTarget {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): void;
}

export interface InterruptHandlerOptions {
  reporter?: Reporter;
  signals?: ('SIGINT' | 'SIGTERM')[];
  target?: InterruptTarget;
}

/** Exit status of a process killed by SIGINT, as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * First Ctrl-C (or SIGTERM) aborts `controller` so running stages stop and clean up; a second one
 * exits at once. Returns a function that removes the handler.
 */
export function installInterruptHandler(controller: AbortController, opts: InterruptHandlerOptions = {}): () => void {
  const target: InterruptTarget = opts.target ?? (process as unknown as InterruptTarget);
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      opts.reporter?.log('warn', 'interrupted: stopping cleanly (press Ctrl-C again to quit at once; finished outputs are kept, unfinished ones are discarded)');
      controller.abort('interrupted by the user');
      return;
    }
    opts.reporter?.log('warn', 'interrupted twice: quitting now');
    target.exit(INTERRUPTED_EXIT_CODE);
  };
  for (const s of signals) target.on(s, onSignal);
  return () => {
    for (const s of signals) target.off(s, onSignal);
  };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { INTERRUPTED_EXIT_CODE, RunAbortedError, installInterruptHandler, isAbortError, type InterruptTarget } from '../src/exec/cancel.js';
import type { Reporter } from '../src/exec/reporter.js';

class FakeProcess extends EventEmitter implements InterruptTarget {
  exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
}

function collectingReporter(lines: string[]): Reporter {
  return { log: (level, m) => void lines.push(`${level}: ${m}`), begin() {}, progress() {}, end() {} };
}

test('first Ctrl-C aborts, second exits with 130, uninstall removes the handler', () => {
  const target = new FakeProcess();
  const controller = new AbortController();
  const lines: string[] = [];
  const uninstall = installInterruptHandler(controller, { target, reporter: collectingReporter(lines) });
  assert.equal(target.listenerCount('SIGINT'), 1);
  assert.equal(target.listenerCount('SIGTERM'), 1);

  target.emit('SIGINT');
  assert.equal(controller.signal.aborted, true);
  assert.equal(controller.signal.reason, 'interrupted by the user');
  assert.deepEqual(target.exits, []);
  assert.match(lines[0], /^warn: interrupted: stopping cleanly/);

  target.emit('SIGINT');
  assert.deepEqual(target.exits, [INTERRUPTED_EXIT_CODE]);
  assert.equal(INTERRUPTED_EXIT_CODE, 130);

  uninstall();
  assert.equal(target.listenerCount('SIGINT'), 0);
  assert.equal(target.listenerCount('SIGTERM'), 0);
});

test('RunAbortedError is an AbortError that names the stage and the reason', () => {
  const e = new RunAbortedError('detect peaks', 'interrupted by the user');
  assert.equal(e.name, 'AbortError');
  assert.equal(e.message, 'detect peaks: cancelled (interrupted by the user)');
  assert.ok(isAbortError(e));
  assert.equal(new RunAbortedError('x').message, 'x: cancelled');
  const c = new AbortController();
  c.abort();
  // The default reason of AbortController.abort() is a DOMException AbortError: no noise in the message.
  assert.ok(isAbortError(c.signal.reason));
  assert.equal(new RunAbortedError('y', c.signal.reason).message, 'y: cancelled');
  assert.equal(isAbortError(new Error('boom')), false);
});

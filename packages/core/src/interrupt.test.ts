import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import {
  exitCodeForSignal,
  interruptedError,
  InterruptReason,
  interruptSignalOf,
  isInterruptedError,
  listenForInterrupts,
  throwIfInterrupted,
} from './interrupt.js';

describe('listenForInterrupts', () => {
  it('aborts the run on the first signal and hands the second to onSecond', () => {
    const source = new EventEmitter();
    const first: string[] = [];
    const second: string[] = [];
    const listener = listenForInterrupts({ source, onFirst: (s) => first.push(s), onSecond: (s) => second.push(s) });
    expect(listener.signal.aborted).toBe(false);
    source.emit('SIGTERM');
    expect(listener.signal.aborted).toBe(true);
    expect(interruptSignalOf(listener.signal)).toBe('SIGTERM');
    expect(listener.signal.reason).toBeInstanceOf(InterruptReason);
    expect((listener.signal.reason as Error).name).toBe('AbortError');
    source.emit('SIGINT');
    expect([first, second]).toEqual([['SIGTERM'], ['SIGINT']]);
    listener.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('interruptedError', () => {
  it('carries the state the step left and the signal', () => {
    const controller = new AbortController();
    controller.abort(new InterruptReason('SIGINT'));
    const error = interruptedError(controller.signal, 'layer.zip was not changed', 'run `layer package` again');
    expect(error).toMatchObject({
      code: ErrorCodes.INTERRUPTED,
      oneLine: 'interrupted by SIGINT: layer.zip was not changed; run `layer package` again',
    });
    expect(error.details).toEqual({ signal: 'SIGINT', state: 'layer.zip was not changed' });
    expect(isInterruptedError(error)).toBe(true);
    expect(() => throwIfInterrupted(controller.signal, 'x')).toThrow('interrupted by SIGINT: x');
    expect(() => throwIfInterrupted(new AbortController().signal, 'x')).not.toThrow();
  });

  it('names no signal when the caller aborted for its own reason', () => {
    const controller = new AbortController();
    controller.abort();
    expect(interruptedError(controller.signal, 'nothing changed').message).toBe('interrupted: nothing changed');
  });

  it('is the one maker of E_INTERRUPTED: a signal by name, a second signal, no state, what was done', () => {
    const quit = interruptedError('SIGTERM', 'quit at once', 'run `layer build` again', {}, { again: true });
    expect(quit.message).toBe('interrupted by SIGTERM again: quit at once');
    expect(quit.details).toEqual({ signal: 'SIGTERM', state: 'quit at once' });
    const bare = interruptedError('SIGINT', '', 'run the command again', {}, { result: { regions: 1 } });
    expect(bare).toMatchObject({ message: 'interrupted by SIGINT', details: { signal: 'SIGINT' }, result: { regions: 1 } });
    expect(bare.details).not.toHaveProperty('state');
  });

  it('gives the shell exit codes', () => {
    expect(exitCodeForSignal('SIGINT')).toBe(130);
    expect(exitCodeForSignal('SIGTERM')).toBe(143);
  });
});

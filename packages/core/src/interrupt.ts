import { constants } from 'node:os';
import { ErrorCodes, LayerError } from './errors.js';

/**
 * Cancellation: one `AbortSignal` per run, aborted by Ctrl-C (SIGINT) or a CI
 * job's SIGTERM. Every step takes `signal?: AbortSignal`, stops soon after it
 * fires, and throws `interruptedError(signal, state)` whose message is the
 * state it left on disk or in S3, because only the step knows it ("layer.zip
 * was not changed"). The CLI turns that error into exit 130/143 and one line.
 */

/** The signals that interrupt a run. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The abort reason when a process signal stopped the run (an AbortError, like the one `AbortSignal.abort()` gives). */
export class InterruptReason extends Error {
  readonly signal: InterruptSignal;

  constructor(signal: InterruptSignal) {
    super(`interrupted by ${signal}`);
    this.name = 'AbortError';
    this.signal = signal;
  }
}

/** The process signal behind an aborted signal, if a process signal aborted it. */
export function interruptSignalOf(signal: AbortSignal | undefined): InterruptSignal | undefined {
  return signal?.aborted && signal.reason instanceof InterruptReason ? signal.reason.signal : undefined;
}

/** The shell's exit code for a process stopped by a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export function exitCodeForSignal(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

/** What an interruption error carries besides its state and hint. */
export interface InterruptedErrorExtras {
  /** A second signal of the same kind: the run quits at once ("interrupted by SIGINT again: …"). */
  again?: boolean;
  /** The error the interruption cut short (by default the AbortSignal's reason). */
  cause?: unknown;
  /** What the command did achieve before it stopped (see `LayerErrorOptions.result`). */
  result?: unknown;
}

/**
 * The error a step throws when it stopped because `signal` fired (an
 * AbortSignal, or the signal's name when the caller has no AbortSignal).
 * `state` says what the step left ("artifacts/python/ still holds the
 * previous build"), in words a user can act on (empty: nothing to add);
 * `hint` what to run next. Every E_INTERRUPTED is made here.
 */
export function interruptedError(
  signal: AbortSignal | InterruptSignal | undefined,
  state: string,
  hint = 'run the command again to finish',
  details: Record<string, unknown> = {},
  extras: InterruptedErrorExtras = {},
): LayerError {
  const by = typeof signal === 'string' ? signal : interruptSignalOf(signal);
  const cause = 'cause' in extras ? extras.cause : typeof signal === 'object' ? (signal.reason as unknown) : undefined;
  return new LayerError(ErrorCodes.INTERRUPTED, `interrupted${by ? ` by ${by}` : ''}${extras.again ? ' again' : ''}${state ? `: ${state}` : ''}`, {
    hint,
    details: { ...(state ? { state } : {}), ...details, ...(by ? { signal: by } : {}) },
    ...(cause !== undefined ? { cause } : {}),
    ...(extras.result !== undefined ? { result: extras.result } : {}),
  });
}

export function isInterruptedError(error: unknown): error is LayerError {
  return error instanceof LayerError && error.code === ErrorCodes.INTERRUPTED;
}

/** Throws the step's interruption error when its run was asked to stop. */
export function throwIfInterrupted(signal: AbortSignal | undefined, state: string, hint?: string): void {
  if (signal?.aborted) throw interruptedError(signal, state, hint);
}

/** What `process` offers for signals; tests pass an EventEmitter. */
export interface SignalSource {
  on(event: InterruptSignal, listener: () => void): unknown;
  off(event: InterruptSignal, listener: () => void): unknown;
}

export interface InterruptListener {
  readonly signal: AbortSignal;
  /** Removes the handlers (the run is over). */
  dispose(): void;
}

export interface ListenOptions {
  /** Called on the first signal, after the run's signal was aborted. */
  onFirst?(signal: InterruptSignal): void;
  /** Called on a second signal: quit at once (it should not return). */
  onSecond(signal: InterruptSignal): void;
  source?: SignalSource;
}

/**
 * Wires SIGINT and SIGTERM to one AbortController. The first signal asks the
 * run to stop (steps stop within a couple of seconds and say what they left);
 * the second is for a person who will not wait: `onSecond` quits at once.
 */
export function listenForInterrupts(options: ListenOptions): InterruptListener {
  const controller = new AbortController();
  const source = options.source ?? process;
  const handlers = INTERRUPT_SIGNALS.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) {
        options.onSecond(name);
        return;
      }
      controller.abort(new InterruptReason(name));
      options.onFirst?.(name);
    };
    source.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, handler] of handlers) source.off(name, handler);
    },
  };
}

import {
  ErrorCodes,
  interruptedError,
  interruptSignalOf,
  isInterruptedError,
  isLayerError,
  LayerError,
  toLayerErrorFromSystem,
} from '@lambda-layer/core';

/** The one-line error of anything a command threw; an interrupted run is always reported as interrupted. */
export function toOneLineError(error: unknown, signal?: AbortSignal): LayerError {
  const by = interruptSignalOf(signal);
  if (by && !isInterruptedError(error)) {
    // A step without words of its own for the interruption (an SDK call it aborted): its error, as an interruption.
    const inner = isLayerError(error) ? error : undefined;
    return interruptedError(by, inner?.message ?? '', inner?.hint ?? 'run the command again', {}, { cause: error, result: inner?.result });
  }
  if (isLayerError(error)) return error;
  const system = toLayerErrorFromSystem(error);
  if (system) return system;
  const message = error instanceof Error ? error.message : String(error);
  return new LayerError(ErrorCodes.INTERNAL, `unexpected error: ${message.split('\n')[0]}`, {
    hint: 'run again with --debug for details',
    cause: error,
  });
}

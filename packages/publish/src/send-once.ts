import { setTimeout as delay } from 'node:timers/promises';
import { isOutcomeUnknown, isTransientAwsError, LayerError, type Logger, toLayerErrorFromAws } from '@lambda-layer/core';
import { maxAttemptsOf } from './aws-call.js';

/** A request that must take effect once: PublishLayerVersion, AddLayerVersionPermission. */
export interface OnceRequest<T> {
  /** The client it goes through (its maxAttempts bounds the attempts). */
  client: unknown;
  /** The operation's name, for the log: "PublishLayerVersion". */
  operation: string;
  /** What it does, for the error line: "publish a version of layer my-deps". */
  doing: string;
  /** Sends the request once, without the SDK's retries (see `withoutSdkRetries`). */
  send(): Promise<T>;
  /**
   * After an answer was lost (reset, timeout, 5xx: the service may have
   * acted): whether the request took effect, and its result if it did.
   */
  findEffect(): Promise<T | undefined>;
  /**
   * An error answer that may mean the effect is already there (a conflict on
   * a statement id this run added, whose first answer was lost): its result
   * if so; undefined to handle the error as any other.
   */
  alreadyDone?(error: unknown): Promise<T | undefined>;
  /** Log lines for a lost answer: found the effect / did not. */
  describeEffect(result: T): string;
  describeNoEffect: string;
  /** Runs before every attempt (the publish lock's assertHeld). */
  beforeAttempt?: () => void;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/**
 * Sends a request that is not idempotent exactly once, even when its answer
 * is lost. The SDK would retry a reset connection, a timeout or a 5xx
 * blindly and act twice, so the request goes out without SDK retries and
 * this loop decides:
 *  - throttled: the service refused it, nothing happened: wait, send again;
 *  - no answer or a 5xx (the outcome is unknown): look for its effect and
 *    take it; only when there is none, send again;
 *  - an answer `alreadyDone` recognises: its effect is there, take it;
 *  - anything else (a 4xx): fail at once.
 * Attempts are bounded by the client's maxAttempts (AWS_MAX_ATTEMPTS, default 3).
 */
export async function sendOnce<T>(request: OnceRequest<T>): Promise<{ result: T; recovered: boolean }> {
  const { logger, signal } = request;
  const maxAttempts = await maxAttemptsOf(request.client);
  for (let attempt = 1; ; attempt += 1) {
    request.beforeAttempt?.();
    try {
      return { result: await request.send(), recovered: false };
    } catch (error) {
      if (error instanceof LayerError || signal?.aborted) throw error;
      const done = await request.alreadyDone?.(error);
      if (done !== undefined) return { result: done, recovered: true };
      if (!isTransientAwsError(error)) throw error;
      const reason = toLayerErrorFromAws(error, request.doing, { service: 'Lambda' }).message;
      if (isOutcomeUnknown(error)) {
        logger.warn(`no answer to ${request.operation} (${reason}); checking whether it took effect anyway`);
        const effect = await request.findEffect();
        if (effect !== undefined) {
          logger.info(request.describeEffect(effect));
          return { result: effect, recovered: true };
        }
        logger.detail(request.describeNoEffect);
      }
      if (attempt >= maxAttempts) {
        (error as { $metadata?: Record<string, unknown> }).$metadata = { ...(error as { $metadata?: object }).$metadata, attempts: attempt };
        throw error;
      }
      const base = /Throttl|TooManyRequests/.test((error as Error).name) ? 1000 : 500;
      await delay(Math.min(10_000, base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)), undefined, signal ? { signal } : {});
    }
  }
}

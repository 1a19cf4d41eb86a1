import { type AwsClientWithMiddleware, type AwsErrorContext, toLayerErrorFromAws } from '@lambda-layer/core';

/**
 * Runs one AWS request and turns any SDK failure into a one-line LayerError
 * saying what we were doing. Throttling and 5xx are retried by the SDK's own
 * retry strategy before anything reaches here.
 */
export async function awsCall<T>(doing: string, request: () => Promise<T>, context?: AwsErrorContext): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toLayerErrorFromAws(error, doing, context);
  }
}

/**
 * Takes the SDK's retries off one command, for a call that is not idempotent
 * (PublishLayerVersion: a retry after a lost answer publishes a second
 * version). The SDK's standard retry strategy retries a reset connection or a
 * 5xx whatever the operation; SDK v3 adds a command's own middleware stack on
 * top of the client's, so a middleware registered on the command under the
 * retry middleware's name (`retryMiddleware`, finalizeRequest step, high
 * priority) with `override` replaces it for this command only. The caller then
 * decides, knowing the operation, whether and how to try again.
 */
export function withoutSdkRetries<C extends AwsClientWithMiddleware>(command: C): C {
  command.middlewareStack.add(
    (next: (args: unknown) => Promise<{ output: { $metadata: { attempts?: number } } }>) => async (args: unknown) => {
      try {
        const result = await next(args);
        result.output.$metadata.attempts = 1;
        return result;
      } catch (error) {
        if (error !== null && typeof error === 'object') {
          const e = error as { $metadata?: Record<string, unknown> };
          e.$metadata = { ...e.$metadata, attempts: 1 };
        }
        throw error;
      }
    },
    { name: 'retryMiddleware', step: 'finalizeRequest', priority: 'high', tags: ['RETRY'], override: true },
  );
  return command;
}

/** The client's configured number of attempts (AWS_MAX_ATTEMPTS / maxAttempts; the SDK's default is 3). */
export async function maxAttemptsOf(client: unknown): Promise<number> {
  const provider = (client as { config?: { maxAttempts?: unknown } }).config?.maxAttempts;
  try {
    const value = typeof provider === 'function' ? await (provider as () => Promise<unknown>)() : provider;
    return typeof value === 'number' && value >= 1 ? Math.floor(value) : 3;
  } catch {
    return 3;
  }
}

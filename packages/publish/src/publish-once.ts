import { setTimeout as delay } from 'node:timers/promises';
import {
  type LambdaClient,
  PublishLayerVersionCommand as PublishLayerVersionApiCommand,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { ErrorCodes, isOutcomeUnknown, isTransientAwsError, LayerError, type Logger, toLayerErrorFromAws } from '@lambda-layer/core';
import { maxAttemptsOf, withoutSdkRetries } from './aws-call.js';
import { getLayerVersionCodeSha256, type LatestLayerVersion, listLayerVersions } from './latest-version.js';

export interface PublishOnceInput {
  lambda: LambdaClient;
  input: PublishLayerVersionCommandInput;
  /** The version numbers that existed before this run's first attempt (read under the publish lock). */
  before: ReadonlySet<number>;
  /** The zip's base64 SHA-256: a version Lambda made from it reports this CodeSha256. */
  zipSha256: string;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Runs before every attempt (the publish lock's assertHeld). */
  beforeAttempt?: () => void;
}

export interface PublishedVersion extends LatestLayerVersion {
  /** True when the version was found after a lost answer rather than reported by PublishLayerVersion. */
  adopted: boolean;
}

/**
 * A version of the layer that this run published although no answer said so:
 * one that did not exist before the run (`before`) and whose CodeSha256 is
 * this zip's. Newest first; one GetLayerVersion per new version (normally one).
 */
export async function findVersionPublishedSince(
  lambda: LambdaClient,
  layerName: string,
  before: ReadonlySet<number>,
  zipSha256: string,
  signal?: AbortSignal,
): Promise<LatestLayerVersion | undefined> {
  const fresh = (await listLayerVersions(lambda, layerName, signal)).filter((v) => !before.has(v.version)).sort((a, b) => b.version - a.version);
  for (const version of fresh) {
    if ((await getLayerVersionCodeSha256(lambda, layerName, version.version, signal)) === zipSha256) return version;
  }
  return undefined;
}

/**
 * PublishLayerVersion exactly once, even when its answer is lost. The SDK
 * would retry a reset connection, a timeout or a 5xx blindly and publish a
 * second version, so the call goes out without SDK retries and this loop
 * decides:
 *  - throttled (429): Lambda refused it, nothing was published: wait, send again;
 *  - no answer or a 5xx (the outcome is unknown): list the versions and adopt
 *    the one that appeared since the run started with this zip's CodeSha256;
 *    only when there is none, send again;
 *  - anything else (a 4xx): fail at once.
 * Attempts are bounded by the client's maxAttempts (AWS_MAX_ATTEMPTS, default 3).
 */
export async function publishLayerVersionOnce(publish: PublishOnceInput): Promise<PublishedVersion> {
  const { lambda, logger, signal } = publish;
  const layerName = String(publish.input.LayerName);
  const maxAttempts = await maxAttemptsOf(lambda);
  for (let attempt = 1; ; attempt += 1) {
    publish.beforeAttempt?.();
    try {
      const response = await lambda.send(withoutSdkRetries(new PublishLayerVersionApiCommand(publish.input)), { abortSignal: signal });
      if (response.Version === undefined || !response.LayerVersionArn) {
        throw new LayerError(ErrorCodes.PUBLISH_FAILED, `PublishLayerVersion for ${layerName} returned no version number`, {
          hint: 'check the layer in the Lambda console and run again',
        });
      }
      return { version: response.Version, layerVersionArn: response.LayerVersionArn, adopted: false };
    } catch (error) {
      if (error instanceof LayerError || signal?.aborted || !isTransientAwsError(error)) throw error;
      const reason = toLayerErrorFromAws(error, `publish a version of layer ${layerName}`, { service: 'Lambda' }).message;
      if (isOutcomeUnknown(error)) {
        logger.warn(`no answer to PublishLayerVersion (${reason}); checking whether Lambda published the version anyway`);
        const adopted = await findVersionPublishedSince(lambda, layerName, publish.before, publish.zipSha256, signal);
        if (adopted) {
          logger.info(`Lambda did publish it: version ${adopted.version} appeared with this layer.zip's CodeSha256; adopting it instead of publishing again`);
          return { ...adopted, adopted: true };
        }
        logger.detail('no version appeared: Lambda did not publish it');
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

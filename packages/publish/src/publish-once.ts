import {
  type LambdaClient,
  PublishLayerVersionCommand as PublishLayerVersionApiCommand,
  type PublishLayerVersionCommandInput,
} from '@aws-sdk/client-lambda';
import { ErrorCodes, LayerError, type Logger } from '@lambda-layer/core';
import { withoutSdkRetries } from './aws-call.js';
import { getLayerVersionCodeSha256, type LatestLayerVersion, listLayerVersions } from './latest-version.js';
import { sendOnce } from './send-once.js';

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
 * PublishLayerVersion exactly once, even when its answer is lost (see
 * `sendOnce`): after a lost answer, the version that appeared since the run
 * started with this zip's CodeSha256 is adopted; only when there is none is
 * the call sent again. Throttling (429) is a refusal: sent again after a wait.
 */
export async function publishLayerVersionOnce(publish: PublishOnceInput): Promise<PublishedVersion> {
  const { lambda, signal } = publish;
  const layerName = String(publish.input.LayerName);
  const { result, recovered } = await sendOnce<LatestLayerVersion>({
    client: lambda,
    operation: 'PublishLayerVersion',
    doing: `publish a version of layer ${layerName}`,
    send: async () => {
      const response = await lambda.send(withoutSdkRetries(new PublishLayerVersionApiCommand(publish.input)), { abortSignal: signal });
      if (response.Version === undefined || !response.LayerVersionArn) {
        throw new LayerError(ErrorCodes.PUBLISH_FAILED, `PublishLayerVersion for ${layerName} returned no version number`, {
          hint: 'check the layer in the Lambda console and run again',
        });
      }
      return { version: response.Version, layerVersionArn: response.LayerVersionArn };
    },
    findEffect: () => findVersionPublishedSince(lambda, layerName, publish.before, publish.zipSha256, signal),
    describeEffect: (adopted) =>
      `Lambda did publish it: version ${adopted.version} appeared with this layer.zip's CodeSha256; adopting it instead of publishing again`,
    describeNoEffect: 'no version appeared: Lambda did not publish it',
    ...(publish.beforeAttempt ? { beforeAttempt: publish.beforeAttempt } : {}),
    logger: publish.logger,
    signal,
  });
  return { ...result, adopted: recovered };
}

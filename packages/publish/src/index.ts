export { publishLayerVersion } from './publish-layer-version.js';
export { PublishLayerVersionCommand } from './publish-layer-version-command.js';
export {
  type PublishLayerVersionOptions,
  type PublishLockSettings,
  type ValidatedPublishOptions,
  DEFAULT_LOCK_LEASE_MS,
  validatePublishOptions,
  validateLayerName,
  validateRuntimes,
  validateArchitectures,
} from './options.js';
export {
  findLatestLayerVersion,
  findLatestLayerVersionQuickly,
  listLayerVersions,
  type LatestLayerVersion,
} from './latest-version.js';
export { publishLayerVersionOnce, findVersionPublishedSince, type PublishOnceInput, type PublishedVersion } from './publish-once.js';
export { withoutSdkRetries } from './aws-call.js';
export { parseLayerArn, checkLayerArnTarget, type LayerArn } from './layer-arn.js';
export { PublishLock, describeHolder, type PublishLockOptions, type PublishLockBody, type CurrentLock } from './publish-lock.js';
export { compareStoredManifest, putManifest, type StoredManifestState } from './stored-manifest.js';
export type { LayerDeployment } from '@lambda-layer/core';

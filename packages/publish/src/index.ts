export { planLayerVersion, publishLayerVersion } from './publish-layer-version.js';
export { pruneLayerVersions, PruneLayerVersionsCommand } from './prune-layer-versions.js';
export { PublishLayerVersionCommand } from './publish-layer-version-command.js';
export {
  type PublishLayerVersionOptions,
  type PlanLayerVersionOptions,
  type PruneLayerVersionsOptions,
  type ValidatedPruneOptions,
  validatePruneOptions,
  validateSharing,
  type PublishLockSettings,
  type ValidatedPublishOptions,
  DEFAULT_LOCK_LEASE_MS,
  validatePublishOptions,
  validateLayerName,
  validateRuntimes,
  validateArchitectures,
} from './options.js';
export { findLatestLayerVersion, findLatestLayerVersionQuickly, listLayerVersions, type LatestLayerVersion } from './latest-version.js';
export { publishLayerVersionOnce, findVersionPublishedSince, type PublishOnceInput, type PublishedVersion } from './publish-once.js';
export { withoutSdkRetries } from './aws-call.js';
export { parseLayerArn, checkLayerArnTarget, type LayerArn } from './layer-arn.js';
export { PublishLock, describeHolder, type PublishLockOptions, type PublishLockBody, type CurrentLock } from './publish-lock.js';
export { compareStoredManifest, deleteManifest, putManifest, readStoredManifest, type StoredManifestState } from './stored-manifest.js';
export {
  describeGrant,
  grantOfStatement,
  grantsOf,
  type LayerSharing,
  planSharing,
  readPolicyStatementIds,
  shareLayerVersion,
  type ShareOptions,
  STATEMENT_ID_PREFIX,
} from './layer-sharing.js';
export { applyRetention, findLayerVersionUsers, planRetention, type RetentionOptions, type RetentionPlan } from './layer-retention.js';
export { sendOnce, type OnceRequest } from './send-once.js';
export type { LayerDeployment, PublishPlan, PruneResult, SharingResult, RetentionResult, LayerGrant } from '@lambda-layer/core';

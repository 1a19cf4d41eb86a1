export { publishLayerVersion } from './publish-layer-version.js';
export { PublishLayerVersionCommand } from './publish-layer-version-command.js';
export {
  type PublishLayerVersionOptions,
  type PublishLockSettings,
  type ValidatedPublishOptions,
  validatePublishOptions,
  validateLayerName,
  validateRuntimes,
  validateArchitectures,
} from './options.js';
export { findLatestLayerVersion, findLatestLayerVersionQuickly, type LatestLayerVersion } from './latest-version.js';
export { PublishLock, type PublishLockOptions, type PublishLockBody } from './publish-lock.js';
export { compareStoredManifest, putManifest, type StoredManifestState } from './stored-manifest.js';
export type { LayerDeployment } from '@lambda-layer/core';

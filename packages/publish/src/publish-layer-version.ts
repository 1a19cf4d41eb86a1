import type { LayerDeployment, PublishPlan } from '@lambda-layer/core';
import { type PlanLayerVersionOptions, type PublishLayerVersionOptions, validatePublishOptions } from './options.js';
import { PublishLayerVersionCommand } from './publish-layer-version-command.js';

/**
 * Step 4: publishes a Lambda layer version from `{s3dir}layer/layer.zip`, only
 * when the local manifest differs from the latest version's stored manifest,
 * and stores the manifest at `{s3dir}layer/{version:06d}/{manifest}`.
 * Every option is checked before any AWS call.
 */
export async function publishLayerVersion(options: PublishLayerVersionOptions): Promise<LayerDeployment> {
  return new PublishLayerVersionCommand(validatePublishOptions(options)).run();
}

/**
 * A dry run of `publishLayerVersion`: what it would publish and why (the
 * package diff), share and delete, from read requests only — no lock, no
 * object, no version, no grant is written.
 */
export async function planLayerVersion(options: PlanLayerVersionOptions): Promise<PublishPlan> {
  return new PublishLayerVersionCommand(validatePublishOptions(options)).plan();
}

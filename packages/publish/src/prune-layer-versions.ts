/**
 * `layer prune`: retention on its own. Under the publish lock (so it never
 * races a publish of the same s3dir), it deletes every version older than
 * the newest N that no function of the account and region uses, names the
 * functions of the versions it keeps, and leaves the manifest backups unless
 * asked. AWS calls: see layer-retention.ts, plus the publish lock's
 * (publish-lock.ts); a dry run makes only the list calls.
 */
import { type PruneResult } from '@lambda-layer/core';
import { checkLayerArnTarget } from './layer-arn.js';
import { applyRetention } from './layer-retention.js';
import { type PruneLayerVersionsOptions, type ValidatedPruneOptions, validatePruneOptions } from './options.js';
import { PublishLock } from './publish-lock.js';

/** How long the lock's release may take after Ctrl-C (the step must stop within about 2 s). */
const INTERRUPT_RELEASE_MS = 1500;

export class PruneLayerVersionsCommand {
  constructor(readonly options: ValidatedPruneOptions) {}

  async run(): Promise<PruneResult> {
    const { layerName, lambdaClient, logger, signal, dryRun } = this.options;
    await checkLayerArnTarget(layerName, lambdaClient);
    if (dryRun) return this.prune();
    const lock = new PublishLock(this.options.s3Client, this.options.layout.publishLock, { ...this.options.lock, logger, signal });
    logger.step('1', 'Take the publish lock (no publish of this s3dir runs meanwhile)');
    await lock.acquire();
    try {
      return await this.prune();
    } finally {
      await lock.release(signal?.aborted ? AbortSignal.timeout(INTERRUPT_RELEASE_MS) : undefined);
    }
  }

  /** Step 2: list the versions and the functions' layers, delete what neither the newest N nor a function holds. */
  async prune(): Promise<PruneResult> {
    const { layerName, keepVersions, dryRun, logger } = this.options;
    logger.step('2', `${dryRun ? 'Find' : 'Delete'} the versions of ${layerName} older than the newest ${keepVersions} that no function uses`);
    const retention = await applyRetention({
      lambda: this.options.lambdaClient,
      s3: this.options.s3Client,
      layerName,
      layout: this.options.layout,
      keepVersions,
      deleteManifests: this.options.deleteManifests,
      dryRun,
      logger,
      signal: this.options.signal,
    });
    const status = retention.deleted.length === 0 ? 'unchanged' : dryRun ? 'would-prune' : 'pruned';
    return {
      status,
      ...(dryRun ? { dryRun: true as const } : {}),
      layerName,
      ...(retention.kept[0] !== undefined ? { latestVersion: retention.kept[0] } : {}),
      ...retention,
    };
  }
}

/** Deletes all but the newest `keepVersions` versions of a layer, keeping every version a function uses. */
export async function pruneLayerVersions(options: PruneLayerVersionsOptions): Promise<PruneResult> {
  return new PruneLayerVersionsCommand(validatePruneOptions(options)).run();
}

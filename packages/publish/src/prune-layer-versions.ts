/**
 * `layer prune`: retention on its own. Under the publish lock (so it never
 * races a publish of the same s3dir), it deletes every version older than
 * the newest N that no function of the account and region uses, names the
 * functions of the versions it keeps, and leaves the manifest backups unless
 * asked. AWS calls: see layer-retention.ts, plus the publish lock's
 * (publish-lock.ts); a dry run makes only the list calls.
 */
import { defineSteps, type PruneResult, StepLog } from '@lambda-layer/core';
import { checkLayerArnTarget } from './layer-arn.js';
import { applyRetention } from './layer-retention.js';
import { type PruneLayerVersionsOptions, type ValidatedPruneOptions, validatePruneOptions } from './options.js';
import { PublishLock } from './publish-lock.js';

/** How long the lock's release may take after Ctrl-C (the step must stop within about 2 s). */
const INTERRUPT_RELEASE_MS = 1500;

/** The prune's steps, in order (core's step.ts says how every step is shaped). */
export const PRUNE_STEPS = defineSteps({
  preflight: {
    title: 'Preflight check',
    steps: {
      ensureLayerArnTarget: 'Check the layer name against the region and account',
    },
  },
  prune: {
    title: 'Prune',
    steps: {
      acquirePublishLock: 'Take the publish lock (no publish of this s3dir runs meanwhile)',
      deleteOldVersions: (dryRun: boolean, layerName: string, keepVersions: number) =>
        `${dryRun ? 'Find' : 'Delete'} the versions of ${layerName} older than the newest ${keepVersions} that no function uses`,
    },
  },
});

export class PruneLayerVersionsCommand {
  private readonly steps: StepLog<typeof PRUNE_STEPS.spec>;

  constructor(readonly options: ValidatedPruneOptions) {
    this.steps = new StepLog(PRUNE_STEPS, options.logger);
  }

  async run(): Promise<PruneResult> {
    await this.preflightCheck();
    if (this.options.dryRun) return this.deleteOldVersions();
    const lock = await this.acquirePublishLock();
    try {
      return await this.deleteOldVersions();
    } finally {
      await lock.release(this.options.signal?.aborted ? AbortSignal.timeout(INTERRUPT_RELEASE_MS) : undefined);
    }
  }

  // ---------------------------------------------------------------- step 1: preflight

  async preflightCheck(): Promise<void> {
    await this.ensureLayerArnTarget();
  }

  /** A layer ARN of another region than the client's is refused before any AWS call. */
  async ensureLayerArnTarget(): Promise<void> {
    this.steps.start('ensureLayerArnTarget');
    await checkLayerArnTarget(this.options.layerName, this.options.lambdaClient);
  }

  // ---------------------------------------------------------------- step 2: prune

  /** Not in a dry run: taking the lock is a write. */
  async acquirePublishLock(): Promise<PublishLock> {
    const { logger, signal } = this.options;
    const lock = new PublishLock(this.options.s3Client, this.options.layout.publishLock, { ...this.options.lock, logger, signal });
    this.steps.start('acquirePublishLock');
    await lock.acquire();
    return lock;
  }

  /** Lists the versions and the functions' layers, deletes what neither the newest N nor a function holds. */
  async deleteOldVersions(): Promise<PruneResult> {
    const { layerName, keepVersions, dryRun, logger } = this.options;
    this.steps.start('deleteOldVersions', dryRun, layerName, keepVersions);
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

import type { Runtime } from '@aws-sdk/client-lambda';
import {
  defineSteps,
  diffManifestPackages,
  ErrorCodes,
  formatPackageChanges,
  interruptedError,
  isAbortError,
  type LayerDeployment,
  LayerError,
  localLayout,
  type Logger,
  type ManifestFingerprint,
  type PackageChange,
  type PublishPlan,
  readManifest,
  readManifestPackages,
  type RetentionResult,
  StepLog,
  toLayerErrorFromAws,
} from '@lambda-layer/core';
import { awsCall } from './aws-call.js';
import {
  findLatestLayerVersionQuickly,
  getLayerVersionCodeSha256,
  highestVersion,
  type LatestLayerVersion,
  listLayerVersions,
} from './latest-version.js';
import { checkLayerArnAccount, checkLayerArnTarget } from './layer-arn.js';
import { applyRetention } from './layer-retention.js';
import { shareLayerVersion } from './layer-sharing.js';
import { bucketExists, computeLayerZipSha256, headLayerZip, type LayerZipInfo } from './layer-zip.js';
import type { ValidatedPublishOptions } from './options.js';
import { describeHolder, PublishLock } from './publish-lock.js';
import { findVersionPublishedSince, publishLayerVersionOnce } from './publish-once.js';
import { compareStoredManifest, putManifest, readStoredManifest, type StoredManifestState } from './stored-manifest.js';

/** How long the state check after Ctrl-C may take: the step must stop within about 2 s. */
const INTERRUPT_CHECK_MS = 1500;

/** The publish's steps, in order: read-only checks, then the writes under the publish lock. */
export const PUBLISH_STEPS = defineSteps({
  preflight: {
    title: 'Preflight check',
    steps: {
      ensureLayerZipExists: 'Ensure layer.zip exists in S3',
      ensureLayerZipConsistent: 'Validate layer.zip consistency with manifest',
      ensureDependenciesChanged: 'Check whether the dependencies changed since the latest layer version',
    },
  },
  publish: {
    title: 'Publish',
    steps: {
      runPublishLayerVersionApi: 'Publish a new layer version',
      uploadDependencyManifest: 'Upload the dependency manifest for this layer version',
      reconcileSharing: (published: boolean, version: number) =>
        published ? `Share layer version ${version}` : `Reconcile who may use layer version ${version}`,
      deleteOldVersions: (keepVersions: number) => `Delete the layer versions older than the newest ${keepVersions} that no function uses`,
    },
  },
});

/** The package-level diff with a version's stored manifest, and why a version is published. */
export interface ManifestDiff {
  /** undefined: it cannot be told (no stored manifest, or it could not be read). */
  changes: PackageChange[] | undefined;
  reason: string;
  /** The version the diff was made against (undefined: none yet; null: no diff made). */
  against: number | undefined | null;
}

const NO_DIFF: ManifestDiff = { changes: undefined, reason: '', against: null };

/** What the preflight hands the publish: the local manifest, the zip in S3, the latest version and the diff. */
export interface PublishPreflight {
  manifest: ManifestFingerprint;
  /** undefined only in a workflow's dry run, which uploads nothing and so checks no zip. */
  layerZip: LayerZipInfo | undefined;
  latest: LatestLayerVersion | undefined;
  latestManifestState: StoredManifestState | undefined;
  diff: ManifestDiff;
  /** The result when there is nothing to publish. */
  unchanged?: LayerDeployment;
}

/**
 * How far one run got, for the one line after Ctrl-C. run() owns it and the
 * writing steps fill it in: it is the run's record, not the command's state.
 */
export interface PublishJournal {
  /** The versions that existed when the lock was taken: a version not among them was made by this run. */
  versionsBefore: Set<number>;
  layerZip?: LayerZipInfo | undefined;
  publishAttempted: boolean;
  publishedVersion?: number;
  manifestStored: boolean;
  /** What runs after the version was published (sharing, retention). */
  finishing?: string | undefined;
}

function newJournal(): PublishJournal {
  return { versionsBefore: new Set(), publishAttempted: false, manifestStored: false };
}

/**
 * Step 4 as the original design lays it out: a read-only preflight (zip
 * exists, zip matches the local manifest, the manifest changed since the
 * latest version), then publish (PublishLayerVersion, store the manifest
 * under the new version's folder, share, delete old versions). The steps are
 * PUBLISH_STEPS (core's step.ts says how every step is shaped).
 *
 * Beyond the original: the publish half runs under an S3 lock (leased and
 * renewed, see PublishLock) and re-checks the latest version there with every
 * ListLayerVersions page, so two runs started together publish once; a
 * version published by a run that died before storing its manifest is
 * recognised by its CodeSha256 and completed, not duplicated; a lost
 * PublishLayerVersion answer is resolved by adopting the version it made
 * (publishLayerVersionOnce); and Ctrl-C stops it with one line saying whether
 * a version was published.
 */
export class PublishLayerVersionCommand {
  private readonly logger: Logger;
  private readonly steps: StepLog<typeof PUBLISH_STEPS.spec>;

  constructor(readonly options: ValidatedPublishOptions) {
    this.logger = options.logger;
    this.steps = new StepLog(PUBLISH_STEPS, options.logger);
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  async run(): Promise<LayerDeployment> {
    const journal = newJournal();
    try {
      const manifest = await this.checkInputs();
      // Before anything else remote: the user asked for a stuck lock to go, whether or not there is something to publish.
      if (this.options.forceUnlock) await this.forceUnlock();
      const checked = await this.preflightCheck(manifest);
      journal.layerZip = checked.layerZip;
      if (checked.unchanged) return await this.reconcileSharing(checked.unchanged);
      return await this.publish(checked, journal);
    } catch (error) {
      if (this.signal?.aborted) throw await this.interruptedError(journal);
      throw error;
    }
  }

  /**
   * A dry run: everything a publish reads, nothing it writes. Says whether a
   * version would be published and why, the package diff, the grants that
   * would be added or removed and the versions retention would delete. No
   * lock is taken (taking it is a write).
   */
  async plan(): Promise<PublishPlan> {
    try {
      const manifest = await this.checkInputs();
      if (this.options.forceUnlock) this.logger.warn('--dry-run: the publish lock is left as it is (--force-unlock is not applied)');
      const checked = await this.preflightCheck(manifest, this.options.checkLayerZip);
      if (checked.unchanged) return await this.planUnchanged(checked.unchanged);
      const { latest, layerZip, diff } = checked;
      if (
        latest &&
        checked.latestManifestState === 'missing' &&
        layerZip &&
        !this.options.force &&
        (await this.isLatestVersionHoldingLayerZip(latest, layerZip))
      ) {
        this.logger.detail(
          `version ${latest.version} already holds this layer.zip (same CodeSha256): a publish would store its ${manifest.fileName} and publish nothing`,
        );
        return await this.planUnchanged(this.deployment('unchanged', latest, manifest, diff));
      }
      const version = (latest?.version ?? 0) + 1;
      const { layerName } = this.options;
      this.logger.info(`would publish version ${version} of ${layerName}: ${describeChanges(diff)}`);
      const plan: PublishPlan = {
        status: 'would-publish',
        dryRun: true,
        layerName,
        layerVersion: version,
        ...(latest ? { latestVersion: latest.version } : {}),
        s3pathManifest: this.options.layout.manifestForVersion(version).uri,
        ...(diff.changes ? { changes: diff.changes } : {}),
        reason: diff.reason,
      };
      if (this.options.sharing) {
        this.steps.start('reconcileSharing', true, version);
        const { lambdaClient, sharing } = this.options;
        plan.sharing = await shareLayerVersion({
          lambda: lambdaClient,
          layerName,
          version,
          sharing,
          dryRun: true,
          statementIds: [],
          logger: this.logger,
          signal: this.signal,
        });
      }
      if (this.options.keepVersions !== undefined) plan.retention = await this.deleteOldVersions(version);
      return plan;
    } catch (error) {
      if (this.signal?.aborted) throw interruptedError(this.signal, 'nothing was written (a dry run)', 'run `layer publish --dry-run` again');
      throw error;
    }
  }

  private async planUnchanged(unchanged: LayerDeployment): Promise<PublishPlan> {
    const deployment = await this.reconcileSharing(unchanged, true);
    return {
      status: 'unchanged',
      dryRun: true,
      layerName: deployment.layerName,
      layerVersion: deployment.layerVersion,
      layerVersionArn: deployment.layerVersionArn,
      latestVersion: deployment.layerVersion,
      s3pathManifest: deployment.s3pathManifest,
      changes: [],
      reason: deployment.reason ?? 'unchanged',
      ...(deployment.sharing ? { sharing: deployment.sharing } : {}),
    };
  }

  // ---------------------------------------------------------------- step 1: preflight

  /** The local manifest and a layer ARN's region/account, checked first: a mistake there costs no AWS call. */
  async checkInputs(): Promise<ManifestFingerprint> {
    const manifest = await this.readLocalManifest();
    await checkLayerArnTarget(this.options.layerName, this.options.lambdaClient);
    return manifest;
  }

  readLocalManifest(): Promise<ManifestFingerprint> {
    return readManifest(localLayout(this.options.projectDir).manifest(this.options.tool), this.options.tool);
  }

  /**
   * Step 1, read-only. `unchanged` is the result when there is nothing to
   * publish. The zip is not looked for in a workflow's dry run (nothing was uploaded).
   */
  async preflightCheck(manifest: ManifestFingerprint, checkLayerZip = true): Promise<PublishPreflight> {
    let layerZip: LayerZipInfo | undefined;
    if (checkLayerZip) {
      layerZip = await this.ensureLayerZipExists();
      this.ensureLayerZipConsistent(layerZip, manifest);
    } else {
      this.steps.start('ensureLayerZipExists');
      this.logger.detail('skipped: the workflow would upload layer.zip first');
    }
    return { layerZip, ...(await this.ensureDependenciesChanged(manifest)) };
  }

  /** The zip in S3 and its fingerprints (one HeadObject); undefined when there is none. */
  findLayerZip(): Promise<LayerZipInfo | undefined> {
    const { layerZip } = this.options.layout;
    return awsCall(`read ${layerZip.uri}`, () => headLayerZip(this.options.s3Client, layerZip, this.signal), { service: 'S3' });
  }

  async isLayerZipExists(): Promise<boolean> {
    return (await this.findLayerZip()) !== undefined;
  }

  /** Returns the zip's fingerprints; refuses a missing zip, saying whether its bucket is missing too. */
  async ensureLayerZipExists(): Promise<LayerZipInfo> {
    this.steps.start('ensureLayerZipExists');
    const { layerZip } = this.options.layout;
    const found = await this.findLayerZip();
    if (found) {
      this.logger.detail(`found ${layerZip.uri}`);
      return found;
    }
    const bucketThere = await awsCall(
      `check the bucket ${layerZip.bucket}`,
      () => bucketExists(this.options.s3Client, this.options.layout.layerDir, this.signal),
      {
        service: 'S3',
      },
    );
    if (!bucketThere) {
      throw new LayerError(ErrorCodes.AWS_BUCKET_NOT_FOUND, `the S3 bucket ${layerZip.bucket} does not exist`, {
        hint: 'create the bucket or fix --s3dir',
        details: { bucket: layerZip.bucket },
      });
    }
    throw new LayerError(ErrorCodes.LAYER_ZIP_NOT_FOUND, `layer.zip not found at ${layerZip.uri}`, {
      hint: 'run `layer upload` (or `layer workflow`) first, with the same --s3dir',
      details: { s3uri: layerZip.uri },
    });
  }

  ensureLayerZipConsistent(layerZip: LayerZipInfo | undefined, manifest: ManifestFingerprint): void {
    this.steps.start('ensureLayerZipConsistent');
    if (this.isLayerZipConsistent(layerZip, manifest)) {
      this.logger.detail(`layer.zip was built from this ${manifest.fileName} (md5 ${manifest.md5})`);
      return;
    }
    const zipMd5 = layerZip?.manifestMd5;
    const { layerZip: path } = this.options.layout;
    throw new LayerError(
      ErrorCodes.LAYER_ZIP_INCONSISTENT,
      zipMd5
        ? `${path.uri} was built from another ${manifest.fileName}: its manifest-md5 is ${zipMd5}, the local ${manifest.fileName} has md5 ${manifest.md5}`
        : `${path.uri} has no manifest-md5 metadata, so it cannot be matched with the local ${manifest.fileName} (md5 ${manifest.md5})`,
      {
        hint: 'run `layer build`, `layer package` and `layer upload` again (or `layer workflow`) so the zip matches the manifest',
        details: { s3uri: path.uri, zipManifestMd5: zipMd5 ?? null, localManifestMd5: manifest.md5 },
      },
    );
  }

  isLayerZipConsistent(layerZip: LayerZipInfo | undefined, manifest: ManifestFingerprint): boolean {
    return layerZip?.manifestMd5 === manifest.md5;
  }

  /**
   * The latest version and how its stored manifest compares with the local one.
   * Cheap on purpose: with the zip's HeadObject, an unchanged publish costs ListLayers + HeadObject.
   */
  async findLatestVersion(
    manifest: ManifestFingerprint,
  ): Promise<{ latest: LatestLayerVersion | undefined; latestManifestState: StoredManifestState | undefined }> {
    const { lambdaClient, layerName } = this.options;
    const latest = await awsCall(
      `find the latest version of layer ${layerName}`,
      () =>
        findLatestLayerVersionQuickly(lambdaClient, layerName, {
          signal: this.signal,
          // A layer ARN of another account than the one ListLayers shows is refused before anything is written.
          onAccount: (account) => checkLayerArnAccount(layerName, account),
        }),
      { service: 'Lambda' },
    );
    return { latest, latestManifestState: latest ? await this.storedManifestState(latest.version, manifest) : undefined };
  }

  /** True unless the latest version's stored manifest equals the local one. */
  async hasDependencyManifestChanged(manifest: ManifestFingerprint): Promise<boolean> {
    return (await this.findLatestVersion(manifest)).latestManifestState !== 'equal';
  }

  /** Returns the latest version, the diff, and `unchanged` when there is nothing to publish (and no --force). */
  async ensureDependenciesChanged(manifest: ManifestFingerprint): Promise<Omit<PublishPreflight, 'layerZip'>> {
    this.steps.start('ensureDependenciesChanged');
    const { latest, latestManifestState } = await this.findLatestVersion(manifest);
    const found = { manifest, latest, latestManifestState };
    if (!latest || latestManifestState !== 'equal') {
      const diff = await this.computeChanges(latest, latestManifestState, manifest);
      this.logger.detail(`changed: ${describeChanges(diff)}`);
      return { ...found, diff };
    }
    if (this.options.force) {
      const diff = await this.computeChanges(latest, 'equal', manifest);
      this.logger.detail(`--force: layer version ${latest.version} already holds this ${manifest.fileName}; publishing a new version anyway`);
      return { ...found, diff };
    }
    this.logger.detail(`unchanged: layer version ${latest.version} already holds this ${manifest.fileName}; nothing to publish`);
    return { ...found, diff: NO_DIFF, unchanged: this.deployment('unchanged', latest, manifest, NO_DIFF) };
  }

  /**
   * The package-level diff between the manifest stored for `latest` and the
   * local one, and the reason for a new version. Informational: a stored
   * manifest that cannot be read or parsed leaves the diff unknown (a
   * warning), never stops a publish.
   */
  async computeChanges(
    latest: LatestLayerVersion | undefined,
    state: StoredManifestState | undefined,
    manifest: ManifestFingerprint,
  ): Promise<ManifestDiff> {
    const { layerName, tool } = this.options;
    const against = latest?.version;
    if (latest && state === 'missing') return { changes: undefined, reason: `version ${latest.version} has no stored ${manifest.fileName}`, against };
    const reason = !latest
      ? `first version of ${layerName}`
      : state === 'equal'
        ? `--force; ${manifest.fileName} unchanged`
        : `${manifest.fileName} changed`;
    try {
      let before = '';
      if (latest) {
        const path = this.options.layout.manifestForVersion(latest.version);
        before = (await awsCall(`read ${path.uri}`, () => readStoredManifest(this.options.s3Client, path, this.signal), { service: 'S3' })) ?? '';
      }
      const [old, now] = await Promise.all([readManifestPackages(tool, before), readManifestPackages(tool, manifest.content.toString('utf8'))]);
      return { changes: diffManifestPackages(old, now), reason, against };
    } catch (error) {
      if (this.signal?.aborted || isAbortError(error)) throw error;
      this.logger.warn(
        `the package diff against version ${latest?.version} is unknown: ${error instanceof LayerError ? error.message : String(error)}`,
      );
      return { changes: undefined, reason, against };
    }
  }

  // ---------------------------------------------------------------- step 2: publish

  /** Step 2, under the publish lock. */
  async publish(checked: PublishPreflight, journal: PublishJournal = newJournal()): Promise<LayerDeployment> {
    this.steps.phase('publish');
    const { manifest } = checked;
    const lock = this.publishLock();
    this.logger.detail(`taking the publish lock ${lock.path.uri}`);
    await lock.acquire();
    try {
      const rechecked = await this.recheckUnderLock(checked, journal);
      if (rechecked.settled) return await this.reconcileSharing(rechecked.settled);
      const published = await this.runPublishLayerVersionApi(checked.layerZip, journal, lock);
      await this.uploadDependencyManifest(published.version, manifest, journal);
      this.logger.info(`published version ${published.version} of ${this.options.layerName}: ${describeChanges(rechecked.diff)}`);
      return await this.finishPublished(this.deployment('published', published, manifest, rechecked.diff), journal);
    } finally {
      // After Ctrl-C the DELETE gets a short deadline of its own; a lock left behind expires or is taken over.
      await lock.release(this.signal?.aborted ? AbortSignal.timeout(INTERRUPT_CHECK_MS) : undefined);
    }
  }

  private publishLock(): PublishLock {
    return new PublishLock(this.options.s3Client, this.options.layout.publishLock, {
      ...this.options.lock,
      logger: this.logger,
      signal: this.signal,
    });
  }

  /** `--force-unlock`: removes the publish lock whoever holds it, saying who held it. */
  async forceUnlock(): Promise<void> {
    const lock = this.publishLock();
    const removed = await lock.forceUnlock();
    if (!removed) {
      this.logger.info(`--force-unlock: there was no publish lock at ${lock.path.uri}`);
      return;
    }
    this.logger.warn(`--force-unlock: removed the publish lock ${lock.path.uri} (${describeHolder(removed.body)})`);
  }

  /**
   * Another run may have published while we waited for the lock, or a run may
   * have died between storing the version and its manifest: re-read every
   * version (every ListLayerVersions page) and settle both cases without a new
   * version (`settled`). With --force, neither settles: a new version is
   * published whatever the latest holds. Returns the diff to report, made
   * again when the latest version moved; records the versions there were.
   */
  async recheckUnderLock(checked: PublishPreflight, journal: PublishJournal): Promise<{ settled?: LayerDeployment; diff: ManifestDiff }> {
    const { lambdaClient, layerName } = this.options;
    const { manifest } = checked;
    const versions = await awsCall(`list the versions of layer ${layerName}`, () => listLayerVersions(lambdaClient, layerName, this.signal), {
      service: 'Lambda',
    });
    journal.versionsBefore = new Set(versions.map((v) => v.version));
    const latest = highestVersion(versions);
    // The diff was made against the quick answer; another run may have published since.
    const moved = checked.diff.against !== latest?.version;
    const state = latest && (moved || !this.options.force) ? await this.storedManifestState(latest.version, manifest) : undefined;
    const diff = moved ? await this.computeChanges(latest, state, manifest) : checked.diff;
    if (!latest || this.options.force) return { diff };
    if (state === 'equal') {
      this.logger.detail(`unchanged: version ${latest.version} (published meanwhile by another run) already holds this ${manifest.fileName}`);
      return { settled: this.deployment('unchanged', latest, manifest, diff), diff };
    }
    if (state === 'missing' && (await this.isLatestVersionHoldingLayerZip(latest, checked.layerZip))) {
      this.logger.detail(`version ${latest.version} already holds this layer.zip (same CodeSha256) but its manifest was never stored: storing it`);
      await this.uploadDependencyManifest(latest.version, manifest, journal);
      return { settled: this.deployment('unchanged', latest, manifest, diff), diff };
    }
    return { diff };
  }

  /** Whether a version's CodeSha256 is the uploaded zip's SHA-256 (an interrupted publish of this very zip). */
  async isLatestVersionHoldingLayerZip(latest: LatestLayerVersion, layerZip: LayerZipInfo | undefined): Promise<boolean> {
    const { lambdaClient, layerName } = this.options;
    const codeSha256 = await awsCall(
      `read layer version ${layerName}:${latest.version}`,
      () => getLayerVersionCodeSha256(lambdaClient, layerName, latest.version, this.signal),
      { service: 'Lambda' },
    );
    if (!codeSha256) return false;
    return codeSha256 === (await this.layerZipSha256(layerZip));
  }

  /** The zip's base64 SHA-256: from its metadata, else streamed from S3 (an upload by an older tool). */
  private async layerZipSha256(layerZip: LayerZipInfo | undefined, signal = this.signal): Promise<string> {
    return layerZip?.zipSha256 ?? (await computeLayerZipSha256(this.options.s3Client, this.options.layout.layerZip, signal));
  }

  /** Exactly once, also when the answer is lost (see publishLayerVersionOnce). */
  async runPublishLayerVersionApi(
    layerZip: LayerZipInfo | undefined,
    journal: PublishJournal = newJournal(),
    lock?: PublishLock,
  ): Promise<LatestLayerVersion> {
    const { lambdaClient, layerName, layout, description, compatibleRuntimes, compatibleArchitectures, licenseInfo } = this.options;
    this.steps.start('runPublishLayerVersionApi');
    const zipSha256 = await this.layerZipSha256(layerZip);
    journal.publishAttempted = true;
    const published = await awsCall(
      `publish a version of layer ${layerName}`,
      () =>
        publishLayerVersionOnce({
          lambda: lambdaClient,
          input: {
            LayerName: layerName,
            Content: { S3Bucket: layout.layerZip.bucket, S3Key: layout.layerZip.key },
            ...(description !== undefined ? { Description: description } : {}),
            ...(compatibleRuntimes ? { CompatibleRuntimes: compatibleRuntimes as Runtime[] } : {}),
            ...(compatibleArchitectures ? { CompatibleArchitectures: compatibleArchitectures } : {}),
            ...(licenseInfo !== undefined ? { LicenseInfo: licenseInfo } : {}),
          },
          before: journal.versionsBefore,
          zipSha256,
          logger: this.logger,
          signal: this.signal,
          ...(lock ? { beforeAttempt: () => lock.assertHeld() } : {}),
        }),
      { service: 'Lambda' },
    );
    journal.publishedVersion = published.version;
    this.logger.detail(`${published.adopted ? 'adopted' : 'published'} ${published.layerVersionArn}`);
    return { version: published.version, layerVersionArn: published.layerVersionArn };
  }

  async uploadDependencyManifest(version: number, manifest: ManifestFingerprint, journal: PublishJournal = newJournal()): Promise<void> {
    const path = this.options.layout.manifestForVersion(version);
    this.steps.start('uploadDependencyManifest');
    try {
      const { etag } = await putManifest(this.options.s3Client, path, manifest, this.signal);
      if (etag && etag !== manifest.md5) this.logger.debug(`ETag of ${path.uri} is ${etag}, not the MD5 (bucket encryption?)`);
    } catch (error) {
      if (isAbortError(error)) throw error;
      const mapped = toLayerErrorFromAws(error, `store ${path.uri}`, { service: 'S3' });
      throw new LayerError(mapped.code, `${mapped.message}; layer version ${version} is published but its ${manifest.fileName} is not stored`, {
        hint: `run \`layer publish\` again: it recognises version ${version} by its CodeSha256 and stores the manifest without a new version`,
        cause: error,
        details: { ...mapped.details, layerVersion: version, s3uri: path.uri },
      });
    }
    journal.manifestStored = true;
    this.logger.detail(`stored ${path.uri}`);
  }

  // ---------------------------------------------------------------- after publishing

  /** Grants and retention after a new version; a failure there still reports the version it published. */
  private async finishPublished(deployment: LayerDeployment, journal: PublishJournal): Promise<LayerDeployment> {
    let result = deployment;
    try {
      if (this.options.sharing) {
        journal.finishing = 'sharing it';
        result = await this.reconcileSharing(result);
      }
      if (this.options.keepVersions !== undefined) {
        journal.finishing = 'deleting old versions';
        result = { ...result, retention: await this.deleteOldVersions() };
      }
    } catch (error) {
      if (this.signal?.aborted || isAbortError(error)) throw error;
      throw this.failedAfterPublishing(error, result, journal.finishing);
    }
    journal.finishing = undefined;
    return result;
  }

  private failedAfterPublishing(error: unknown, result: LayerDeployment, finishing: string | undefined): LayerError {
    const mapped = error instanceof LayerError ? error : toLayerErrorFromAws(error, finishing ?? 'finish', { service: 'Lambda' });
    const { layerVersion, layerName } = result;
    const sharing = finishing === 'sharing it';
    return new LayerError(
      mapped.code,
      `${mapped.message}; layer version ${layerVersion} of ${layerName} is published, but ${sharing ? 'its grants are not all made' : 'old versions were not all deleted'}`,
      {
        hint: sharing
          ? `${mapped.hint ? `${mapped.hint}, then ` : ''}run \`layer publish\` again: it finds version ${layerVersion} unchanged and makes its grants`
          : `${mapped.hint ? `${mapped.hint}, then ` : ''}run \`layer prune --keep-versions ${this.options.keepVersions}\``,
        cause: error,
        details: { ...mapped.details, layerVersion },
        result,
      },
    );
  }

  /**
   * The version's grants made exactly the configured ones (a new version, or
   * the latest when nothing changed). Nothing when sharing is not
   * configured: other people's and earlier runs' grants then stay as they are.
   */
  async reconcileSharing(deployment: LayerDeployment, dryRun = false): Promise<LayerDeployment> {
    const { sharing, lambdaClient, layerName } = this.options;
    if (!sharing) return deployment;
    const version = deployment.layerVersion;
    this.steps.start('reconcileSharing', deployment.status === 'published', version);
    const result = await shareLayerVersion({ lambda: lambdaClient, layerName, version, sharing, dryRun, logger: this.logger, signal: this.signal });
    return { ...deployment, sharing: result };
  }

  /** Retention; `upcoming` is the version a dry run would publish. */
  async deleteOldVersions(upcoming?: number): Promise<RetentionResult> {
    const { keepVersions = 1, lambdaClient, s3Client, layerName, layout, deleteManifests } = this.options;
    this.steps.start('deleteOldVersions', keepVersions);
    return applyRetention({
      lambda: lambdaClient,
      s3: s3Client,
      layerName,
      layout,
      keepVersions,
      deleteManifests,
      dryRun: upcoming !== undefined,
      upcoming,
      logger: this.logger,
      signal: this.signal,
    });
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The one line after Ctrl-C / SIGTERM: whether a version was published.
   * When PublishLayerVersion was in flight, Lambda may have acted on it: the
   * versions are listed (within a short deadline) to say which.
   */
  private async interruptedError(journal: PublishJournal): Promise<LayerError> {
    const interrupted = (state: string, hint: string, version?: number) =>
      interruptedError(this.signal, state, hint, version ? { layerVersion: version } : {});
    const adoptHint = (version: number) => `run \`layer publish\` again (it adopts version ${version} and stores the manifest)`;
    let version = journal.publishedVersion;
    if (version === undefined && journal.publishAttempted) {
      try {
        version = (
          await findVersionPublishedSince(
            this.options.lambdaClient,
            this.options.layerName,
            journal.versionsBefore,
            await this.layerZipSha256(journal.layerZip),
            AbortSignal.timeout(INTERRUPT_CHECK_MS),
          )
        )?.version;
      } catch {
        return interrupted(
          'Lambda did not say in time whether PublishLayerVersion created a new layer version',
          'run `layer publish` again: it adopts a version this run published, or publishes one',
        );
      }
    }
    if (version !== undefined && journal.manifestStored) {
      return interrupted(
        `version ${version} was published and its manifest stored; ${journal.finishing ?? 'what follows'} did not finish`,
        journal.finishing === 'deleting old versions'
          ? `run \`layer prune --keep-versions ${this.options.keepVersions}\``
          : 'run `layer publish` again (it finds the version unchanged and finishes)',
        version,
      );
    }
    if (version !== undefined) return interrupted(`version ${version} was published; its manifest is not stored`, adoptHint(version), version);
    return interrupted('no version was published (stopped before PublishLayerVersion)', 'run `layer publish` again');
  }

  private storedManifestState(version: number, manifest: ManifestFingerprint): Promise<StoredManifestState> {
    const path = this.options.layout.manifestForVersion(version);
    return awsCall(`read ${path.uri}`, () => compareStoredManifest(this.options.s3Client, path, manifest, this.signal), { service: 'S3' });
  }

  private deployment(
    status: LayerDeployment['status'],
    version: LatestLayerVersion,
    manifest: ManifestFingerprint,
    diff: ManifestDiff,
  ): LayerDeployment {
    const unchanged = status === 'unchanged';
    return {
      status,
      layerName: this.options.layerName,
      layerVersion: version.version,
      layerVersionArn: version.layerVersionArn,
      s3pathManifest: this.options.layout.manifestForVersion(version.version).uri,
      ...(unchanged ? { changes: [] } : diff.changes ? { changes: diff.changes } : {}),
      reason: unchanged ? `${manifest.fileName} unchanged since version ${version.version}` : diff.reason,
    };
  }
}

/** "six 1.16.0 → 1.17.0, + idna 3.10 (uv.lock changed)". */
export function describeChanges(diff: ManifestDiff): string {
  return `${diff.changes ? formatPackageChanges(diff.changes) : 'package changes unknown'} (${diff.reason})`;
}

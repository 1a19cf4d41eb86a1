import type { Runtime } from '@aws-sdk/client-lambda';
import {
  diffManifestPackages,
  ErrorCodes,
  formatPackageChanges,
  interruptedError,
  isAbortError,
  type LayerDeployment,
  LayerError,
  type Logger,
  localLayout,
  type ManifestFingerprint,
  type PackageChange,
  type PublishPlan,
  readManifest,
  readManifestPackages,
  type RetentionResult,
  toLayerErrorFromAws,
} from '@lambda-layer/core';
import { awsCall } from './aws-call.js';
import { checkLayerArnAccount, checkLayerArnTarget } from './layer-arn.js';
import {
  findLatestLayerVersionQuickly,
  getLayerVersionCodeSha256,
  highestVersion,
  type LatestLayerVersion,
  listLayerVersions,
} from './latest-version.js';
import { applyRetention } from './layer-retention.js';
import { shareLayerVersion } from './layer-sharing.js';
import { bucketExists, computeLayerZipSha256, headLayerZip, type LayerZipInfo } from './layer-zip.js';
import type { ValidatedPublishOptions } from './options.js';
import { findVersionPublishedSince, publishLayerVersionOnce } from './publish-once.js';
import { describeHolder, PublishLock } from './publish-lock.js';
import { compareStoredManifest, putManifest, readStoredManifest, type StoredManifestState } from './stored-manifest.js';

/** How long the state check after Ctrl-C may take: the step must stop within about 2 s. */
const INTERRUPT_CHECK_MS = 1500;

/**
 * Step 4 as the original design lays it out: a read-only preflight
 * (1.1 zip exists, 1.2 zip matches the local manifest, 1.3 the manifest
 * changed since the latest version), then publish (2.1 PublishLayerVersion,
 * 2.2 store the manifest under the new version's folder).
 *
 * Beyond the original: the publish half runs under an S3 lock (leased and
 * renewed, see PublishLock) and re-checks the latest version there with every
 * ListLayerVersions page, so two runs started together publish once; a
 * version published by a run that died before 2.2 is recognised by its
 * CodeSha256 and completed, not duplicated; a lost PublishLayerVersion answer
 * is resolved by adopting the version it made (publishLayerVersionOnce); and
 * Ctrl-C stops it with one line saying whether a version was published.
 */
export class PublishLayerVersionCommand {
  readonly options: ValidatedPublishOptions;
  private readonly logger: Logger;
  private manifest: ManifestFingerprint | undefined;
  private layerZip: LayerZipInfo | undefined;
  /** The latest version seen by step 1.3 (undefined: none yet). */
  private latest: LatestLayerVersion | undefined;
  private latestManifestState: StoredManifestState | undefined;
  /** The versions that existed when the lock was taken: a version not among them was made by this run. */
  private versionsBefore = new Set<number>();
  private inputsChecked = false;
  /** Whether PublishLayerVersion went out, and the version it made (once known), for the interruption message. */
  private publishAttempted = false;
  private publishedVersion: number | undefined;
  private manifestStored = false;
  /** What runs after the version was published (sharing, retention), for the interruption message. */
  private finishing: string | undefined;
  /** The package-level diff with the previous version's manifest (undefined: it cannot be told), and why a version is published. */
  private changes: PackageChange[] | undefined;
  private reason = '';
  /** The version the diff was made against (undefined: none yet; null: no diff made). */
  private diffedAgainst: number | undefined | null = null;

  constructor(options: ValidatedPublishOptions) {
    this.options = options;
    this.logger = options.logger;
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  async run(): Promise<LayerDeployment> {
    try {
      await this.checkInputs();
      // Before anything else remote: the user asked for a stuck lock to go, whether or not there is something to publish.
      if (this.options.forceUnlock) await this.forceUnlock();
      const unchanged = await this.preflightCheck();
      if (unchanged) return await this.reconcileSharing(unchanged);
      return await this.publish();
    } catch (error) {
      if (this.signal?.aborted) throw await this.interruptedError(error);
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
      await this.checkInputs();
      if (this.options.forceUnlock) this.logger.warn('--dry-run: the publish lock is left as it is (--force-unlock is not applied)');
      if (this.options.checkLayerZip) {
        await this.ensureLayerZipExists();
        await this.ensureLayerZipConsistent();
      } else {
        this.logger.step('1.1', 'Ensure layer.zip exists in S3');
        this.logger.detail('skipped: the workflow would upload layer.zip first');
      }
      const unchanged = await this.ensureDependenciesChanged();
      if (unchanged) return await this.planUnchanged(unchanged);
      const latest = this.latest;
      if (latest && this.latestManifestState === 'missing' && this.options.checkLayerZip && !this.options.force && (await this.isLatestVersionHoldingLayerZip(latest))) {
        this.logger.detail(`version ${latest.version} already holds this layer.zip (same CodeSha256): a publish would store its ${this.manifest?.fileName} and publish nothing`);
        return this.planUnchanged(this.deployment('unchanged', latest));
      }
      const version = (latest?.version ?? 0) + 1;
      const { layerName } = this.options;
      this.logger.info(`would publish version ${version} of ${layerName}: ${this.describeChanges()}`);
      const plan: PublishPlan = {
        status: 'would-publish',
        dryRun: true,
        layerName,
        layerVersion: version,
        ...(latest ? { latestVersion: latest.version } : {}),
        s3pathManifest: this.options.layout.manifestForVersion(version).uri,
        ...(this.changes ? { changes: this.changes } : {}),
        reason: this.reason,
      };
      if (this.options.sharing) {
        this.logger.step('2.3', `Share layer version ${version}`);
        const { lambdaClient, sharing } = this.options;
        plan.sharing = await shareLayerVersion({ lambda: lambdaClient, layerName, version, sharing, dryRun: true, statementIds: [], logger: this.logger, signal: this.signal });
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

  // ---------------------------------------------------------------- step 1

  /** Step 1, read-only. Returns the "unchanged" result when there is nothing to publish. */
  async preflightCheck(): Promise<LayerDeployment | undefined> {
    await this.checkInputs();
    await this.ensureLayerZipExists();
    await this.ensureLayerZipConsistent();
    return this.ensureDependenciesChanged();
  }

  /** The local manifest and a layer ARN's region/account, checked first: a mistake there costs no AWS call. */
  async checkInputs(): Promise<void> {
    if (this.inputsChecked) return;
    await this.readLocalManifest();
    await checkLayerArnTarget(this.options.layerName, this.options.lambdaClient);
    this.inputsChecked = true;
  }

  async readLocalManifest(): Promise<ManifestFingerprint> {
    this.manifest ??= await readManifest(localLayout(this.options.projectDir).manifest(this.options.tool), this.options.tool);
    return this.manifest;
  }

  /** Step 1.1 */
  async ensureLayerZipExists(): Promise<void> {
    this.logger.step('1.1', 'Ensure layer.zip exists in S3');
    const { layerZip } = this.options.layout;
    if (await this.isLayerZipExists()) {
      this.logger.detail(`found ${layerZip.uri}`);
      return;
    }
    const bucketThere = await awsCall(`check the bucket ${layerZip.bucket}`, () => bucketExists(this.options.s3Client, this.options.layout.layerDir, this.signal), {
      service: 'S3',
    });
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

  async isLayerZipExists(): Promise<boolean> {
    const { layerZip } = this.options.layout;
    this.layerZip = await awsCall(`read ${layerZip.uri}`, () => headLayerZip(this.options.s3Client, layerZip, this.signal), { service: 'S3' });
    return this.layerZip !== undefined;
  }

  /** Step 1.2 */
  async ensureLayerZipConsistent(): Promise<void> {
    this.logger.step('1.2', 'Validate layer.zip consistency with manifest');
    const manifest = await this.readLocalManifest();
    if (this.isLayerZipConsistent()) {
      this.logger.detail(`layer.zip was built from this ${manifest.fileName} (md5 ${manifest.md5})`);
      return;
    }
    const zipMd5 = this.layerZip?.manifestMd5;
    const { layerZip } = this.options.layout;
    throw new LayerError(
      ErrorCodes.LAYER_ZIP_INCONSISTENT,
      zipMd5
        ? `${layerZip.uri} was built from another ${manifest.fileName}: its manifest-md5 is ${zipMd5}, the local ${manifest.fileName} has md5 ${manifest.md5}`
        : `${layerZip.uri} has no manifest-md5 metadata, so it cannot be matched with the local ${manifest.fileName} (md5 ${manifest.md5})`,
      {
        hint: 'run `layer build`, `layer package` and `layer upload` again (or `layer workflow`) so the zip matches the manifest',
        details: { s3uri: layerZip.uri, zipManifestMd5: zipMd5 ?? null, localManifestMd5: manifest.md5 },
      },
    );
  }

  isLayerZipConsistent(): boolean {
    if (!this.layerZip || !this.manifest) return false;
    return this.layerZip.manifestMd5 === this.manifest.md5;
  }

  /** Step 1.3. Cheap on purpose: an unchanged publish costs HeadObject + ListLayers + HeadObject. */
  async ensureDependenciesChanged(): Promise<LayerDeployment | undefined> {
    this.logger.step('1.3', 'Check whether the dependencies changed since the latest layer version');
    if (await this.hasDependencyManifestChanged()) {
      await this.computeChanges(this.latest, this.latestManifestState);
      this.logger.detail(`changed: ${this.describeChanges()}`);
      return undefined;
    }
    const latest = this.latest as LatestLayerVersion;
    if (this.options.force) {
      await this.computeChanges(latest, 'equal');
      this.logger.detail(`--force: layer version ${latest.version} already holds this ${this.manifest?.fileName}; publishing a new version anyway`);
      return undefined;
    }
    this.logger.detail(`unchanged: layer version ${latest.version} already holds this ${this.manifest?.fileName}; nothing to publish`);
    return this.deployment('unchanged', latest);
  }

  async hasDependencyManifestChanged(): Promise<boolean> {
    const { lambdaClient, layerName } = this.options;
    this.latest = await awsCall(
      `find the latest version of layer ${layerName}`,
      () =>
        findLatestLayerVersionQuickly(lambdaClient, layerName, {
          signal: this.signal,
          // A layer ARN of another account than the one ListLayers shows is refused before anything is written.
          onAccount: (account) => checkLayerArnAccount(layerName, account),
        }),
      { service: 'Lambda' },
    );
    if (!this.latest) return true;
    this.latestManifestState = await this.storedManifestState(this.latest.version);
    return this.latestManifestState !== 'equal';
  }

  /**
   * The package-level diff between the manifest stored for `latest` and the
   * local one, and the reason for a new version. Informational: a stored
   * manifest that cannot be read or parsed leaves the diff unknown (a
   * warning), never stops a publish.
   */
  async computeChanges(latest: LatestLayerVersion | undefined, state: StoredManifestState | undefined): Promise<PackageChange[] | undefined> {
    const manifest = await this.readLocalManifest();
    const { layerName, tool } = this.options;
    this.diffedAgainst = latest?.version;
    this.changes = undefined;
    if (latest && state === 'missing') {
      this.reason = `version ${latest.version} has no stored ${manifest.fileName}`;
      return undefined;
    }
    this.reason = !latest ? `first version of ${layerName}` : state === 'equal' ? `--force; ${manifest.fileName} unchanged` : `${manifest.fileName} changed`;
    try {
      let before = '';
      if (latest) {
        const path = this.options.layout.manifestForVersion(latest.version);
        before = (await awsCall(`read ${path.uri}`, () => readStoredManifest(this.options.s3Client, path, this.signal), { service: 'S3' })) ?? '';
      }
      const [old, now] = await Promise.all([readManifestPackages(tool, before), readManifestPackages(tool, manifest.content.toString('utf8'))]);
      this.changes = diffManifestPackages(old, now);
    } catch (error) {
      if (this.signal?.aborted || isAbortError(error)) throw error;
      this.logger.warn(`the package diff against version ${latest?.version} is unknown: ${error instanceof LayerError ? error.message : String(error)}`);
    }
    return this.changes;
  }

  /** "six 1.16.0 → 1.17.0, + idna 3.10 (uv.lock changed)". */
  describeChanges(): string {
    return `${this.changes ? formatPackageChanges(this.changes) : 'package changes unknown'} (${this.reason})`;
  }

  // ---------------------------------------------------------------- step 2

  /** Step 2, under the publish lock. */
  async publish(): Promise<LayerDeployment> {
    const lock = this.publishLock();
    this.logger.detail(`taking the publish lock ${lock.path.uri}`);
    await lock.acquire();
    try {
      const settled = await this.recheckUnderLock();
      if (settled) return await this.reconcileSharing(settled);
      const published = await this.runPublishLayerVersionApi(lock);
      await this.uploadDependencyManifest(published.version);
      this.logger.info(`published version ${published.version} of ${this.options.layerName}: ${this.describeChanges()}`);
      return await this.finishPublished(this.deployment('published', published));
    } finally {
      // After Ctrl-C the DELETE gets a short deadline of its own; a lock left behind expires or is taken over.
      await lock.release(this.signal?.aborted ? AbortSignal.timeout(INTERRUPT_CHECK_MS) : undefined);
    }
  }

  private publishLock(): PublishLock {
    return new PublishLock(this.options.s3Client, this.options.layout.publishLock, { ...this.options.lock, logger: this.logger, signal: this.signal });
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
   * have died between 2.1 and 2.2: re-read every version (every
   * ListLayerVersions page) and settle both cases without a new version. With
   * --force, neither settles: a new version is published whatever the latest holds.
   */
  async recheckUnderLock(): Promise<LayerDeployment | undefined> {
    const { lambdaClient, layerName } = this.options;
    const versions = await awsCall(`list the versions of layer ${layerName}`, () => listLayerVersions(lambdaClient, layerName, this.signal), {
      service: 'Lambda',
    });
    this.versionsBefore = new Set(versions.map((v) => v.version));
    const latest = highestVersion(versions);
    // The diff was made against the quick answer; another run may have published since.
    const moved = this.diffedAgainst !== latest?.version;
    const state = latest && (moved || !this.options.force) ? await this.storedManifestState(latest.version) : undefined;
    if (moved) await this.computeChanges(latest, state);
    if (!latest || this.options.force) return undefined;
    if (state === 'equal') {
      this.logger.detail(`unchanged: version ${latest.version} (published meanwhile by another run) already holds this ${this.manifest?.fileName}`);
      return this.deployment('unchanged', latest);
    }
    if (state === 'missing' && (await this.isLatestVersionHoldingLayerZip(latest))) {
      this.logger.detail(`version ${latest.version} already holds this layer.zip (same CodeSha256) but its manifest was never stored: storing it`);
      await this.uploadDependencyManifest(latest.version);
      return this.deployment('unchanged', latest);
    }
    return undefined;
  }

  /** Whether a version's CodeSha256 is the uploaded zip's SHA-256 (an interrupted publish of this very zip). */
  async isLatestVersionHoldingLayerZip(latest: LatestLayerVersion): Promise<boolean> {
    const { lambdaClient, layerName } = this.options;
    const codeSha256 = await awsCall(
      `read layer version ${layerName}:${latest.version}`,
      () => getLayerVersionCodeSha256(lambdaClient, layerName, latest.version, this.signal),
      { service: 'Lambda' },
    );
    if (!codeSha256) return false;
    return codeSha256 === (await this.layerZipSha256());
  }

  /** The zip's base64 SHA-256: from its metadata, else streamed from S3 (an upload by an older tool). */
  private async layerZipSha256(): Promise<string> {
    return this.layerZip?.zipSha256 ?? (await computeLayerZipSha256(this.options.s3Client, this.options.layout.layerZip, this.signal));
  }

  /** Step 2.1: exactly once, also when the answer is lost (see publishLayerVersionOnce). */
  async runPublishLayerVersionApi(lock?: PublishLock): Promise<LatestLayerVersion> {
    const { lambdaClient, layerName, layout, description, compatibleRuntimes, compatibleArchitectures, licenseInfo } = this.options;
    this.logger.step('2.1', 'Publish a new layer version');
    const zipSha256 = await this.layerZipSha256();
    this.publishAttempted = true;
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
          before: this.versionsBefore,
          zipSha256,
          logger: this.logger,
          signal: this.signal,
          ...(lock ? { beforeAttempt: () => lock.assertHeld() } : {}),
        }),
      { service: 'Lambda' },
    );
    this.publishedVersion = published.version;
    this.logger.detail(`${published.adopted ? 'adopted' : 'published'} ${published.layerVersionArn}`);
    return { version: published.version, layerVersionArn: published.layerVersionArn };
  }

  /** Step 2.2 */
  async uploadDependencyManifest(version: number): Promise<void> {
    const path = this.options.layout.manifestForVersion(version);
    const manifest = await this.readLocalManifest();
    this.logger.step('2.2', 'Upload the dependency manifest for this layer version');
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
    this.manifestStored = true;
    this.logger.detail(`stored ${path.uri}`);
  }

  // ---------------------------------------------------------------- after publishing

  /** Grants and retention after a new version; a failure there still reports the version it published. */
  private async finishPublished(deployment: LayerDeployment): Promise<LayerDeployment> {
    let result = deployment;
    try {
      if (this.options.sharing) {
        this.finishing = 'sharing it';
        result = await this.reconcileSharing(result);
      }
      if (this.options.keepVersions !== undefined) {
        this.finishing = 'deleting old versions';
        result = { ...result, retention: await this.deleteOldVersions() };
      }
    } catch (error) {
      if (this.signal?.aborted || isAbortError(error)) throw error;
      throw this.failedAfterPublishing(error, result);
    }
    this.finishing = undefined;
    return result;
  }

  private failedAfterPublishing(error: unknown, result: LayerDeployment): LayerError {
    const mapped = error instanceof LayerError ? error : toLayerErrorFromAws(error, this.finishing ?? 'finish', { service: 'Lambda' });
    const { layerVersion, layerName } = result;
    const sharing = this.finishing === 'sharing it';
    return new LayerError(mapped.code, `${mapped.message}; layer version ${layerVersion} of ${layerName} is published, but ${sharing ? 'its grants are not all made' : 'old versions were not all deleted'}`, {
      hint: sharing
        ? `${mapped.hint ? `${mapped.hint}, then ` : ''}run \`layer publish\` again: it finds version ${layerVersion} unchanged and makes its grants`
        : `${mapped.hint ? `${mapped.hint}, then ` : ''}run \`layer prune --keep-versions ${this.options.keepVersions}\``,
      cause: error,
      details: { ...mapped.details, layerVersion },
      result,
    });
  }

  /**
   * Step 2.3: the version's grants made exactly the configured ones (a new
   * version, or the latest when nothing changed). Nothing when sharing is not
   * configured: other people's and earlier runs' grants then stay as they are.
   */
  async reconcileSharing(deployment: LayerDeployment, dryRun = false): Promise<LayerDeployment> {
    const { sharing, lambdaClient, layerName } = this.options;
    if (!sharing) return deployment;
    const version = deployment.layerVersion;
    this.logger.step('2.3', deployment.status === 'published' ? `Share layer version ${version}` : `Reconcile who may use layer version ${version}`);
    const result = await shareLayerVersion({ lambda: lambdaClient, layerName, version, sharing, dryRun, logger: this.logger, signal: this.signal });
    return { ...deployment, sharing: result };
  }

  /** Step 2.4: retention; `upcoming` is the version a dry run would publish. */
  async deleteOldVersions(upcoming?: number): Promise<RetentionResult> {
    const { keepVersions = 1, lambdaClient, s3Client, layerName, layout, deleteManifests } = this.options;
    this.logger.step('2.4', `Delete the layer versions older than the newest ${keepVersions} that no function uses`);
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
  private async interruptedError(error: unknown): Promise<LayerError> {
    const interrupted = (state: string, hint: string, version?: number) =>
      interruptedError(this.signal, state, hint, version ? { layerVersion: version } : {});
    const adoptHint = (version: number) => `run \`layer publish\` again (it adopts version ${version} and stores the manifest)`;
    let version = this.publishedVersion;
    if (version === undefined && this.publishAttempted) {
      try {
        version = (
          await findVersionPublishedSince(this.options.lambdaClient, this.options.layerName, this.versionsBefore, await this.layerZipSha256(), AbortSignal.timeout(INTERRUPT_CHECK_MS))
        )?.version;
      } catch {
        return interrupted(
          'Lambda did not say in time whether PublishLayerVersion created a new layer version',
          'run `layer publish` again: it adopts a version this run published, or publishes one',
        );
      }
    }
    if (version !== undefined && this.manifestStored) {
      return interrupted(
        `version ${version} was published and its manifest stored; ${this.finishing ?? 'what follows'} did not finish`,
        this.finishing === 'deleting old versions' ? `run \`layer prune --keep-versions ${this.options.keepVersions}\`` : 'run `layer publish` again (it finds the version unchanged and finishes)',
        version,
      );
    }
    if (version !== undefined) return interrupted(`version ${version} was published; its manifest is not stored`, adoptHint(version), version);
    return interrupted('no version was published (stopped before PublishLayerVersion)', 'run `layer publish` again');
  }

  private async storedManifestState(version: number): Promise<StoredManifestState> {
    const path = this.options.layout.manifestForVersion(version);
    const manifest = await this.readLocalManifest();
    return awsCall(`read ${path.uri}`, () => compareStoredManifest(this.options.s3Client, path, manifest, this.signal), { service: 'S3' });
  }

  private deployment(status: LayerDeployment['status'], version: LatestLayerVersion): LayerDeployment {
    const unchanged = status === 'unchanged';
    return {
      status,
      layerName: this.options.layerName,
      layerVersion: version.version,
      layerVersionArn: version.layerVersionArn,
      s3pathManifest: this.options.layout.manifestForVersion(version.version).uri,
      ...(unchanged ? { changes: [] } : this.changes ? { changes: this.changes } : {}),
      reason: unchanged ? `${this.manifest?.fileName ?? 'the manifest'} unchanged since version ${version.version}` : this.reason,
    };
  }
}

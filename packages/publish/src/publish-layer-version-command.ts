import { PublishLayerVersionCommand as PublishLayerVersionApiCommand, type Runtime } from '@aws-sdk/client-lambda';
import {
  ErrorCodes,
  type LayerDeployment,
  LayerError,
  type Logger,
  localLayout,
  type ManifestFingerprint,
  readManifest,
  toLayerErrorFromAws,
} from '@lambda-layer/core';
import { awsCall } from './aws-call.js';
import { findLatestLayerVersion, findLatestLayerVersionQuickly, getLayerVersionCodeSha256, type LatestLayerVersion } from './latest-version.js';
import { bucketExists, computeLayerZipSha256, headLayerZip, type LayerZipInfo } from './layer-zip.js';
import type { ValidatedPublishOptions } from './options.js';
import { PublishLock } from './publish-lock.js';
import { compareStoredManifest, putManifest, type StoredManifestState } from './stored-manifest.js';

/**
 * Step 4 as the original design lays it out: a read-only preflight
 * (1.1 zip exists, 1.2 zip matches the local manifest, 1.3 the manifest
 * changed since the latest version), then publish (2.1 PublishLayerVersion,
 * 2.2 store the manifest under the new version's folder).
 *
 * Beyond the original: the publish half runs under an S3 lock and re-checks
 * the latest version there with every ListLayerVersions page, so two runs
 * started together publish once; and a version published by a run that died
 * before 2.2 is recognised by its CodeSha256 and completed, not duplicated.
 */
export class PublishLayerVersionCommand {
  readonly options: ValidatedPublishOptions;
  private readonly logger: Logger;
  private manifest: ManifestFingerprint | undefined;
  private layerZip: LayerZipInfo | undefined;
  /** The latest version seen by step 1.3 (undefined: none yet). */
  private latest: LatestLayerVersion | undefined;
  private latestManifestState: StoredManifestState | undefined;

  constructor(options: ValidatedPublishOptions) {
    this.options = options;
    this.logger = options.logger;
  }

  async run(): Promise<LayerDeployment> {
    const unchanged = await this.preflightCheck();
    if (unchanged) return unchanged;
    return this.publish();
  }

  // ---------------------------------------------------------------- step 1

  /** Step 1, read-only. Returns the "unchanged" result when there is nothing to publish. */
  async preflightCheck(): Promise<LayerDeployment | undefined> {
    // The local manifest is read first: a missing lock file fails before any AWS call.
    await this.readLocalManifest();
    await this.ensureLayerZipExists();
    await this.ensureLayerZipConsistent();
    return this.ensureDependenciesChanged();
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
    const bucketThere = await awsCall(`check the bucket ${layerZip.bucket}`, () => bucketExists(this.options.s3Client, layerZip.bucket));
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
    this.layerZip = await awsCall(`read ${layerZip.uri}`, () => headLayerZip(this.options.s3Client, layerZip));
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
      this.logger.detail(this.describeChange());
      return undefined;
    }
    const latest = this.latest as LatestLayerVersion;
    this.logger.detail(`unchanged: layer version ${latest.version} already holds this ${this.manifest?.fileName}; nothing to publish`);
    return this.deployment('unchanged', latest);
  }

  async hasDependencyManifestChanged(): Promise<boolean> {
    const { lambdaClient, layerName } = this.options;
    this.latest = await awsCall(`find the latest version of layer ${layerName}`, () => findLatestLayerVersionQuickly(lambdaClient, layerName));
    if (!this.latest) return true;
    this.latestManifestState = await this.storedManifestState(this.latest.version);
    return this.latestManifestState !== 'equal';
  }

  private describeChange(): string {
    const name = this.manifest?.fileName ?? 'manifest';
    if (!this.latest) return `changed: layer ${this.options.layerName} has no version yet`;
    if (this.latestManifestState === 'missing') return `changed: latest version ${this.latest.version} has no stored ${name}`;
    return `changed: ${name} differs from the one stored for version ${this.latest.version}`;
  }

  // ---------------------------------------------------------------- step 2

  /** Step 2, under the publish lock. */
  async publish(): Promise<LayerDeployment> {
    const lock = new PublishLock(this.options.s3Client, this.options.layout.publishLock, {
      ...this.options.lock,
      logger: this.logger,
    });
    this.logger.detail(`taking the publish lock ${lock.path.uri}`);
    await lock.acquire();
    try {
      const settled = await this.recheckUnderLock();
      if (settled) return settled;
      const published = await this.runPublishLayerVersionApi();
      await this.uploadDependencyManifest(published.version);
      return this.deployment('published', published);
    } finally {
      await lock.release();
    }
  }

  /**
   * Another run may have published while we waited for the lock, or a run may
   * have died between 2.1 and 2.2: re-read the latest version from every
   * ListLayerVersions page and settle both cases without a new version.
   */
  async recheckUnderLock(): Promise<LayerDeployment | undefined> {
    const { lambdaClient, layerName } = this.options;
    const latest = await awsCall(`list the versions of layer ${layerName}`, () => findLatestLayerVersion(lambdaClient, layerName));
    if (!latest) return undefined;
    const state = await this.storedManifestState(latest.version);
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
    const { lambdaClient, layerName, s3Client, layout } = this.options;
    const codeSha256 = await awsCall(`read layer version ${layerName}:${latest.version}`, () =>
      getLayerVersionCodeSha256(lambdaClient, layerName, latest.version),
    );
    if (!codeSha256) return false;
    const zipSha256 = this.layerZip?.zipSha256 ?? (await computeLayerZipSha256(s3Client, layout.layerZip));
    return codeSha256 === zipSha256;
  }

  /** Step 2.1 */
  async runPublishLayerVersionApi(): Promise<LatestLayerVersion> {
    const { lambdaClient, layerName, layout, description, compatibleRuntimes, compatibleArchitectures, licenseInfo } = this.options;
    this.logger.step('2.1', 'Publish a new layer version');
    const response = await awsCall(`publish a version of layer ${layerName}`, () =>
      lambdaClient.send(
        new PublishLayerVersionApiCommand({
          LayerName: layerName,
          Content: { S3Bucket: layout.layerZip.bucket, S3Key: layout.layerZip.key },
          ...(description !== undefined ? { Description: description } : {}),
          ...(compatibleRuntimes ? { CompatibleRuntimes: compatibleRuntimes as Runtime[] } : {}),
          ...(compatibleArchitectures ? { CompatibleArchitectures: compatibleArchitectures } : {}),
          ...(licenseInfo !== undefined ? { LicenseInfo: licenseInfo } : {}),
        }),
      ),
    );
    if (response.Version === undefined || !response.LayerVersionArn) {
      throw new LayerError(ErrorCodes.PUBLISH_FAILED, `PublishLayerVersion for ${layerName} returned no version number`, {
        hint: 'check the layer in the Lambda console and run again',
      });
    }
    this.logger.detail(`published ${response.LayerVersionArn}`);
    return { version: response.Version, layerVersionArn: response.LayerVersionArn };
  }

  /** Step 2.2 */
  async uploadDependencyManifest(version: number): Promise<void> {
    const path = this.options.layout.manifestForVersion(version);
    const manifest = await this.readLocalManifest();
    this.logger.step('2.2', 'Upload the dependency manifest for this layer version');
    try {
      const { etag } = await putManifest(this.options.s3Client, path, manifest);
      if (etag && etag !== manifest.md5) this.logger.debug(`ETag of ${path.uri} is ${etag}, not the MD5 (bucket encryption?)`);
    } catch (error) {
      const mapped = toLayerErrorFromAws(error, `store ${path.uri}`);
      throw new LayerError(mapped.code, `${mapped.message}; layer version ${version} is published but its ${manifest.fileName} is not stored`, {
        hint: `run \`layer publish\` again: it recognises version ${version} by its CodeSha256 and stores the manifest without a new version`,
        cause: error,
        details: { layerVersion: version, s3uri: path.uri },
      });
    }
    this.logger.detail(`stored ${path.uri}`);
  }

  // ---------------------------------------------------------------- helpers

  private async storedManifestState(version: number): Promise<StoredManifestState> {
    const path = this.options.layout.manifestForVersion(version);
    const manifest = await this.readLocalManifest();
    return awsCall(`read ${path.uri}`, () => compareStoredManifest(this.options.s3Client, path, manifest));
  }

  private deployment(status: LayerDeployment['status'], version: LatestLayerVersion): LayerDeployment {
    return {
      status,
      layerName: this.options.layerName,
      layerVersion: version.version,
      layerVersionArn: version.layerVersionArn,
      s3pathManifest: this.options.layout.manifestForVersion(version.version).uri,
    };
  }
}

import { stat } from 'node:fs/promises';
import {
  ErrorCodes,
  interruptedError,
  toLayerErrorFromAws,
  formatBytes,
  LayerError,
  layerZipMetadata,
  localLayout,
  MANIFEST_HINTS,
  manifestFileName,
  type S3Path,
  s3Layout,
  type LocalLayout,
  type UploadResult,
  verifyLayerZip,
} from '@lambda-layer/core';
import { abortEarlierUploads } from './earlier-uploads.js';
import { computeFingerprints, type LayerZipFingerprints } from './fingerprints.js';
import { MultipartUploadRecords } from './multipart-records.js';
import { resolveUploadOptions, type ResolvedUploadOptions, type UploadLayerZipOptions } from './options.js';
import { putLayerZip } from './put-layer-zip.js';
import { headLayerZip, isSameLayerZip, type RemoteLayerZip } from './remote-layer-zip.js';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Step 3 of the pipeline: put build/lambda/layer/layer.zip at
 * {s3dir}layer/layer.zip with the fingerprints publish matches layer versions
 * by, and send nothing when the object there already has them.
 *
 * run(): preflightCheck() -> ensureLayerZipExists(), ensureManifestExists(),
 * ensureS3dirValid(), ensureLayerZipPackaged(); then upload() ->
 * computeFingerprints(), isUnchanged(), abortEarlierUploads(), putLayerZip().
 *
 * Interrupted (options.signal) at any point, it stops with E_INTERRUPTED
 * saying what S3 holds; a killed run's open multipart upload is aborted by the
 * next run (step 2.3), which says how many it aborted.
 */
export class UploadLayerZipCommand {
  readonly options: ResolvedUploadOptions;
  readonly layout: LocalLayout;
  /** Computed once: preflight checks the package stamp against them, the upload sends them. */
  private fingerprints: Promise<LayerZipFingerprints> | undefined;
  readonly records: MultipartUploadRecords;
  /** The object in S3 before this run, as step 2.2 saw it (undefined: none; null: not checked). */
  private remote: RemoteLayerZip | undefined | null = null;

  constructor(options: UploadLayerZipOptions) {
    this.options = resolveUploadOptions(options);
    this.layout = localLayout(this.options.projectDir);
    this.records = new MultipartUploadRecords(this.layout.multipartUploads);
  }

  /** Stops between steps once interrupted: nothing was sent yet. */
  private throwIfInterrupted(target: S3Path | undefined): void {
    if (!this.options.signal?.aborted) return;
    throw interruptedError(this.options.signal, `layer.zip was not sent${target ? ` to ${target.uri}` : ''}; nothing changed in S3`, 'run `layer upload` again');
  }

  private get logger() {
    return this.options.logger;
  }

  get manifestPath(): string {
    return this.layout.manifest(this.options.tool);
  }

  async run(): Promise<UploadResult> {
    const target = await this.preflightCheck();
    this.throwIfInterrupted(target);
    return this.upload(target);
  }

  // ---- Step 1: preflight -------------------------------------------------

  /** Everything that can fail before S3 is touched; returns the target object. */
  async preflightCheck(): Promise<S3Path> {
    this.logger.step('1', 'Preflight check');
    await this.ensureLayerZipExists();
    await this.ensureManifestExists();
    const target = this.ensureS3dirValid();
    await this.ensureLayerZipPackaged();
    return target;
  }

  isLayerZipExists(): Promise<boolean> {
    return isFile(this.layout.layerZip);
  }

  async ensureLayerZipExists(): Promise<void> {
    this.logger.step('1.1', 'Check that layer.zip exists');
    if (!(await this.isLayerZipExists())) {
      throw new LayerError(ErrorCodes.LAYER_ZIP_NOT_FOUND, `layer.zip not found at ${this.layout.layerZip}`, {
        hint: 'run `layer package` first',
        details: { path: this.layout.layerZip },
      });
    }
    this.logger.detail(this.layout.layerZip);
  }

  isManifestExists(): Promise<boolean> {
    return isFile(this.manifestPath);
  }

  async ensureManifestExists(): Promise<void> {
    this.logger.step('1.2', `Check that the manifest ${manifestFileName(this.options.tool)} exists`);
    if (!(await this.isManifestExists())) {
      throw new LayerError(ErrorCodes.MANIFEST_NOT_FOUND, `manifest ${manifestFileName(this.options.tool)} not found at ${this.manifestPath}`, {
        hint: `${MANIFEST_HINTS[this.options.tool]}, or pass the right --tool`,
        details: { path: this.manifestPath, tool: this.options.tool },
      });
    }
  }

  /** Parses --s3dir (S3Path's one-line error when it is malformed) and returns the target object. */
  ensureS3dirValid(): S3Path {
    this.logger.step('1.3', 'Check --s3dir');
    const target = s3Layout(this.options.s3dir, this.options.tool).layerZip;
    this.logger.detail(`target ${target.uri}`);
    return target;
  }

  /**
   * Refuses a layer.zip that `layer package` did not finish, or that is not
   * the package of the current manifest's build (its package stamp says).
   */
  async ensureLayerZipPackaged(): Promise<void> {
    this.logger.step('1.4', `Check that layer.zip is the package of this ${manifestFileName(this.options.tool)}`);
    const local = await this.localFingerprints();
    const stamp = await verifyLayerZip(this.layout, { manifest: { file: manifestFileName(this.options.tool), md5: local.manifestMd5 }, zipSha256Base64: local.zipSha256 });
    this.logger.detail(`its package stamp names this zip (sha256 ${stamp.zip.sha256Base64}) and manifest (md5 ${stamp.build.manifest.md5})`);
  }

  private localFingerprints(): Promise<LayerZipFingerprints> {
    this.fingerprints ??= computeFingerprints(this.manifestPath, this.options.tool, this.layout.layerZip);
    return this.fingerprints;
  }

  // ---- Step 2: upload -------------------------------------------------------

  async upload(target: S3Path): Promise<UploadResult> {
    this.logger.step('2', 'Upload layer.zip');
    const local = await this.computeFingerprints();
    let aborted = 0;
    const result = (status: UploadResult['status'], bytes: number): UploadResult => ({
      status,
      s3uri: target.uri,
      consoleUrl: target.consoleUrl(this.options.region),
      bytes,
      manifestMd5: local.manifestMd5,
      zipSha256: local.zipSha256,
      ...(aborted ? { abortedMultipartUploads: aborted } : {}),
      ...(this.options.dryRun ? { dryRun: true as const } : {}),
    });
    this.throwIfInterrupted(target);
    if (this.options.dryRun) {
      // Reads only: no multipart clean-up, no upload.
      if (!this.options.force && (await this.isUnchanged(target, local))) {
        this.logger.detail('the layer.zip in S3 has the same zip SHA-256 and manifest MD5: nothing would be uploaded');
        return result('unchanged', 0);
      }
      this.logger.info(`would upload layer.zip (${formatBytes(local.zipBytes)}) to ${target.uri}${this.options.force ? ' (--force)' : ''}`);
      return result('would-upload', local.zipBytes);
    }

    let unchanged = false;
    if (this.options.force) {
      this.logger.step('2.2', 'Compare with the layer.zip in S3');
      this.logger.detail('skipped: --force');
    } else if (await this.isUnchanged(target, local)) {
      unchanged = true;
    }
    // Even when nothing is sent, a killed run's open upload of this key is aborted (its parts are billed).
    aborted = await this.abortEarlierUploads(target, { listRemote: !unchanged });
    if (unchanged) {
      this.logger.detail('the layer.zip in S3 has the same zip SHA-256 and manifest MD5: nothing to upload');
      return result('unchanged', 0);
    }
    this.throwIfInterrupted(target);
    const bytes = await this.putLayerZip(target, local);
    return result('uploaded', bytes);
  }

  /** Step 2.3: aborts the incomplete multipart uploads of this key that earlier runs left; returns how many. */
  async abortEarlierUploads(target: S3Path, options: { listRemote: boolean }): Promise<number> {
    this.logger.step('2.3', 'Abort incomplete uploads left by earlier runs');
    try {
      const aborted = await abortEarlierUploads({
        s3Client: this.options.s3Client,
        target,
        records: this.records,
        logger: this.logger,
        listRemote: options.listRemote,
        signal: this.options.signal,
      });
      if (aborted) this.logger.info(`aborted ${aborted} incomplete multipart upload${aborted === 1 ? '' : 's'} of ${target.uri} left by an earlier run`);
      else this.logger.detail('none');
      return aborted;
    } catch (error) {
      this.throwIfInterrupted(target);
      throw toLayerErrorFromAws(error, `abort the incomplete uploads of ${target.uri}`);
    }
  }

  async computeFingerprints(): Promise<LayerZipFingerprints> {
    this.logger.step('2.1', 'Compute the manifest MD5 and the layer.zip SHA-256');
    const fingerprints = await this.localFingerprints();
    this.logger.detail(`manifest md5 ${fingerprints.manifestMd5}, layer.zip sha256 ${fingerprints.zipSha256} (${formatBytes(fingerprints.zipBytes)})`);
    return fingerprints;
  }

  /** True when the object in S3 already carries these fingerprints (one HeadObject). */
  async isUnchanged(target: S3Path, local: LayerZipFingerprints): Promise<boolean> {
    this.logger.step('2.2', 'Compare with the layer.zip in S3');
    let remote: RemoteLayerZip | undefined;
    try {
      remote = await headLayerZip(this.options.s3Client, target, this.options.signal);
    } catch (error) {
      this.throwIfInterrupted(target);
      throw error;
    }
    this.remote = remote;
    if (!remote) this.logger.detail('no layer.zip in S3 yet');
    return isSameLayerZip(remote, local);
  }

  async putLayerZip(target: S3Path, local: LayerZipFingerprints): Promise<number> {
    this.logger.step('2.4', `Upload layer.zip to ${target.uri}`);
    const bytes = await putLayerZip({
      s3Client: this.options.s3Client,
      file: this.layout.layerZip,
      bytes: local.zipBytes,
      target,
      metadata: layerZipMetadata(local.manifestMd5, local.zipSha256),
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      logger: this.logger,
      signal: this.options.signal,
      records: this.records,
      hadPrevious: this.remote === null ? undefined : this.remote !== undefined,
    });
    this.logger.detail(`uploaded ${formatBytes(bytes)}`);
    this.logger.detail(`console: ${target.consoleUrl(this.options.region)}`);
    return bytes;
  }
}

/** Step 3: uploads layer.zip to {s3dir}layer/layer.zip, or reports "unchanged". */
export function uploadLayerZip(options: UploadLayerZipOptions): Promise<UploadResult> {
  return new UploadLayerZipCommand(options).run();
}

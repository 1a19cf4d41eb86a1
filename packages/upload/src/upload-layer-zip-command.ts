import { stat } from 'node:fs/promises';
import {
  defineSteps,
  ErrorCodes,
  formatBytes,
  interruptedError,
  LayerError,
  layerZipMetadata,
  type LocalLayout,
  localLayout,
  MANIFEST_HINTS,
  manifestFileName,
  s3Layout,
  type S3Path,
  StepLog,
  toLayerErrorFromAws,
  type UploadResult,
  verifyLayerZip,
} from '@lambda-layer/core';
import { abortEarlierUploads } from './earlier-uploads.js';
import { computeFingerprints, type LayerZipFingerprints } from './fingerprints.js';
import { MultipartUploadRecords } from './multipart-records.js';
import { type UploadLayerZipOptions, type ValidatedUploadOptions, validateUploadOptions } from './options.js';
import { putLayerZip } from './put-layer-zip.js';
import { headLayerZip, isSameLayerZip, type RemoteLayerZip } from './remote-layer-zip.js';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The upload's steps, in order: read-only checks, then S3. */
export const UPLOAD_STEPS = defineSteps({
  preflight: {
    title: 'Preflight check',
    steps: {
      ensureLayerZipExists: 'Check that layer.zip exists',
      ensureManifestExists: (manifest: string) => `Check that the manifest ${manifest} exists`,
      ensureS3dirValid: 'Check --s3dir',
      computeFingerprints: 'Compute the manifest MD5 and the layer.zip SHA-256',
      ensureLayerZipPackaged: (manifest: string) => `Check that layer.zip is the package of this ${manifest}`,
    },
  },
  upload: {
    title: 'Upload layer.zip',
    steps: {
      findRemoteLayerZip: 'Compare with the layer.zip in S3',
      abortEarlierUploads: 'Abort incomplete uploads left by earlier runs',
      putLayerZip: (uri: string) => `Upload layer.zip to ${uri}`,
    },
  },
});

/** What the preflight hands the upload: the target object and the local fingerprints. */
export interface UploadPreflight {
  target: S3Path;
  local: LayerZipFingerprints;
}

/**
 * Step 3 of the pipeline: put build/lambda/layer/layer.zip at
 * {s3dir}layer/layer.zip with the fingerprints publish matches layer versions
 * by, and send nothing when the object there already has them. The steps are
 * UPLOAD_STEPS (core's step.ts says how every step is shaped).
 *
 * Interrupted (options.signal) at any point, it stops with E_INTERRUPTED
 * saying what S3 holds; a killed run's open multipart upload is aborted by the
 * next run (step 2.2), which says how many it aborted.
 */
export class UploadLayerZipCommand {
  readonly layout: LocalLayout;
  readonly records: MultipartUploadRecords;
  private readonly steps: StepLog<typeof UPLOAD_STEPS.spec>;

  constructor(readonly options: ValidatedUploadOptions) {
    this.layout = localLayout(this.options.projectDir);
    this.records = new MultipartUploadRecords(this.layout.multipartUploads);
    this.steps = new StepLog(UPLOAD_STEPS, options.logger);
  }

  /** Stops between steps once interrupted: nothing was sent yet. */
  private throwIfInterrupted(target: S3Path | undefined): void {
    if (!this.options.signal?.aborted) return;
    throw interruptedError(
      this.options.signal,
      `layer.zip was not sent${target ? ` to ${target.uri}` : ''}; nothing changed in S3`,
      'run `layer upload` again',
    );
  }

  private get logger() {
    return this.options.logger;
  }

  get manifestPath(): string {
    return this.layout.manifest(this.options.tool);
  }

  async run(): Promise<UploadResult> {
    const checked = await this.preflightCheck();
    this.throwIfInterrupted(checked.target);
    return this.upload(checked);
  }

  // ---------------------------------------------------------------- step 1: preflight

  /** Everything that can fail before S3 is touched; returns the target object and the local fingerprints. */
  async preflightCheck(): Promise<UploadPreflight> {
    await this.ensureLayerZipExists();
    await this.ensureManifestExists();
    const target = this.ensureS3dirValid();
    const local = await this.computeFingerprints();
    await this.ensureLayerZipPackaged(local);
    return { target, local };
  }

  isLayerZipExists(): Promise<boolean> {
    return isFile(this.layout.layerZip);
  }

  async ensureLayerZipExists(): Promise<void> {
    this.steps.start('ensureLayerZipExists');
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
    this.steps.start('ensureManifestExists', manifestFileName(this.options.tool));
    if (!(await this.isManifestExists())) {
      throw new LayerError(ErrorCodes.MANIFEST_NOT_FOUND, `manifest ${manifestFileName(this.options.tool)} not found at ${this.manifestPath}`, {
        hint: `${MANIFEST_HINTS[this.options.tool]}, or pass the right --tool`,
        details: { path: this.manifestPath, tool: this.options.tool },
      });
    }
  }

  /** Parses --s3dir (S3Path's one-line error when it is malformed) and returns the target object. */
  ensureS3dirValid(): S3Path {
    this.steps.start('ensureS3dirValid');
    const target = s3Layout(this.options.s3dir, this.options.tool).layerZip;
    this.logger.detail(`target ${target.uri}`);
    return target;
  }

  async computeFingerprints(): Promise<LayerZipFingerprints> {
    this.steps.start('computeFingerprints');
    const fingerprints = await computeFingerprints(this.manifestPath, this.options.tool, this.layout.layerZip);
    this.logger.detail(
      `manifest md5 ${fingerprints.manifestMd5}, layer.zip sha256 ${fingerprints.zipSha256} (${formatBytes(fingerprints.zipBytes)})`,
    );
    return fingerprints;
  }

  /**
   * Refuses a layer.zip that `layer package` did not finish, or that is not
   * the package of the current manifest's build (its package stamp says).
   */
  async ensureLayerZipPackaged(local: LayerZipFingerprints): Promise<void> {
    this.steps.start('ensureLayerZipPackaged', manifestFileName(this.options.tool));
    const stamp = await verifyLayerZip(this.layout, {
      manifest: { file: manifestFileName(this.options.tool), md5: local.manifestMd5 },
      zipSha256Base64: local.zipSha256,
    });
    this.logger.detail(`its package stamp names this zip (sha256 ${stamp.zip.sha256Base64}) and manifest (md5 ${stamp.build.manifest.md5})`);
  }

  // ---------------------------------------------------------------- step 2: upload

  async upload({ target, local }: UploadPreflight): Promise<UploadResult> {
    const result = (status: UploadResult['status'], bytes: number, aborted = 0): UploadResult => ({
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
      if (!this.options.force && isSameLayerZip(await this.findRemoteLayerZip(target), local)) {
        this.logger.detail('the layer.zip in S3 has the same zip SHA-256 and manifest MD5: nothing would be uploaded');
        return result('unchanged', 0);
      }
      this.logger.info(`would upload layer.zip (${formatBytes(local.zipBytes)}) to ${target.uri}${this.options.force ? ' (--force)' : ''}`);
      return result('would-upload', local.zipBytes);
    }

    // null: not looked up (--force sends the zip whatever S3 holds).
    const remote = this.options.force ? this.skipRemoteLookup() : await this.findRemoteLayerZip(target);
    const unchanged = remote !== null && isSameLayerZip(remote, local);
    // Even when nothing is sent, a killed run's open upload of this key is aborted (its parts are billed).
    const aborted = await this.abortEarlierUploads(target, { listRemote: !unchanged });
    if (unchanged) {
      this.logger.detail('the layer.zip in S3 has the same zip SHA-256 and manifest MD5: nothing to upload');
      return result('unchanged', 0, aborted);
    }
    this.throwIfInterrupted(target);
    const bytes = await this.putLayerZip(target, local, { hadPrevious: remote === null ? undefined : remote !== undefined });
    return result('uploaded', bytes, aborted);
  }

  /** The object in S3 now, with its fingerprints (one HeadObject); undefined when there is none. */
  async findRemoteLayerZip(target: S3Path): Promise<RemoteLayerZip | undefined> {
    this.steps.start('findRemoteLayerZip');
    let remote: RemoteLayerZip | undefined;
    try {
      remote = await headLayerZip(this.options.s3Client, target, this.options.signal);
    } catch (error) {
      this.throwIfInterrupted(target);
      throw error;
    }
    if (!remote) this.logger.detail('no layer.zip in S3 yet');
    return remote;
  }

  private skipRemoteLookup(): null {
    this.steps.start('findRemoteLayerZip');
    this.logger.detail('skipped: --force');
    return null;
  }

  /** Aborts the incomplete multipart uploads of this key that earlier runs left; returns how many. */
  async abortEarlierUploads(target: S3Path, options: { listRemote: boolean }): Promise<number> {
    this.steps.start('abortEarlierUploads');
    try {
      const aborted = await abortEarlierUploads({
        s3Client: this.options.s3Client,
        target,
        records: this.records,
        logger: this.logger,
        listRemote: options.listRemote,
        signal: this.options.signal,
      });
      if (aborted)
        this.logger.info(`aborted ${aborted} incomplete multipart upload${aborted === 1 ? '' : 's'} of ${target.uri} left by an earlier run`);
      else this.logger.detail('none');
      return aborted;
    } catch (error) {
      this.throwIfInterrupted(target);
      throw toLayerErrorFromAws(error, `abort the incomplete uploads of ${target.uri}`);
    }
  }

  /** `hadPrevious`: whether S3 held a layer.zip before (undefined: not looked up), for the interruption message. */
  async putLayerZip(target: S3Path, local: LayerZipFingerprints, options: { hadPrevious: boolean | undefined }): Promise<number> {
    this.steps.start('putLayerZip', target.uri);
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
      hadPrevious: options.hadPrevious,
    });
    this.logger.detail(`uploaded ${formatBytes(bytes)}`);
    this.logger.detail(`console: ${target.consoleUrl(this.options.region)}`);
    return bytes;
  }
}

/** Step 3: uploads layer.zip to {s3dir}layer/layer.zip, or reports "unchanged". */
export function uploadLayerZip(options: UploadLayerZipOptions): Promise<UploadResult> {
  return new UploadLayerZipCommand(validateUploadOptions(options)).run();
}

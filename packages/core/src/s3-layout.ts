import { S3Path } from './s3-path.js';
import { manifestFileName, type BuildTool } from './tools.js';

/**
 * User-metadata keys on the uploaded layer.zip. `manifest_md5` is the Python
 * original's key; WSGI servers (moto among them) drop header names with
 * underscores, so `manifest-md5` is written too and read first.
 */
export const METADATA_MANIFEST_MD5 = 'manifest-md5';
export const METADATA_MANIFEST_MD5_LEGACY = 'manifest_md5';
export const METADATA_LAYER_ZIP_SHA256 = 'layer-zip-sha256';

/** Reads the manifest MD5 from S3 user metadata: hyphenated key first, then the original's. */
export function readManifestMd5(metadata: Record<string, string | undefined> | undefined): string | undefined {
  if (!metadata) return undefined;
  return metadata[METADATA_MANIFEST_MD5] || metadata[METADATA_MANIFEST_MD5_LEGACY] || undefined;
}

export function readLayerZipSha256(metadata: Record<string, string | undefined> | undefined): string | undefined {
  return metadata?.[METADATA_LAYER_ZIP_SHA256] || undefined;
}

/** The user metadata written with layer.zip. */
export function layerZipMetadata(manifestMd5: string, layerZipSha256Base64: string): Record<string, string> {
  return {
    [METADATA_MANIFEST_MD5]: manifestMd5,
    [METADATA_MANIFEST_MD5_LEGACY]: manifestMd5,
    [METADATA_LAYER_ZIP_SHA256]: layerZipSha256Base64,
  };
}

/** Zero-pads a layer version to 6 digits: 3 -> "000003". */
export function formatLayerVersion(version: number): string {
  if (!Number.isInteger(version) || version < 1 || version > 999_999) {
    throw new RangeError(`layer version must be an integer from 1 to 999999, got ${version}`);
  }
  return String(version).padStart(6, '0');
}

/**
 * The S3 layout under `s3dir`, shared with the Python original:
 * `{s3dir}layer/layer.zip` and `{s3dir}layer/{version:06d}/{manifest}`.
 */
export interface S3Layout {
  s3dir: S3Path;
  /** {s3dir}layer/ */
  layerDir: S3Path;
  /** {s3dir}layer/layer.zip */
  layerZip: S3Path;
  /** {s3dir}layer/{version:06d}/{manifest file name} */
  manifestForVersion(version: number): S3Path;
  /** {s3dir}layer/.publish.lock: serialises concurrent publishes. */
  publishLock: S3Path;
}

export function s3Layout(s3dir: S3Path | string, tool: BuildTool): S3Layout {
  const dir = typeof s3dir === 'string' ? S3Path.parseDir(s3dir) : s3dir.isDir ? s3dir : S3Path.parseDir(s3dir.uri);
  const layerDir = dir.join('layer/');
  return {
    s3dir: dir,
    layerDir,
    layerZip: layerDir.join('layer.zip'),
    manifestForVersion: (version) => layerDir.join(formatLayerVersion(version), manifestFileName(tool)),
    publishLock: layerDir.join('.publish.lock'),
  };
}

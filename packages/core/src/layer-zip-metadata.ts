/**
 * The layer.zip metadata contract, read and written here and nowhere else:
 * `layer upload` writes these user-metadata keys on `{s3dir}layer/layer.zip`,
 * `layer upload` reads them back to skip an unchanged zip, and `layer publish`
 * reads them to match the zip with the local manifest and with a layer
 * version's CodeSha256.
 *
 * - `manifest-md5` and `manifest_md5` (same value): the MD5 hex of the
 *   manifest the zip was built from. `manifest_md5` is the Python original's
 *   key; WSGI servers (moto among them) drop header names with underscores,
 *   so `manifest-md5` is written too and read first.
 * - `layer-zip-sha256`: the base64 SHA-256 of the zip, the form Lambda
 *   reports as a version's CodeSha256.
 */
export const METADATA_MANIFEST_MD5 = 'manifest-md5';
export const METADATA_MANIFEST_MD5_LEGACY = 'manifest_md5';
export const METADATA_LAYER_ZIP_SHA256 = 'layer-zip-sha256';

type UserMetadata = Record<string, string | undefined> | undefined;

/** Reads the manifest MD5 from S3 user metadata: hyphenated key first, then the original's. */
export function readManifestMd5(metadata: UserMetadata): string | undefined {
  if (!metadata) return undefined;
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty value counts as missing
  return metadata[METADATA_MANIFEST_MD5] || metadata[METADATA_MANIFEST_MD5_LEGACY] || undefined;
}

export function readLayerZipSha256(metadata: UserMetadata): string | undefined {
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- an empty value counts as missing
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

/** The fields of an S3 HeadObject (or GetObject) answer this module reads. */
export interface LayerZipHeadOutput {
  ContentLength?: number | undefined;
  ETag?: string | undefined;
  Metadata?: Record<string, string> | undefined;
}

/** What the uploaded layer.zip says about itself. */
export interface LayerZipObjectFacts {
  bytes: number | undefined;
  /** The manifest the zip was built from (`manifest-md5` / `manifest_md5`). */
  manifestMd5: string | undefined;
  /** base64 SHA-256 (`layer-zip-sha256`); absent on a zip uploaded by the Python original. */
  zipSha256: string | undefined;
  etag: string | undefined;
}

/** The facts of layer.zip from one HeadObject answer. */
export function layerZipFactsOf(head: LayerZipHeadOutput): LayerZipObjectFacts {
  return { bytes: head.ContentLength, manifestMd5: readManifestMd5(head.Metadata), zipSha256: readLayerZipSha256(head.Metadata), etag: head.ETag };
}

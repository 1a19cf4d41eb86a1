import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound, layerZipFactsOf, type LayerZipObjectFacts, type S3Path, toLayerErrorFromAws } from '@lambda-layer/core';
import type { LayerZipFingerprints } from './fingerprints.js';

/** What S3 says about the layer.zip already there. */
export type RemoteLayerZip = LayerZipObjectFacts;

/**
 * HeadObject on the target: its fingerprints, or undefined when there is no
 * object. A HEAD has no error body, so a missing bucket is also a bare 404
 * here; the upload that follows then reports NoSuchBucket properly.
 */
export async function headLayerZip(s3Client: S3Client, target: S3Path, signal?: AbortSignal): Promise<RemoteLayerZip | undefined> {
  try {
    const head = await s3Client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }), { abortSignal: signal });
    return layerZipFactsOf(head);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toLayerErrorFromAws(error, `read ${target.uri}`, { service: 'S3' });
  }
}

/**
 * True when the object carries the same zip SHA-256 and manifest MD5 as the
 * local files. An object without `layer-zip-sha256` (for example one written by
 * the Python original, which stores only the manifest MD5) never matches, so it
 * gets replaced by one that publish can match to a layer version.
 */
export function isSameLayerZip(remote: RemoteLayerZip | undefined, local: LayerZipFingerprints): boolean {
  if (!remote?.zipSha256 || !remote.manifestMd5) return false;
  if (remote.bytes !== undefined && remote.bytes !== local.zipBytes) return false;
  return remote.zipSha256 === local.zipSha256 && remote.manifestMd5 === local.manifestMd5;
}

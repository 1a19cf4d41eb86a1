import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isNoSuchBucket, isNotFound, layerZipFactsOf, type S3Path } from '@lambda-layer/core';
import { awsCall } from './aws-call.js';

/** What the uploaded layer.zip says about itself, from one HeadObject. */
export interface LayerZipInfo {
  path: S3Path;
  bytes: number;
  /** The `manifest-md5` (or `manifest_md5`) metadata: the manifest the zip was built from. */
  manifestMd5: string | undefined;
  /** The `layer-zip-sha256` metadata: base64 SHA-256, Lambda's CodeSha256 form. */
  zipSha256: string | undefined;
}

/** Reads the zip's metadata; `undefined` when the object does not exist. */
export async function headLayerZip(s3: S3Client, path: S3Path, signal?: AbortSignal): Promise<LayerZipInfo | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
    const { bytes, manifestMd5, zipSha256 } = layerZipFactsOf(head);
    return { path, bytes: bytes ?? 0, manifestMd5, zipSha256 };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A HEAD on a missing bucket answers the same bare 404 as a missing key, so
 * when the zip is missing this asks the bucket, to give the right fix. It
 * lists one key under `folder` (the layer's folder) rather than HeadBucket:
 * a least-privilege policy grants s3:ListBucket only with an s3:prefix
 * condition, which a HeadBucket (no prefix) never meets.
 */
export async function bucketExists(s3: S3Client, folder: S3Path, signal?: AbortSignal): Promise<boolean> {
  try {
    await s3.send(new ListObjectsV2Command({ Bucket: folder.bucket, Prefix: folder.key, MaxKeys: 1 }), { abortSignal: signal });
    return true;
  } catch (error) {
    if (isNoSuchBucket(error) || (error as { name?: string }).name === 'NotFound') return false;
    throw error;
  }
}

/**
 * SHA-256 of the uploaded zip, streamed from S3: the fallback when the zip
 * carries no `layer-zip-sha256` metadata (an upload by an older tool).
 */
export async function computeLayerZipSha256(s3: S3Client, path: S3Path, signal?: AbortSignal): Promise<string> {
  return awsCall(`read ${path.uri}`, async () => {
    const response = await s3.send(new GetObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
    const hash = createHash('sha256');
    for await (const chunk of response.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    return hash.digest('base64');
  });
}

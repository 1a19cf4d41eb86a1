/**
 * The manifest backups under `{s3dir}layer/{version}/`: compared, stored,
 * read for a package diff, deleted with `--delete-manifests`.
 *
 * AWS calls made here (operation → IAM action → resource):
 *   HeadObject, GetObject → s3:GetObject    → arn:aws:s3:::BUCKET/PREFIX/layer/*
 *   PutObject             → s3:PutObject    → arn:aws:s3:::BUCKET/PREFIX/layer/*
 *   DeleteObject          → s3:DeleteObject → arn:aws:s3:::BUCKET/PREFIX/layer/*
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bareEtag, isNotFound, type ManifestFingerprint, type S3Path } from '@lambda-layer/core';

/** How the manifest stored for a version compares with the local one. */
export type StoredManifestState = 'equal' | 'different' | 'missing';

/**
 * Compares the manifest stored at `path` with the local one. A manifest
 * written with a single PutObject (see `putManifest`) without SSE-KMS or
 * SSE-C has the MD5 of its content as ETag, so one HeadObject answers the
 * question. An SSE-KMS (or DSSE-KMS, SSE-C) object's ETag is 32 hex digits
 * that are not its MD5, and a multipart object's has a "-N": for those the
 * ETag is never compared, not even for equality; the content is read instead.
 */
export async function compareStoredManifest(
  s3: S3Client,
  path: S3Path,
  local: ManifestFingerprint,
  signal?: AbortSignal,
): Promise<StoredManifestState> {
  let etag: string | undefined;
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
    const encryptedWithKey = (head.ServerSideEncryption ?? '').startsWith('aws:kms') || head.SSECustomerAlgorithm !== undefined;
    etag = encryptedWithKey ? undefined : bareEtag(head.ETag);
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    throw error;
  }
  if (etag && /^[0-9a-f]{32}$/.test(etag)) return etag === local.md5 ? 'equal' : 'different';
  const response = await s3.send(new GetObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
  const content = await response.Body?.transformToByteArray();
  return content && createHash('md5').update(content).digest('hex') === local.md5 ? 'equal' : 'different';
}

/**
 * Stores a manifest in one PutObject with Content-MD5: S3 rejects a body that
 * arrived damaged, and a single-part object's ETag is then the MD5 of its
 * content, which `compareStoredManifest` relies on. Idempotent by content (the
 * same key, the same bytes), so the SDK may retry it after a lost answer.
 */
export async function putManifest(
  s3: S3Client,
  path: S3Path,
  local: ManifestFingerprint,
  signal?: AbortSignal,
): Promise<{ etag: string | undefined }> {
  const response = await s3.send(
    new PutObjectCommand({
      Bucket: path.bucket,
      Key: path.key,
      Body: local.content,
      ContentType: 'text/plain',
      ContentMD5: Buffer.from(local.md5, 'hex').toString('base64'),
    }),
    { abortSignal: signal },
  );
  return { etag: bareEtag(response.ETag) };
}

/**
 * The manifest stored for a version, as text (undefined when there is none):
 * the "before" of a package-level diff.
 */
export async function readStoredManifest(s3: S3Client, path: S3Path, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
    return (await response.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes a version's manifest backup (`--delete-manifests`); S3 answers a missing key with success too. */
export async function deleteManifest(s3: S3Client, path: S3Path, signal?: AbortSignal): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: path.bucket, Key: path.key }), { abortSignal: signal });
}

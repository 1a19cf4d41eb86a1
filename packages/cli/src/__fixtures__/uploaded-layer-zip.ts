/**
 * A layer.zip in S3 as `layer upload` leaves it, so the bin's `layer publish`
 * runs without a build: a few random bytes behind an empty zip's signature,
 * with the metadata upload writes (the manifest's MD5, the zip's SHA-256).
 * Test-only (excluded from the build).
 */
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { layerZipMetadata, md5Hex } from '@lambda-layer/core';

export async function putUploadedLayerZip(s3: S3Client, bucket: string, manifest: string, key = 'app/lambda/layer/layer.zip'): Promise<void> {
  const body = Buffer.concat([Buffer.from('PK\x05\x06'), randomBytes(32)]);
  const metadata = layerZipMetadata(md5Hex(manifest), createHash('sha256').update(body).digest('base64'));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/zip', Metadata: metadata }));
}

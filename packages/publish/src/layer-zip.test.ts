import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { layerZipMetadata, S3Path } from '@lambda-layer/core';
import { createTestBucket, testS3Client } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketExists, computeLayerZipSha256, headLayerZip } from './layer-zip.js';

const s3 = testS3Client();
let bucket: string;
beforeAll(async () => {
  bucket = await createTestBucket(s3, 'zip');
});

describe('layer zip in S3', () => {
  it('reads the fingerprint metadata written by upload', async () => {
    const path = S3Path.parse(`s3://${bucket}/a/layer/layer.zip`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: path.key, Body: 'zip bytes', Metadata: layerZipMetadata('abc123', 'c2hhMjU2') }));
    expect(await headLayerZip(s3, path)).toEqual({ path, bytes: 9, manifestMd5: 'abc123', zipSha256: 'c2hhMjU2' });
  });

  it('returns undefined for a missing zip, and tells a missing bucket apart', async () => {
    expect(await headLayerZip(s3, S3Path.parse(`s3://${bucket}/none/layer/layer.zip`))).toBeUndefined();
    expect(await bucketExists(s3, S3Path.parseDir(`s3://${bucket}/none/layer/`))).toBe(true);
    expect(await bucketExists(s3, S3Path.parseDir('s3://no-such-bucket-for-zip-tests/none/layer/'))).toBe(false);
  });

  it("computes the zip SHA-256 in Lambda's CodeSha256 form", async () => {
    const path = S3Path.parse(`s3://${bucket}/b/layer/layer.zip`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: path.key, Body: 'some zip' }));
    expect(await computeLayerZipSha256(s3, path)).toBe(createHash('sha256').update('some zip').digest('base64'));
  });
});

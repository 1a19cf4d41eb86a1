import { PutObjectCommand } from '@aws-sdk/client-s3';
import { layerZipMetadata, S3Path } from '@lambda-layer/core';
import { createTestBucket, testS3Client, uniqueName } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { headLayerZip, isSameLayerZip, type RemoteLayerZip } from './remote-layer-zip.js';

const local = { manifestMd5: 'a'.repeat(32), zipSha256: 'c2hhMjU2', zipBytes: 5 };
let bucket: string;
beforeAll(async () => {
  bucket = await createTestBucket(testS3Client(), 'upload-head');
});

describe('headLayerZip', () => {
  it('reads the fingerprints from the object metadata', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello', Metadata: layerZipMetadata(local.manifestMd5, local.zipSha256) }));
    const remote = await headLayerZip(s3, S3Path.of(bucket, key));
    expect(remote).toMatchObject({ bytes: 5, manifestMd5: local.manifestMd5, zipSha256: local.zipSha256 });
    expect(remote?.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('returns undefined when there is no object (or no bucket: a HEAD 404 cannot tell)', async () => {
    const s3 = testS3Client();
    expect(await headLayerZip(s3, S3Path.of(bucket, `${uniqueName('app')}/layer/layer.zip`))).toBeUndefined();
    expect(await headLayerZip(s3, S3Path.of(uniqueName('no-such-bucket'), 'layer/layer.zip'))).toBeUndefined();
  });
});

describe('isSameLayerZip', () => {
  const remote: RemoteLayerZip = { bytes: 5, manifestMd5: local.manifestMd5, zipSha256: local.zipSha256, etag: '"x"' };
  it('is true only when both fingerprints (and the size) match', () => {
    expect(isSameLayerZip(remote, local)).toBe(true);
    expect(isSameLayerZip({ ...remote, bytes: undefined }, local)).toBe(true);
    expect(isSameLayerZip(undefined, local)).toBe(false);
    expect(isSameLayerZip({ ...remote, zipSha256: 'other' }, local)).toBe(false);
    expect(isSameLayerZip({ ...remote, manifestMd5: 'b'.repeat(32) }, local)).toBe(false);
    expect(isSameLayerZip({ ...remote, bytes: 6 }, local)).toBe(false);
    // Written by the Python original: manifest MD5 only, no zip SHA-256 to compare.
    expect(isSameLayerZip({ ...remote, zipSha256: undefined }, local)).toBe(false);
    expect(isSameLayerZip({ ...remote, manifestMd5: undefined }, local)).toBe(false);
  });
});

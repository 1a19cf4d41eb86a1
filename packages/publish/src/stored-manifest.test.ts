import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type ManifestFingerprint, md5Hex, S3Path } from '@lambda-layer/core';
import { createTestBucket, recordCalls, testS3Client } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareStoredManifest, putManifest } from './stored-manifest.js';

const s3 = testS3Client();
let bucket: string;
beforeAll(async () => {
  bucket = await createTestBucket(s3, 'manifest');
});

function fingerprint(text: string): ManifestFingerprint {
  const content = Buffer.from(text);
  return { tool: 'uv', path: '/x/uv.lock', fileName: 'uv.lock', content, md5: md5Hex(content) };
}

describe('putManifest', () => {
  it('writes one object, text/plain, whose ETag is the MD5 of its content', async () => {
    const path = S3Path.parse(`s3://${bucket}/a/layer/000001/uv.lock`);
    const local = fingerprint('version = 1\n');
    const { etag } = await putManifest(s3, path, local);
    expect(etag).toBe(local.md5);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: path.key }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.ContentLength).toBe(local.content.length);
  });

  it('sends Content-MD5 (S3 rejects a damaged body with BadDigest; moto does not check digests, so the header is asserted)', async () => {
    const path = S3Path.parse(`s3://${bucket}/a/layer/000002/uv.lock`);
    const local = fingerprint('version = 2\n');
    const client = testS3Client();
    const sent: Array<Record<string, string>> = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'captureHeaders' },
    );
    await putManifest(client, path, local);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.['content-md5']).toBe(Buffer.from(local.md5, 'hex').toString('base64'));
    expect(sent[0]?.['content-type']).toBe('text/plain');
  });
});

describe('compareStoredManifest', () => {
  it('answers equal / different / missing from one HeadObject', async () => {
    const path = S3Path.parse(`s3://${bucket}/b/layer/000001/uv.lock`);
    await putManifest(s3, path, fingerprint('one'));
    const client = testS3Client();
    const calls: string[] = [];
    recordCalls(client, calls);
    expect(await compareStoredManifest(client, path, fingerprint('one'))).toBe('equal');
    expect(await compareStoredManifest(client, path, fingerprint('two'))).toBe('different');
    expect(await compareStoredManifest(client, S3Path.parse(`s3://${bucket}/b/layer/000002/uv.lock`), fingerprint('one'))).toBe('missing');
    expect(calls).toEqual(['HeadObjectCommand', 'HeadObjectCommand', 'HeadObjectCommand']);
  });

  it('compares the content when the ETag is not an MD5 (a multipart upload)', async () => {
    const key = 'c/layer/000001/uv.lock';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'same' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }),
    );
    const path = S3Path.parse(`s3://${bucket}/${key}`);
    expect(await compareStoredManifest(s3, path, fingerprint('same'))).toBe('equal');
    expect(await compareStoredManifest(s3, path, fingerprint('not same'))).toBe('different');
  });

  it('reads a manifest stored by the Python original (plain PutObject) as equal', async () => {
    const path = S3Path.parse(`s3://${bucket}/d/layer/000003/uv.lock`);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: path.key, Body: 'legacy', ContentType: 'text/plain' }));
    expect(await compareStoredManifest(s3, path, fingerprint('legacy'))).toBe('equal');
  });
});

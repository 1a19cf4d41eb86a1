import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { createTestBucket, testLambdaClient, testS3Client, uniqueName } from './aws.js';
import { findExecutable } from './paths.js';
import { run } from './processes.js';

describe('test harness', () => {
  it('runs moto on a loopback port chosen at run time', () => {
    const endpoint = inject('awsEndpoint');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.AWS_ENDPOINT_URL).toBe(endpoint);
  });

  it('puts an object with user metadata on S3, reads it back, and publishes a layer version from it', async () => {
    const s3 = testS3Client();
    const lambda = testLambdaClient();
    const bucket = await createTestBucket(s3, 'harness');
    const body = Buffer.from('PK\u0005\u0006'.padEnd(22, '\u0000'), 'latin1'); // an empty zip
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'layer/layer.zip', Body: body, Metadata: { 'manifest-md5': 'abc123' } }));

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'layer/layer.zip' }));
    expect(head.Metadata?.['manifest-md5']).toBe('abc123');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'layer/layer.zip' }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);

    const layerName = uniqueName('harness-layer');
    const published = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: layerName, Content: { S3Bucket: bucket, S3Key: 'layer/layer.zip' } }),
    );
    expect(published.Version).toBe(1);
    const listed = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }));
    expect(listed.LayerVersions?.map((v) => v.Version)).toEqual([1]);
  });

  it('serves real wheels from the loopback index that pip installs into a target folder', async () => {
    const indexUrl = inject('packageIndexUrl');
    const page = await fetch(`${indexUrl}six/`).then((r) => r.text());
    expect(page).toMatch(/six-1\.17\.0-py2\.py3-none-any\.whl#sha256=[0-9a-f]{64}/);

    const target = await mkdtemp(join(tmpdir(), 'harness-pip-'));
    try {
      const python = findExecutable('python') ?? 'python3';
      const result = await run(python, ['-m', 'pip', 'install', '--no-cache-dir', '--index-url', indexUrl, '--target', target, 'six==1.17.0']);
      expect(result.code, result.stderr).toBe(0);
      expect(await readdir(target)).toContain('six.py');
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });
});

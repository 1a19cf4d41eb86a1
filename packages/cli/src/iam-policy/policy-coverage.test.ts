/**
 * The printed policy cannot drift from the code: real runs of the `layer` bin
 * (a whole workflow, an unchanged re-run, a multipart upload, a changed
 * publish, --force-unlock, a publish whose zip is gone) go to moto through the
 * fault proxy, which records every AWS request; each one, and what AWS does
 * on its behalf (Lambda reading the zip, S3 using the KMS key), is evaluated
 * against `layer iam-policy`'s output for the same settings. One call the
 * policy would deny fails the test, naming it. The runs use SSE-KMS and an
 * expected bucket owner, so the same log also proves that every write carried
 * the encryption and every S3 request the owner.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { localLayout } from '@lambda-layer/core';
import {
  createTestBucket,
  deniedRequests,
  type LoggedRequest,
  parseJsonOutput,
  runLayer,
  stampPackage,
  testS3Client,
  uniqueName,
  useFaultProxy,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureProject, toolCacheEnv } from '../../../build/src/__fixtures__/projects.js';
import type { IamPolicyResult } from '../commands/iam-policy.js';
import { POLICY_TABLE } from './policy-table.js';

const ACCOUNT = '123456789012'; // moto's
const KEY_ID = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;

const proxy = useFaultProxy();
const temps: string[] = [];
let bucket: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  bucket = await createTestBucket(testS3Client(), 'coverage');
  env = {
    ...process.env,
    ...toolCacheEnv,
    AWS_ENDPOINT_URL: proxy.endpoint,
    LAYER_S3DIR: `s3://${bucket}/${uniqueName('svc')}/lambda/`,
    LAYER_LAYER_NAME: uniqueName('coverage'),
    LAYER_INDEX_URL: indexUrl,
    LAYER_SSE: 'aws:kms',
    LAYER_SSE_KMS_KEY_ID: KEY_ID,
    LAYER_BUCKET_KEY: 'true',
    LAYER_EXPECTED_BUCKET_OWNER: ACCOUNT,
  };
});
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function layer(args: string[], expectCode = 0): Promise<void> {
  const result = await runLayer([...args, '--json'], { env });
  expect(result.code, `layer ${args.join(' ')}:\n${result.stderr}`).toBe(expectCode);
}

const s3Requests = () => proxy.requests.filter((request) => request.service === 'S3');
const describeRequest = (r: LoggedRequest) => `${r.operation} ${r.key ?? r.bucket ?? r.path}`;

describe('the policy of `layer iam-policy` covers every AWS call of real runs', () => {
  it('a workflow, an unchanged re-run, a multipart upload, a changed publish, --force-unlock and a publish without its zip', async () => {
    // 1. The whole pipeline, then again with nothing changed.
    const app = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    temps.push(app);
    await layer(['workflow', '--project-dir', app, '--yes']);
    await layer(['workflow', '--project-dir', app, '--yes']);

    // 2. Another project with the same settings: a 9 MiB zip goes up in 8 MiB parts, then a new version.
    const big = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' }, { direct: ['six==1.17.0'] });
    temps.push(big);
    const layout = localLayout(big);
    await mkdir(layout.buildDir, { recursive: true });
    await writeFile(layout.layerZip, randomBytes(9 * 1024 * 1024));
    await stampPackage(big, 'uv');
    await layer(['upload', '--project-dir', big]);
    expect(proxy.count('UploadPart')).toBe(2);
    await layer(['publish', '--project-dir', big]);
    await layer(['publish', '--project-dir', big, '--force-unlock']);

    // 3. The zip is gone: publish asks whether the bucket exists (a listing under the layer folder) and fails.
    const zipKey = `${new URL(env.LAYER_S3DIR as string).pathname.slice(1)}layer/layer.zip`;
    await testS3Client().send(new DeleteObjectCommand({ Bucket: bucket, Key: zipKey }));
    await layer(['publish', '--project-dir', big], 1);
    expect(proxy.count('ListObjectsV2')).toBeGreaterThan(0);
    expect(proxy.operations(), proxy.operations().join(' ')).toEqual(expect.arrayContaining(['PutObject', 'CreateMultipartUpload', 'CompleteMultipartUpload', 'ListMultipartUploads', 'PublishLayerVersion', 'ListLayerVersions', 'ListLayers', 'DeleteObject', 'GetObject', 'HeadObject']));

    // The policy for exactly these settings.
    const printed = await runLayer(['iam-policy', '--project-dir', app, '--json', '--account-id', ACCOUNT], { env });
    expect(printed.code, printed.stderr).toBe(0);
    const { policy, features } = parseJsonOutput<IamPolicyResult>(printed);
    expect(features).toEqual(['upload', 'publish', 'sse-kms']);
    const requests = proxy.requests.filter((request) => !(request.operation === 'CONNECT'));
    expect(deniedRequests(policy, requests, POLICY_TABLE, { account: ACCOUNT, features, kmsKeyArn: KEY_ARN })).toEqual([]);

    // The test can fail: the upload step's policy denies what publish did.
    const uploadOnly = parseJsonOutput<IamPolicyResult>(await runLayer(['iam-policy', '--project-dir', app, '--json', '--account-id', ACCOUNT, '--step', 'upload'], { env }));
    const denied = deniedRequests(uploadOnly.policy, requests, POLICY_TABLE, { account: ACCOUNT, features, kmsKeyArn: KEY_ARN });
    expect(denied).toEqual(expect.arrayContaining([expect.stringMatching(/^Lambda PublishLayerVersion .*: lambda:PublishLayerVersion on arn:aws:lambda:us-east-1:123456789012:layer:coverage-/)]));

    // Every S3 request carried the owner; every object written carried SSE-KMS with the key and a Bucket Key.
    const s3 = s3Requests();
    expect(s3.filter((r) => r.headers['x-amz-expected-bucket-owner'] !== ACCOUNT).map(describeRequest)).toEqual([]);
    const writes = s3.filter((r) => ['PutObject', 'CreateMultipartUpload', 'CopyObject'].includes(r.operation));
    expect(writes.map((r) => r.key)).toEqual(expect.arrayContaining([expect.stringMatching(/layer\/layer\.zip$/), expect.stringMatching(/layer\/\.publish\.lock$/), expect.stringMatching(/layer\/000001\/uv\.lock$/)]));
    for (const write of writes) {
      expect([write.headers['x-amz-server-side-encryption'], write.headers['x-amz-server-side-encryption-aws-kms-key-id'], write.headers['x-amz-server-side-encryption-bucket-key-enabled']], describeRequest(write)).toEqual(['aws:kms', KEY_ID, 'true']);
    }
    // What S3 holds is encrypted with the key.
    const manifestKey = writes.find((r) => /000001\/uv\.lock$/.test(r.key ?? ''))?.key as string;
    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: manifestKey }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled]).toEqual(['aws:kms', KEY_ID, true]);
  }, 240_000);
});

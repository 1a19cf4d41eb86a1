/**
 * The printed policy cannot drift from the code: real runs of the `layer` bin
 * go to moto through the fault proxy, which records every AWS request; each
 * one, and what AWS does on its behalf (Lambda reading the zip, S3 using the
 * KMS key), is evaluated against `layer iam-policy`'s output for the same
 * settings. One call the policy would deny fails the test, naming it. The
 * runs: a whole workflow, an unchanged re-run, a multipart upload, a changed
 * publish, --force-unlock, a publish whose zip is gone; and the lifecycle
 * (a dry run, sharing made and reconciled, retention keeping a version a
 * function uses, `layer prune`, two regions). They use SSE-KMS and an
 * expected bucket owner, so the same log also proves that every write carried
 * the encryption and every S3 request the owner, in every region.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { type LayerDeployment, localLayout, type PruneResult, type PublishPlan } from '@lambda-layer/core';
import {
  createBucketInRegion,
  createFixtureProject,
  createTestBucket,
  createTestFunction,
  deniedRequests,
  isWriteOperation,
  type LoggedRequest,
  parseJsonOutput,
  runLayer,
  stampPackage,
  testLambdaClient,
  testS3Client,
  toolCacheEnv,
  uniqueName,
  useFaultProxy,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamPolicyResult } from '../commands/iam-policy.js';
import { POLICY_TABLE } from './policy-table.js';

const ACCOUNT = '123456789012'; // moto's
// A multi-Region key: the same id in every region, so the two-region runs can use it too.
const KEY_ID = 'mrk-f0e1d2c3b4a546978899aabbccddeeff';
const keyArn = (region: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${KEY_ID}`;
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

/** Every S3 request carried the owner, every object write SSE-KMS with the key and a Bucket Key; returns the writes. */
function expectEncryptedAndOwned(s3: readonly LoggedRequest[]): LoggedRequest[] {
  expect(s3.filter((r) => r.headers['x-amz-expected-bucket-owner'] !== ACCOUNT).map(describeRequest)).toEqual([]);
  const writes = s3.filter((r) => ['PutObject', 'CreateMultipartUpload', 'CopyObject'].includes(r.operation));
  for (const write of writes) {
    expect(
      [
        write.headers['x-amz-server-side-encryption'],
        write.headers['x-amz-server-side-encryption-aws-kms-key-id'],
        write.headers['x-amz-server-side-encryption-bucket-key-enabled'],
      ],
      describeRequest(write),
    ).toEqual(['aws:kms', KEY_ID, 'true']);
  }
  return writes;
}

/**
 * The requests recorded since the last clearLog that `layer iam-policy`,
 * given the same settings (`settings`: the run's own flags), would deny.
 */
async function deniedByPolicyOf(settings: string[], runEnv: NodeJS.ProcessEnv = env): Promise<string[]> {
  const requests = proxy.requests.filter((request) => request.operation !== 'CONNECT');
  expect(requests.length).toBeGreaterThan(0);
  const printed = await runLayer(['iam-policy', ...settings, '--json', '--account-id', ACCOUNT], { env: runEnv });
  expect(printed.code, printed.stderr).toBe(0);
  const { policy, features } = parseJsonOutput<IamPolicyResult>(printed);
  return deniedRequests(policy, requests, POLICY_TABLE, { account: ACCOUNT, features, kmsKeyArn: keyArn });
}

/** uv.lock of one package at one version: each version a new lock, and a package diff to show. */
const lockOf = (sixVersion: string) =>
  `version = 1\n[[package]]\nname = "six"\nversion = "${sixVersion}"\nsource = { registry = "https://pypi.org/simple" }\n`;

/** A project after `layer package` (uv.lock and a layer.zip its stamps vouch for); called again, it moves to a new lock. */
async function packaged(dir: string, sixVersion: string): Promise<string> {
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "svc"\nversion = "0"\n');
  await writeFile(join(dir, 'uv.lock'), lockOf(sixVersion));
  await mkdir(localLayout(dir).buildDir, { recursive: true });
  await writeFile(localLayout(dir).layerZip, Buffer.concat([Buffer.from('PK\x05\x06'), randomBytes(2048)]));
  await stampPackage(dir, 'uv');
  return dir;
}

async function newProjectDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coverage-'));
  temps.push(dir);
  return dir;
}

/** Runs the bin with --json; returns its result object. */
async function layerJson<T>(args: string[], runEnv: NodeJS.ProcessEnv = env): Promise<T> {
  const result = await runLayer([...args, '--json'], { env: runEnv });
  expect(result.code, `layer ${args.join(' ')}:\n${result.stderr}`).toBe(0);
  return parseJsonOutput<T>(result);
}

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
    expect(proxy.operations(), proxy.operations().join(' ')).toEqual(
      expect.arrayContaining([
        'PutObject',
        'CreateMultipartUpload',
        'CompleteMultipartUpload',
        'ListMultipartUploads',
        'PublishLayerVersion',
        'ListLayerVersions',
        'ListLayers',
        'DeleteObject',
        'GetObject',
        'HeadObject',
      ]),
    );

    // The policy for exactly these settings.
    const printed = await runLayer(['iam-policy', '--project-dir', app, '--json', '--account-id', ACCOUNT], { env });
    expect(printed.code, printed.stderr).toBe(0);
    const { policy, features } = parseJsonOutput<IamPolicyResult>(printed);
    expect(features).toEqual(['upload', 'publish', 'sse-kms']);
    const requests = proxy.requests.filter((request) => !(request.operation === 'CONNECT'));
    expect(deniedRequests(policy, requests, POLICY_TABLE, { account: ACCOUNT, features, kmsKeyArn: keyArn })).toEqual([]);

    // The test can fail: the upload step's policy denies what publish did.
    const uploadOnly = parseJsonOutput<IamPolicyResult>(
      await runLayer(['iam-policy', '--project-dir', app, '--json', '--account-id', ACCOUNT, '--step', 'upload'], { env }),
    );
    const denied = deniedRequests(uploadOnly.policy, requests, POLICY_TABLE, { account: ACCOUNT, features, kmsKeyArn: keyArn });
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Lambda PublishLayerVersion .*: lambda:PublishLayerVersion on arn:aws:lambda:us-east-1:123456789012:layer:coverage-/),
      ]),
    );

    // Every S3 request carried the owner; every object written carried SSE-KMS with the key and a Bucket Key.
    const writes = expectEncryptedAndOwned(s3Requests());
    expect(writes.map((r) => r.key)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/layer\/layer\.zip$/),
        expect.stringMatching(/layer\/\.publish\.lock$/),
        expect.stringMatching(/layer\/000001\/uv\.lock$/),
      ]),
    );
    // What S3 holds is encrypted with the key.
    const manifestKey = writes.find((r) => (r.key ?? '').endsWith('000001/uv.lock'))?.key as string;
    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: manifestKey }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled]).toEqual(['aws:kms', KEY_ID, true]);
  }, 240_000);

  it('the lifecycle: a dry run, sharing made and reconciled, retention keeping a used version, layer prune', async () => {
    const dir = await packaged(await newProjectDir(), '1.15.0');
    const lambda = testLambdaClient();
    const layerName = uniqueName('coverage-lifecycle');
    const lifeEnv = { ...env, LAYER_S3DIR: `s3://${bucket}/${uniqueName('svc')}/lambda/`, LAYER_LAYER_NAME: layerName };
    const allGrants = ['--share-with-account', '111122223333', '--share-with-org', 'o-a1b2c3d4e5', '--public'];
    const retention = ['--keep-versions', '1', '--delete-manifests'];

    // 1. Version 1, shared with an account, an organization and everyone.
    await layerJson(['upload', '--project-dir', dir], lifeEnv);
    const first = await layerJson<LayerDeployment>(['publish', '--project-dir', dir, ...allGrants], lifeEnv);
    expect(first.sharing?.added.map((grant) => grant.kind)).toEqual(['account', 'organization', 'public']);
    expect(await deniedByPolicyOf(['--project-dir', dir, ...allGrants], lifeEnv)).toEqual([]);
    const fn = await createTestFunction(lambda, { layers: [first.layerVersionArn] });

    // 2. A new lock: a dry run (the stored manifest read for the diff, the grants and retention planned) writes nothing.
    await packaged(dir, '1.16.0');
    await layerJson(['upload', '--project-dir', dir], lifeEnv);
    proxy.clearLog();
    const plan = await layerJson<PublishPlan>(['publish', '--project-dir', dir, '--dry-run', ...allGrants, ...retention], lifeEnv);
    expect(plan).toMatchObject({ status: 'would-publish', layerVersion: 2, changes: [{ name: 'six', from: '1.15.0', to: '1.16.0' }] });
    expect(proxy.operations()).toEqual(expect.arrayContaining(['GetObject', 'ListLayerVersions', 'ListFunctions']));
    expect(proxy.operations((r) => isWriteOperation(r.operation))).toEqual([]);
    expect(await deniedByPolicyOf(['--project-dir', dir, ...allGrants, ...retention], lifeEnv)).toEqual([]);

    // 3. Published for real: version 2 shared; retention keeps version 1, which the function uses.
    proxy.clearLog();
    const second = await layerJson<LayerDeployment>(['publish', '--project-dir', dir, ...allGrants, ...retention], lifeEnv);
    expect(second).toMatchObject({
      status: 'published',
      layerVersion: 2,
      retention: { kept: [2], inUse: [{ layerVersion: 1, functions: [fn] }], deleted: [] },
    });
    expect(await deniedByPolicyOf(['--project-dir', dir, ...allGrants, ...retention], lifeEnv)).toEqual([]);

    // 4. Unchanged, with fewer grants configured: the organization's and the public grant of version 2 are removed.
    proxy.clearLog();
    const reconciled = await layerJson<LayerDeployment>(['publish', '--project-dir', dir, '--share-with-account', '111122223333'], lifeEnv);
    expect(reconciled.status).toBe('unchanged');
    expect(reconciled.sharing?.removed.map((grant) => grant.kind)).toEqual(['organization', 'public']);
    expect(proxy.count('RemoveLayerVersionPermission')).toBe(2);
    expect(await deniedByPolicyOf(['--project-dir', dir, '--share-with-account', '111122223333'], lifeEnv)).toEqual([]);

    // 5. Version 3 without retention, then `layer prune` (a dry run, then for real): version 2 and its manifest go, 1 stays.
    await packaged(dir, '1.17.0');
    await layerJson(['upload', '--project-dir', dir], lifeEnv);
    await layerJson(['publish', '--project-dir', dir], lifeEnv);
    proxy.clearLog();
    expect(await layerJson<PruneResult>(['prune', '--project-dir', dir, ...retention, '--dry-run'], lifeEnv)).toMatchObject({
      status: 'would-prune',
      deleted: [2],
    });
    const pruned = await layerJson<PruneResult>(['prune', '--project-dir', dir, ...retention], lifeEnv);
    expect(pruned).toMatchObject({ status: 'pruned', deleted: [2], inUse: [{ layerVersion: 1, functions: [fn] }] });
    expect(pruned.deletedManifests).toEqual([expect.stringMatching(/layer\/000002\/uv\.lock$/)]);
    expect(proxy.operations()).toEqual(expect.arrayContaining(['PutObject', 'DeleteLayerVersion', 'DeleteObject', 'ListFunctions']));
    // The policy of the prune job alone covers it; so does the whole pipeline's with the same retention.
    expect(await deniedByPolicyOf(['--project-dir', dir, '--step', 'prune', ...retention], lifeEnv)).toEqual([]);
    expect(await deniedByPolicyOf(['--project-dir', dir, ...retention], lifeEnv)).toEqual([]);
    // A pipeline policy without retention would deny it: the test can fail.
    expect(await deniedByPolicyOf(['--project-dir', dir], lifeEnv)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Lambda DeleteLayerVersion .*: lambda:DeleteLayerVersion on /)]),
    );

    const versions = (await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions?.map((v) => v.Version);
    expect(versions?.sort()).toEqual([1, 3]);
    expectEncryptedAndOwned(s3Requests());
  }, 240_000);

  it('two regions: a bucket and a layer in each, every request allowed by the policy naming both, every S3 request encrypted and owned in both', async () => {
    const regions = ['us-east-1', 'eu-west-1'];
    const prefix = uniqueName('coverage');
    for (const region of regions) {
      await createBucketInRegion(`${prefix}-${region}`, region);
    }
    const regionEnv = { ...env, LAYER_S3DIR: `s3://${prefix}-{region}/app/lambda/`, LAYER_LAYER_NAME: uniqueName('coverage-regions') };
    const settings = [...regions.flatMap((region) => ['--region', region]), '--share-with-account', '111122223333', '--keep-versions', '1'];
    const dir = await packaged(await newProjectDir(), '1.16.0');
    await layerJson(['upload', '--project-dir', dir, ...regions.flatMap((region) => ['--region', region])], regionEnv);
    await layerJson(['publish', '--project-dir', dir, ...settings], regionEnv);
    await packaged(dir, '1.17.0');
    await layerJson(['upload', '--project-dir', dir, ...regions.flatMap((region) => ['--region', region])], regionEnv);
    const published = await layerJson<{
      regions: Array<{ region: string; status: string; layerVersion: number; retention?: { deleted: number[] } }>;
    }>(['publish', '--project-dir', dir, ...settings], regionEnv);
    expect(published.regions.map((r) => [r.region, r.status, r.layerVersion, r.retention?.deleted])).toEqual([
      ['us-east-1', 'published', 2, [1]],
      ['eu-west-1', 'published', 2, [1]],
    ]);

    // Each region's requests went to its own bucket and layer, signed for that region.
    for (const region of regions) {
      expect(proxy.requests.filter((r) => r.region === region && r.service === 'S3').every((r) => r.bucket === `${prefix}-${region}`)).toBe(true);
      expect(proxy.operations((r) => r.region === region)).toEqual(
        expect.arrayContaining(['PutObject', 'PublishLayerVersion', 'AddLayerVersionPermission', 'DeleteLayerVersion']),
      );
    }
    expectEncryptedAndOwned(s3Requests());
    expect(await deniedByPolicyOf(['--project-dir', dir, ...settings], regionEnv)).toEqual([]);
    // The policy of one region denies the other's calls.
    const oneRegion = await deniedByPolicyOf(
      ['--project-dir', dir, '--region', 'us-east-1', '--share-with-account', '111122223333', '--keep-versions', '1'],
      { ...regionEnv, LAYER_S3DIR: `s3://${prefix}-us-east-1/app/lambda/` },
    );
    expect(oneRegion).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Lambda PublishLayerVersion .*: lambda:PublishLayerVersion on arn:aws:lambda:eu-west-1:/)]),
    );
  }, 240_000);
});

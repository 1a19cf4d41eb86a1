import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Path } from '@lambda-layer/core';
import { isAllowed, parseJsonOutput, runLayer } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamPolicyResult } from '../commands/iam-policy.js';
import { iamPolicy, partitionOf } from './policy.js';
import { POLICY_TABLE } from './policy-table.js';

const ACCOUNT = '123456789012';
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const target = (region: string, s3dir = 's3://corp-artifacts/app/lambda/') => ({ region, s3dir: S3Path.parseDir(s3dir) });

describe('iamPolicy', () => {
  it('names the exact bucket, keys, layer ARNs and key; "*" only for ListLayers and ListLayerVersions', () => {
    const policy = iamPolicy({
      account: ACCOUNT,
      targets: [target('eu-west-1')],
      layerName: 'deps',
      manifestFile: 'uv.lock',
      features: ['upload', 'publish', 'sse-kms'],
      kmsKeyId: KEY,
    });
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'LayerZip',
          Effect: 'Allow',
          Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          Resource: ['arn:aws:s3:::corp-artifacts/app/lambda/layer/layer.zip'],
        },
        {
          Sid: 'ManifestBackups',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: ['arn:aws:s3:::corp-artifacts/app/lambda/layer/??????/uv.lock'],
        },
        {
          Sid: 'PublishLock',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
          Resource: ['arn:aws:s3:::corp-artifacts/app/lambda/layer/.publish.lock'],
        },
        {
          Sid: 'ListLayerFolder',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: ['arn:aws:s3:::corp-artifacts'],
          Condition: { StringLike: { 's3:prefix': ['app/lambda/layer/', 'app/lambda/layer/*'] } },
        },
        { Sid: 'MultipartUploads', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: ['arn:aws:s3:::corp-artifacts'] },
        {
          Sid: 'PublishLayerVersion',
          Effect: 'Allow',
          Action: ['lambda:PublishLayerVersion'],
          Resource: [`arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps`],
        },
        { Sid: 'LayerVersions', Effect: 'Allow', Action: ['lambda:GetLayerVersion'], Resource: [`arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps:*`] },
        { Sid: 'LambdaLists', Effect: 'Allow', Action: ['lambda:ListLayerVersions', 'lambda:ListLayers'], Resource: ['*'] },
        {
          Sid: 'KmsKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: [`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY}`],
          Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] } },
        },
      ],
    });
    const wildcards = policy.Statement.filter((statement) => statement.Resource.includes('*')).flatMap((statement) => statement.Action);
    expect(wildcards.sort()).toEqual(['lambda:ListLayerVersions', 'lambda:ListLayers']);
  });

  it('lists every region of a multi-region run, a bucket per region, and a KMS alias through kms:ResourceAliases', () => {
    const policy = iamPolicy({
      account: ACCOUNT,
      targets: [target('eu-west-1', 's3://art-eu/app/'), target('us-east-1', 's3://art-us/app/')],
      layerName: 'deps',
      manifestFile: 'poetry.lock',
      features: ['publish', 'sse-kms'],
      kmsKeyId: 'alias/layers',
    });
    const sid = (name: string) => policy.Statement.find((statement) => statement.Sid === name);
    expect(sid('PublishLayerVersion')?.Resource).toEqual([
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps`,
      `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:deps`,
    ]);
    expect(sid('ManifestBackups')?.Resource).toEqual([
      'arn:aws:s3:::art-eu/app/layer/??????/poetry.lock',
      'arn:aws:s3:::art-us/app/layer/??????/poetry.lock',
    ]);
    expect(sid('ListLayerFolder1')?.Resource).toEqual(['arn:aws:s3:::art-eu']);
    expect(sid('ListLayerFolder2')?.Condition).toEqual({ StringLike: { 's3:prefix': ['app/layer/', 'app/layer/*'] } });
    expect(sid('KmsKey')).toMatchObject({
      Resource: [`arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`, `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`],
      Condition: {
        StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.us-east-1.amazonaws.com'] },
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/layers'] },
      },
    });
    // publish alone: no multipart permissions.
    expect(policy.Statement.flatMap((statement) => statement.Action)).not.toContain('s3:ListBucketMultipartUploads');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  });

  it('sharing, retention and --delete-manifests add their actions on the layer versions, the lock and the backups; "*" only for the Lambda lists', () => {
    const policy = iamPolicy({
      account: ACCOUNT,
      targets: [target('eu-west-1')],
      layerName: 'deps',
      manifestFile: 'uv.lock',
      features: ['publish', 'sharing', 'retention', 'delete-manifests'],
    });
    const sid = (name: string) => policy.Statement.find((statement) => statement.Sid === name);
    expect(sid('LayerVersions')).toEqual({
      Sid: 'LayerVersions',
      Effect: 'Allow',
      Action: [
        'lambda:AddLayerVersionPermission',
        'lambda:DeleteLayerVersion',
        'lambda:GetLayerVersion',
        'lambda:GetLayerVersionPolicy',
        'lambda:RemoveLayerVersionPermission',
      ],
      Resource: [`arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps:*`],
    });
    expect(sid('ManifestBackups')?.Action).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(sid('LambdaLists')).toMatchObject({ Action: ['lambda:ListFunctions', 'lambda:ListLayerVersions', 'lambda:ListLayers'], Resource: ['*'] });
    const wildcards = policy.Statement.filter((statement) => statement.Resource.includes('*')).flatMap((statement) => statement.Action);
    expect(wildcards.sort()).toEqual(['lambda:ListFunctions', 'lambda:ListLayerVersions', 'lambda:ListLayers']);

    // `layer prune` alone: the lock, the lists and the deletions; nothing to publish, read or grant.
    const prune = iamPolicy({
      account: ACCOUNT,
      targets: [target('eu-west-1')],
      layerName: 'deps',
      manifestFile: 'uv.lock',
      features: ['retention'],
    });
    expect(prune.Statement.map((statement) => [statement.Sid, statement.Action])).toEqual([
      ['PublishLock', ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']],
      ['ListLayerFolder', ['s3:ListBucket']],
      ['LayerVersions', ['lambda:DeleteLayerVersion']],
      ['LambdaLists', ['lambda:ListFunctions', 'lambda:ListLayerVersions']],
    ]);
  });

  it('allows exactly the keys of the layout: not the bucket, not another prefix, not another layer', () => {
    const policy = iamPolicy({
      account: ACCOUNT,
      targets: [target('eu-west-1')],
      layerName: 'deps',
      manifestFile: 'uv.lock',
      features: ['upload', 'publish'],
    });
    const allowed = (action: string, resource: string, context: Record<string, string[]> = {}) =>
      isAllowed(policy, { action, resource, context, from: 'test' });
    expect(allowed('s3:PutObject', 'arn:aws:s3:::corp-artifacts/app/lambda/layer/000012/uv.lock')).toBe(true);
    expect(allowed('s3:PutObject', 'arn:aws:s3:::corp-artifacts/app/lambda/layer/12/uv.lock')).toBe(false);
    expect(allowed('s3:PutObject', 'arn:aws:s3:::corp-artifacts/app/lambda/other.txt')).toBe(false);
    expect(allowed('s3:DeleteObject', 'arn:aws:s3:::corp-artifacts/app/lambda/layer/layer.zip')).toBe(false);
    expect(allowed('s3:ListBucket', 'arn:aws:s3:::corp-artifacts', { 's3:prefix': ['app/lambda/layer/'] })).toBe(true);
    expect(allowed('s3:ListBucket', 'arn:aws:s3:::corp-artifacts', { 's3:prefix': ['app/'] })).toBe(false);
    expect(allowed('s3:ListBucket', 'arn:aws:s3:::corp-artifacts')).toBe(false);
    expect(allowed('lambda:PublishLayerVersion', `arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:other`)).toBe(false);
    expect(allowed('lambda:DeleteLayerVersion', `arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps:3`)).toBe(false);
  });

  it('every table row names an IAM action of its service and a known resource', () => {
    for (const row of POLICY_TABLE) {
      expect(row.action).toMatch(/^(s3|lambda|kms):[A-Z][A-Za-z]+$/);
      expect(['call', 'service', 'answer']).toContain(row.by);
    }
  });
});

describe('layer iam-policy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iam-policy-'));
    await writeFile(
      join(dir, 'pyproject.toml'),
      '[project]\nname = "x"\nversion = "0"\n\n[tool.lambda-layer]\nlayer-name = "deps"\ns3dir = "s3://corp-artifacts/app/lambda/"\nsse = "aws:kms"\n',
    );
    await writeFile(join(dir, 'uv.lock'), 'version = 1\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the policy document alone on stdout, ready for `aws iam create-policy`; notes go to stderr', async () => {
    const result = await runLayer(['iam-policy', '--project-dir', dir, '--region', 'eu-west-1'], { env: { ...process.env, AWS_ACCOUNT_ID: '' } });
    expect(result.code, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as { Version: string; Statement: Array<{ Sid: string; Resource: string[] }> };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.find((statement) => statement.Sid === 'PublishLayerVersion')?.Resource).toEqual([
      'arn:aws:lambda:eu-west-1:*:layer:deps',
    ]);
    expect(result.stderr).toContain('warning: SSE-KMS with the AWS managed key aws/s3');
    expect(result.stderr).toContain('warning: the account of the layer ARNs is "*": pass --account-id');
  });

  it('--json: one object with the policy, account, regions and features; --step narrows it to one step', async () => {
    const result = await runLayer([
      'iam-policy',
      '--project-dir',
      dir,
      '--json',
      '--account-id',
      ACCOUNT,
      '--sse-kms-key-id',
      KEY,
      '--step',
      'upload',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const json = parseJsonOutput<IamPolicyResult>(result);
    expect(json).toMatchObject({ status: 'ok', account: ACCOUNT, regions: ['us-east-1'], features: ['upload', 'sse-kms'] });
    expect(json.policy.Statement.map((statement) => statement.Sid)).toEqual(['LayerZip', 'ListLayerFolder', 'MultipartUploads', 'KmsKey']);
    expect(json.policy.Statement.flatMap((statement) => statement.Action)).not.toContain('lambda:PublishLayerVersion');
  });

  it("features from issue 16's settings, one layer ARN and one bucket per configured region; --step prune", async () => {
    const lifecycle = await mkdtemp(join(tmpdir(), 'iam-policy-'));
    try {
      await writeFile(
        join(lifecycle, 'pyproject.toml'),
        '[tool.lambda-layer]\nlayer-name = "deps"\ns3dir = "s3://corp-layers-{region}/app/"\nregions = ["eu-west-1", "us-east-2"]\nshare-with-org = ["o-a1b2c3d4e5"]\nkeep-versions = 5\ndelete-manifests = true\n',
      );
      await writeFile(join(lifecycle, 'poetry.lock'), '');
      const json = parseJsonOutput<IamPolicyResult>(await runLayer(['iam-policy', '--project-dir', lifecycle, '--json', '--account-id', ACCOUNT]));
      expect(json).toMatchObject({
        regions: ['eu-west-1', 'us-east-2'],
        features: ['upload', 'publish', 'sharing', 'retention', 'delete-manifests'],
      });
      const sid = (name: string) => json.policy.Statement.find((statement) => statement.Sid === name);
      expect(sid('LayerZip')?.Resource).toEqual([
        'arn:aws:s3:::corp-layers-eu-west-1/app/layer/layer.zip',
        'arn:aws:s3:::corp-layers-us-east-2/app/layer/layer.zip',
      ]);
      expect(sid('ManifestBackups')).toMatchObject({
        Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Resource: [
          'arn:aws:s3:::corp-layers-eu-west-1/app/layer/??????/poetry.lock',
          'arn:aws:s3:::corp-layers-us-east-2/app/layer/??????/poetry.lock',
        ],
      });
      expect(sid('PublishLayerVersion')?.Resource).toEqual([
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:layer:deps`,
        `arn:aws:lambda:us-east-2:${ACCOUNT}:layer:deps`,
      ]);
      expect(sid('LayerVersions')?.Action).toEqual(expect.arrayContaining(['lambda:AddLayerVersionPermission', 'lambda:DeleteLayerVersion']));
      expect(json.policy.Statement.filter((statement) => statement.Sid.startsWith('ListLayerFolder')).map((statement) => statement.Resource)).toEqual(
        [['arn:aws:s3:::corp-layers-eu-west-1'], ['arn:aws:s3:::corp-layers-us-east-2']],
      );

      // A flag switches a feature off or on like any setting: --step prune is retention alone; --region narrows the regions.
      const prune = parseJsonOutput<IamPolicyResult>(
        await runLayer(['iam-policy', '--project-dir', lifecycle, '--json', '--account-id', ACCOUNT, '--step', 'prune', '--region', 'eu-west-1']),
      );
      expect(prune).toMatchObject({ regions: ['eu-west-1'], features: ['retention', 'delete-manifests'] });
      expect(prune.policy.Statement.flatMap((statement) => statement.Action)).not.toContain('lambda:PublishLayerVersion');

      // What the run would refuse before any call, the policy refuses too: a KMS key of one region for two.
      const keyOfOneRegion = await runLayer([
        'iam-policy',
        '--project-dir',
        lifecycle,
        '--sse-kms-key-id',
        `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY}`,
      ]);
      expect(keyOfOneRegion.code).toBe(2);
      expect(keyOfOneRegion.stderr).toBe(
        `error: the KMS key arn:aws:kms:eu-west-1:${ACCOUNT}:key/${KEY} is in eu-west-1, but objects are written in us-east-2; SSE-KMS needs a key in each bucket's region: use alias/NAME (an alias of that name in every region) or a multi-Region key (mrk-…)\n`,
      );
    } finally {
      await rm(lifecycle, { recursive: true, force: true });
    }
  });

  it('takes the region and account of a layer ARN, and refuses an account that contradicts it', async () => {
    const arn = `arn:aws:lambda:ap-southeast-2:${ACCOUNT}:layer:shared-deps`;
    const ok = parseJsonOutput<IamPolicyResult>(
      await runLayer(['iam-policy', '--project-dir', dir, '--layer-name', arn, '--region', 'ap-southeast-2', '--json']),
    );
    expect(ok.policy.Statement.find((statement) => statement.Sid === 'LayerVersions')?.Resource).toEqual([`${arn}:*`]);
    const wrong = await runLayer([
      'iam-policy',
      '--project-dir',
      dir,
      '--layer-name',
      arn,
      '--region',
      'ap-southeast-2',
      '--account-id',
      '999999999999',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`error: --account-id 999999999999 is not the account of the layer ARN ${arn}; pass --account-id ${ACCOUNT}\n`);
  });
});

import { describe, expect, it } from 'vitest';
import type { LoggedRequest } from './fault-proxy.js';
import { authorizationRequestsOf, deniedRequests, isAllowed, type PolicyDocument, type PolicyTableRow, wildcardMatch } from './iam-evaluator.js';

const ask = (action: string, resource: string, context: Record<string, string[]> = {}) => ({ action, resource, context, from: 'test' });

describe('the IAM evaluator', () => {
  it('matches IAM wildcards: * and ?, actions without case, resources with case', () => {
    expect(wildcardMatch('arn:aws:s3:::b/app/layer/??????/uv.lock', 'arn:aws:s3:::b/app/layer/000003/uv.lock')).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/app/layer/??????/uv.lock', 'arn:aws:s3:::b/app/layer/0003/uv.lock')).toBe(false);
    expect(wildcardMatch('s3:Get*', 'S3:GETOBJECT', true)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::B/*', 'arn:aws:s3:::b/x')).toBe(false);
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
  });

  it('an explicit Deny wins; a missing condition key fails the condition; unsupported elements throw', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' },
        { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/keep/*' },
        { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::b'], Condition: { StringLike: { 's3:prefix': ['app/*'] } } },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/x'] } } },
      ],
    };
    expect(isAllowed(policy, ask('s3:DeleteObject', 'arn:aws:s3:::b/tmp/x'))).toBe(true);
    expect(isAllowed(policy, ask('s3:DeleteObject', 'arn:aws:s3:::b/keep/x'))).toBe(false);
    expect(isAllowed(policy, ask('s3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': ['app/layer/'] }))).toBe(true);
    expect(isAllowed(policy, ask('s3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': ['other/'] }))).toBe(false);
    expect(isAllowed(policy, ask('s3:ListBucket', 'arn:aws:s3:::b'))).toBe(false);
    expect(isAllowed(policy, ask('kms:Decrypt', 'arn:aws:kms:r:1:key/k', { 'kms:ResourceAliases': ['alias/y', 'alias/x'] }))).toBe(true);
    expect(isAllowed(policy, ask('lambda:ListLayers', '*'))).toBe(false);
    expect(() =>
      isAllowed({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] }, ask('s3:GetObject', '*')),
    ).toThrow(/NotAction/);
    expect(() =>
      isAllowed(
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } } }],
        },
        ask('s3:GetObject', '*', { 'aws:SourceIp': ['1.2.3.4'] }),
      ),
    ).toThrow(/IpAddress/);
  });

  const logged = (over: Partial<LoggedRequest>): LoggedRequest => ({
    seq: 1,
    method: 'GET',
    service: 'S3',
    operation: 'GetObject',
    path: '/',
    outcome: 200,
    via: 'direct',
    host: '127.0.0.1',
    tls: false,
    query: {},
    headers: {},
    proxyAuthorization: false,
    ...over,
  });
  const table: PolicyTableRow[] = [
    { feature: 'publish', operation: 'HeadObject', action: 's3:GetObject', resource: 'layer-zip', by: 'call' },
    { feature: 'publish', operation: 'HeadObject', action: 's3:ListBucket', resource: 'layer-folder', by: 'answer' },
    { feature: 'publish', operation: 'ListObjectsV2', action: 's3:ListBucket', resource: 'layer-folder', by: 'call' },
    { feature: 'publish', operation: 'GetLayerVersion', action: 'lambda:GetLayerVersion', resource: 'layer-versions', by: 'call' },
    { feature: 'publish', operation: 'ListLayers', action: 'lambda:ListLayers', resource: 'any', by: 'call' },
    { feature: 'publish', operation: 'PublishLayerVersion', action: 'lambda:PublishLayerVersion', resource: 'layer', by: 'call' },
    { feature: 'publish', operation: 'PublishLayerVersion', action: 's3:GetObject', resource: 'layer-zip', by: 'service' },
    { feature: 'sse-kms', operation: 'PublishLayerVersion', action: 'kms:Decrypt', resource: 'kms-key', by: 'service' },
  ];
  const context = { account: '123456789012', features: ['publish'] };

  it('turns logged requests into what AWS evaluates: the object, the bucket with its prefix, the layer (version), the zip Lambda reads', () => {
    const requests = (request: LoggedRequest, features = ['publish']) =>
      authorizationRequestsOf(request, table, { ...context, features }).map((r) => [r.action, r.resource, r.context]);
    expect(requests(logged({ operation: 'HeadObject', bucket: 'b', key: 'app/layer/layer.zip', outcome: 404 }))).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::b/app/layer/layer.zip', {}],
      ['s3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': ['app/layer/layer.zip'] }],
    ]);
    expect(requests(logged({ operation: 'ListObjectsV2', bucket: 'b', query: { 'list-type': '2', prefix: 'app/layer/' } }))).toEqual([
      ['s3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': ['app/layer/'] }],
    ]);
    expect(
      requests(logged({ service: 'Lambda', operation: 'GetLayerVersion', path: '/2018-10-31/layers/deps/versions/3', region: 'eu-west-1' })),
    ).toEqual([['lambda:GetLayerVersion', 'arn:aws:lambda:eu-west-1:123456789012:layer:deps:3', {}]]);
    expect(requests(logged({ service: 'Lambda', operation: 'ListLayers', path: '/2018-10-31/layers' }))).toEqual([['lambda:ListLayers', '*', {}]]);
    const publish = logged({
      service: 'Lambda',
      method: 'POST',
      operation: 'PublishLayerVersion',
      path: `/2018-10-31/layers/${encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:layer:deps')}/versions`,
      body: '{"Content":{"S3Bucket":"b","S3Key":"app/layer/layer.zip"}}',
    });
    expect(
      authorizationRequestsOf(publish, table, {
        ...context,
        features: ['publish', 'sse-kms'],
        kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/k',
      }).map((r) => [r.action, r.resource]),
    ).toEqual([
      ['lambda:PublishLayerVersion', 'arn:aws:lambda:us-east-1:123456789012:layer:deps'],
      ['s3:GetObject', 'arn:aws:s3:::b/app/layer/layer.zip'],
      ['kms:Decrypt', 'arn:aws:kms:us-east-1:123456789012:key/k'],
    ]);
  });

  it('fails on an operation the table does not know, and lists what a policy denies', () => {
    expect(() => authorizationRequestsOf(logged({ operation: 'DeleteBucket', bucket: 'b' }), table, context)).toThrow(
      /S3 DeleteBucket s3:\/\/b is not in the policy table/,
    );
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/app/*' }],
    };
    expect(
      deniedRequests(
        policy,
        [
          logged({ operation: 'HeadObject', bucket: 'b', key: 'app/layer/layer.zip' }),
          logged({ operation: 'HeadObject', bucket: 'b', key: 'other/x' }),
        ],
        table,
        context,
      ),
    ).toEqual(['S3 HeadObject s3://b/other/x: s3:GetObject on arn:aws:s3:::b/other/x']);
  });

  it("asks a call's own permission whatever the features: a call of a feature the policy was not printed for is denied, not skipped", () => {
    const withRetention: PolicyTableRow[] = [
      ...table,
      { feature: 'retention', operation: 'DeleteLayerVersion', action: 'lambda:DeleteLayerVersion', resource: 'layer-versions', by: 'call' },
    ];
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'lambda:GetLayerVersion', Resource: 'arn:aws:lambda:*:123456789012:layer:deps:*' }],
    };
    const deletion = logged({
      service: 'Lambda',
      method: 'DELETE',
      operation: 'DeleteLayerVersion',
      path: '/2018-10-31/layers/deps/versions/2',
      region: 'eu-west-1',
    });
    expect(deniedRequests(policy, [deletion], withRetention, context)).toEqual([
      'Lambda DeleteLayerVersion /2018-10-31/layers/deps/versions/2: lambda:DeleteLayerVersion on arn:aws:lambda:eu-west-1:123456789012:layer:deps:2',
    ]);
    // What AWS does for the caller follows the features: the KMS key only with SSE-KMS, per region.
    const publish = logged({
      service: 'Lambda',
      method: 'POST',
      operation: 'PublishLayerVersion',
      path: '/2018-10-31/layers/deps/versions',
      region: 'eu-west-1',
      body: '{"Content":{"S3Bucket":"b","S3Key":"k"}}',
    });
    expect(authorizationRequestsOf(publish, table, context).map((r) => r.action)).toEqual(['lambda:PublishLayerVersion', 's3:GetObject']);
    const keyOf = (region: string) => `arn:aws:kms:${region}:123456789012:key/mrk-1`;
    expect(authorizationRequestsOf(publish, table, { ...context, features: ['publish', 'sse-kms'], kmsKeyArn: keyOf }).at(-1)).toMatchObject({
      action: 'kms:Decrypt',
      resource: 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1',
      context: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com'] },
    });
  });
});

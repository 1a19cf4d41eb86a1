import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { GetLayerVersionCommand, ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, testLambdaClient, testS3Client, uniqueName } from './aws.js';
import { type FaultProxy, isWriteOperation, lambdaOperationOf, s3OperationOf, startFaultProxy } from './fault-proxy.js';
import { useTestCa } from './test-ca.js';
import { useFaultProxy } from './use-fault-proxy.js';

const proxy = useFaultProxy();
let bucket: string;
const direct = testS3Client();

beforeAll(async () => {
  bucket = await createTestBucket(direct, 'proxy');
});

const s3 = (maxAttempts = 1, timeoutMs?: number) => testS3Client({ endpoint: proxy.endpoint, maxAttempts, ...(timeoutMs ? { timeoutMs } : {}) });
const lambda = (maxAttempts = 1) => testLambdaClient({ endpoint: proxy.endpoint, maxAttempts });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error & { code?: string; $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number } },
  );
const exists = (key: string) =>
  direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );

describe('fault proxy', () => {
  it('classifies S3 and Lambda requests by service and operation', () => {
    const url = (path: string) => new URL(path, 'http://x');
    expect(s3OperationOf('PUT', url('/b/a/layer.zip'), {})).toEqual({ operation: 'PutObject', bucket: 'b', key: 'a/layer.zip' });
    expect(s3OperationOf('PUT', url('/b/k?partNumber=2&uploadId=u'), {}).operation).toBe('UploadPart');
    expect(s3OperationOf('POST', url('/b/k?uploads'), {}).operation).toBe('CreateMultipartUpload');
    expect(s3OperationOf('POST', url('/b/k?uploadId=u'), {}).operation).toBe('CompleteMultipartUpload');
    expect(s3OperationOf('DELETE', url('/b/k?uploadId=u'), {}).operation).toBe('AbortMultipartUpload');
    expect(s3OperationOf('GET', url('/b?uploads&prefix=k'), {}).operation).toBe('ListMultipartUploads');
    expect(s3OperationOf('GET', url('/b?list-type=2'), {}).operation).toBe('ListObjectsV2');
    expect(s3OperationOf('HEAD', url('/b'), {}).operation).toBe('HeadBucket');
    expect(s3OperationOf('PUT', url('/b/k'), { 'x-amz-copy-source': '/b/j' }).operation).toBe('CopyObject');
    expect(lambdaOperationOf('POST', url('/2018-10-31/layers/deps/versions'))).toBe('PublishLayerVersion');
    expect(lambdaOperationOf('GET', url('/2018-10-31/layers/deps/versions?MaxItems=50'))).toBe('ListLayerVersions');
    expect(lambdaOperationOf('GET', url('/2018-10-31/layers/deps/versions/3'))).toBe('GetLayerVersion');
    expect(lambdaOperationOf('GET', url('/2018-10-31/layers'))).toBe('ListLayers');
    expect(isWriteOperation('PublishLayerVersion')).toBe(true);
    expect(isWriteOperation('ListLayerVersions')).toBe(false);
  });

  it('forwards to moto and logs every request with its service and operation', async () => {
    const key = `${uniqueName('fwd')}/layer.zip`;
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentLength).toBe(5);
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
    expect(body).toBe('hello');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    // A real multipart upload through the proxy.
    const mpuKey = `${uniqueName('mpu')}/layer.zip`;
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: mpuKey }));
    const part = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: mpuKey, UploadId: created.UploadId, PartNumber: 1, Body: randomBytes(1024) }),
    );
    await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: mpuKey }));
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: mpuKey,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );

    const layers = lambda();
    const layerName = uniqueName('proxy-layer');
    await layers.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { S3Bucket: bucket, S3Key: mpuKey } }));
    await layers.send(new ListLayerVersionsCommand({ LayerName: layerName }));
    await layers.send(new GetLayerVersionCommand({ LayerName: layerName, VersionNumber: 1 }));
    await layers.send(new ListLayersCommand({}));

    expect(proxy.requests.map((r) => `${r.service} ${r.operation} ${r.outcome}`)).toEqual([
      'S3 PutObject 200',
      'S3 HeadObject 200',
      'S3 GetObject 200',
      'S3 DeleteObject 204',
      'S3 CreateMultipartUpload 200',
      'S3 UploadPart 200',
      'S3 ListMultipartUploads 200',
      'S3 CompleteMultipartUpload 200',
      'Lambda PublishLayerVersion 201',
      'Lambda ListLayerVersions 200',
      'Lambda GetLayerVersion 200',
      'Lambda ListLayers 200',
    ]);
    expect(proxy.requests[0]).toMatchObject({ bucket, key, method: 'PUT' });
    expect(proxy.count('PutObject', key)).toBe(1);
    expect(await exists(mpuKey)).toBe(true);
  });

  it("answers 5xx in S3's XML error shape and Lambda's JSON shape, which the SDK parses", async () => {
    proxy.addRule({ service: 'S3', operation: 'GetObject', action: { kind: 'server-error' } });
    proxy.addRule({ service: 'Lambda', action: { kind: 'server-error', status: 502 } });
    const s3Error = await failure(s3(2).send(new GetObjectCommand({ Bucket: bucket, Key: 'any' })));
    expect(s3Error.name).toBe('InternalError');
    expect(s3Error.$metadata).toMatchObject({ httpStatusCode: 500, requestId: expect.stringMatching(/^[0-9A-F]{16}$/), attempts: 2 });
    const lambdaError = await failure(lambda().send(new ListLayersCommand({})));
    expect(lambdaError.name).toBe('ServiceException');
    expect(lambdaError.$metadata).toMatchObject({ httpStatusCode: 502, requestId: expect.stringMatching(/^[0-9A-F]{16}$/) });
    expect(proxy.requests.map((r) => [r.operation, r.outcome, r.fault])).toEqual([
      ['GetObject', 500, 'server-error'],
      ['GetObject', 500, 'server-error'],
      ['ListLayers', 502, 'server-error'],
    ]);
  });

  it('answers a bare HTML 5xx (a load balancer, not the service) with `raw`', async () => {
    proxy.addRule({ action: { kind: 'server-error', status: 502, raw: true } });
    const error = await failure(s3().send(new GetObjectCommand({ Bucket: bucket, Key: 'any' })));
    expect(error.$metadata.httpStatusCode).toBe(502);
    expect(error.$metadata.requestId).toBeUndefined();
  });

  it('throttles as each service does: S3 503 SlowDown, Lambda 429 TooManyRequestsException', async () => {
    proxy.addRule({ action: { kind: 'throttle' } });
    const s3Error = await failure(s3().send(new HeadObjectCommand({ Bucket: bucket, Key: 'any' })));
    expect(s3Error.$metadata.httpStatusCode).toBe(503);
    const put = await failure(s3().send(new PutObjectCommand({ Bucket: bucket, Key: 'throttled', Body: 'x' })));
    expect(put.name).toBe('SlowDown');
    const lambdaError = await failure(lambda().send(new ListLayersCommand({})));
    expect(lambdaError.name).toBe('TooManyRequestsException');
    expect(lambdaError.$metadata.httpStatusCode).toBe(429);
    expect(await exists('throttled')).toBe(false);
  });

  it('drops the response after the server acted: the object exists, the client saw a reset', async () => {
    const key = `${uniqueName('drop')}/x`;
    const rule = proxy.addRule({ operation: 'PutObject', times: 1, action: { kind: 'drop-response' } });
    const error = await failure(s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'acted' })));
    expect(error.code).toBe('ECONNRESET');
    expect(rule.fired).toBe(1);
    expect(proxy.requests.at(-1)?.outcome).toBe('dropped');
    expect(await exists(key)).toBe(true);
    // Only the first match: the next request goes through.
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'again' }));
    expect(proxy.requests.at(-1)?.outcome).toBe(200);
  });

  it('hangs: before forwarding nothing happens; with afterForward the server acts and the answer never comes', async () => {
    const before = `${uniqueName('hang')}/before`;
    const after = `${uniqueName('hang')}/after`;
    proxy.addRule({ keyIncludes: '/before', action: { kind: 'hang' } });
    proxy.addRule({ keyIncludes: '/after', action: { kind: 'hang', afterForward: true } });
    const first = await failure(s3(1, 400).send(new PutObjectCommand({ Bucket: bucket, Key: before, Body: 'x' })));
    const second = await failure(s3(1, 400).send(new PutObjectCommand({ Bucket: bucket, Key: after, Body: 'x' })));
    expect([first.name, second.name]).toEqual(['TimeoutError', 'TimeoutError']);
    expect(await exists(before)).toBe(false);
    expect(await exists(after)).toBe(true);
    expect(proxy.requests.map((r) => r.outcome)).toEqual(['hung', 'hung']);
  });

  it('slows a request body to the given rate, and the object still arrives intact', async () => {
    const key = `${uniqueName('slow')}/x`;
    const body = randomBytes(256 * 1024);
    proxy.addRule({ operation: 'PutObject', action: { kind: 'slow-body', bytesPerSecond: 512 * 1024 } });
    const started = Date.now();
    await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    // A lower bound only: 256 KiB at 512 KiB/s cannot arrive in less than about half a second, however fast the machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const got = Buffer.from(await (await direct.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
    expect(got.equals(body)).toBe(true);
    expect(proxy.requests.at(-1)).toMatchObject({ operation: 'PutObject', fault: 'slow-body', outcome: 200 });
  });

  it('waits for a request of an operation to arrive', async () => {
    const waiting = proxy.waitFor('HeadObject', 10_000);
    await s3()
      .send(new HeadObjectCommand({ Bucket: bucket, Key: 'absent' }))
      .catch(() => undefined);
    expect((await waiting).operation).toBe('HeadObject');
  });
});

describe('fault proxy as a forward proxy and a TLS endpoint', () => {
  const ca = useTestCa();
  let forward: FaultProxy | undefined;
  let tlsEndpoint: FaultProxy | undefined;
  beforeAll(async () => {
    tlsEndpoint = await startFaultProxy({ tls: { cert: ca().cert, key: ca().key } });
    forward = await startFaultProxy({
      hosts: { 'aws-endpoint:80': process.env.AWS_ENDPOINT_URL as string, 'aws-endpoint:443': `http://${tlsEndpoint.address}` },
      proxyAuth: { username: 'u', password: 'p@ss' },
    });
  });
  afterAll(async () => {
    await Promise.all([forward?.close(), tlsEndpoint?.close()]);
  });

  const basic = `Basic ${Buffer.from('u:p@ss').toString('base64')}`;
  /** One raw request as a proxy client sends it: an absolute URI on the proxy's socket. */
  const absolute = (headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const [host, port] = forward!.address.split(':');
      const req = httpRequest(
        {
          host,
          port: Number(port),
          method: 'GET',
          path: `http://aws-endpoint/${bucket}?list-type=2&prefix=a%2F`,
          headers: { host: 'aws-endpoint', ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('demands its credentials (407), forwards absolute-URI requests to the host it knows, and logs no credentials', async () => {
    expect((await absolute({})).status).toBe(407);
    const answer = await absolute({
      'proxy-authorization': basic,
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, Signature=x',
      'x-amz-date': '20260101T000000Z',
    });
    expect(answer.status).toBeLessThan(500);
    const [refused, forwarded] = forward!.requests;
    expect(refused).toMatchObject({ via: 'forward', outcome: 407, proxyAuthorization: false });
    expect(forwarded).toMatchObject({
      via: 'forward',
      host: 'aws-endpoint',
      operation: 'ListObjectsV2',
      region: 'us-east-1',
      query: { 'list-type': '2', prefix: 'a/' },
      proxyAuthorization: true,
    });
    expect(JSON.stringify(forward!.requests)).not.toMatch(/p@ss|Signature=|dTpwQHNz/);
  });

  it('tunnels a CONNECT to the TLS endpoint, whose certificate the test CA signed', async () => {
    const [host, port] = forward!.address.split(':');
    const socket = connect(Number(port), host);
    socket.write(`CONNECT aws-endpoint:443 HTTP/1.1\r\nHost: aws-endpoint:443\r\nProxy-Authorization: ${basic}\r\n\r\n`);
    const reply = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    const secure = tlsConnect({ socket, servername: 'aws-endpoint', ca: ca().caPem });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    secure.write(`HEAD /${bucket}/absent HTTP/1.1\r\nHost: aws-endpoint\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nConnection: close\r\n\r\n`);
    const answer = await new Promise<string>((resolve) => secure.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    secure.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(forward!.requests.at(-1)).toMatchObject({ via: 'tunnel', operation: 'CONNECT', host: 'aws-endpoint:443', outcome: 200 });
    expect(tlsEndpoint!.requests.at(-1)).toMatchObject({ operation: 'HeadObject', tls: true, via: 'direct', outcome: 404 });
  });

  it('answers errors in the service shape and rewrites answer headers on request', async () => {
    const key = `${uniqueName('hdr')}/k`;
    await direct.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    proxy.addRule({
      operation: 'HeadObject',
      where: (r) => r.key === key,
      times: 1,
      action: { kind: 'answer-headers', set: { etag: '"not-an-md5"' } },
    });
    expect((await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).toBe('"not-an-md5"');
    expect((await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).not.toBe('"not-an-md5"');
    proxy.addRule({ operation: 'GetObject', action: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' } });
    const refused = await failure(s3().send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
  });
});

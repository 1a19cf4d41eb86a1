import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { LambdaClient, ListLayersCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import {
  annotateAwsErrors,
  bareEtag,
  isAbortError,
  isConditionFailed,
  isNoSuchBucket,
  isNotFound,
  isOutcomeUnknown,
  isTransientAwsError,
  toLayerErrorFromAws,
} from './aws-errors.js';
import { ErrorCodes, LayerError } from './errors.js';

const sdkError = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('AWS errors', () => {
  it.each([
    [
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      ErrorCodes.AWS_CREDENTIALS_MISSING,
    ],
    [sdkError('AccessDenied', 403), ErrorCodes.AWS_ACCESS_DENIED],
    [sdkError('NoSuchBucket', 404), ErrorCodes.AWS_BUCKET_NOT_FOUND],
    [sdkError('ThrottlingException', 400), ErrorCodes.AWS_THROTTLED],
    [sdkError('SlowDown', 503), ErrorCodes.AWS_THROTTLED],
    [sdkError('InternalError', 500), ErrorCodes.AWS_SERVER_ERROR],
    [sdkError('ValidationException', 400), ErrorCodes.AWS_REQUEST_FAILED],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 1 }),
      ErrorCodes.AWS_UNREACHABLE,
    ],
    [Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND', hostname: 'x.invalid' }), ErrorCodes.AWS_DNS_FAILED],
    [Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), ErrorCodes.AWS_TLS_FAILED],
    [Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), ErrorCodes.AWS_CONNECTION_RESET],
    [Object.assign(new Error('timed out after 500 ms'), { name: 'TimeoutError' }), ErrorCodes.AWS_TIMEOUT],
    [Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), ErrorCodes.INTERRUPTED],
  ])('maps %s to a one-line error', (error, code) => {
    const mapped = toLayerErrorFromAws(error, 'read s3://b/layer/layer.zip');
    expect(mapped.code).toBe(code);
    expect(mapped.oneLine).toContain('read s3://b/layer/layer.zip');
    expect(mapped.oneLine).not.toContain('\n');
    expect(mapped.oneLine).not.toMatch(/unexpected error/);
    expect(mapped.hint).toBeTruthy();
  });

  it('names the proxy and the setting to fix: a 407, an unreachable proxy, a proxy answering instead of the service', () => {
    const $proxy = { url: 'http://****@proxy.corp:3128', source: 'HTTPS_PROXY' };
    const auth = toLayerErrorFromAws(Object.assign(sdkError('407', 407), { $proxy }), 'read s3://b/k');
    expect(auth.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(auth.oneLine).toBe(
      "the proxy http://****@proxy.corp:3128 (from HTTPS_PROXY) answered HTTP 407 Proxy Authentication Required instead of AWS while trying to read s3://b/k; give the proxy's user and password in the environment: HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT (or LAYER_PROXY)",
    );
    const down = toLayerErrorFromAws(
      Object.assign(new Error('connect ECONNREFUSED'), {
        code: 'ECONNREFUSED',
        address: '10.0.0.1',
        port: 3128,
        $proxy: { url: 'http://10.0.0.1:3128', source: '--proxy' },
        $endpoint: 's3.eu-west-1.amazonaws.com',
      }),
      'read s3://b/k',
    );
    expect(down.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(down.oneLine).toBe(
      'cannot reach the proxy http://10.0.0.1:3128 (from --proxy): connection refused while trying to read s3://b/k; check the proxy address in --proxy, or list s3.eu-west-1.amazonaws.com in NO_PROXY to reach it directly',
    );
    const gateway = toLayerErrorFromAws(
      Object.assign(sdkError('UnknownError', 502), { $proxy, $endpoint: 'lambda.us-east-1.amazonaws.com' }),
      'list layers',
    );
    expect(gateway.code).toBe(ErrorCodes.AWS_PROXY_FAILED);
    expect(gateway.hint).toBe('check that the proxy lets lambda.us-east-1.amazonaws.com through, or list the host in NO_PROXY');
  });

  it('a TLS failure names the host and the CA settings, or the CA bundle in use', () => {
    const tls = (extra: object) =>
      toLayerErrorFromAws(
        Object.assign(
          new Error('unable to get local issuer certificate'),
          { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', $service: 'S3', $endpoint: 's3.eu-west-1.amazonaws.com' },
          extra,
        ),
        'read s3://b/k',
      );
    expect(tls({}).hint).toBe(
      "if a proxy or a private CA signs s3.eu-west-1.amazonaws.com's certificate, give its CA file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile; check that the endpoint URL uses the right scheme (http or https)",
    );
    const withBundle = tls({ $caBundle: { path: '/etc/ca.pem', source: 'AWS_CA_BUNDLE' } });
    expect(withBundle.code).toBe(ErrorCodes.AWS_TLS_FAILED);
    expect(withBundle.hint).toMatch(
      /^the CA bundle \/etc\/ca\.pem \(from AWS_CA_BUNDLE\) does not hold the CA that signed s3\.eu-west-1\.amazonaws\.com's certificate/,
    );
  });

  it('passes a LayerError through', () => {
    const error = new LayerError(ErrorCodes.INVALID_OPTION, 'x');
    expect(toLayerErrorFromAws(error, 'y')).toBe(error);
  });

  it('tells which failures leave the outcome of a write unknown', () => {
    expect(isOutcomeUnknown(sdkError('InternalError', 500))).toBe(true);
    expect(isOutcomeUnknown(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isOutcomeUnknown(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isOutcomeUnknown(sdkError('SlowDown', 503))).toBe(false);
    expect(isOutcomeUnknown(sdkError('TooManyRequestsException', 429))).toBe(false);
    expect(isOutcomeUnknown(sdkError('ValidationException', 400))).toBe(false);
    expect(isOutcomeUnknown(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isOutcomeUnknown(Object.assign(new Error('dns'), { code: 'ENOTFOUND' }))).toBe(false);
    expect(isTransientAwsError(sdkError('TooManyRequestsException', 429))).toBe(true);
    expect(isTransientAwsError(sdkError('ValidationException', 400))).toBe(false);
    expect(isAbortError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true);
  });
});

describe('AWS errors as the real SDK reports them (through the fault proxy)', () => {
  const proxy = useFaultProxy();

  const s3 = (maxAttempts = 2, timeoutMs?: number) => testS3Client({ endpoint: proxy.endpoint, maxAttempts, ...(timeoutMs ? { timeoutMs } : {}) });
  const mapped = async (request: Promise<unknown>, doing = 'read s3://b/k'): Promise<LayerError> => {
    const error = await request.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    return toLayerErrorFromAws(error, doing);
  };

  it('S3 answering 500 InternalError on every attempt: service, status, code, request id, attempts', async () => {
    proxy.addRule({ action: { kind: 'server-error' } });
    const error = await mapped(s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toMatch(
      /^S3 answered HTTP 500 InternalError \(request id [0-9A-F]{16}\) after 2 attempts while trying to read s3:\/\/b\/k; this is a failure on the AWS side: run again in a few minutes/,
    );
    expect(error.details).toMatchObject({ service: 'S3', status: 500, errorCode: 'InternalError', attempts: 2 });
  });

  it('a 5xx whose body is not S3\'s XML (once "XML parse error" / "UnknownError") is named for what it is', async () => {
    proxy.addRule({ action: { kind: 'server-error', status: 502, raw: true } });
    const error = await mapped(s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toMatch(
      /^S3 answered HTTP 502 with no S3 error code or request id \(an HTTP proxy or load balancer in between\?\) after 2 attempts while trying to read s3:\/\/b\/k;/,
    );
    expect(error.oneLine).not.toMatch(/Unknown|XML/);
  });

  it('a HEAD answered 500 (no body) still gives status and request id', async () => {
    proxy.addRule({ action: { kind: 'server-error' } });
    const error = await mapped(s3().send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.oneLine).toMatch(/^S3 answered HTTP 500 \(request id [0-9A-F]{16}, no error body\) after 2 attempts/);
  });

  it('Lambda answering 5xx JSON, and a bare HTML 502 the SDK cannot parse as JSON', async () => {
    proxy.addRule({ times: 2, action: { kind: 'server-error' } });
    const lambda = testLambdaClient({ endpoint: proxy.endpoint, maxAttempts: 2 });
    const json = await mapped(lambda.send(new ListLayersCommand({})), 'list layers');
    expect(json.oneLine).toMatch(
      /^Lambda answered HTTP 500 ServiceException \(request id [0-9A-F]{16}\) after 2 attempts while trying to list layers;/,
    );
    proxy.addRule({ action: { kind: 'server-error', status: 502, raw: true } });
    const raw = await mapped(lambda.send(new ListLayersCommand({})), 'list layers');
    expect(raw.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(raw.oneLine).toMatch(/^Lambda answered HTTP 502 with no Lambda error code or request id/);
  });

  it('throttling that outlasts the retries', async () => {
    proxy.addRule({ action: { kind: 'throttle' } });
    const error = await mapped(s3().send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })), 'write s3://b/k');
    expect(error.code).toBe(ErrorCodes.AWS_THROTTLED);
    expect(error.oneLine).toMatch(
      /^S3 kept throttling requests \(HTTP 503 SlowDown, request id [0-9A-F]{16}\) after 2 attempts while trying to write s3:\/\/b\/k; wait a minute/,
    );
  });

  it('a hung endpoint: a timeout naming the host and the wait', async () => {
    proxy.addRule({ action: { kind: 'hang' } });
    const error = await mapped(s3(2, 300).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.code).toBe(ErrorCodes.AWS_TIMEOUT);
    expect(error.oneLine).toBe(
      `S3 at ${new URL(proxy.endpoint).host} did not answer within 0.3 s after 2 attempts while trying to read s3://b/k; check the network and run again; LAYER_AWS_TIMEOUT (seconds) sets how long to wait for an answer`,
    );
  });

  it('a connection that drops before the answer', async () => {
    proxy.addRule({ action: { kind: 'drop-response' } });
    const error = await mapped(s3().send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.code).toBe(ErrorCodes.AWS_CONNECTION_RESET);
    expect(error.oneLine).toMatch(/^the connection to S3 at 127\.0\.0\.1:\d+ was closed before an answer came \(ECONNRESET\) after 2 attempts/);
  });

  it('connection refused names host:port; DNS failure names the host', async () => {
    const refused = await mapped(
      testS3Client({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 }).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(refused.code).toBe(ErrorCodes.AWS_UNREACHABLE);
    expect(refused.oneLine).toMatch(
      /^cannot connect to S3 at 127\.0\.0\.1:1: connection refused after 1 attempt while trying to read s3:\/\/b\/k; check --endpoint-url/,
    );
    const dns = await mapped(
      testS3Client({ endpoint: 'http://no-such-host.invalid:9000', maxAttempts: 1 }).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })),
    );
    expect(dns.code).toBe(ErrorCodes.AWS_DNS_FAILED);
    expect(dns.oneLine).toMatch(/^cannot resolve the host name no-such-host\.invalid \(DNS(, temporary failure)?\) after 1 attempt/);
  });

  it('a TLS failure names the host and AWS_CA_BUNDLE', async () => {
    // A TLS server without a certificate the client trusts: the handshake fails.
    const server = createServer({});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const client = annotateAwsErrors(
        new S3Client({
          endpoint: `https://127.0.0.1:${port}`,
          region: 'us-east-1',
          forcePathStyle: true,
          maxAttempts: 1,
          credentials: { accessKeyId: 't', secretAccessKey: 't' },
        }),
      );
      const error = await mapped(client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
      expect(error.code).toBe(ErrorCodes.AWS_TLS_FAILED);
      expect(error.oneLine).toMatch(
        new RegExp(`^TLS with S3 at 127\\.0\\.0\\.1:${port} failed \\(.*\\) after 1 attempt while trying to read s3://b/k; .*AWS_CA_BUNDLE`),
      );
    } finally {
      server.close();
    }
  });

  it("a bucket in another region (S3's 301 with x-amz-bucket-region)", async () => {
    proxy.addRule({ action: { kind: 'respond', status: 301, headers: { 'x-amz-bucket-region': 'eu-west-1' } } });
    const error = await mapped(s3().send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(error.code).toBe(ErrorCodes.AWS_WRONG_REGION);
    expect(error.oneLine).toBe(
      'the S3 bucket is in region eu-west-1, not in the region this run uses (while trying to read s3://b/k); pass --region eu-west-1 (or set AWS_REGION), or use a bucket in your region',
    );
  });

  it('annotateAwsErrors is idempotent and names the Lambda service for an unparsable answer', async () => {
    const lambda = annotateAwsErrors(
      annotateAwsErrors(
        new LambdaClient({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 't', secretAccessKey: 't' } }),
      ),
    );
    proxy.addRule({ action: { kind: 'server-error', status: 503, raw: true } });
    const error = await lambda.send(new ListLayersCommand({})).catch((e: unknown) => e as { $service?: string; $endpoint?: string });
    expect(error).toMatchObject({ $service: 'Lambda', $endpoint: new URL(proxy.endpoint).host });
  });
});

describe('S3 and Lambda error predicates', () => {
  it('classifies not-found and lost conditional writes', () => {
    expect(isNotFound(sdkError('NotFound', 404))).toBe(true);
    expect(isNotFound(sdkError('NoSuchKey', 404))).toBe(true);
    expect(isNotFound(sdkError('NoSuchBucket', 404))).toBe(false);
    expect(isNoSuchBucket(sdkError('NoSuchBucket', 404))).toBe(true);
    // The one predicate serves every caller: a HEAD's bare 404, a multipart upload gone, a Lambda resource gone.
    expect(isNotFound(sdkError('UnknownError', 404))).toBe(true);
    expect(isNotFound(sdkError('NoSuchUpload', 404))).toBe(true);
    expect(isNotFound(sdkError('ResourceNotFoundException', 404))).toBe(true);
    expect(isNotFound(sdkError('AccessDenied', 403))).toBe(false);
    expect(isConditionFailed(sdkError('PreconditionFailed', 412))).toBe(true);
    expect(isConditionFailed(sdkError('ConditionalRequestConflict', 409))).toBe(true);
    expect(isConditionFailed(sdkError('AccessDenied', 403))).toBe(false);
    expect(bareEtag('"abc"')).toBe('abc');
  });
});

/**
 * Remote faults at the library level: real clients talk to moto through the
 * fault proxy (tools/testing/fault-proxy.ts), so the SDK's real retry
 * strategy, error parsing and abort handling run. Each case asserts the state
 * left (layer versions, stored manifests, the lock object) and the message.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, md5Hex, s3Layout } from '@lambda-layer/core';
import { type FaultRule, testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import type { PublishLayerVersionOptions } from './options.js';
import { failure, layerKeys, type PublishFixture, publishOptionsOf, storedManifest, usePublishFixtures, versionsOf } from './publish.fixture.js';
import { publishLayerVersion } from './publish-layer-version.js';

const proxy = useFaultProxy();

const LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';
const publishFixtures = usePublishFixtures();
const ready = () => publishFixtures.ready(LOCK);

/** Options whose clients go through the proxy (SDK retries: 3 attempts; a request silent for 1.5 s times out). */
function viaProxy(
  f: PublishFixture,
  extra: Partial<PublishLayerVersionOptions> = {},
  client: { maxAttempts?: number; timeoutMs?: number } = {},
): PublishLayerVersionOptions {
  const settings = { endpoint: proxy.endpoint, maxAttempts: client.maxAttempts ?? 3, timeoutMs: client.timeoutMs ?? 1_500 };
  return publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), ...extra });
}

const onPublish = (action: FaultRule['action'], times?: number): FaultRule => ({
  service: 'Lambda',
  operation: 'PublishLayerVersion',
  ...(times ? { times } : {}),
  action,
});

describe('publish under lost answers: exactly one version', () => {
  it('PublishLayerVersion acted but its answer was lost: the version is adopted, not published twice', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'drop-response' }, 1));
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(viaProxy(f, { logger }));

    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    // Sent once: the SDK did not retry it blindly.
    expect(proxy.count('PublishLayerVersion')).toBe(1);
    expect(proxy.requests.find((r) => r.operation === 'PublishLayerVersion')?.outcome).toBe('dropped');
    expect((await storedManifest(f, 1))?.body).toBe(LOCK);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
    const log = logger.lines.join('\n');
    expect(log).toMatch(
      /no answer to PublishLayerVersion \(the connection to Lambda at 127\.0\.0\.1:\d+ was closed before an answer came \(ECONNRESET\)/,
    );
    expect(log).toContain("Lambda did publish it: version 1 appeared with this layer.zip's CodeSha256; adopting it");
  });

  it('PublishLayerVersion acted but never answered (timeout): adopted as well', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'hang', afterForward: true }, 1));
    const result = await publishLayerVersion(viaProxy(f, {}, { timeoutMs: 800 }));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(proxy.count('PublishLayerVersion')).toBe(1);
  });

  it('PublishLayerVersion answered 500 without acting: checked, then sent again, one version', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'server-error' }, 1));
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(viaProxy(f, { logger }));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(proxy.count('PublishLayerVersion')).toBe(2);
    expect(logger.lines.join('\n')).toContain('no version appeared: Lambda did not publish it');
  });

  it('PublishLayerVersion throttled (429): sent again after a wait, without a check, one version', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'throttle' }, 1));
    const result = await publishLayerVersion(viaProxy(f));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(proxy.count('PublishLayerVersion')).toBe(2);
    expect(proxy.operations((r) => r.service === 'Lambda')).toEqual([
      'ListLayers',
      'ListLayerVersions',
      'PublishLayerVersion',
      'PublishLayerVersion',
    ]);
  });

  it('PublishLayerVersion failing on every attempt: one line with the attempts, no version, no lock left', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'server-error', code: 'ServiceException' }));
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toMatch(
      new RegExp(
        `^Lambda answered HTTP 500 ServiceException \\(request id [0-9A-F]{16}\\) after 3 attempts while trying to publish a version of layer ${f.layerName}; this is a failure on the AWS side`,
      ),
    );
    expect(proxy.count('PublishLayerVersion')).toBe(3);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
    expect(await layerKeys(f)).toEqual(['layer.zip']);
    // The next run is not blocked by a lock.
    const next = await publishLayerVersion(publishOptionsOf(f, { lock: { waitMs: 0, pollMs: 10 } }));
    expect(next).toMatchObject({ status: 'published', layerVersion: 1 });
  });

  it('the manifest PUT answer is lost once: the SDK sends the same bytes again (idempotent by content)', async () => {
    const f = await ready();
    const manifestKey = s3Layout(f.s3dir, f.tool).manifestForVersion(1).key;
    proxy.addRule({ service: 'S3', operation: 'PutObject', keyIncludes: manifestKey, times: 1, action: { kind: 'drop-response' } });
    const result = await publishLayerVersion(viaProxy(f));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(proxy.count('PutObject', manifestKey)).toBe(2);
    expect(await storedManifest(f, 1)).toEqual({ body: LOCK, etag: md5Hex(LOCK), contentType: 'text/plain' });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
  });

  it('the manifest PUT answer is lost on every attempt: one line, and the next run adopts the version', async () => {
    const f = await ready();
    const manifestKey = s3Layout(f.s3dir, f.tool).manifestForVersion(1).key;
    proxy.addRule({ service: 'S3', operation: 'PutObject', keyIncludes: manifestKey, action: { kind: 'drop-response' } });
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.AWS_CONNECTION_RESET);
    expect(error.oneLine).toMatch(
      /after 3 attempts while trying to store s3:\/\/.*\/000001\/uv\.lock; layer version 1 is published but its uv\.lock is not stored; run `layer publish` again/,
    );
    // Each dropped PUT did land: the bytes are the manifest's, whatever the answers said.
    expect((await storedManifest(f, 1))?.etag).toBe(md5Hex(LOCK));
    proxy.clearRules();
    const next = await publishLayerVersion(viaProxy(f));
    expect(next).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('the lock PUT answer is lost: the run recognises its own lock and publishes once', async () => {
    const f = await ready();
    const lockKey = s3Layout(f.s3dir, f.tool).publishLock.key;
    proxy.addRule({ service: 'S3', operation: 'PutObject', keyIncludes: lockKey, times: 1, action: { kind: 'drop-response' } });
    const result = await publishLayerVersion(viaProxy(f, { lock: { waitMs: 2_000, pollMs: 50 } }));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(proxy.requests.filter((r) => r.key === lockKey).map((r) => `${r.operation} ${r.outcome}`)).toEqual([
      'PutObject dropped',
      'PutObject 412',
      'GetObject 200',
      'DeleteObject 204',
    ]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('PublishLayerVersion answers without a version number: E_PUBLISH_FAILED, nothing stored, the lock released', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'respond', status: 201, headers: { 'content-type': 'application/json' }, body: '{}' }));
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.PUBLISH_FAILED);
    expect(error.oneLine).toBe(
      `PublishLayerVersion for ${f.layerName} returned no version number; check the layer in the Lambda console and run again`,
    );
    // The canned answer never reached Lambda: no version, no manifest stored for one, and no lock left behind.
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
    expect(await layerKeys(f)).toEqual(['layer.zip']);
  });
});

describe('publish under 5xx and throttling', () => {
  it("5xx and throttling bursts on reads and the lock succeed after the SDK's retries", async () => {
    const f = await ready();
    proxy.addRule({ service: 'S3', operation: 'HeadObject', times: 2, action: { kind: 'server-error' } });
    proxy.addRule({ service: 'Lambda', operation: 'ListLayers', times: 1, action: { kind: 'throttle' } });
    proxy.addRule({ service: 'Lambda', operation: 'ListLayerVersions', times: 2, action: { kind: 'server-error', status: 503, raw: true } });
    proxy.addRule({ service: 'S3', operation: 'PutObject', times: 1, action: { kind: 'throttle' } });
    const result = await publishLayerVersion(viaProxy(f));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(proxy.requests.filter((r) => r.fault).length).toBe(6);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('persistent 5xx: one line naming service, status, code, request id and attempts; nothing changed', async () => {
    const f = await ready();
    proxy.addRule({ service: 'Lambda', operation: 'ListLayerVersions', action: { kind: 'server-error' } });
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toMatch(
      new RegExp(
        `^Lambda answered HTTP 500 ServiceException \\(request id [0-9A-F]{16}\\) after 3 attempts while trying to list the versions of layer ${f.layerName};`,
      ),
    );
    expect(proxy.count('PublishLayerVersion')).toBe(0);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
    expect(await layerKeys(f)).toEqual(['layer.zip']);
  });

  it('throttling that outlasts the retries: one line, no lock left behind', async () => {
    const f = await ready();
    proxy.addRule({ service: 'Lambda', operation: 'ListLayerVersions', action: { kind: 'throttle' } });
    const error = await failure(publishLayerVersion(viaProxy(f, {}, { maxAttempts: 2 })));
    expect(error.code).toBe(ErrorCodes.AWS_THROTTLED);
    expect(error.oneLine).toMatch(
      new RegExp(
        `^Lambda kept throttling requests \\(HTTP 429 TooManyRequestsException, request id [0-9A-F]{16}\\) after 2 attempts while trying to list the versions of layer ${f.layerName}; wait a minute and run again, or raise AWS_MAX_ATTEMPTS$`,
      ),
    );
    expect(await layerKeys(f)).toEqual(['layer.zip']);
  });

  it('AccessDenied on the first HEAD: one line that explains the 403 (a missing object without s3:ListBucket)', async () => {
    const f = await ready();
    proxy.addRule({
      service: 'S3',
      operation: 'HeadObject',
      action: {
        kind: 'respond',
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      },
    });
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(error.oneLine).toMatch(
      /^S3 answered 403 Forbidden to a HEAD of s3:\/\/.*\/layer\/layer\.zip while trying to read s3:\/\/.*: S3 answers 403, not 404, when the object does not exist and the caller lacks s3:ListBucket; grant s3:ListBucket on arn:aws:s3:::/,
    );
  });

  it("a bucket in another region is named (S3's 301 on the first HeadObject)", async () => {
    const f = await ready();
    proxy.addRule({
      service: 'S3',
      operation: 'HeadObject',
      action: { kind: 'respond', status: 301, headers: { 'x-amz-bucket-region': 'ap-southeast-2' } },
    });
    const error = await failure(publishLayerVersion(viaProxy(f)));
    expect(error.code).toBe(ErrorCodes.AWS_WRONG_REGION);
    expect(error.oneLine).toMatch(
      /^the S3 bucket is in region ap-southeast-2, not in the region this run uses \(while trying to read s3:\/\/.*layer\.zip\); pass --region ap-southeast-2/,
    );
  });
});

describe('publish interrupted (AbortSignal, as Ctrl-C / SIGTERM give it)', () => {
  it("while waiting for another run's lock: nothing published, the other lock untouched", async () => {
    const f = await ready();
    const lockPath = s3Layout(f.s3dir, f.tool).publishLock;
    await f.s3.send(
      new PutObjectCommand({
        Bucket: lockPath.bucket,
        Key: lockPath.key,
        Body: JSON.stringify({ owner: 'x', host: 'other-machine', pid: 1, acquiredAt: 'now' }),
      }),
    );
    const controller = new AbortController();
    const logger = createMemoryLogger();
    const running = publishLayerVersion(viaProxy(f, { signal: controller.signal, logger, lock: { waitMs: 60_000, pollMs: 100 } }));
    await expect.poll(() => logger.lines.join('\n'), { timeout: 10_000 }).toContain('waiting for the publish lock');
    const abortedAt = Date.now();
    controller.abort();
    const error = await failure(running);
    // The step stops within about 2 s; the bound is generous for a loaded machine.
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    expect(error.code).toBe(ErrorCodes.INTERRUPTED);
    expect(error.oneLine).toBe('interrupted: no version was published (stopped before PublishLayerVersion); run `layer publish` again');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
    expect(await layerKeys(f)).toEqual(['.publish.lock', 'layer.zip']);
  });

  it('while PublishLayerVersion was in flight and Lambda acted: says which version, and the next run adopts it', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'hang', afterForward: true }));
    const controller = new AbortController();
    const running = publishLayerVersion(viaProxy(f, { signal: controller.signal }, { timeoutMs: 30_000 }));
    await proxy.waitFor('PublishLayerVersion');
    // Let moto finish publishing before the interruption.
    await expect.poll(() => versionsOf(f.lambda, f.layerName), { timeout: 10_000 }).toEqual([1]);
    controller.abort();
    const error = await failure(running);
    expect(error.code).toBe(ErrorCodes.INTERRUPTED);
    expect(error.oneLine).toBe(
      'interrupted: version 1 was published; its manifest is not stored; run `layer publish` again (it adopts version 1 and stores the manifest)',
    );
    expect(error.details).toMatchObject({ layerVersion: 1 });
    // The lock was released on the way out.
    expect(await layerKeys(f)).toEqual(['layer.zip']);

    proxy.clearRules();
    const next = await publishLayerVersion(viaProxy(f));
    expect(next).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect((await storedManifest(f, 1))?.body).toBe(LOCK);
  });

  it('while PublishLayerVersion was in flight and Lambda had not acted: no version', async () => {
    const f = await ready();
    proxy.addRule(onPublish({ kind: 'hang' }));
    const controller = new AbortController();
    const running = publishLayerVersion(viaProxy(f, { signal: controller.signal }, { timeoutMs: 30_000 }));
    await proxy.waitFor('PublishLayerVersion');
    controller.abort();
    const error = await failure(running);
    expect(error.oneLine).toBe('interrupted: no version was published (stopped before PublishLayerVersion); run `layer publish` again');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
    expect(await layerKeys(f)).toEqual(['layer.zip']);
  });
});

describe('publish --force, --force-unlock and layer ARN checks', () => {
  it('--force publishes a new version of an unchanged manifest and backs the manifest up for it', async () => {
    const f = await ready();
    await publishLayerVersion(publishOptionsOf(f));
    expect(await publishLayerVersion(publishOptionsOf(f))).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    const logger = createMemoryLogger();
    const forced = await publishLayerVersion(publishOptionsOf(f, { force: true, logger }));
    expect(forced).toMatchObject({ status: 'published', layerVersion: 2, s3pathManifest: `${f.s3dir}layer/000002/uv.lock` });
    expect(logger.lines.join('\n')).toContain('--force: layer version 1 already holds this uv.lock; publishing a new version anyway');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2]);
    expect((await storedManifest(f, 2))?.body).toBe(LOCK);
    expect(await publishLayerVersion(publishOptionsOf(f))).toMatchObject({ status: 'unchanged', layerVersion: 2 });
  });

  it('--force-unlock removes a stuck lock, saying who held it, then publishes', async () => {
    const f = await ready();
    const lockPath = s3Layout(f.s3dir, f.tool).publishLock;
    await f.s3.send(
      new PutObjectCommand({
        Bucket: lockPath.bucket,
        Key: lockPath.key,
        Body: JSON.stringify({ owner: 'x', host: 'ci-runner-3', pid: 4711, acquiredAt: '2026-01-01T00:00:00.000Z' }),
      }),
    );
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(publishOptionsOf(f, { forceUnlock: true, logger, lock: { waitMs: 0, pollMs: 10 } }));
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(logger.lines).toContain(
      `warning: --force-unlock: removed the publish lock ${lockPath.uri} (held by pid 4711 on ci-runner-3 since 2026-01-01T00:00:00.000Z)`,
    );
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);

    // With nothing to publish, the stuck lock goes all the same.
    await f.s3.send(
      new PutObjectCommand({
        Bucket: lockPath.bucket,
        Key: lockPath.key,
        Body: JSON.stringify({ owner: 'y', host: 'ci-runner-4', pid: 1, acquiredAt: 'then' }),
      }),
    );
    expect(await publishLayerVersion(publishOptionsOf(f, { forceUnlock: true }))).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('refuses a layer ARN of another region before any AWS call', async () => {
    const f = await ready();
    const error = await failure(publishLayerVersion(viaProxy(f, { layerName: `arn:aws:lambda:eu-west-1:123456789012:layer:${f.layerName}` })));
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.oneLine).toBe(
      `--layer-name arn:aws:lambda:eu-west-1:123456789012:layer:${f.layerName} is a layer in region eu-west-1, but this run publishes in us-east-1; pass --region eu-west-1, or the plain layer name ${f.layerName} to publish in us-east-1`,
    );
    expect(proxy.requests).toEqual([]);
  });

  it('refuses a layer ARN of another account: before any call when the credentials name the account, else before any write', async () => {
    const f = await ready();
    const arn = `arn:aws:lambda:us-east-1:999999999999:layer:${f.layerName}`;
    const options = viaProxy(f, { layerName: arn });
    (options.lambdaClient.config as { credentials: () => Promise<object> }).credentials = async () => ({
      accessKeyId: 't',
      secretAccessKey: 't',
      accountId: '123456789012',
    });
    const early = await failure(publishLayerVersion(options));
    expect(early.oneLine).toBe(
      `--layer-name ${arn} is a layer of account 999999999999, but the AWS credentials are for account 123456789012; use credentials of account 999999999999 (--profile), or the plain layer name ${f.layerName} to publish in account 123456789012`,
    );
    expect(proxy.requests).toEqual([]);

    // Credentials without an account id: ListLayers shows the account (moto's), still before any write.
    await publishLayerVersion(publishOptionsOf(f));
    proxy.clearLog();
    const late = await failure(publishLayerVersion(viaProxy(f, { layerName: arn })));
    expect(late.oneLine).toContain('is a layer of account 999999999999, but the AWS credentials are for account 123456789012');
    expect(proxy.operations()).toEqual(['HeadObject', 'ListLayers']);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
  });
});

/**
 * The remote half of the fault catalogue: the real `layer` bin (spawned
 * directly, so signals reach it) talks to moto through the fault proxy; each
 * case checks the one error line and the state left in S3 and Lambda (objects,
 * ETags, open multipart uploads, layer versions, the lock object, files).
 * Needs the built bin (`npx tsc -b`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { LAMBDA_LIMITS, LAMBDA_RUNTIMES, localLayout } from '@lambda-layer/core';
import {
  createTestBucket,
  type LayerExit,
  parseJsonOutput,
  runLayer,
  type RunResult,
  stampPackage,
  startLayer,
  testLambdaClient,
  testS3Client,
  uniqueName,
  useFaultProxy,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishResultPath } from '../result-file.js';

const MiB = 1024 * 1024;
/** One more compatible runtime than Lambda takes, each one Lambda knows. */
const oneRuntimeTooMany = LAMBDA_RUNTIMES.slice(-(LAMBDA_LIMITS.compatibleRuntimesMax + 1));
const UV_LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';
const s3 = testS3Client();
const lambda = testLambdaClient();
const proxy = useFaultProxy();
let root: string;
let bucket: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-remote-faults-'));
  bucket = await createTestBucket(s3, 'faults');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Project {
  dir: string;
  s3dir: string;
  /** {s3dir}layer/ as a key prefix. */
  prefix: string;
  zipKey: string;
  lockKey: string;
  layerName: string;
}

/** A project after `layer package`: pyproject.toml, uv.lock and a layer.zip of `zipBytes` random bytes. */
async function project(zipBytes = 4096): Promise<Project> {
  const dir = await mkdtemp(join(root, 'project-'));
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
  await writeFile(join(dir, 'uv.lock'), UV_LOCK);
  await mkdir(localLayout(dir).buildDir, { recursive: true });
  await writeFile(localLayout(dir).layerZip, randomBytes(zipBytes));
  // What `layer package` records when it finishes: upload trusts only a stamped zip.
  await stampPackage(dir);
  const app = uniqueName('app');
  const prefix = `${app}/lambda/layer/`;
  return {
    dir,
    s3dir: `s3://${bucket}/${app}/lambda/`,
    prefix,
    zipKey: `${prefix}layer.zip`,
    lockKey: `${prefix}.publish.lock`,
    layerName: uniqueName('deps'),
  };
}

/** The bin's environment with its AWS endpoint at the proxy (or moto itself). */
function env(extra: Record<string, string> = {}, endpoint = proxy.endpoint): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ENDPOINT_URL: endpoint, ...extra };
}

const upload = (p: Project, extra: string[] = [], environment = env()) =>
  runLayer(['upload', '--project-dir', p.dir, '--s3dir', p.s3dir, '--json', ...extra], { env: environment });
const publishArgs = (p: Project, extra: string[] = []) => [
  'publish',
  '--project-dir',
  p.dir,
  ...(extra.includes('--layer-name') ? [] : ['--layer-name', p.layerName]),
  '--s3dir',
  p.s3dir,
  '--json',
  ...extra,
];
const publish = (p: Project, extra: string[] = [], environment = env()) => runLayer(publishArgs(p, extra), { env: environment });

/** Exactly one `error:` line on stderr, no stack trace, and the same code in the one JSON object on stdout. */
function expectOneLineError(result: RunResult, code: string, line: RegExp): void {
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors, result.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(line);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(parseJsonOutput<{ error: { code: string } }>(result).error.code).toBe(code);
}

/** An interrupted run: exit 130 (SIGINT) / 143 (SIGTERM), one line, and `"status":"interrupted"`. */
function expectInterrupted(result: RunResult | LayerExit, signal: 'SIGINT' | 'SIGTERM', line: RegExp): void {
  const run = { ...result, code: result.code ?? -1 };
  expect(run.code, run.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
  expectOneLineError(run, 'E_INTERRUPTED', line);
  expect(parseJsonOutput<{ status: string }>(run).status).toBe('interrupted');
}

/** A project whose layer.zip is in S3 (uploaded straight to moto), ready to publish. */
async function uploaded(): Promise<Project> {
  const p = await project();
  const result = await upload(p, [], env({}, process.env.AWS_ENDPOINT_URL));
  expect(result.code, result.stderr).toBe(0);
  return p;
}

const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
const openUploads = async (prefix: string) => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }))).Uploads ?? [];
const keysUnder = async (prefix: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
    .map((o) => (o.Key ?? '').slice(prefix.length))
    .sort();
const versionsOf = async (layerName: string) =>
  ((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName })).catch(() => ({ LayerVersions: [] }))).LayerVersions ?? [])
    .map((v) => v.Version)
    .sort();
/** The publish lock of `p`, as another run (pid 77 on ci-runner-9) holds it. */
const lockHeldByAnotherRun = (p: Project) =>
  s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: p.lockKey,
      Body: JSON.stringify({ owner: 'o', host: 'ci-runner-9', pid: 77, acquiredAt: '2026-01-01T00:00:00.000Z' }),
    }),
  );
/** publish-result.json and any temporary file beside it (a half-written result) in the project's build folder. */
const resultFiles = async (p: Project) =>
  (await readdir(localLayout(p.dir).buildDir)).filter((name) => name.startsWith('.publish-result.json') || name === 'publish-result.json');
const records = (p: Project) => readdir(localLayout(p.dir).multipartUploads).catch(() => [] as string[]);

describe('layer upload: signals', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s mid-multipart really aborts: S3 keeps the previous zip (same ETag), no upload left open',
    async (signal) => {
      const p = await project(24 * MiB);
      // The previous good upload.
      expect((await upload(p, [], env({}, process.env.AWS_ENDPOINT_URL))).code).toBe(0);
      const before = await head(p.zipKey);
      await writeFile(localLayout(p.dir).layerZip, randomBytes(24 * MiB));
      await stampPackage(p.dir);
      // Parts crawl through the proxy, so the signal lands with parts in flight.
      proxy.addRule({ operation: 'UploadPart', action: { kind: 'slow-body', bytesPerSecond: 512 * 1024 } });

      const running = startLayer(['upload', '--project-dir', p.dir, '--s3dir', p.s3dir, '--json'], { env: env() });
      await proxy.waitFor('UploadPart');
      expect(await records(p)).toHaveLength(1);
      const signalledAt = Date.now();
      running.kill(signal);
      const result = await running.exited;
      // The step stops within about 2 s; the bound is generous for a loaded machine.
      expect(Date.now() - signalledAt).toBeLessThan(5_000);

      expectInterrupted(
        result,
        signal,
        /^error: interrupted by SIG(?:INT|TERM): the upload of layer\.zip to s3:\/\/.* stopped; S3 still holds the previous layer\.zip and no multipart upload is left open; run `layer upload` again$/,
      );
      expect(result.stdout).not.toContain('"uploaded"');
      expect(proxy.count('CompleteMultipartUpload')).toBe(0);
      expect(proxy.count('AbortMultipartUpload')).toBe(1);
      expect(await openUploads(p.prefix)).toEqual([]);
      expect((await head(p.zipKey))?.ETag).toBe(before?.ETag);
      expect(await records(p)).toEqual([]);
    },
  );

  it('SIGKILL mid-multipart leaves the upload open; the next upload aborts it and says how many', async () => {
    const p = await project(24 * MiB);
    proxy.addRule({ operation: 'UploadPart', action: { kind: 'slow-body', bytesPerSecond: 512 * 1024 } });
    const running = startLayer(['upload', '--project-dir', p.dir, '--s3dir', p.s3dir, '--json'], { env: env() });
    await proxy.waitFor('UploadPart');
    running.kill('SIGKILL');
    const killed = await running.exited;
    expect(killed.signal).toBe('SIGKILL');
    // What kill -9 leaves: an open multipart upload (billed parts), its record on disk, no object.
    const open = await openUploads(p.prefix);
    expect(open).toHaveLength(1);
    expect(await records(p)).toHaveLength(1);
    expect(await head(p.zipKey)).toBeUndefined();

    proxy.clearRules();
    const next = await upload(p);
    expect(next.code, next.stderr).toBe(0);
    expect(parseJsonOutput(next)).toMatchObject({ status: 'uploaded', abortedMultipartUploads: 1 });
    expect(next.stderr).toContain(`aborted 1 incomplete multipart upload of s3://${bucket}/${p.zipKey} left by an earlier run`);
    expect(proxy.requests.filter((r) => r.operation === 'AbortMultipartUpload').map((r) => r.outcome)).toEqual([204]);
    expect(await openUploads(p.prefix)).toEqual([]);
    expect(await records(p)).toEqual([]);
    expect((await head(p.zipKey))?.ContentLength).toBe(24 * MiB);
  });
});

describe('layer upload: lost answers, 5xx, throttling, hangs', () => {
  it('the answer to CompleteMultipartUpload is lost on every attempt: S3 holds the new zip, exit 0', async () => {
    const p = await project(17 * MiB);
    proxy.addRule({ operation: 'CompleteMultipartUpload', action: { kind: 'drop-response' } });
    const result = await upload(p);
    expect(result.code, result.stderr).toBe(0);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'uploaded', bytes: 17 * MiB });
    expect(proxy.requests.filter((r) => r.operation === 'CompleteMultipartUpload').map((r) => r.outcome)).toEqual(['dropped', 'dropped', 'dropped']);
    expect((await head(p.zipKey))?.ContentLength).toBe(17 * MiB);
    expect(await openUploads(p.prefix)).toEqual([]);
  });

  it('a 5xx burst succeeds after the retries', async () => {
    const p = await project();
    proxy.addRule({ operation: 'PutObject', times: 2, action: { kind: 'server-error' } });
    proxy.addRule({ operation: 'HeadObject', times: 1, action: { kind: 'server-error', status: 503, raw: true } });
    const result = await upload(p);
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.requests.filter((r) => r.fault).map((r) => `${r.operation} ${r.outcome}`)).toEqual([
      'HeadObject 503',
      'PutObject 500',
      'PutObject 500',
    ]);
    expect(await head(p.zipKey)).toBeDefined();
  });

  it('persistent 5xx: one line with service, status, code, request id and attempts; S3 unchanged', async () => {
    const p = await project();
    proxy.addRule({ operation: 'PutObject', action: { kind: 'server-error' } });
    const result = await upload(p);
    expect(result.code).toBe(1);
    expectOneLineError(
      result,
      'E_AWS_SERVER_ERROR',
      /^error: S3 answered HTTP 500 InternalError \(request id [0-9A-F]{16}\) after 3 attempts while trying to upload layer\.zip to s3:\/\/.*; this is a failure on the AWS side/,
    );
    expect(await keysUnder(p.prefix)).toEqual([]);
  });

  it('a bare 5xx page (not S3\'s XML) is named for what it is, not "UnknownError"', async () => {
    const p = await project();
    proxy.addRule({ operation: 'PutObject', action: { kind: 'server-error', status: 502, raw: true } });
    const result = await upload(p, [], env({ AWS_MAX_ATTEMPTS: '2' }));
    expectOneLineError(
      result,
      'E_AWS_SERVER_ERROR',
      /^error: S3 answered HTTP 502 with no S3 error code or request id \(an HTTP proxy or load balancer in between\?\) after 2 attempts/,
    );
  });

  it('throttling that outlasts the retries', async () => {
    const p = await project();
    proxy.addRule({ operation: 'PutObject', action: { kind: 'throttle' } });
    const result = await upload(p, [], env({ AWS_MAX_ATTEMPTS: '2' }));
    expectOneLineError(
      result,
      'E_AWS_THROTTLED',
      /^error: S3 kept throttling requests \(HTTP 503 SlowDown, request id [0-9A-F]{16}\) after 2 attempts while trying to upload/,
    );
    expect(await keysUnder(p.prefix)).toEqual([]);
  });

  it('a hung endpoint times out (LAYER_AWS_TIMEOUT) with one line naming the host', async () => {
    const p = await project();
    proxy.addRule({ operation: 'HeadObject', action: { kind: 'hang' } });
    const result = await upload(p, [], env({ LAYER_AWS_TIMEOUT: '1', AWS_MAX_ATTEMPTS: '2' }));
    expectOneLineError(
      result,
      'E_AWS_TIMEOUT',
      new RegExp(
        `^error: S3 at ${new URL(proxy.endpoint).host.replace(/\./g, '\\.')} did not answer within 1 s after 2 attempts while trying to read s3://`,
      ),
    );
    expect(proxy.count('PutObject')).toBe(0);
  });

  it('an unreachable endpoint and an invalid endpoint URL: one line each, nothing sent', async () => {
    const p = await project();
    const refused = await upload(p, [], env({ AWS_MAX_ATTEMPTS: '1' }, 'http://127.0.0.1:1'));
    expectOneLineError(
      refused,
      'E_AWS_UNREACHABLE',
      /^error: cannot connect to S3 at 127\.0\.0\.1:1: connection refused after 1 attempt while trying to read s3:\/\//,
    );
    const invalid = await upload(p, ['--endpoint-url', 'notaurl']);
    expect(invalid.code).toBe(2);
    expectOneLineError(
      invalid,
      'E_USAGE',
      /^error: invalid --endpoint-url: endpoint URL invalid: "notaurl" is not an http\(s\) URL; pass a URL such as/,
    );
    expect(proxy.requests).toEqual([]);
  });
});

describe('layer publish: signals and kill -9', () => {
  it('SIGKILL while holding the lock leaves it; the next run on this host takes it over at once', async () => {
    const p = await uploaded();
    proxy.addRule({ operation: 'PublishLayerVersion', action: { kind: 'hang' } });
    const running = startLayer(publishArgs(p), { env: env() });
    await proxy.waitFor('PublishLayerVersion');
    running.kill('SIGKILL');
    await running.exited;
    const lock = JSON.parse((await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p.lockKey }))).Body?.transformToString()) ?? '{}') as {
      pid: number;
    };
    expect(lock.pid).toBe(running.child.pid);
    expect(await versionsOf(p.layerName)).toEqual([]);

    proxy.clearRules();
    const next = await publish(p);
    expect(next.code, next.stderr).toBe(0);
    expect(parseJsonOutput(next)).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(next.stderr).toContain(
      `took over the publish lock s3://${bucket}/${p.lockKey}: its process (pid ${running.child.pid}) is gone from this machine`,
    );
    expect(next.stderr).not.toContain('waiting for the publish lock');
    expect(await versionsOf(p.layerName)).toEqual([1]);
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('SIGINT while PublishLayerVersion is in flight (Lambda acted): names the version; the next run adopts it', async () => {
    const p = await uploaded();
    proxy.addRule({ operation: 'PublishLayerVersion', action: { kind: 'hang', afterForward: true } });
    const running = startLayer(publishArgs(p), { env: env() });
    await proxy.waitFor('PublishLayerVersion');
    await expect.poll(() => versionsOf(p.layerName), { timeout: 10_000 }).toEqual([1]);
    running.kill('SIGINT');
    const result = await running.exited;
    expectInterrupted(
      result,
      'SIGINT',
      /^error: interrupted by SIGINT: version 1 was published; its manifest is not stored; run `layer publish` again \(it adopts version 1 and stores the manifest\)$/,
    );
    // The lock was released on the way out.
    expect(await keysUnder(p.prefix)).toEqual(['layer.zip']);
    // An interrupted run records no result: later CI steps find none (and no half-written file).
    expect(await resultFiles(p)).toEqual([]);

    proxy.clearRules();
    const next = await publish(p);
    expect(parseJsonOutput(next)).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect(await versionsOf(p.layerName)).toEqual([1]);
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', 'layer.zip']);
    expect(JSON.parse(await readFile(publishResultPath(p.dir), 'utf8'))).toMatchObject({ status: 'unchanged', layerVersion: 1 });
  });

  it("SIGTERM while waiting for another run's lock: no version, the other lock untouched", async () => {
    const p = await uploaded();
    await lockHeldByAnotherRun(p);
    // The result of an earlier publish, which an interrupted run must leave as it is.
    const earlier = `${JSON.stringify({ status: 'published', layerName: p.layerName, layerVersion: 1 })}\n`;
    await writeFile(publishResultPath(p.dir), earlier);
    const running = startLayer(publishArgs(p), { env: env() });
    await running.waitForStderr(
      /waiting for the publish lock .*: held by pid 77 on ci-runner-9 since 2026-01-01T00:00:00\.000Z; it expires at \S+ unless renewed/,
    );
    running.kill('SIGTERM');
    const result = await running.exited;
    expectInterrupted(
      result,
      'SIGTERM',
      /^error: interrupted by SIGTERM: no version was published \(stopped before PublishLayerVersion\); run `layer publish` again$/,
    );
    expect(await versionsOf(p.layerName)).toEqual([]);
    expect(await keysUnder(p.prefix)).toEqual(['.publish.lock', 'layer.zip']);
    expect(await readFile(publishResultPath(p.dir), 'utf8')).toBe(earlier);
    expect(await resultFiles(p)).toEqual(['publish-result.json']);
  });

  it('--force-unlock prints who held the lock, removes it and publishes', async () => {
    const p = await uploaded();
    await lockHeldByAnotherRun(p);
    const result = await publish(p, ['--force-unlock']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `warning: --force-unlock: removed the publish lock s3://${bucket}/${p.lockKey} (held by pid 77 on ci-runner-9 since 2026-01-01T00:00:00.000Z)`,
    );
    expect(parseJsonOutput(result)).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', 'layer.zip']);
  });
});

describe('layer publish: lost answers, 5xx, throttling', () => {
  it('the PublishLayerVersion answer is lost: exactly one version, exit 0', async () => {
    const p = await uploaded();
    proxy.addRule({ operation: 'PublishLayerVersion', times: 1, action: { kind: 'drop-response' } });
    const result = await publish(p);
    expect(result.code, result.stderr).toBe(0);
    expect(parseJsonOutput(result)).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(proxy.count('PublishLayerVersion')).toBe(1);
    expect(result.stderr).toContain('adopting it instead of publishing again');
    expect(await versionsOf(p.layerName)).toEqual([1]);
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('the lock PUT answer is lost: the run recognises its own lock, publishes once, removes the lock', async () => {
    const p = await uploaded();
    proxy.addRule({ operation: 'PutObject', keyIncludes: '.publish.lock', times: 1, action: { kind: 'drop-response' } });
    const result = await publish(p);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('waiting for the publish lock');
    expect(await versionsOf(p.layerName)).toEqual([1]);
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('the manifest backup PUT answer is lost: stored once, same bytes, one version', async () => {
    const p = await uploaded();
    proxy.addRule({ operation: 'PutObject', keyIncludes: '000001/uv.lock', times: 1, action: { kind: 'drop-response' } });
    const result = await publish(p);
    expect(result.code, result.stderr).toBe(0);
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${p.prefix}000001/uv.lock` }));
    expect(await stored.Body?.transformToString()).toBe(UV_LOCK);
    expect(await versionsOf(p.layerName)).toEqual([1]);
  });

  it('persistent 5xx from Lambda: one line, no version, no lock left', async () => {
    const p = await uploaded();
    proxy.addRule({ service: 'Lambda', action: { kind: 'server-error' } });
    const result = await publish(p);
    expect(result.code).toBe(1);
    expectOneLineError(
      result,
      'E_AWS_SERVER_ERROR',
      new RegExp(
        `^error: Lambda answered HTTP 500 ServiceException \\(request id [0-9A-F]{16}\\) after 3 attempts while trying to find the latest version of layer ${p.layerName};`,
      ),
    );
    expect(await versionsOf(p.layerName)).toEqual([]);
    expect(await keysUnder(p.prefix)).toEqual(['layer.zip']);
  });

  it('Lambda throttling that outlasts the retries', async () => {
    const p = await uploaded();
    proxy.addRule({ service: 'Lambda', action: { kind: 'throttle' } });
    const result = await publish(p, [], env({ AWS_MAX_ATTEMPTS: '2' }));
    expectOneLineError(
      result,
      'E_AWS_THROTTLED',
      /^error: Lambda kept throttling requests \(HTTP 429 TooManyRequestsException, request id [0-9A-F]{16}\) after 2 attempts/,
    );
    expect(await versionsOf(p.layerName)).toEqual([]);
  });

  it('--force publishes a new version of an unchanged lock file and backs it up', async () => {
    const p = await uploaded();
    expect(parseJsonOutput(await publish(p))).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(parseJsonOutput(await publish(p))).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    // `force` from the environment is for build, package and upload: publish does not take it.
    expect(parseJsonOutput(await publish(p, [], env({ LAYER_FORCE: 'true' })))).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    const forced = await publish(p, ['--force']);
    expect(parseJsonOutput(forced)).toMatchObject({ status: 'published', layerVersion: 2 });
    expect(await versionsOf(p.layerName)).toEqual([1, 2]);
    expect(await keysUnder(p.prefix)).toEqual(['000001/uv.lock', '000002/uv.lock', 'layer.zip']);
  });
});

describe('layer publish: refused before any call', () => {
  it.each([
    [
      'more than 15 compatible runtimes',
      ['--compatible-runtime', ...oneRuntimeTooMany],
      /^error: invalid --compatible-runtime: 16 compatible runtimes given, more than Lambda's 15; list at most 15$/,
      // An invalid flag value is a usage error (exit 2).
      { exit: 2, code: 'E_USAGE' },
    ],
    [
      'a layer ARN of another region',
      ['--layer-name', 'arn:aws:lambda:eu-central-1:123456789012:layer:deps'],
      /^error: --layer-name arn:aws:lambda:eu-central-1:123456789012:layer:deps is a layer in region eu-central-1, but this run publishes in us-east-1; pass --region eu-central-1, or the plain layer name deps/,
    ],
  ])('%s', async (_, extra, line, expected = { exit: 1, code: 'E_INVALID_OPTION' }) => {
    const p = await project();
    const result = await publish(p, extra);
    expect(result.code, result.stderr).toBe(expected.exit);
    expectOneLineError(result, expected.code, line);
    expect(proxy.requests).toEqual([]);
  });

  it('a layer ARN of another account (credentials naming the account)', async () => {
    const p = await project();
    const result = await publish(p, ['--layer-name', 'arn:aws:lambda:us-east-1:999999999999:layer:deps'], env({ AWS_ACCOUNT_ID: '123456789012' }));
    expectOneLineError(
      result,
      'E_INVALID_OPTION',
      /^error: --layer-name arn:aws:lambda:us-east-1:999999999999:layer:deps is a layer of account 999999999999, but the AWS credentials are for account 123456789012;/,
    );
    expect(proxy.requests).toEqual([]);
  });
});

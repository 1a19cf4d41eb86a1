/**
 * The `layer` bin as a user in a corporate network and a locked-down account
 * runs it: every connection through an authenticating proxy (the runner
 * cannot even resolve the AWS and index host names), TLS everywhere with
 * certificates of a private CA, a bucket policy that refuses unencrypted
 * writes, a bucket owned by another account. Faults and policies are played
 * by the fault proxy (moto ignores ExpectedBucketOwner and bucket policies);
 * what each run left in S3 and Lambda is checked, not only its words.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type LayerDeployment, localLayout, type WorkflowResult } from '@lambda-layer/core';
import {
  createBucketInRegion,
  createFixtureProject,
  createTestBucket,
  emulateBucketOwner,
  errorLines,
  type FaultProxy,
  parseJsonOutput,
  runLayer,
  stampPackage,
  startFaultProxy,
  testLambdaClient,
  testS3Client,
  toolCacheEnv,
  uniqueName,
  useFaultProxy,
  useTestCa,
} from '@lambda-layer/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const moto = process.env.AWS_ENDPOINT_URL as string;
const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const PROXY_USER = 'ci-runner';
const PROXY_PASSWORD = 'c0rp-pr0xy-s3cret';
const ca = useTestCa();
const temps: string[] = [];
let bucket: string;

afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});
beforeAll(async () => {
  bucket = await createTestBucket(testS3Client(), 'lockeddown');
});

/** A project after `layer package`: uv.lock and a layer.zip vouched for by the stamps. */
async function packagedProject(lock = 'version = 1\nrequires-python = ">=3.12"\n'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'locked-down-'));
  temps.push(dir);
  await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "svc"\nversion = "0"\n');
  await writeFile(join(dir, 'uv.lock'), lock);
  await mkdir(localLayout(dir).buildDir, { recursive: true });
  await writeFile(localLayout(dir).layerZip, randomBytes(4096));
  await stampPackage(dir, 'uv');
  return dir;
}

const s3dir = () => `s3://${bucket}/${uniqueName('svc')}/lambda/`;
const keysUnder = async (prefix: string) =>
  ((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix.slice(`s3://${bucket}/`.length) }))).Contents ?? []).map(
    (o) => o.Key,
  );

describe('behind an authenticating corporate proxy, with a private CA', () => {
  let awsTls: FaultProxy;
  let indexTls: FaultProxy;
  let corporate: FaultProxy;
  beforeAll(async () => {
    awsTls = await startFaultProxy({ tls: { cert: ca().cert, key: ca().key } });
    indexTls = await startFaultProxy({ target: indexUrl, tls: { cert: ca().cert, key: ca().key } });
    corporate = await startFaultProxy({
      hosts: { 'aws-endpoint:443': `http://${awsTls.address}`, 'index-endpoint:443': `http://${indexTls.address}` },
      proxyAuth: { username: PROXY_USER, password: PROXY_PASSWORD },
    });
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when beforeAll failed before starting it
    await Promise.all([awsTls, indexTls, corporate].map((proxy) => proxy?.close()));
  });
  beforeEach(() => {
    for (const proxy of [awsTls, indexTls, corporate]) proxy.clearLog();
  });

  /** A clean runner: no CA variable of its own (this machine may set PIP_CERT, SSL_CERT_FILE, … to the system bundle). */
  const withoutCaVariables = () =>
    Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(PIP_CERT|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|AWS_CA_BUNDLE|NODE_EXTRA_CA_CERTS|CURL_CA_BUNDLE)$/.test(name),
      ),
    );
  const lockedDownEnv = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...withoutCaVariables(),
    ...toolCacheEnv,
    // Only the proxy knows these hosts; the runner cannot resolve them.
    AWS_ENDPOINT_URL: 'https://aws-endpoint',
    HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@${corporate.address}`,
    NO_PROXY: '',
    no_proxy: '',
    AWS_CA_BUNDLE: ca().caFile,
    LAYER_INDEX_URL: 'https://index-endpoint/simple/',
    LAYER_S3DIR: s3dir(),
    LAYER_LAYER_NAME: uniqueName('corp'),
    ...over,
  });

  it('a whole workflow: AWS calls, pip downloads, all through the proxy and trusted through AWS_CA_BUNDLE; the proxy password is never printed', async () => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' });
    temps.push(dir);
    // Empty caches: the downloads must happen, through the proxy.
    const env = lockedDownEnv({ PIP_CACHE_DIR: join(dir, '.pip-cache') });
    const result = await runLayer(['workflow', '--project-dir', dir, '--tool', 'pip', '--yes', '--json', '--debug'], { env });
    expect(result.code, result.stderr).toBe(0);
    const json = parseJsonOutput<WorkflowResult>(result);
    expect(json.publish?.layerVersion).toBe(1);
    expect(json.build?.packages).toContain('requests==2.32.3');

    // Every connection went through the proxy, with its credentials: CONNECT tunnels to the two hosts.
    const tunnels = corporate.requests.filter((r) => r.operation === 'CONNECT');
    expect(new Set(tunnels.map((r) => r.host))).toEqual(new Set(['aws-endpoint:443', 'index-endpoint:443']));
    expect(tunnels.filter((r) => !r.proxyAuthorization || r.outcome !== 200).map((r) => `${r.host} ${r.outcome} ${r.proxyAuthorization}`)).toEqual(
      [],
    );
    // Behind them, pip read the index and AWS got the calls, over TLS.
    expect(indexTls.requests.some((r) => r.path.startsWith('/files/requests-2.32.3'))).toBe(true);
    expect(awsTls.operations()).toEqual(expect.arrayContaining(['PutObject', 'PublishLayerVersion']));
    expect(awsTls.requests.every((r) => r.tls)).toBe(true);
    // Secrets stay secret: not in any line, even with --debug.
    expect(result.stdout + result.stderr).not.toContain(PROXY_PASSWORD);
    expect(result.stderr).toContain(`network: proxy http://****@${corporate.address} (from HTTPS_PROXY)`);
    // And the layer is there.
    const versions = await testLambdaClient().send(new ListLayerVersionsCommand({ LayerName: env.LAYER_LAYER_NAME }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([1]);
  }, 180_000);

  it("the build's own index requests go the same way: a missing pin is explained from the index, through the proxy", async () => {
    const dir = await createFixtureProject('pip', { url: indexUrl, name: 'loopback' }, { pins: ['six==99.0.0'] });
    temps.push(dir);
    const result = await runLayer(['build', '--project-dir', dir, '--tool', 'pip', '--yes'], { env: lockedDownEnv() });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(/^error: six 99\.0\.0 does not exist on https:\/\/index-endpoint\/simple\/ \(newest: 1\.17\.0\)/),
    ]);
    expect(indexTls.requests.filter((r) => r.path === '/simple/six/').length).toBeGreaterThanOrEqual(2); // pip, then our diagnosis
  }, 120_000);

  it("uv gets the proxy and the CA bundle (SSL_CERT_FILE) too, --ca-bundle winning over the image's own SSL_CERT_FILE; the wheel filter for python3.11 reads the index through the proxy", async () => {
    const dir = await createFixtureProject('uv', { url: indexUrl, name: 'loopback' });
    temps.push(dir);
    const result = await runLayer(
      ['build', '--project-dir', dir, '--python-version', '3.11', '--yes', '--json', '--debug', '--ca-bundle', ca().caFile],
      {
        env: lockedDownEnv({ AWS_CA_BUNDLE: '', SSL_CERT_FILE: ca().otherCaFile, PIP_CERT: ca().otherCaFile, UV_CACHE_DIR: join(dir, '.uv-cache') }),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /uv reads https:\/\/index-endpoint\/simple\/ through http:\/\/127\.0\.0\.1:\d+\/simple\/, which hides wheels needing glibc > 2\.26/,
    );
    // The filter (this process) read the pages, uv the files: both through the proxy, over TLS.
    expect(indexTls.requests.some((r) => r.path === '/simple/requests/')).toBe(true);
    expect(indexTls.requests.some((r) => r.path.startsWith('/files/'))).toBe(true);
    expect(corporate.requests.filter((r) => r.host !== 'index-endpoint:443').map((r) => `${r.operation} ${r.host}`)).toEqual([]);
  }, 120_000);

  it('without the CA: one line naming the host and the settings, nothing written', async () => {
    const dir = await packagedProject();
    const env = lockedDownEnv({ AWS_CA_BUNDLE: '' });
    const result = await runLayer(['upload', '--project-dir', dir], { env });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(
        /^error: TLS with S3 at aws-endpoint through the proxy http:\/\/\*\*\*\*@127\.0\.0\.1:\d+ failed \(.+\) after 1 attempt while trying to read s3:\/\/.+\/layer\/layer\.zip; if a proxy or a private CA signs aws-endpoint's certificate, give its CA file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile/,
      ),
    ]);
    expect(awsTls.requests).toEqual([]);
    expect(await keysUnder(env.LAYER_S3DIR as string)).toEqual([]);
  }, 60_000);

  it("the AWS profile's ca_bundle is honoured", async () => {
    const dir = await packagedProject();
    const config = join(dir, 'aws-config');
    await writeFile(
      config,
      `[profile corp]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\nca_bundle = ${ca().caFile}\n`,
    );
    const env = lockedDownEnv({ AWS_CA_BUNDLE: '', AWS_CONFIG_FILE: config });
    const result = await runLayer(['upload', '--project-dir', dir, '--profile', 'corp', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(awsTls.operations()).toContain('PutObject');
  }, 60_000);

  it('with the wrong proxy password: one line about the proxy, no password in it', async () => {
    const dir = await packagedProject();
    const env = lockedDownEnv({ HTTPS_PROXY: `http://${PROXY_USER}:wrong-password@${corporate.address}` });
    const result = await runLayer(['upload', '--project-dir', dir, '--json'], { env });
    expect(result.code).toBe(1);
    expect(parseJsonOutput<{ error: { code: string } }>(result).error.code).toBe('E_AWS_PROXY_FAILED');
    expect(errorLines(result.stderr)[0]).toMatch(
      /^error: the proxy http:\/\/\*\*\*\*@127\.0\.0\.1:\d+ \(from HTTPS_PROXY\) answered HTTP 407 Proxy Authentication Required instead of S3 /,
    );
    expect(result.stdout + result.stderr).not.toContain('wrong-password');
  }, 60_000);
});

describe('NO_PROXY and --proxy', () => {
  const proxy = useFaultProxy({ hosts: { 'aws-endpoint:80': moto } });

  it('NO_PROXY sends the listed host direct (nothing reaches the proxy); --proxy and LAYER_PROXY route the rest', async () => {
    const base = { ...process.env, LAYER_S3DIR: s3dir() };
    const direct = await runLayer(['upload', '--project-dir', await packagedProject(), '--json'], {
      env: { ...base, HTTP_PROXY: proxy.endpoint, HTTPS_PROXY: proxy.endpoint, no_proxy: `localhost,127.0.0.1:${new URL(moto).port}` },
    });
    expect(direct.code, direct.stderr).toBe(0);
    expect(proxy.requests).toEqual([]);

    const viaFlag = await runLayer(
      ['upload', '--project-dir', await packagedProject(), '--json', '--proxy', proxy.endpoint, '--endpoint-url', 'http://aws-endpoint'],
      { env: base },
    );
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect(proxy.requests.map((r) => `${r.via} ${r.operation}`)).toEqual(['forward HeadObject', 'forward ListMultipartUploads', 'forward PutObject']);

    proxy.clearLog();
    const viaEnv = await runLayer(['upload', '--project-dir', await packagedProject(), '--json', '--endpoint-url', 'http://aws-endpoint'], {
      env: { ...base, LAYER_PROXY: proxy.endpoint },
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(proxy.count('PutObject')).toBe(1);
  }, 60_000);

  it("several regions: every region's clients go through the proxy and carry the encryption and the bucket owner", async () => {
    const regions = ['us-east-1', 'eu-west-1'];
    const prefix = uniqueName('lockeddown');
    for (const region of regions) {
      await createBucketInRegion(`${prefix}-${region}`, region);
    }
    const layerName = uniqueName('regions');
    // Only the proxy knows aws-endpoint: a region whose clients skipped the proxy could not reach AWS at all.
    const args = ['--json', '--proxy', proxy.endpoint, '--endpoint-url', 'http://aws-endpoint', ...regions.flatMap((region) => ['--region', region])];
    const env = {
      ...process.env,
      LAYER_S3DIR: `s3://${prefix}-{region}/app/lambda/`,
      LAYER_LAYER_NAME: layerName,
      LAYER_SSE: 'aws:kms',
      LAYER_SSE_KMS_KEY_ID: 'alias/layers',
      LAYER_EXPECTED_BUCKET_OWNER: '123456789012',
    };
    const dir = await packagedProject();
    // A key of one region cannot encrypt the other region's objects: refused before any request.
    const oneRegionKey = await runLayer(['upload', '--project-dir', dir, ...args], {
      env: { ...env, LAYER_SSE_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:alias/layers' },
    });
    expect(oneRegionKey.code).toBe(2);
    expect(errorLines(oneRegionKey.stderr)).toEqual([
      expect.stringMatching(
        /^error: the KMS key arn:aws:kms:us-east-1:123456789012:alias\/layers is in us-east-1, but objects are written in eu-west-1; /,
      ),
    ]);
    expect(proxy.requests).toEqual([]);
    for (const step of ['upload', 'publish']) {
      const result = await runLayer([step, '--project-dir', dir, ...args], { env });
      expect(result.code, result.stderr).toBe(0);
    }
    for (const region of regions) {
      const seen = proxy.requests.filter((r) => r.region === region);
      expect(seen.map((r) => r.operation)).toEqual(expect.arrayContaining(['PutObject', 'PublishLayerVersion']));
      expect(seen.filter((r) => r.via !== 'forward').map((r) => r.operation)).toEqual([]);
      expect(seen.filter((r) => r.service === 'S3' && r.headers['x-amz-expected-bucket-owner'] !== '123456789012').map((r) => r.operation)).toEqual(
        [],
      );
      expect(seen.filter((r) => r.operation === 'PutObject').map((r) => r.headers['x-amz-server-side-encryption-aws-kms-key-id'])).toEqual(
        expect.arrayContaining(['alias/layers']),
      );
      const head = await testS3Client({ region }).send(
        new HeadObjectCommand({ Bucket: `${prefix}-${region}`, Key: 'app/lambda/layer/000001/uv.lock' }),
      );
      expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/layers']);
    }
  }, 60_000);
});

describe('a locked-down bucket', () => {
  const proxy = useFaultProxy();
  const env = (over: NodeJS.ProcessEnv = {}) => ({
    ...process.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    LAYER_S3DIR: s3dir(),
    LAYER_LAYER_NAME: uniqueName('locked'),
    ...over,
  });

  it('a bucket policy that demands SSE-KMS: denied without --sse (one line, nothing stored), stored encrypted with it', async () => {
    // What such a bucket policy does: refuse every object write without aws:kms.
    proxy.addRule({
      service: 'S3',
      where: (r) =>
        ['PutObject', 'CreateMultipartUpload', 'CopyObject'].includes(r.operation) && r.headers['x-amz-server-side-encryption'] !== 'aws:kms',
      action: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' },
    });
    const settings = env();
    const refused = await runLayer(['upload', '--project-dir', await packagedProject()], { env: settings });
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      expect.stringMatching(
        /^error: access denied while trying to upload layer\.zip to s3:\/\/.+: Access Denied; check that your AWS identity has the S3 and Lambda permissions this run needs/,
      ),
    ]);
    expect(await keysUnder(settings.LAYER_S3DIR)).toEqual([]);

    const stored = await runLayer(['upload', '--project-dir', await packagedProject(), '--sse', 'aws:kms', '--sse-kms-key-id', 'alias/layers'], {
      env: settings,
    });
    expect(stored.code, stored.stderr).toBe(0);
    const key = `${settings.LAYER_S3DIR.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', 'alias/layers']);
  }, 60_000);

  it('--expected-bucket-owner: a bucket of another account is refused in one line before anything is written', async () => {
    emulateBucketOwner(proxy, bucket, '999999999999');
    const settings = env({ LAYER_EXPECTED_BUCKET_OWNER: '123456789012' });
    const result = await runLayer(['upload', '--project-dir', await packagedProject(), '--json'], { env: settings });
    expect(result.code).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      `error: bucket ${bucket} is not owned by 123456789012; check the bucket name in s3dir and the expected-bucket-owner setting (S3 refused to read ${settings.LAYER_S3DIR}layer/layer.zip)`,
    ]);
    expect(parseJsonOutput<{ error: { code: string } }>(result).error.code).toBe('E_AWS_BUCKET_OWNER_MISMATCH');
    expect(proxy.operations((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(await keysUnder(settings.LAYER_S3DIR)).toEqual([]);

    // The right owner passes.
    proxy.clearRules();
    emulateBucketOwner(proxy, bucket, '123456789012');
    const ok = await runLayer(['upload', '--project-dir', await packagedProject()], { env: settings });
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);

  it('change detection never trusts an SSE-KMS ETag: a lying ETag neither hides a change nor invents one', async () => {
    const settings = env({ LAYER_SSE: 'aws:kms', LAYER_SSE_KMS_KEY_ID: 'alias/layers' });
    const lock = 'version = 1\nrequires-python = ">=3.12"\n';
    const dir = await packagedProject(lock);
    const publish = async () => {
      const result = await runLayer(['publish', '--project-dir', dir, '--json'], { env: settings });
      expect(result.code, result.stderr).toBe(0);
      return parseJsonOutput<LayerDeployment>(result);
    };
    expect((await runLayer(['upload', '--project-dir', dir], { env: settings })).code).toBe(0);
    expect((await publish()).layerVersion).toBe(1);

    // S3 reports SSE-KMS ETags that are not the MD5: here one that is nobody's MD5.
    proxy.addRule({
      service: 'S3',
      operation: 'HeadObject',
      keyIncludes: '/000001/',
      action: { kind: 'answer-headers', set: { etag: `"${randomBytes(16).toString('hex')}"` } },
    });
    proxy.clearLog();
    expect(await publish()).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect(proxy.count('GetObject', '/000001/uv.lock')).toBe(1); // the content decided

    // A changed lock whose stored manifest claims (by ETag) to be the new one: still a change.
    const changed = `${lock}# changed\n`;
    await writeFile(join(dir, 'uv.lock'), changed);
    await stampPackage(dir, 'uv');
    expect((await runLayer(['upload', '--project-dir', dir], { env: settings })).code).toBe(0);
    proxy.clearRules();
    proxy.addRule({
      service: 'S3',
      operation: 'HeadObject',
      keyIncludes: '/000001/',
      action: { kind: 'answer-headers', set: { etag: `"${createHash('md5').update(changed).digest('hex')}"` } },
    });
    expect(await publish()).toMatchObject({ status: 'published', layerVersion: 2 });
  }, 60_000);
});

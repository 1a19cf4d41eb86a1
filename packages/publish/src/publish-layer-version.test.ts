import { GetLayerVersionCommand, PublishLayerVersionCommand as PublishLayerVersionApiCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, md5Hex, s3Layout } from '@lambda-layer/core';
import { recordCalls, testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import type { PlanLayerVersionOptions, PublishLayerVersionOptions } from './options.js';
import { failure, layerKeys, type PublishFixture, publishOptionsOf, storedManifest, usePublishFixtures, versionsOf } from './publish.fixture.js';
import { planLayerVersion, publishLayerVersion } from './publish-layer-version.js';

const { fixture } = usePublishFixtures();

/** Publishes `count` versions straight through the API (as another tool would), without manifests. */
async function seedVersions(f: PublishFixture, count: number): Promise<void> {
  const zip = s3Layout(f.s3dir, f.tool).layerZip;
  for (let i = 0; i < count; i += 1) {
    await f.lambda.send(new PublishLayerVersionApiCommand({ LayerName: f.layerName, Content: { S3Bucket: zip.bucket, S3Key: zip.key } }));
  }
}

const LOCK_V1 = 'version = 1\n[[package]]\nname = "requests"\nversion = "2.32.3"\n';
const LOCK_V2 = 'version = 1\n[[package]]\nname = "requests"\nversion = "2.32.4"\n';

describe('publishLayerVersion against moto', () => {
  it('publishes the first version, stores the manifest (ETag = MD5, text/plain) and logs each step by number', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1);
    const logger = createMemoryLogger();

    const result = await publishLayerVersion(
      publishOptionsOf(f, {
        logger,
        description: 'deps for app',
        compatibleRuntimes: ['python3.12'],
        compatibleArchitectures: ['arm64'],
        licenseInfo: 'MIT',
      }),
    );

    expect(result).toEqual({
      status: 'published',
      layerName: f.layerName,
      layerVersion: 1,
      layerVersionArn: expect.stringMatching(new RegExp(`:layer:${f.layerName}:1$`)),
      s3pathManifest: `${f.s3dir}layer/000001/uv.lock`,
      changes: [{ name: 'requests', from: null, to: '2.32.3' }],
      reason: `first version of ${f.layerName}`,
    });
    expect(logger.lines).toContain(`published version 1 of ${f.layerName}: + requests 2.32.3 (first version of ${f.layerName})`);
    const stored = await storedManifest(f, 1);
    expect(stored).toEqual({ body: LOCK_V1, etag: md5Hex(LOCK_V1), contentType: 'text/plain' });
    const version = await f.lambda.send(new GetLayerVersionCommand({ LayerName: f.layerName, VersionNumber: 1 }));
    expect(version).toMatchObject({
      Description: 'deps for app',
      CompatibleRuntimes: ['python3.12'],
      CompatibleArchitectures: ['arm64'],
      LicenseInfo: 'MIT',
    });
    expect(logger.lines.filter((line) => line.startsWith('Step '))).toEqual([
      'Step 1 - Preflight check',
      'Step 1.1 - Ensure layer.zip exists in S3',
      'Step 1.2 - Validate layer.zip consistency with manifest',
      'Step 1.3 - Check whether the dependencies changed since the latest layer version',
      'Step 2 - Publish',
      'Step 2.1 - Publish a new layer version',
      'Step 2.2 - Upload the dependency manifest for this layer version',
    ]);
    // The lock is gone after the run.
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', 'layer.zip']);
  });

  it('reports "unchanged" (the latest version) when the manifest did not change, and publishes nothing', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1);
    const first = await publishLayerVersion(publishOptionsOf(f));
    const logger = createMemoryLogger();
    const second = await publishLayerVersion(publishOptionsOf(f, { logger }));

    expect(second).toEqual({ ...first, status: 'unchanged', changes: [], reason: 'uv.lock unchanged since version 1' });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
    expect(logger.lines.some((line) => line.startsWith('Step 2.'))).toBe(false);
    expect(logger.lines.join('\n')).toContain('unchanged: layer version 1 already holds this uv.lock');
  });

  it('publishes a new version when the manifest changed', async () => {
    const f = await fixture('pip');
    await f.writeManifest('requests==2.32.3\n');
    await f.uploadZip('requests==2.32.3\n');
    await publishLayerVersion(publishOptionsOf(f));
    await f.writeManifest('requests==2.32.4\n');
    await f.uploadZip('requests==2.32.4\n');

    const result = await publishLayerVersion(publishOptionsOf(f));

    expect(result).toMatchObject({
      status: 'published',
      layerVersion: 2,
      s3pathManifest: `${f.s3dir}layer/000002/requirements.txt`,
      changes: [{ name: 'requests', from: '2.32.3', to: '2.32.4' }],
      reason: 'requirements.txt changed',
    });
    expect((await storedManifest(f, 2))?.body).toBe('requests==2.32.4\n');
    expect((await storedManifest(f, 1))?.body).toBe('requests==2.32.3\n');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2]);
  });

  it('fails with "run upload first" when layer.zip is missing, and creates nothing', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    const error = await failure(publishLayerVersion(publishOptionsOf(f)));
    expect(error.code).toBe(ErrorCodes.LAYER_ZIP_NOT_FOUND);
    expect(error.oneLine).toBe(
      `layer.zip not found at ${f.s3dir}layer/layer.zip; run \`layer upload\` (or \`layer workflow\`) first, with the same --s3dir`,
    );
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
  });

  it('fails clearly when the bucket does not exist', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    const error = await failure(publishLayerVersion(publishOptionsOf(f, { s3dir: 's3://no-such-bucket-for-publish-tests/app/' })));
    expect(error.code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
    expect(error.oneLine).toContain('no-such-bucket-for-publish-tests does not exist; create the bucket or fix --s3dir');
  });

  it('fails showing both MD5s when the zip was built from another manifest', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V2);
    await f.uploadZip(LOCK_V1);
    const error = await failure(publishLayerVersion(publishOptionsOf(f)));
    expect(error.code).toBe(ErrorCodes.LAYER_ZIP_INCONSISTENT);
    expect(error.oneLine).toContain(`its manifest-md5 is ${md5Hex(LOCK_V1)}, the local uv.lock has md5 ${md5Hex(LOCK_V2)}`);
    expect(error.oneLine).toContain('run `layer build`, `layer package` and `layer upload` again');
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([]);
  });

  it('fails when the zip has no manifest metadata at all', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1, { metadata: null });
    const error = await failure(publishLayerVersion(publishOptionsOf(f)));
    expect(error.code).toBe(ErrorCodes.LAYER_ZIP_INCONSISTENT);
    expect(error.oneLine).toContain('has no manifest-md5 metadata');
  });

  it('publishes when the latest version has no stored manifest (published by another tool)', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    // A version published outside this tool, from another zip, with no manifest stored.
    await f.uploadZip('another project');
    await seedVersions(f, 1);
    await f.uploadZip(LOCK_V1);

    const result = await publishLayerVersion(publishOptionsOf(f));

    expect(result).toMatchObject({ status: 'published', layerVersion: 2 });
    expect((await storedManifest(f, 2))?.body).toBe(LOCK_V1);
    expect(await storedManifest(f, 1)).toBeUndefined();
  });

  it('takes the highest version as the latest with more than 50 versions', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip('older dependencies');
    await seedVersions(f, 60);
    await f.uploadZip(LOCK_V1);

    const published = await publishLayerVersion(publishOptionsOf(f));
    expect(published).toMatchObject({ status: 'published', layerVersion: 61 });
    const again = await publishLayerVersion(publishOptionsOf(f));
    expect(again).toMatchObject({ status: 'unchanged', layerVersion: 61, s3pathManifest: `${f.s3dir}layer/000061/uv.lock` });
    expect((await versionsOf(f.lambda, f.layerName)).length).toBe(61);
  });

  it('an unchanged publish with 200 existing versions costs at most 3 AWS calls', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip('older dependencies');
    await seedVersions(f, 199);
    await f.uploadZip(LOCK_V1);
    expect(await publishLayerVersion(publishOptionsOf(f))).toMatchObject({ status: 'published', layerVersion: 200 });

    const s3 = testS3Client();
    const lambda = testLambdaClient();
    const calls: string[] = [];
    recordCalls(s3, calls);
    recordCalls(lambda, calls);
    const result = await publishLayerVersion(publishOptionsOf(f, { s3Client: s3, lambdaClient: lambda }));

    expect(result).toMatchObject({ status: 'unchanged', layerVersion: 200 });
    expect(calls).toEqual(['HeadObjectCommand', 'ListLayersCommand', 'HeadObjectCommand']);
  });

  it('completes a publish interrupted between 2.1 and 2.2 instead of publishing a duplicate', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1);
    await publishLayerVersion(publishOptionsOf(f));
    await f.writeManifest(LOCK_V2);
    await f.uploadZip(LOCK_V2);

    // The first run "crashes" after PublishLayerVersion: the manifest PutObject never reaches S3.
    const crashing = testS3Client();
    crashing.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string };
        if (context.commandName === 'PutObjectCommand' && input.Key?.endsWith('/000002/uv.lock')) throw new Error('socket hang up');
        return next(args);
      },
      { step: 'initialize', name: 'crashBeforeManifest' },
    );
    const crash = await failure(publishLayerVersion(publishOptionsOf(f, { s3Client: crashing })));
    expect(crash.oneLine).toContain('layer version 2 is published but its uv.lock is not stored');
    expect(crash.oneLine).toContain('run `layer publish` again');
    expect(await storedManifest(f, 2)).toBeUndefined();

    const logger = createMemoryLogger();
    const next = await publishLayerVersion(publishOptionsOf(f, { logger }));

    expect(next).toMatchObject({ status: 'unchanged', layerVersion: 2, s3pathManifest: `${f.s3dir}layer/000002/uv.lock` });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2]);
    expect((await storedManifest(f, 2))?.body).toBe(LOCK_V2);
    expect(logger.lines.join('\n')).toContain('already holds this layer.zip (same CodeSha256)');
  });

  it('recognises an interrupted publish by hashing the zip when it lacks the layer-zip-sha256 metadata', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1, { metadata: { 'manifest-md5': md5Hex(LOCK_V1) } });
    await seedVersions(f, 1); // version 1 holds this zip, its manifest was never stored

    const result = await publishLayerVersion(publishOptionsOf(f));

    expect(result).toMatchObject({ status: 'unchanged', layerVersion: 1 });
    expect((await storedManifest(f, 1))?.body).toBe(LOCK_V1);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
  });

  it('two publishes started together create exactly one version', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1);
    await publishLayerVersion(publishOptionsOf(f));
    await f.writeManifest(LOCK_V2);
    await f.uploadZip(LOCK_V2);

    // Separate clients, as two CI jobs would have.
    const runs = await Promise.all(
      [0, 1, 2].map(() => publishLayerVersion(publishOptionsOf(f, { s3Client: testS3Client(), lambdaClient: testLambdaClient() }))),
    );

    expect(runs.map((r) => r.status).sort()).toEqual(['published', 'unchanged', 'unchanged']);
    expect(new Set(runs.map((r) => r.layerVersion))).toEqual(new Set([2]));
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2]);
    expect((await storedManifest(f, 2))?.body).toBe(LOCK_V2);
  });

  it('validates every option before any AWS call', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    const s3 = testS3Client();
    const lambda = testLambdaClient();
    const calls: string[] = [];
    recordCalls(s3, calls);
    recordCalls(lambda, calls);
    const base = publishOptionsOf(f, { s3Client: s3, lambdaClient: lambda });
    const cases: Array<[Partial<PublishLayerVersionOptions>, string]> = [
      [{ layerName: 'bad name!' }, 'invalid layer name "bad name!"'],
      [{ layerName: 'x'.repeat(141) }, 'the layer name is 141 characters long'],
      [{ description: 'd'.repeat(257) }, "--description is 257 characters long, more than Lambda's 256"],
      [{ licenseInfo: 'l'.repeat(513) }, "--license-info is 513 characters long, more than Lambda's 512"],
      [{ compatibleRuntimes: ['python3.99'] }, 'unknown Lambda runtime "python3.99"'],
      [{ compatibleArchitectures: ['i386'] }, 'unknown architecture "i386"'],
      [{ s3dir: 'https://bucket/x' }, 'must start with s3://'],
      [{ tool: 'pipenv' as never }, 'unknown build tool "pipenv"'],
    ];
    for (const [bad, message] of cases) {
      const error = await failure(publishLayerVersion({ ...base, ...bad }));
      expect(error.oneLine).toContain(message);
    }
    expect(calls).toEqual([]);
  });

  it('fails before any AWS call when the local manifest is missing', async () => {
    const f = await fixture();
    const calls: string[] = [];
    recordCalls(f.s3, calls);
    const error = await failure(publishLayerVersion(publishOptionsOf(f)));
    expect(error.code).toBe(ErrorCodes.MANIFEST_NOT_FOUND);
    expect(calls).toEqual([]);
  });

  it('gives one clear line when no AWS credentials are found', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, region: 'us-east-1', forcePathStyle: true, credentials: noCredentials });
    const error = await failure(publishLayerVersion(publishOptionsOf(f, { s3Client: s3 })));
    expect(error.code).toBe(ErrorCodes.AWS_CREDENTIALS_MISSING);
    expect(error.oneLine).toMatch(/^no AWS credentials found while trying to read s3:\/\/.*layer\.zip; set AWS_PROFILE/);
  });

  it('accepts a layer ARN as the layer name', async () => {
    const f = await fixture();
    await f.writeManifest(LOCK_V1);
    await f.uploadZip(LOCK_V1);
    const first = await publishLayerVersion(publishOptionsOf(f));
    const arn = first.layerVersionArn.replace(/:\d+$/, '');
    const again = await publishLayerVersion(publishOptionsOf(f, { layerName: arn }));
    expect(again).toMatchObject({ status: 'unchanged', layerVersion: 1 });
  });

  it('stores the manifest with the exact bytes of the local file', async () => {
    const f = await fixture('poetry');
    const content = '# poetry.lock\n[[package]]\nname = "ünïcode"\r\nversion = "1"\n';
    await f.writeManifest(content);
    await f.uploadZip(content);
    const result = await publishLayerVersion(publishOptionsOf(f));
    const path = s3Layout(f.s3dir, 'poetry').manifestForVersion(result.layerVersion);
    const head = await f.s3.send(new HeadObjectCommand({ Bucket: path.bucket, Key: path.key }));
    expect(head.ETag?.replace(/"/g, '')).toBe(md5Hex(Buffer.from(content)));
    expect((await storedManifest(f, result.layerVersion))?.body).toBe(content);
  });
});

describe('planLayerVersion (--dry-run): what would be published and why, without a write', () => {
  const proxy = useFaultProxy();
  const viaProxy = (f: PublishFixture, extra: Partial<PlanLayerVersionOptions> = {}): PlanLayerVersionOptions => {
    const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 5_000 };
    return { ...publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings) }), ...extra };
  };
  const writes = () => proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

  const poetryLock = (packages: Array<[string, string]>) =>
    `${packages.map(([name, version]) => `[[package]]\nname = "${name}"\nversion = "${version}"\ngroups = ["main"]\n`).join('\n')}\n[metadata]\nlock-version = "2.1"\n`;
  const uvLock = (packages: Array<[string, string]>) =>
    `version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n${packages.map(([name, version]) => `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\n`).join('')}`;
  const before: Array<[string, string]> = [
    ['six', '1.16.0'],
    ['chardet', '5.2.0'],
    ['requests', '2.32.3'],
  ];
  const after: Array<[string, string]> = [
    ['requests', '2.32.3'],
    ['six', '1.17.0'],
    ['idna', '3.10'],
  ];
  const cases = [
    ['pip', 'requirements.txt', (p: Array<[string, string]>) => p.map(([n, v]) => `${n}==${v}\n`).join('')],
    ['poetry', 'poetry.lock', poetryLock],
    ['uv', 'uv.lock', uvLock],
  ] as const;

  it.each(cases)(
    '%s: diffs %s against the latest version, writes nothing, then a real publish reports the same diff',
    async (tool, fileName, write) => {
      const f = await fixture(tool);
      await f.writeManifest(write(before));
      await f.uploadZip(write(before));
      await publishLayerVersion(publishOptionsOf(f));
      await f.writeManifest(write(after));
      await f.uploadZip(write(after));
      proxy.clearLog();
      const logger = createMemoryLogger();

      const plan = await planLayerVersion(viaProxy(f, { logger }));

      const changes = [
        { name: 'six', from: '1.16.0', to: '1.17.0' },
        { name: 'idna', from: null, to: '3.10' },
        { name: 'chardet', from: '5.2.0', to: null },
      ];
      expect(plan).toEqual({
        status: 'would-publish',
        dryRun: true,
        layerName: f.layerName,
        layerVersion: 2,
        latestVersion: 1,
        s3pathManifest: `${f.s3dir}layer/000002/${fileName}`,
        changes,
        reason: `${fileName} changed`,
      });
      expect(logger.lines).toContain(
        `would publish version 2 of ${f.layerName}: six 1.16.0 \u2192 1.17.0, + idna 3.10, \u2212 chardet 5.2.0 (${fileName} changed)`,
      );
      expect(writes()).toEqual([]);
      expect(await versionsOf(f.lambda, f.layerName)).toEqual([1]);
      expect(await layerKeys(f)).toEqual([`000001/${fileName}`, 'layer.zip']);

      const published = await publishLayerVersion(publishOptionsOf(f));
      expect(published).toMatchObject({ status: 'published', layerVersion: 2, changes, reason: `${fileName} changed` });
    },
  );

  it('an unchanged dry run names the latest version; with sharing and retention it says what would be granted and deleted', async () => {
    const f = await fixture('pip');
    for (const version of [1, 2, 3]) {
      await f.writeManifest(`six==1.${version}.0\n`);
      await f.uploadZip(`six==1.${version}.0\n`);
      await publishLayerVersion(
        publishOptionsOf(f, version === 3 ? { sharing: { accounts: ['111122223333'], organizations: [], public: false } } : {}),
      );
    }
    proxy.clearLog();
    const sharing = { accounts: ['444455556666'], organizations: [], public: true };
    const unchanged = await planLayerVersion(viaProxy(f, { sharing, keepVersions: 1 }));
    expect(unchanged).toMatchObject({
      status: 'unchanged',
      dryRun: true,
      layerVersion: 3,
      layerVersionArn: expect.stringMatching(/:3$/),
      changes: [],
      sharing: { added: [{ principal: '444455556666' }, { kind: 'public' }], removed: [{ principal: '111122223333' }] },
    });
    // Retention runs only after a new version: an unchanged run plans none.
    expect(unchanged.retention).toBeUndefined();

    await f.writeManifest('six==1.4.0\n');
    await f.uploadZip('six==1.4.0\n');
    const plan = await planLayerVersion(viaProxy(f, { sharing, keepVersions: 2 }));
    expect(plan).toMatchObject({
      status: 'would-publish',
      layerVersion: 4,
      changes: [{ name: 'six', from: '1.3.0', to: '1.4.0' }],
      sharing: { layerVersion: 4, added: [{ principal: '444455556666' }, { kind: 'public' }], removed: [] },
      retention: { keepVersions: 2, kept: [4, 3], deleted: [1, 2] },
    });
    expect(writes()).toEqual([]);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2, 3]);
  });

  it('without the zip check (the workflow dry run) decides from the manifests alone; the first version lists every package as added', async () => {
    const f = await fixture('pip');
    await f.writeManifest('six==1.17.0\nidna==3.10\n');
    proxy.clearLog();
    const plan = await planLayerVersion(viaProxy(f, { checkLayerZip: false }));
    expect(plan).toMatchObject({
      status: 'would-publish',
      layerVersion: 1,
      changes: [
        { name: 'idna', from: null, to: '3.10' },
        { name: 'six', from: null, to: '1.17.0' },
      ],
      reason: `first version of ${f.layerName}`,
    });
    expect(plan.latestVersion).toBeUndefined();
    expect(proxy.operations()).toEqual(['ListLayers']);
  });
});

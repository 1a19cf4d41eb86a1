import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetLayerVersionCommand, GetLayerVersionPolicyCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, parseJsonOutput, runLayer, testLambdaClient, testS3Client, uniqueName, useFaultProxy } from '@lambda-layer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { putUploadedLayerZip } from '../__fixtures__/uploaded-layer-zip.js';

const s3 = testS3Client();
const lambda = testLambdaClient();
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const UV_LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';

interface Project {
  dir: string;
  bucket: string;
  s3dir: string;
  layerName: string;
}

/** A project folder and an uploaded layer.zip with the metadata `layer upload` writes. */
async function project(options: { files?: Record<string, string>; pyproject?: string; upload?: boolean } = {}): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-publish-'));
  dirs.push(dir);
  const bucket = await createTestBucket(s3, 'cli-publish');
  const s3dir = `s3://${bucket}/app/lambda/`;
  const layerName = uniqueName('cli-deps');
  await writeFile(join(dir, 'pyproject.toml'), options.pyproject ?? '[project]\nname = "app"\nversion = "0.1.0"\n');
  const files = options.files ?? { 'uv.lock': UV_LOCK };
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  if (options.upload !== false) {
    await putUploadedLayerZip(s3, bucket, Object.values(files)[0] ?? '');
  }
  return { dir, bucket, s3dir, layerName };
}

describe('layer publish (the real bin against moto)', () => {
  it('publishes, then reports unchanged, printing one JSON object and logging steps on stderr', async () => {
    const p = await project();
    const args = [
      'publish',
      '--layer-name',
      p.layerName,
      '--s3dir',
      p.s3dir,
      '--compatible-runtime',
      'python3.12',
      '--compatible-runtime',
      'python3.13',
      '--json',
    ];
    const first = await runLayer(args, { cwd: p.dir });
    expect(first.code, first.stderr).toBe(0);
    const published = parseJsonOutput(first);
    expect(published).toEqual({
      status: 'published',
      layerName: p.layerName,
      layerVersion: 1,
      layerVersionArn: expect.stringMatching(new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:layer:${p.layerName}:1$`)),
      s3pathManifest: `${p.s3dir}layer/000001/uv.lock`,
      changes: [{ name: 'six', from: null, to: '1.16.0' }],
      reason: `first version of ${p.layerName}`,
    });
    expect(first.stderr).toContain('Step 1.1 - Ensure layer.zip exists in S3');
    expect(first.stderr).toContain(`published version 1 of ${p.layerName}: + six 1.16.0 (first version of ${p.layerName})`);
    expect(first.stderr).toContain('Step 2.2 - Upload the dependency manifest for this layer version');
    const stored = await s3.send(new GetObjectCommand({ Bucket: p.bucket, Key: 'app/lambda/layer/000001/uv.lock' }));
    expect(await stored.Body?.transformToString()).toBe(UV_LOCK);
    const version = await lambda.send(new GetLayerVersionCommand({ LayerName: p.layerName, VersionNumber: 1 }));
    expect(version.CompatibleRuntimes).toEqual(['python3.12', 'python3.13']);

    const second = await runLayer(args, { cwd: p.dir });
    expect(second.code, second.stderr).toBe(0);
    expect(parseJsonOutput(second)).toEqual({ ...published, status: 'unchanged', changes: [], reason: 'uv.lock unchanged since version 1' });
  });

  it('reads settings from [tool.lambda-layer], detects the tool from the lock file, and prints a human summary', async () => {
    const p = await project({ files: { 'poetry.lock': '# poetry lock\n' } });
    await writeFile(
      join(p.dir, 'pyproject.toml'),
      `[project]\nname = "app"\nversion = "0.1.0"\n\n[tool.lambda-layer]\nlayer-name = "${p.layerName}"\ns3dir = "${p.s3dir}"\ndescription = "from pyproject"\ncompatible-architecture = ["arm64"]\n`,
    );
    const result = await runLayer(['publish', '--project-dir', p.dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        `Published layer version 1 of ${p.layerName}: no package changes (first version of ${p.layerName})`,
        `  arn:      ${(await lambda.send(new GetLayerVersionCommand({ LayerName: p.layerName, VersionNumber: 1 }))).LayerVersionArn}`,
        `  manifest: ${p.s3dir}layer/000001/poetry.lock`,
        '',
      ].join('\n'),
    );
    const version = await lambda.send(new GetLayerVersionCommand({ LayerName: p.layerName, VersionNumber: 1 }));
    expect(version).toMatchObject({ Description: 'from pyproject', CompatibleArchitectures: ['arm64'] });
  });

  it.each([
    ['a missing layer.zip', { upload: false }, [], 1, 'E_LAYER_ZIP_NOT_FOUND', /layer\.zip not found at s3:\/\/.*; run `layer upload`/],
    [
      'a too long description',
      {},
      ['--description', 'x'.repeat(257)],
      2,
      'E_USAGE',
      /^error: invalid --description: the description is 257 characters long/,
    ],
    [
      'an unknown runtime',
      {},
      ['--compatible-runtime', 'python2'],
      2,
      'E_USAGE',
      /^error: invalid --compatible-runtime: unknown Lambda runtime "python2"/,
    ],
    ['an unknown architecture', {}, ['--compatible-architecture', 'sparc'], 2, 'E_USAGE', /unknown architecture "sparc"/],
    ['a bad layer name', {}, ['--layer-name', 'no spaces'], 2, 'E_USAGE', /^error: invalid --layer-name: invalid layer name "no spaces"/],
    [
      'two lock files and no --tool',
      { files: { 'poetry.lock': 'a', 'requirements.txt': 'b' } },
      [],
      2,
      'E_TOOL_AMBIGUOUS',
      /cannot tell the build tool/,
    ],
    ['no lock file', { files: {} }, [], 1, 'E_MANIFEST_NOT_FOUND', /no manifest .* found/],
  ] as const)('fails with one line for %s (exit 2 for a usage error, else 1)', async (_, setup, extra, exitCode, code, message) => {
    const p = await project(setup);
    const name = (extra as readonly string[]).includes('--layer-name') ? [] : ['--layer-name', p.layerName];
    const result = await runLayer(['publish', ...name, '--s3dir', p.s3dir, ...extra, '--json'], { cwd: p.dir });
    expect(result.code).toBe(exitCode);
    const output = parseJsonOutput<{ status: string; error: { code: string; message: string } }>(result);
    expect(output.status).toBe('error');
    expect(output.error.code).toBe(code);
    const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  });

  it('asks for --layer-name when no setting names it (a usage error)', async () => {
    const p = await project();
    const result = await runLayer(['publish', '--s3dir', p.s3dir], { cwd: p.dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'error: missing setting layer-name; pass --layer-name, set LAYER_LAYER_NAME, or add layer-name = "…" to [tool.lambda-layer] in pyproject.toml',
    );
  });

  it('says plainly that AWS credentials are missing', async () => {
    const p = await project();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_SHARED_CREDENTIALS_FILE: join(p.dir, 'no-credentials'),
      AWS_CONFIG_FILE: join(p.dir, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    delete env.AWS_PROFILE;
    delete env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    delete env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    delete env.AWS_WEB_IDENTITY_TOKEN_FILE;
    const result = await runLayer(['publish', '--layer-name', p.layerName, '--s3dir', p.s3dir, '--json'], { cwd: p.dir, env });
    expect(result.code).toBe(1);
    expect(parseJsonOutput<{ error: { code: string } }>(result).error.code).toBe('E_AWS_CREDENTIALS_MISSING');
    expect(result.stderr).toMatch(/^error: no AWS credentials found while trying to read s3:\/\/.*layer\.zip; set AWS_PROFILE/m);
  });
});

describe('layer publish --dry-run, sharing and retention (the real bin, through the fault proxy)', () => {
  const proxy = useFaultProxy();
  const viaProxy = () => ({ ...process.env, AWS_ENDPOINT_URL: proxy.endpoint });
  const writes = () => proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => r.operation);
  const CHANGED = 'version = 1\n[[package]]\nname = "six"\nversion = "1.17.0"\n[[package]]\nname = "idna"\nversion = "3.10"\n';

  it('says what would be published and why, sends no write request, and exits 0; a real publish prints the same diff', async () => {
    const p = await project();
    const base = ['publish', '--layer-name', p.layerName, '--s3dir', p.s3dir];
    expect((await runLayer(base, { cwd: p.dir })).code).toBe(0);
    await writeFile(join(p.dir, 'uv.lock'), CHANGED);
    await putUploadedLayerZip(s3, p.bucket, CHANGED);
    const githubOutput = join(p.dir, 'github-output');
    proxy.clearLog();

    const dry = await runLayer([...base, '--dry-run'], { cwd: p.dir, env: { ...viaProxy(), GITHUB_OUTPUT: githubOutput } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n')[0]).toBe(`Would publish version 2 of ${p.layerName}: six 1.16.0 \u2192 1.17.0, + idna 3.10 (uv.lock changed)`);
    expect(dry.stderr).toContain(`would publish version 2 of ${p.layerName}: six 1.16.0 \u2192 1.17.0, + idna 3.10 (uv.lock changed)`);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(writes()).toEqual([]);
    expect(await readFile(githubOutput, 'utf8')).toBe('layer-version=2\nstatus=would-publish\n');

    const json = await runLayer([...base, '--dry-run', '--json'], { cwd: p.dir, env: viaProxy() });
    expect(parseJsonOutput(json)).toMatchObject({
      status: 'would-publish',
      dryRun: true,
      layerVersion: 2,
      latestVersion: 1,
      changes: [
        { name: 'six', from: '1.16.0', to: '1.17.0' },
        { name: 'idna', from: null, to: '3.10' },
      ],
    });
    // publish-result.json still describes what is published: version 1.
    expect(JSON.parse(await readFile(join(p.dir, 'build', 'lambda', 'layer', 'publish-result.json'), 'utf8'))).toMatchObject({ layerVersion: 1 });
    expect(writes()).toEqual([]);

    const real = await runLayer([...base, '--json'], { cwd: p.dir });
    expect(parseJsonOutput(real)).toMatchObject({
      status: 'published',
      layerVersion: 2,
      changes: [
        { name: 'six', from: '1.16.0', to: '1.17.0' },
        { name: 'idna', from: null, to: '3.10' },
      ],
      reason: 'uv.lock changed',
    });
    const unchanged = await runLayer([...base, '--dry-run', '--json'], { cwd: p.dir, env: viaProxy() });
    expect(parseJsonOutput(unchanged)).toMatchObject({ status: 'unchanged', dryRun: true, layerVersion: 2 });
  });

  it('shares with accounts, an organization and the public from pyproject, and reconciles on an unchanged run from flags', async () => {
    const p = await project();
    await writeFile(
      join(p.dir, 'pyproject.toml'),
      `[project]\nname = "app"\n\n[tool.lambda-layer]\nlayer-name = "${p.layerName}"\ns3dir = "${p.s3dir}"\nshare-with-account = ["111122223333"]\nshare-with-org = ["o-abcdefghij"]\npublic = true\n`,
    );
    const first = await runLayer(['publish', '--json'], { cwd: p.dir });
    expect(first.code, first.stderr).toBe(0);
    expect(parseJsonOutput<{ sharing: { grants: Array<{ statementId: string }> } }>(first).sharing.grants.map((g) => g.statementId)).toEqual([
      'lambda-layer-account-111122223333',
      'lambda-layer-org-o-abcdefghij',
      'lambda-layer-public',
    ]);
    // Flags win over pyproject: one account only, not public, no organization.
    const second = await runLayer(['publish', '--share-with-account', '444455556666', '--share-with-org', 'o-abcdefghij', '--no-public'], {
      cwd: p.dir,
    });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('  shared:   444455556666, o-abcdefghij (change: +444455556666 -111122223333 -public)');
    const { Policy } = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: p.layerName, VersionNumber: 1 }));
    expect((JSON.parse(Policy ?? '{}') as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid).sort()).toEqual([
      'lambda-layer-account-444455556666',
      'lambda-layer-org-o-abcdefghij',
    ]);
  });

  it.each([
    [['--share-with-account', '1234'], /^error: invalid --share-with-account: invalid AWS account id "1234"; an account id is 12 digits/],
    [['--share-with-org', 'org-1'], /^error: invalid --share-with-org: invalid organization id "org-1"/],
    [['--keep-versions', '0'], /^error: invalid --keep-versions: keep-versions must be a whole number from 1 to 10000, got 0/],
  ])('refuses %j as a usage error before any AWS call', async (extra, message) => {
    const p = await project();
    proxy.clearLog();
    const result = await runLayer(['publish', '--layer-name', p.layerName, '--s3dir', p.s3dir, ...extra], { cwd: p.dir, env: viaProxy() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(proxy.requests).toEqual([]);
  });
});

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { BuildTool, UploadResult } from '@lambda-layer/core';
import { createTestBucket, layerBin, parseJsonOutput, runLayer, stampPackage, testS3Client, uniqueName } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built bin (packages/cli/bin/layer.js) against moto: `npx tsc -b` first.
const MiB = 1024 * 1024;
const LOCK = 'version = 1\nrequires-python = ">=3.12"\n';
let root: string;
let bucket: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-upload-'));
  bucket = await createTestBucket(testS3Client(), 'cli-upload');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64');

/** A project after `layer package`: pyproject.toml, a lock file, build/lambda/layer/layer.zip and its stamps (for `tool`'s lock). */
async function project(options: { pyproject?: string; files?: Record<string, string>; zip?: Buffer | null; tool?: BuildTool } = {}) {
  const dir = await mkdtemp(join(root, 'project-'));
  await writeFile(join(dir, 'pyproject.toml'), options.pyproject ?? '[project]\nname = "app"\nversion = "0.1.0"\n');
  for (const [name, content] of Object.entries(options.files ?? { 'uv.lock': LOCK })) await writeFile(join(dir, name), content);
  const zip = options.zip === undefined ? randomBytes(4096) : options.zip;
  if (zip) {
    await mkdir(join(dir, 'build', 'lambda', 'layer'), { recursive: true });
    await writeFile(join(dir, 'build', 'lambda', 'layer', 'layer.zip'), zip);
    await stampPackage(dir, options.tool ?? 'uv');
  }
  return { dir, zip: zip ?? Buffer.alloc(0) };
}

const s3dirOf = () => `s3://${bucket}/${uniqueName('app')}/lambda/`;
const keyOf = (s3uri: string) => s3uri.slice(`s3://${bucket}/`.length);

function expectOneLineFailure(result: { code: number; stderr: string; stdout: string }, code: string, message: RegExp, exitCode = 1) {
  expect(result.code, result.stderr).toBe(exitCode);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const json = parseJsonOutput<{ status: string; error: { code: string } }>(result);
  expect(json).toMatchObject({ status: 'error', error: { code } });
}

describe('layer upload (the bin, against moto)', () => {
  it('uploads with --json, detecting the tool from uv.lock, then reports unchanged, then uploads again with --force', async () => {
    const { dir, zip } = await project();
    const s3dir = s3dirOf();
    const first = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = parseJsonOutput<UploadResult>(first);
    const key = `${keyOf(s3dir)}layer/layer.zip`;
    expect(result).toEqual({
      status: 'uploaded',
      s3uri: `s3://${bucket}/${key}`,
      consoleUrl: `https://console.aws.amazon.com/s3/object/${bucket}?region=us-east-1&prefix=${encodeURIComponent(key)}`,
      bytes: zip.length,
      manifestMd5: md5(LOCK),
      zipSha256: sha256(zip),
    });
    // Human logs go to stderr, numbered steps included.
    expect(first.stderr).toContain('Step 1 - Preflight check');
    expect(first.stderr).toContain(`Step 2.3 - Upload layer.zip to s3://${bucket}/${key}`);

    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe('application/zip');
    expect(head.Metadata?.['manifest-md5']).toBe(md5(LOCK));
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(zip));

    const second = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(parseJsonOutput<UploadResult>(second)).toEqual({ ...result, status: 'unchanged', bytes: 0 });

    const forced = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(parseJsonOutput<UploadResult>(forced)).toEqual(result);
    const after = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(after.LastModified!.getTime()).toBeGreaterThanOrEqual(head.LastModified!.getTime());
  });

  it('--dry-run (or LAYER_DRY_RUN) sends nothing: "would-upload", then "unchanged" once S3 holds the zip', async () => {
    const { dir, zip } = await project();
    const s3dir = s3dirOf();
    const dry = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(parseJsonOutput<UploadResult>(dry)).toMatchObject({ status: 'would-upload', dryRun: true, bytes: zip.length });
    expect((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(s3dir) }))).Contents ?? []).toEqual([]);
    expect((await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir])).code).toBe(0);
    const again = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env: { ...process.env, LAYER_DRY_RUN: '1' } });
    expect(parseJsonOutput<UploadResult>(again)).toMatchObject({ status: 'unchanged', dryRun: true, bytes: 0 });
  });

  it('prints the s3:// URI and the console URL without --json, reading s3dir and tool from pyproject', async () => {
    const s3dir = s3dirOf();
    const { dir } = await project({
      pyproject: `[project]\nname = "app"\nversion = "0.1.0"\n\n[tool.lambda-layer]\ns3dir = "${s3dir}"\ntool = "pip"\n`,
      // Two manifests: only the configured tool's one counts.
      files: { 'requirements.txt': 'six==1.16.0\n', 'uv.lock': LOCK },
      tool: 'pip',
    });
    const result = await runLayer(['upload', '--project-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    const key = `${keyOf(s3dir)}layer/layer.zip`;
    expect(result.stdout.trim().split('\n')).toEqual([
      `uploaded layer.zip to s3://${bucket}/${key}`,
      `console: https://console.aws.amazon.com/s3/object/${bucket}?region=us-east-1&prefix=${encodeURIComponent(key)}`,
    ]);
    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata?.['manifest-md5']).toBe(md5('six==1.16.0\n'));

    const again = await runLayer(['upload', '--project-dir', dir]);
    expect(again.stdout).toContain(`layer.zip unchanged at s3://${bucket}/${key} (nothing sent)`);
  });

  it('uploads a zip over 16 MB in parts and shows plain progress lines without a terminal', async () => {
    const { dir, zip } = await project({ zip: randomBytes(18 * MiB) });
    const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dirOf(), '--tool', 'uv', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(parseJsonOutput<UploadResult>(result)).toMatchObject({ status: 'uploaded', bytes: zip.length, zipSha256: sha256(zip) });
    expect(result.stderr).toMatch(/layer\.zip: 50% \(/);
    expect(result.stderr).toMatch(/layer\.zip: done, 18\.0 MiB in/);
    expect(result.stderr).not.toContain('\r');
  });

  it('aborts the multipart upload on Ctrl-C: no parts, no object, exit 130 with one line and one JSON object', async () => {
    const { dir } = await project({ zip: randomBytes(96 * MiB) });
    const s3dir = s3dirOf();
    const child = spawn(process.execPath, [layerBin, 'upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        const first = !/layer\.zip: \d+%/.test(stderr);
        stderr += chunk.toString();
        // Interrupt once the first parts have arrived, with most of the file still to send.
        if (first && /layer\.zip: \d+%/.test(stderr)) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('warning: SIGINT: stopping `layer upload` (send it again to quit at once)');
    const errors = stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: interrupted by SIGINT: the upload of layer\.zip to s3:\/\/.* stopped; nothing was stored in S3/);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED', details: { signal: 'SIGINT' } } });
    const uploads = await testS3Client().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: keyOf(s3dir) }));
    expect(uploads.Uploads ?? []).toEqual([]);
    const listed = await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(s3dir) }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  describe('fails with one line, exit 1 and nothing left in S3', () => {
    it('without --s3dir', async () => {
      const { dir } = await project();
      const result = await runLayer(['upload', '--project-dir', dir, '--json']);
      expectOneLineFailure(result, 'E_CONFIG_MISSING_VALUE', /^error: missing setting s3dir; pass --s3dir, set LAYER_S3DIR, or add s3dir = /, 2);
    });

    it('with a bad --s3dir', async () => {
      const { dir } = await project();
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', `s3://${bucket.toUpperCase()}/x/`, '--json']);
      expectOneLineFailure(
        result,
        'E_USAGE',
        /^error: invalid --s3dir: invalid S3 URI .* is not a valid bucket name; use the form s3:\/\/bucket\/prefix\//,
        2,
      );
    });

    it('before `layer package` ran', async () => {
      const { dir } = await project({ zip: null });
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dirOf(), '--json']);
      expectOneLineFailure(result, 'E_LAYER_ZIP_NOT_FOUND', /^error: layer\.zip not found at .*layer\.zip; run `layer package` first$/);
    });

    it('without the manifest of --tool', async () => {
      const { dir } = await project();
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dirOf(), '--tool', 'poetry', '--json']);
      expectOneLineFailure(result, 'E_MANIFEST_NOT_FOUND', /^error: manifest poetry\.lock not found at .*; run `poetry lock` in the project folder/);
    });

    it('with an unknown --tool', async () => {
      const { dir } = await project();
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dirOf(), '--tool', 'conda', '--json']);
      expectOneLineFailure(result, 'E_USAGE', /^error: invalid --tool: unknown build tool "conda"; use one of pip, poetry, uv/, 2);
    });

    it('when the bucket does not exist', async () => {
      const { dir } = await project({ zip: randomBytes(17 * MiB) });
      const missing = uniqueName('no-such-bucket');
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', `s3://${missing}/app/`, '--json']);
      expectOneLineFailure(
        result,
        'E_AWS_BUCKET_NOT_FOUND',
        /^error: the S3 bucket does not exist \(while trying to list the incomplete multipart uploads of s3:\/\/.*\); create the bucket or fix --s3dir$/,
      );
    });

    it('without AWS credentials', async () => {
      const { dir } = await project();
      const s3dir = s3dirOf();
      const home = await mkdtemp(join(root, 'home-'));
      const unset = new Set([
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_PROFILE',
        'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
        'AWS_WEB_IDENTITY_TOKEN_FILE',
      ]);
      const env: NodeJS.ProcessEnv = {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.has(name))),
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'nope-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'nope-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env });
      expectOneLineFailure(
        result,
        'E_AWS_CREDENTIALS_MISSING',
        /^error: no AWS credentials found while trying to .*; set AWS_PROFILE \(or pass --profile\)/,
      );
      const listed = await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(s3dir) }));
      expect(listed.KeyCount ?? 0).toBe(0);
    });

    it('when two manifests leave the tool open', async () => {
      const { dir } = await project({ files: { 'uv.lock': LOCK, 'poetry.lock': '# poetry\n' } });
      const result = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dirOf(), '--json']);
      expectOneLineFailure(
        result,
        'E_TOOL_AMBIGUOUS',
        /^error: cannot tell the build tool: poetry\.lock and uv\.lock are both in .*; pass --tool poetry\|uv/,
        2,
      );
    });
  });

  it('left no multipart uploads open in the bucket', async () => {
    const uploads = await testS3Client().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import type { LayerDeployment } from '@lambda-layer/core';
import {
  createTestBucket,
  parseJsonOutput,
  runLayer,
  testLambdaClient,
  testS3Client,
  uniqueName,
  useTempDir,
  writeTree,
} from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { putUploadedLayerZip } from './__fixtures__/uploaded-layer-zip.js';
import { githubOutputLines, type PublishOutputs, publishOutputsOf, publishResultPath } from './result-file.js';

const s3 = testS3Client();
const lambda = testLambdaClient();
const temp = useTempDir('cli-result-');
const UV_LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';

/** A project whose layer.zip is already in S3 with the metadata `layer upload` writes, ready for `layer publish`. */
async function uploadedProject(): Promise<{ dir: string; args: string[]; layerName: string }> {
  const bucket = await createTestBucket(s3, 'cli-result');
  const layerName = uniqueName('result-deps');
  const dir = await writeTree(temp.path, { 'pyproject.toml': '[project]\nname = "app"\n', 'uv.lock': UV_LOCK }, 'project-');
  await putUploadedLayerZip(s3, bucket, UV_LOCK);
  return { dir, layerName, args: ['publish', '--project-dir', dir, '--layer-name', layerName, '--s3dir', `s3://${bucket}/app/lambda/`] };
}

const versionsOf = async (layerName: string) =>
  ((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions ?? []).map((v) => v.Version).sort();
/** Temporary files the atomic writes left in a folder. */
const tempFilesIn = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.tmp'));

const sample: LayerDeployment = {
  status: 'published',
  layerName: 'deps',
  layerVersion: 3,
  layerVersionArn: 'arn:aws:lambda:us-east-1:123456789012:layer:deps:3',
  s3pathManifest: 's3://bucket/app/lambda/layer/000003/uv.lock',
};

describe('result outputs', () => {
  it('takes the publications from publish (one region or several) and from the publish step of a workflow, and from nothing else', () => {
    expect(publishOutputsOf('publish', sample)).toMatchObject({
      publications: [{ region: 'us-east-1', publication: sample }],
      multiRegion: false,
      file: sample,
    });
    expect(publishOutputsOf('workflow', { status: 'published', publish: sample })?.publications).toEqual([
      { region: 'us-east-1', publication: sample },
    ]);
    expect(publishOutputsOf('package', { status: 'packaged' })).toBeUndefined();
    const west = { ...sample, status: 'unchanged' as const, layerVersion: 7, layerVersionArn: 'arn:aws:lambda:eu-west-1:123456789012:layer:deps:7' };
    const multi = {
      status: 'published',
      layerName: 'deps',
      regions: [
        { ...sample, region: 'us-east-1' },
        { ...west, region: 'eu-west-1' },
        { region: 'ap-south-1', status: 'error' as const, error: { code: 'E_AWS_ACCESS_DENIED', message: 'no' } },
      ],
      failedRegions: ['ap-south-1'],
    };
    const outputs = publishOutputsOf('publish', multi);
    expect(outputs).toMatchObject({ multiRegion: true, failedRegions: ['ap-south-1'], file: multi });
    expect(outputs?.publications.map((entry) => entry.region)).toEqual(['us-east-1', 'eu-west-1']);
    expect(githubOutputLines(outputs as NonNullable<typeof outputs>).split('\n')).toEqual([
      `layer-version-arn-us-east-1=${sample.layerVersionArn}`,
      'layer-version-us-east-1=3',
      'status-us-east-1=published',
      `layer-version-arn-eu-west-1=${west.layerVersionArn}`,
      'layer-version-eu-west-1=7',
      'status-eu-west-1=unchanged',
      'status-ap-south-1=error',
      'status=published',
      'regions=us-east-1,eu-west-1,ap-south-1',
      'failed-regions=ap-south-1',
      '',
    ]);
  });

  it('formats the GitHub step outputs of one region with the plain names and the per-region names; a dry run has no ARN for a version not yet made', () => {
    expect(githubOutputLines(publishOutputsOf('publish', sample) as PublishOutputs)).toBe(
      `layer-version-arn=${sample.layerVersionArn}\nlayer-version=3\nstatus=published\nlayer-version-arn-us-east-1=${sample.layerVersionArn}\nlayer-version-us-east-1=3\nstatus-us-east-1=published\n`,
    );
    const plan = {
      status: 'would-publish' as const,
      dryRun: true as const,
      layerName: 'deps',
      layerVersion: 4,
      latestVersion: 3,
      s3pathManifest: 's3://b/x/layer/000004/uv.lock',
      reason: 'uv.lock changed',
    };
    const outputs = publishOutputsOf('publish', plan) as PublishOutputs;
    expect(outputs.dryRun).toBe(true);
    expect(githubOutputLines(outputs)).toBe('layer-version=4\nstatus=would-publish\n');
  });

  it('layer publish writes publish-result.json, --output-file and $GITHUB_OUTPUT (appended), then the same ARN as unchanged', async () => {
    const { dir, args } = await uploadedProject();
    const githubOutput = join(temp.path, `github-output-${randomBytes(3).toString('hex')}`);
    await writeFile(githubOutput, 'earlier-step=kept\n');
    const outputFile = join(temp.path, 'results', 'nested', 'publish.json');
    const env = { ...process.env, GITHUB_OUTPUT: githubOutput };

    const first = await runLayer([...args, '--output-file', outputFile, '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const published = parseJsonOutput<LayerDeployment>(first);
    expect(published.status).toBe('published');
    expect(JSON.parse(await readFile(publishResultPath(dir), 'utf8'))).toEqual(published);
    expect(JSON.parse(await readFile(outputFile, 'utf8'))).toEqual(published);
    expect(await readFile(githubOutput, 'utf8')).toBe(
      `earlier-step=kept\nlayer-version-arn=${published.layerVersionArn}\nlayer-version=1\nstatus=published\n` +
        `layer-version-arn-us-east-1=${published.layerVersionArn}\nlayer-version-us-east-1=1\nstatus-us-east-1=published\n`,
    );
    // Atomic writes leave no temp files beside the results.
    expect((await readdir(join(temp.path, 'results', 'nested'))).sort()).toEqual(['publish.json']);
    expect((await readdir(join(dir, 'build', 'lambda', 'layer'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    // Without --json the human summary carries the ARN; the files say "unchanged" for the same version.
    const second = await runLayer(args, { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(published.layerVersionArn);
    expect(JSON.parse(await readFile(publishResultPath(dir), 'utf8'))).toEqual({
      ...published,
      status: 'unchanged',
      changes: [],
      reason: 'uv.lock unchanged since version 1',
    });
    expect((await readFile(githubOutput, 'utf8')).trim().split('\n').slice(-6, -3)).toEqual([
      `layer-version-arn=${published.layerVersionArn}`,
      'layer-version=1',
      'status=unchanged',
    ]);
  });

  it('an --output-file that cannot be written is exit 1 in one line that still names the published version', async () => {
    const { dir, args } = await uploadedProject();
    const blocked = join(temp.path, `a-folder-${randomBytes(3).toString('hex')}`);
    await mkdir(blocked);
    const result = await runLayer([...args, '--output-file', blocked, '--json']);
    expect(result.code, result.stderr).toBe(1);
    const output = parseJsonOutput<{ error: { code: string; message: string } }>(result);
    expect(output.error.code).toBe('E_RESULT_NOT_WRITTEN');
    expect(output.error.message).toMatch(
      /^layer version 1 of result-deps-\w+ is published, but the result could not be written to .*a-folder-\w+ \(EISDIR\)$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(blocked)).toEqual([]);
    expect(existsSync(publishResultPath(dir))).toBe(false);
  });

  it('a publish-result.json that cannot be replaced (a folder in its place): exit 1 naming the version; the rerun writes it and publishes nothing', async () => {
    const { dir, args, layerName } = await uploadedProject();
    await mkdir(publishResultPath(dir), { recursive: true });
    const githubOutput = join(temp.path, `github-output-${randomBytes(3).toString('hex')}`);
    await writeFile(githubOutput, '');
    const env = { ...process.env, GITHUB_OUTPUT: githubOutput };
    const failed = await runLayer([...args, '--json'], { env });
    expect(failed.code, failed.stderr).toBe(1);
    const output = parseJsonOutput<{ error: { code: string; message: string } }>(failed);
    expect(output.error.code).toBe('E_RESULT_NOT_WRITTEN');
    expect(output.error.message).toMatch(
      /^layer version 1 of result-deps-\w+ is published, but the publish result could not be written to .*publish-result\.json \(EISDIR\)$/,
    );
    // Left behind: the one version, the folder as it was, no temp file, no GitHub output for a result that was not recorded.
    expect(await versionsOf(layerName)).toEqual([1]);
    expect(await readdir(publishResultPath(dir))).toEqual([]);
    expect(await tempFilesIn(join(dir, 'build', 'lambda', 'layer'))).toEqual([]);
    expect(await readFile(githubOutput, 'utf8')).toBe('');

    await rm(publishResultPath(dir), { recursive: true });
    const rerun = await runLayer([...args, '--json'], { env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(await readFile(publishResultPath(dir), 'utf8'))).toMatchObject({ status: 'unchanged', layerVersion: 1, layerName });
    expect(await versionsOf(layerName)).toEqual([1]);
    expect(await readFile(githubOutput, 'utf8')).toContain('status=unchanged\n');
  });

  it('a $GITHUB_OUTPUT that cannot be appended to: exit 1 naming the version; publish-result.json is written all the same', async () => {
    const { dir, args, layerName } = await uploadedProject();
    const githubOutput = join(temp.path, `github-output-folder-${randomBytes(3).toString('hex')}`);
    await mkdir(githubOutput);
    const result = await runLayer([...args, '--json'], { env: { ...process.env, GITHUB_OUTPUT: githubOutput } });
    expect(result.code, result.stderr).toBe(1);
    const output = parseJsonOutput<{ error: { code: string; message: string } }>(result);
    expect(output.error.code).toBe('E_RESULT_NOT_WRITTEN');
    expect(output.error.message).toMatch(
      /^layer version 1 of result-deps-\w+ is published, but the GitHub step outputs could not be written to .*github-output-folder-\w+ \(EISDIR\)$/,
    );
    expect(await versionsOf(layerName)).toEqual([1]);
    expect(JSON.parse(await readFile(publishResultPath(dir), 'utf8'))).toMatchObject({ status: 'published', layerVersion: 1, layerName });
    expect(await readdir(githubOutput)).toEqual([]);
    expect(await tempFilesIn(join(dir, 'build', 'lambda', 'layer'))).toEqual([]);
  });

  it('--output-file takes the result of any command (iam-policy here): an earlier file is replaced whole; one that cannot be written is exit 1 and left as it was', async () => {
    const dir = await writeTree(temp.path, { 'requirements.txt': 'six==1.16.0\n' }, 'any-command-');
    const outputFile = join(dir, 'policy.json');
    await writeFile(outputFile, 'an earlier result\n');
    const args = ['iam-policy', '--project-dir', dir, '--s3dir', 's3://bucket-x/app/lambda/', '--layer-name', 'x', '--region', 'us-east-1'];
    const accountArgs = ['--account-id', '123456789012', '--json'];
    const result = await runLayer([...args, ...accountArgs, '--output-file', outputFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(await readFile(outputFile, 'utf8'))).toEqual(parseJsonOutput(result));
    // Only publish and workflow leave publish-result.json; the atomic write leaves no temp file.
    expect((await readdir(dir)).sort()).toEqual(['policy.json', 'requirements.txt']);

    // A path under a file: nothing published, so the line names only the file.
    const failed = await runLayer([...args, ...accountArgs, '--output-file', join(dir, 'requirements.txt', 'policy.json')]);
    expect(failed.code, failed.stderr).toBe(1);
    const output = parseJsonOutput<{ error: { code: string; message: string } }>(failed);
    expect(output.error.code).toBe('E_RESULT_NOT_WRITTEN');
    expect(output.error.message).toMatch(/^the result could not be written to .*requirements\.txt\/policy\.json \(ENOTDIR\)$/);
    expect(await readFile(join(dir, 'requirements.txt'), 'utf8')).toBe('six==1.16.0\n');
    expect((await readdir(dir)).sort()).toEqual(['policy.json', 'requirements.txt']);
  });
});

import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { WorkflowResult } from '@lambda-layer/core';
import {
  createTestBucket,
  parseJsonOutput,
  repoRoot,
  runLayer,
  testLambdaClient,
  testS3Client,
  uniqueName,
  useFaultProxy,
} from '@lambda-layer/testing';
import { afterAll, describe, expect, it } from 'vitest';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of an example, pointed at its own bucket and layer name, building from the loopback index. */
async function example(name: 'uv-app' | 'poetry-app' | 'pip-app') {
  const projectDir = await mkdtemp(join(tmpdir(), `workflow-${name}-`));
  temps.push(projectDir);
  await cp(join(repoRoot, 'examples', name), projectDir, { recursive: true, filter: (src) => !/[/\\](build|\.venv)$/.test(src) });
  const bucket = await createTestBucket(testS3Client(), 'workflow');
  const layerName = uniqueName(`wf-${name}`);
  const env = {
    ...process.env,
    LAYER_S3DIR: `s3://${bucket}/${name}/lambda/`,
    LAYER_LAYER_NAME: layerName,
    LAYER_INDEX_URL: process.env.LAYER_TEST_PACKAGE_INDEX_URL,
  };
  return { projectDir, bucket, layerName, env };
}

async function workflow(projectDir: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  const result = await runLayer(['workflow', '--project-dir', projectDir, '--json', '--yes', ...extra], { env });
  return { result, json: parseJsonOutput<WorkflowResult & { error?: { code: string; message: string } }>(result) };
}

describe('layer workflow', () => {
  it.each(['uv-app', 'poetry-app', 'pip-app'] as const)(
    'builds, packages, uploads and publishes %s, and a re-run changes nothing',
    async (name) => {
      const { projectDir, bucket, layerName, env } = await example(name);
      const first = await workflow(projectDir, env);
      expect(first.result.code, first.result.stderr).toBe(0);
      expect(first.json.status).toBe('published');
      expect(stepStatuses(first.json)).toEqual(['built', 'packaged', 'uploaded', 'published']);
      expect(first.json.build?.packages).toContain('requests==2.32.3');
      expect(first.json.build?.packages.some((p) => p.startsWith('iniconfig'))).toBe(false); // dev group stays out
      expect(first.json.publish?.layerVersion).toBe(1);
      expect(first.result.stderr).toMatch(/Step 1\.2 - Validate layer\.zip consistency with manifest/);

      const s3 = testS3Client();
      const zipKey = `${name}/lambda/layer/layer.zip`;
      const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: zipKey }));

      const again = await workflow(projectDir, env);
      expect(again.result.code, again.result.stderr).toBe(0);
      expect(again.json.status).toBe('unchanged');
      expect(stepStatuses(again.json)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
      expect(again.json.upload?.bytes).toBe(0);
      expect(again.json.publish?.layerVersionArn).toBe(first.json.publish?.layerVersionArn);

      // Nothing was sent again and no version was added.
      const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: zipKey }));
      expect(after.ETag).toBe(before.ETag);
      expect(after.LastModified).toEqual(before.LastModified);
      const versions = await testLambdaClient().send(new ListLayerVersionsCommand({ LayerName: layerName }));
      expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([1]);
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((o) => o.Key).sort();
      expect(keys).toEqual([`${name}/lambda/layer/000001/${manifestOf(name)}`, zipKey].sort());
    },
    180_000,
  );

  it('publishes version 2 when the lock changes, and --force redoes build, package and upload but not publish', async () => {
    const { projectDir, env } = await example('pip-app');
    const first = await workflow(projectDir, env);
    expect(first.json.publish?.layerVersion, first.result.stderr).toBe(1);

    const forced = await workflow(projectDir, env, ['--force']);
    expect(forced.result.code, forced.result.stderr).toBe(0);
    expect(stepStatuses(forced.json)).toEqual(['built', 'packaged', 'uploaded', 'unchanged']);

    // Add one pinned dependency to the lock file (the loopback index serves six).
    const requirements = join(projectDir, 'requirements.txt');
    await writeFile(requirements, `${(await readFile(requirements, 'utf8')).trimEnd()}\nsix==1.17.0\n`);
    const changed = await workflow(projectDir, env);
    expect(changed.result.code, changed.result.stderr).toBe(0);
    expect(changed.json.publish?.status).toBe('published');
    expect(changed.json.publish?.layerVersion).toBe(2);
    expect(changed.json.build?.packages).toContain('six==1.17.0');
  }, 180_000);

  it('stops at the first failing step with that step error', async () => {
    const { projectDir, env } = await example('pip-app');
    const missingBucket = { ...env, LAYER_S3DIR: `s3://${uniqueName('no-such-bucket')}/app/` };
    const { result, json } = await workflow(projectDir, missingBucket);
    expect(result.code).toBe(1);
    expect(json.error?.code).toBe('E_AWS_BUCKET_NOT_FOUND');
    expect(json.error?.message).toMatch(/^upload step failed: /);
    expect(result.stderr).toContain('== layer package: packaged');
    expect(result.stderr).not.toMatch(/Workflow step \d\.\d - layer publish/);
  }, 180_000);
});

describe('layer workflow --dry-run and several regions', () => {
  const proxy = useFaultProxy();

  it('--dry-run builds, packages and uploads nothing, sends no write request, and says what publish would do', async () => {
    const { projectDir, layerName, env } = await example('pip-app');
    proxy.clearLog();
    const { result, json } = await workflow(projectDir, { ...env, AWS_ENDPOINT_URL: proxy.endpoint }, ['--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(json).toMatchObject({
      status: 'would-publish',
      dryRun: true,
      publish: { status: 'would-publish', layerVersion: 1, reason: `first version of ${layerName}` },
    });
    expect(json.publish?.changes).toContainEqual({ name: 'requests', from: null, to: '2.32.3' });
    expect(stepStatuses(json)).toEqual([undefined, undefined, undefined, 'would-publish']);
    expect(existsSync(join(projectDir, 'build'))).toBe(false);
    expect(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(result.stderr).toContain('== --dry-run: nothing is built, packaged or uploaded');
  }, 180_000);

  it('builds and packages once, then uploads and publishes in two regions; a re-run finds both unchanged', async () => {
    const { projectDir, layerName, env } = await example('pip-app');
    const prefix = uniqueName('wf-layers');
    await testS3Client().send(new CreateBucketCommand({ Bucket: `${prefix}-us-east-1` }));
    await testS3Client({ region: 'eu-west-1' }).send(
      new CreateBucketCommand({ Bucket: `${prefix}-eu-west-1`, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    const regional = { ...env, LAYER_S3DIR: `s3://${prefix}-{region}/app/lambda/`, LAYER_REGION: 'us-east-1,eu-west-1' };
    const first = await workflow(projectDir, regional);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.json.status).toBe('published');
    expect(first.json.build?.status).toBe('built');
    expect(first.json.upload).toBeUndefined();
    expect(first.json.regions?.map((r) => [r.region, r.upload?.status, r.publish?.status, r.publish?.layerVersion])).toEqual([
      ['us-east-1', 'uploaded', 'published', 1],
      ['eu-west-1', 'uploaded', 'published', 1],
    ]);
    expect(first.result.stderr.match(/^Workflow step 2\.1 - layer build$/gm)).toHaveLength(1);
    for (const region of ['us-east-1', 'eu-west-1']) {
      const versions = await testLambdaClient({ region }).send(new ListLayerVersionsCommand({ LayerName: layerName }));
      expect(versions.LayerVersions?.map((v) => v.LayerVersionArn)).toEqual([`arn:aws:lambda:${region}:123456789012:layer:${layerName}:1`]);
    }
    const again = await workflow(projectDir, regional);
    expect(again.json.status).toBe('unchanged');
    expect(again.json.regions?.map((r) => [r.upload?.status, r.publish?.status])).toEqual([
      ['unchanged', 'unchanged'],
      ['unchanged', 'unchanged'],
    ]);
  }, 180_000);
});

function stepStatuses(json: WorkflowResult): Array<string | undefined> {
  return [json.build?.status, json.package?.status, json.upload?.status, json.publish?.status];
}

function manifestOf(name: 'uv-app' | 'poetry-app' | 'pip-app'): string {
  return { 'uv-app': 'uv.lock', 'poetry-app': 'poetry.lock', 'pip-app': 'requirements.txt' }[name];
}

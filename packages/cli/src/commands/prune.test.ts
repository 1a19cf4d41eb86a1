import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { PruneResult } from '@lambda-layer/core';
import {
  createTestBucket,
  createTestFunction,
  errorLines,
  parseJsonOutput,
  runLayer,
  startLayer,
  testLambdaClient,
  testS3Client,
  uniqueName,
  useFaultProxy,
  useTempDir,
  writeTree,
} from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { putUploadedLayerZip } from '../__fixtures__/uploaded-layer-zip.js';

const s3 = testS3Client();
const lambda = testLambdaClient();
const temp = useTempDir('cli-prune-');
const proxy = useFaultProxy();

/** A project with `count` published versions (each its own requirements.txt, published by the bin). */
async function publishedProject(count: number) {
  const bucket = await createTestBucket(s3, 'cli-prune');
  const layerName = uniqueName('prune-deps');
  const dir = await writeTree(
    temp.path,
    { 'pyproject.toml': `[project]\nname = "app"\n\n[tool.lambda-layer]\nlayer-name = "${layerName}"\ns3dir = "s3://${bucket}/app/lambda/"\n` },
    'project-',
  );
  for (let version = 1; version <= count; version += 1) {
    const manifest = `six==1.${version}.0\n`;
    await writeFile(join(dir, 'requirements.txt'), manifest);
    await putUploadedLayerZip(s3, bucket, manifest);
    const published = await runLayer(['publish', '--project-dir', dir]);
    expect(published.code, published.stderr).toBe(0);
  }
  const versions = (await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions ?? [];
  const arnOf = (version: number) => versions.find((v) => v.Version === version)?.LayerVersionArn as string;
  return { dir, bucket, layerName, arnOf };
}

const versionsOf = async (layerName: string) =>
  ((await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName }))).LayerVersions ?? []).map((v) => v.Version).sort();

describe('layer prune (the real bin)', () => {
  it('a dry run names what would go and the functions that keep an old version, writing nothing; then deletes it', async () => {
    const p = await publishedProject(4);
    const fn = await createTestFunction(lambda, { layers: [p.arnOf(1)] });
    proxy.clearLog();

    const dry = await runLayer(['prune', '--project-dir', p.dir, '--keep-versions', '2', '--dry-run'], {
      env: { ...process.env, AWS_ENDPOINT_URL: proxy.endpoint },
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([
      `Would delete version 2 of ${p.layerName}`,
      '  kept:     4, 3 (the newest 2)',
      `  kept:     1, used by ${fn}`,
      '',
    ]);
    expect(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(await versionsOf(p.layerName)).toEqual([1, 2, 3, 4]);

    const real = await runLayer(['prune', '--project-dir', p.dir, '--keep-versions', '2', '--json']);
    expect(real.code, real.stderr).toBe(0);
    expect(parseJsonOutput<PruneResult>(real)).toEqual({
      status: 'pruned',
      layerName: p.layerName,
      latestVersion: 4,
      keepVersions: 2,
      kept: [4, 3],
      inUse: [{ layerVersion: 1, functions: [fn] }],
      deleted: [2],
      deletedManifests: [],
    });
    expect(await versionsOf(p.layerName)).toEqual([1, 3, 4]);
    // The manifest backups stay: the audit trail.
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: p.bucket, Prefix: 'app/lambda/layer/0' }))).Contents?.map((o) => o.Key);
    expect(keys).toEqual(['000001', '000002', '000003', '000004'].map((v) => `app/lambda/layer/${v}/requirements.txt`));
  });

  it('publish --keep-versions deletes the old versions after publishing a new one', async () => {
    const p = await publishedProject(3);
    await writeFile(join(p.dir, 'requirements.txt'), 'six==1.9.0\n');
    await putUploadedLayerZip(s3, p.bucket, 'six==1.9.0\n');
    const result = await runLayer(['publish', '--project-dir', p.dir, '--keep-versions', '1', '--delete-manifests']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('  retention: deleted versions 1, 2, 3');
    expect(await versionsOf(p.layerName)).toEqual([4]);
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: p.bucket, Prefix: 'app/lambda/layer/0' }))).Contents?.map((o) => o.Key);
    expect(keys).toEqual(['app/lambda/layer/000004/requirements.txt']);
  });

  it('SIGINT while a deletion hangs: exit 130 in one line saying which versions went, the lock released', async () => {
    const p = await publishedProject(3);
    proxy.clearLog();
    proxy.addRule({ service: 'Lambda', operation: 'DeleteLayerVersion', skip: 1, action: { kind: 'hang' } });
    const run = startLayer(['prune', '--project-dir', p.dir, '--keep-versions', '1', '--json'], {
      env: { ...process.env, AWS_ENDPOINT_URL: proxy.endpoint },
    });
    await run.waitUntil(() => proxy.count('DeleteLayerVersion') >= 2, 'the second DeleteLayerVersion');
    run.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    expect(errorLines(exit.stderr)).toEqual([
      `error: interrupted by SIGINT: deleted version(s) 1 of ${p.layerName}; 1 old version(s) left; run \`layer prune --keep-versions 1\` again`,
    ]);
    expect(parseJsonOutput({ code: exit.code ?? 0, stdout: exit.stdout, stderr: exit.stderr })).toMatchObject({
      status: 'interrupted',
      error: { code: 'E_INTERRUPTED' },
    });
    expect(await versionsOf(p.layerName)).toEqual([2, 3]);
    // No lock left for the next run to wait on.
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: p.bucket, Prefix: 'app/lambda/layer/.publish.lock' }))).Contents ?? [];
    expect(keys).toEqual([]);
    proxy.clearRules();
    expect(parseJsonOutput(await runLayer(['prune', '--project-dir', p.dir, '--keep-versions', '1', '--json']))).toMatchObject({
      status: 'pruned',
      deleted: [2],
    });
  });

  it('asks for --keep-versions (a usage error naming the flag, the variable and the key)', async () => {
    const dir = await writeTree(
      temp.path,
      { 'pyproject.toml': '[tool.lambda-layer]\nlayer-name = "x"\ns3dir = "s3://some-bucket/app/"\n', 'uv.lock': 'version = 1\n' },
      'project-',
    );
    const result = await runLayer(['prune', '--project-dir', dir, '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'error: missing setting keep-versions: how many of the newest versions to keep; pass --keep-versions N, set LAYER_KEEP_VERSIONS, or add keep-versions = N to [tool.lambda-layer] in pyproject.toml',
    );
    expect(parseJsonOutput(result)).toMatchObject({ status: 'error', error: { code: 'E_CONFIG_MISSING_VALUE' } });
  });
});

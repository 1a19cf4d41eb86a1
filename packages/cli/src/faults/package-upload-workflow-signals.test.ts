/**
 * Fault catalogue, local side (issue 11, part A): SIGINT and SIGKILL while `layer package` writes (the
 * temporary zip grows), `layer upload` refusing the zip of an earlier build after a killed package,
 * and SIGTERM / SIGKILL in the build step of `layer workflow` (nothing uploaded or published; one
 * version after a re-run).
 *
 * The real `layer` bin as a child process (run `npx tsc -b` first), real signals to that PID at a
 * moment the test observes, real pip, uv, moto and file systems; each case asserts the state left
 * behind.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { localLayout, readBuildStamp } from '@lambda-layer/core';
import {
  createTestBucket,
  errorLines,
  parseJsonOutput,
  runLayer,
  runningWith,
  stampBuild,
  startLayer,
  startPackageIndex,
  testLambdaClient,
  testS3Client,
  uniqueName,
  wheelCacheDir,
} from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bigBuiltProject,
  downloadRequested,
  emptyCachesEnv,
  env,
  expectInterrupted,
  freshProject,
  indexUrl,
  useFaultFixtures,
  waitForGrowingTemp,
  zipTemp,
} from './__fixtures__/faults.js';

const f = useFaultFixtures();

describe('signals during `layer package`', () => {
  let dir: string;
  let zipBefore: Buffer;
  let stampBefore: string;
  beforeAll(async () => {
    dir = await bigBuiltProject(f.temps);
    const first = await runLayer(['package', '--project-dir', dir, '--compression-level', '1', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    zipBefore = await readFile(localLayout(dir).layerZip);
    stampBefore = await readFile(localLayout(dir).packageStamp, 'utf8');
  });

  it('SIGINT mid-write: exit 130, "layer.zip was not changed" and it was not, nor its stamp; no temporary file', async () => {
    const run = startLayer(['package', '--project-dir', dir, '--force', '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGINT');
    expectInterrupted(await run.exited, 130, 'error: interrupted by SIGINT: layer.zip was not changed; run `layer package` again');
    expect((await readFile(localLayout(dir).layerZip)).equals(zipBefore)).toBe(true);
    expect(await readFile(localLayout(dir).packageStamp, 'utf8')).toBe(stampBefore);
    expect(await zipTemp(dir)).toBeUndefined();
  });

  it('SIGKILL mid-write: layer.zip and its stamp untouched; the next run removes the temporary file', async () => {
    const run = startLayer(['package', '--project-dir', dir, '--force', '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    expect(await zipTemp(dir)).toBeDefined();
    expect((await readFile(localLayout(dir).layerZip)).equals(zipBefore)).toBe(true);
    expect(await readFile(localLayout(dir).packageStamp, 'utf8')).toBe(stampBefore);
    const next = await runLayer(['package', '--project-dir', dir, '--compression-level', '1', '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(next).status).toBe('unchanged');
    expect(next.stderr).toContain('removed 1 temporary file(s) left by a killed run');
    expect(await zipTemp(dir)).toBeUndefined();
  });
});

describe('`layer upload` takes only a finished package of the current build', () => {
  it('refuses the zip of an earlier build after a new build and a killed package, then uploads once packaging finishes', async () => {
    const dir = await bigBuiltProject(f.temps);
    const bucket = await createTestBucket(testS3Client(), 'fault-upload');
    const s3dir = `s3://${bucket}/app/lambda/`;
    expect((await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env })).code).toBe(0);
    // A new build (another tree), then its packaging killed midway.
    await writeFile(join(localLayout(dir).pythonDir, 'blob00.txt'), randomBytes(1_500_000).toString('base64'));
    await stampBuild(dir, 'uv');
    const run = startLayer(['package', '--project-dir', dir, '--compression-level', '9', '--json'], { env });
    await waitForGrowingTemp(run, dir);
    run.kill('SIGKILL');
    await run.exited;

    const refused = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(errorLines(refused.stderr)).toEqual([
      'error: layer.zip was packaged from an earlier build than the one in artifacts/python/; run `layer package`',
    ]);
    expect(parseJsonOutput(refused)).toMatchObject({ status: 'error', error: { code: 'E_LAYER_ZIP_UNVERIFIED' } });
    expect((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);

    expect((await runLayer(['package', '--project-dir', dir, '--compression-level', '1'], { env })).code).toBe(0);
    const uploaded = await runLayer(['upload', '--project-dir', dir, '--s3dir', s3dir, '--json'], { env });
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(uploaded).status).toBe('uploaded');
  });
});

describe('signals during `layer workflow`', () => {
  async function workflowProject() {
    const dir = await freshProject(f.temps, 'uv');
    const bucket = await createTestBucket(testS3Client(), 'fault-workflow');
    const layerName = uniqueName('fault-wf');
    return {
      dir,
      bucket,
      layerName,
      args: ['workflow', '--project-dir', dir, '--s3dir', `s3://${bucket}/app/lambda/`, '--layer-name', layerName, '--yes', '--json'],
    };
  }
  const versionsOf = async (layerName: string) =>
    (
      await testLambdaClient()
        .send(new ListLayerVersionsCommand({ LayerName: layerName }))
        .catch(() => ({ LayerVersions: [] }))
    ).LayerVersions ?? [];

  it('SIGTERM in the build step: exit 143, nothing uploaded or published, and the line says where it stopped', async () => {
    const { dir, bucket, layerName, args } = await workflowProject();
    const seen = f.stalling.requests.length;
    const run = startLayer([...args, '--index-url', f.stalling.url], { env: await emptyCachesEnv(f.temps) });
    await downloadRequested(run, f.stalling, seen);
    run.kill('SIGTERM');
    expectInterrupted(
      await run.exited,
      143,
      'error: interrupted by SIGTERM: nothing was built (artifacts/python/ was not changed) (the workflow stopped in the build step); run `layer workflow` again',
    );
    expect((await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);
    expect(await versionsOf(layerName)).toEqual([]);
    expect(runningWith(dir)).toEqual([]);
  });

  it('SIGKILL in the build step, then a re-run: exactly one layer version', async () => {
    const { dir, layerName, args } = await workflowProject();
    const held = await startPackageIndex({ dirs: [wheelCacheDir], holdDownloads: true });
    try {
      const run = startLayer([...args, '--index-url', held.url], { env: await emptyCachesEnv(f.temps) });
      await held.firstDownload;
      run.kill('SIGKILL');
      await run.exited;
    } finally {
      await held.close();
    }
    expect(await readBuildStamp(localLayout(dir))).toBeUndefined();
    const again = await runLayer([...args, '--index-url', indexUrl], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonOutput<{ status: string }>(again).status).toBe('published');
    expect((await versionsOf(layerName)).map((version) => version.Version)).toEqual([1]);
  });
});

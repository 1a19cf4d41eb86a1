/**
 * `pruneLayerVersions` against moto through the fault proxy: a dry run sends
 * only reads; a real run takes the publish lock, deletes and releases it;
 * Ctrl-C between two deletions says which went and leaves no lock.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createMemoryLogger, ErrorCodes } from '@lambda-layer/core';
import { createTestFunction, testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { listLayerVersions } from './latest-version.js';
import type { PruneLayerVersionsOptions } from './options.js';
import { pruneLayerVersions } from './prune-layer-versions.js';
import { failure, layerKeys, type PublishFixture, publishOptionsOf, usePublishFixtures, versionsOf } from './publish.fixture.js';
import { publishLayerVersion } from './publish-layer-version.js';

const proxy = useFaultProxy();
const { ready } = usePublishFixtures();
const lock = (version: number) => `six==1.${version}.0\n`;

async function publishVersions(f: PublishFixture, count: number): Promise<void> {
  for (let version = 1; version <= count; version += 1) {
    await f.writeManifest(lock(version));
    await f.uploadZip(lock(version));
    await publishLayerVersion(publishOptionsOf(f));
  }
}

function pruneOptions(f: PublishFixture, extra: Partial<PruneLayerVersionsOptions> = {}): PruneLayerVersionsOptions {
  const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 5_000 };
  return {
    layerName: f.layerName,
    s3dir: f.s3dir,
    tool: f.tool,
    keepVersions: 1,
    s3Client: testS3Client(settings),
    lambdaClient: testLambdaClient(settings),
    lock: { pollMs: 50, waitMs: 10_000 },
    ...extra,
  };
}

describe('pruneLayerVersions', () => {
  it('a dry run sends no write request and says what would go; the real run deletes exactly that under the lock', async () => {
    const f = await ready(lock(1), 'pip');
    await publishVersions(f, 4);
    const v2 = (await listLayerVersions(f.lambda, f.layerName)).find((v) => v.version === 2)?.layerVersionArn as string;
    const fn = await createTestFunction(f.lambda, { layers: [v2] });
    proxy.clearLog();

    const logger = createMemoryLogger();
    const plan = await pruneLayerVersions(pruneOptions(f, { dryRun: true, keepVersions: 2, logger }));
    expect(plan).toEqual({
      status: 'would-prune',
      dryRun: true,
      layerName: f.layerName,
      latestVersion: 4,
      keepVersions: 2,
      kept: [4, 3],
      inUse: [{ layerVersion: 2, functions: [fn] }],
      deleted: [1],
      deletedManifests: [],
    });
    expect(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    expect(proxy.operations()).toEqual(['ListLayerVersions', 'ListFunctions']);
    expect(logger.lines).toContain(`  would delete version 1 (its manifest backup ${f.s3dir}layer/000001/requirements.txt stays)`);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2, 3, 4]);

    proxy.clearLog();
    const done = await pruneLayerVersions(pruneOptions(f, { keepVersions: 2, deleteManifests: true }));
    expect(done).toMatchObject({ status: 'pruned', deleted: [1], deletedManifests: [`${f.s3dir}layer/000001/requirements.txt`] });
    expect(done.dryRun).toBeUndefined();
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([2, 3, 4]);
    expect(await layerKeys(f)).toEqual(['000002/requirements.txt', '000003/requirements.txt', '000004/requirements.txt', 'layer.zip']);
    // The lock was taken first and released last.
    const writes = proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.operation} ${r.key ?? ''}`.trim());
    expect(writes).toEqual([
      'PutObject app/lambda/layer/.publish.lock',
      'DeleteLayerVersion',
      'DeleteObject app/lambda/layer/000001/requirements.txt',
      'DeleteObject app/lambda/layer/.publish.lock',
    ]);

    // Nothing left to do.
    expect(await pruneLayerVersions(pruneOptions(f, { keepVersions: 2 }))).toMatchObject({ status: 'unchanged', deleted: [] });
  });

  it('asks for keep-versions and checks it before any call', async () => {
    const f = await ready(lock(1), 'pip');
    proxy.clearLog();
    const missing = await failure(pruneLayerVersions(pruneOptions(f, { keepVersions: undefined as unknown as number })));
    expect(missing.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(missing.oneLine).toMatch(/^keep-versions is missing; pass --keep-versions N/);
    const zero = await failure(pruneLayerVersions(pruneOptions(f, { keepVersions: 0 })));
    expect(zero.oneLine).toMatch(/keep-versions must be a whole number from 1 to 10000, got 0/);
    expect(proxy.requests).toEqual([]);
  });

  it('stops between two deletions when interrupted, says which went, and releases the lock', async () => {
    const f = await ready(lock(1), 'pip');
    await publishVersions(f, 3);
    proxy.clearLog();
    proxy.addRule({ service: 'Lambda', operation: 'DeleteLayerVersion', skip: 1, action: { kind: 'hang' } });
    const controller = new AbortController();
    const running = pruneLayerVersions(pruneOptions(f, { signal: controller.signal }));
    while (proxy.count('DeleteLayerVersion') < 2) await delay(20);
    controller.abort(Object.assign(new Error('SIGINT'), { name: 'AbortError', signal: 'SIGINT' }));
    const error = await failure(running);
    expect(error.code).toBe(ErrorCodes.INTERRUPTED);
    expect(error.message).toMatch(new RegExp(`deleted version\\(s\\) 1 of ${f.layerName}; 1 old version\\(s\\) left$`));
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([2, 3]);
    expect(await layerKeys(f)).toEqual(['000001/requirements.txt', '000002/requirements.txt', '000003/requirements.txt', 'layer.zip']);
  });
});

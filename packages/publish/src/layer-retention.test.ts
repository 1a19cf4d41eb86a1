/**
 * Retention against moto: the newest N versions stay, an older one a function
 * uses stays (named with the function), the rest go; manifest backups stay
 * unless asked. Asserted on the versions and objects moto holds afterwards.
 */
import { type LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { createMemoryLogger, ErrorCodes, s3Layout } from '@lambda-layer/core';
import { createTestFunction, testLambdaClient, testS3Client, useFaultProxy } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { listLayerVersions } from './latest-version.js';
import { applyRetention, findLayerVersionUsers, planRetention } from './layer-retention.js';
import { failure, layerKeys, type PublishFixture, publishOptionsOf, usePublishFixtures, versionsOf } from './publish.fixture.js';
import { publishLayerVersion } from './publish-layer-version.js';

const proxy = useFaultProxy();
const { ready } = usePublishFixtures();
const lock = (version: number) => `version = 1\n[[package]]\nname = "six"\nversion = "1.${version}.0"\n`;

/** Publishes versions 1..count through publishLayerVersion, each with its own manifest backup. */
async function publishVersions(f: PublishFixture, count: number): Promise<void> {
  for (let version = 1; version <= count; version += 1) {
    await f.writeManifest(lock(version));
    await f.uploadZip(lock(version));
    await publishLayerVersion(publishOptionsOf(f));
  }
}

const arnOf = async (lambda: LambdaClient, layerName: string, version: number) =>
  (await listLayerVersions(lambda, layerName)).find((v) => v.version === version)?.layerVersionArn as string;

/** Re-cuts moto's one-page ListFunctions answer into pages of `size`, as Lambda pages it (MaxItems ≤ 50). */
function pageFunctions(client: LambdaClient, size: number): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as unknown as { Functions?: unknown[]; NextMarker?: string };
      if (!Array.isArray(output.Functions)) return result;
      const start = Number((args.input as { Marker?: string }).Marker ?? 0);
      const all = output.Functions;
      output.Functions = all.slice(start, start + size);
      output.NextMarker = start + size < all.length ? String(start + size) : undefined;
      return result;
    },
    { step: 'initialize', name: 'pageFunctions' },
  );
}

describe('planRetention', () => {
  const versions = [3, 1, 5, 2, 4].map((version) => ({ version, layerVersionArn: `arn:x:${version}` }));
  it('keeps the newest N whatever the order, and older ones a function uses', () => {
    expect(planRetention(versions, 2, new Map([['arn:x:1', ['b', 'a', 'a']]]))).toEqual({
      kept: [5, 4],
      inUse: [{ layerVersion: 1, functions: ['a', 'b'] }],
      deletable: [versions[3], versions[0]],
    });
  });
  it('counts a version about to be published as the newest', () => {
    expect(planRetention(versions, 2, new Map(), 6).kept).toEqual([6, 5]);
    expect(planRetention(versions, 1, new Map(), 6).deletable.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('retention against moto', () => {
  it('deletes the old versions no function uses, keeps one a function uses and names the function, keeps the manifests', async () => {
    const f = await ready(lock(1));
    await publishVersions(f, 4);
    const fn = await createTestFunction(f.lambda, { layers: [await arnOf(f.lambda, f.layerName, 1)] });
    const logger = createMemoryLogger();
    const result = await applyRetention({
      lambda: f.lambda,
      s3: f.s3,
      layerName: f.layerName,
      layout: s3Layout(f.s3dir, f.tool),
      keepVersions: 2,
      deleteManifests: false,
      dryRun: false,
      logger,
    });
    expect(result).toEqual({ keepVersions: 2, kept: [4, 3], inUse: [{ layerVersion: 1, functions: [fn] }], deleted: [2], deletedManifests: [] });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 3, 4]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', '000002/uv.lock', '000003/uv.lock', '000004/uv.lock', 'layer.zip']);
    expect(logger.lines).toContain(`  keeping version 1: used by ${fn}`);
    expect(logger.lines).toContain(`  delete version 2 (its manifest backup ${f.s3dir}layer/000002/uv.lock stays)`);
  });

  it('keeps a version a published function version still uses after $LATEST moved on, over several ListFunctions pages', async () => {
    const f = await ready(lock(1));
    await publishVersions(f, 3);
    const fn = await createTestFunction(f.lambda, { layers: [await arnOf(f.lambda, f.layerName, 1)], publish: true });
    await f.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Layers: [await arnOf(f.lambda, f.layerName, 3)] }));
    const lambda = testLambdaClient();
    pageFunctions(lambda, 1);
    const users = await findLayerVersionUsers(lambda);
    expect(users.get(await arnOf(f.lambda, f.layerName, 1))).toEqual([`${fn}:1`]);
    expect(users.get(await arnOf(f.lambda, f.layerName, 3))).toEqual([fn]);

    const result = await applyRetention({
      lambda,
      s3: f.s3,
      layerName: f.layerName,
      layout: s3Layout(f.s3dir, f.tool),
      keepVersions: 1,
      deleteManifests: true,
      dryRun: false,
      logger: createMemoryLogger(),
    });
    expect(result).toMatchObject({
      kept: [3],
      inUse: [{ layerVersion: 1, functions: [`${fn}:1`] }],
      deleted: [2],
      deletedManifests: [`${f.s3dir}layer/000002/uv.lock`],
    });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 3]);
    expect(await layerKeys(f)).toEqual(['000001/uv.lock', '000003/uv.lock', 'layer.zip']);
  });

  it('publishes, then deletes the older versions with keepVersions; a lost DeleteLayerVersion answer is retried as the success it is', async () => {
    const f = await ready(lock(1));
    await publishVersions(f, 3);
    await f.writeManifest(lock(4));
    await f.uploadZip(lock(4));
    proxy.addRule({ service: 'Lambda', operation: 'DeleteLayerVersion', times: 1, action: { kind: 'drop-response' } });
    const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 1_500 };
    const logger = createMemoryLogger();
    const result = await publishLayerVersion(
      publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), keepVersions: 2, logger }),
    );
    expect(result).toMatchObject({ status: 'published', layerVersion: 4, retention: { kept: [4, 3], deleted: [1, 2], inUse: [] } });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([3, 4]);
    // The first DELETE's answer was lost: the SDK sent it again, and "already gone" is success.
    expect(proxy.count('DeleteLayerVersion')).toBe(3);
    expect(logger.lines).toContain('Step 2.4 - Delete the layer versions older than the newest 2 that no function uses');
    // An unchanged run deletes nothing.
    proxy.clearLog();
    await publishLayerVersion(publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), keepVersions: 1 }));
    expect(proxy.count('DeleteLayerVersion')).toBe(0);
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([3, 4]);
  });

  it('manifest deletions: a lost DeleteObject answer is retried as the success it is; one S3 keeps refusing stops after that version', async () => {
    const f = await ready(lock(1));
    await publishVersions(f, 4);
    const layout = s3Layout(f.s3dir, f.tool);
    proxy.addRule({ service: 'S3', operation: 'DeleteObject', keyIncludes: '000001/', times: 1, action: { kind: 'drop-response' } });
    proxy.addRule({ service: 'S3', operation: 'DeleteObject', keyIncludes: '000002/', action: { kind: 'server-error' } });
    const settings = { endpoint: proxy.endpoint, maxAttempts: 2, timeoutMs: 1_500 };
    const error = await failure(
      applyRetention({
        lambda: testLambdaClient(settings),
        s3: testS3Client(settings),
        layerName: f.layerName,
        layout,
        keepVersions: 1,
        deleteManifests: true,
        dryRun: false,
        logger: createMemoryLogger(),
      }),
    );
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    const orphan = layout.manifestForVersion(2).uri;
    expect(error.message).toMatch(
      new RegExp(
        `^S3 answered HTTP 500 InternalError .* while trying to delete ${orphan}; version 2 of ${f.layerName} is deleted, its manifest backup stays$`,
      ),
    );
    expect(error.hint).toMatch(
      /^this is a failure on the AWS side: run again in a few minutes .*; remove the backup with `aws s3 rm s3:\/\/.*\/000002\/uv\.lock` \(retention no longer lists version 2\)$/,
    );
    expect(error.details).toMatchObject({ layerVersion: 2, s3uri: orphan });
    expect(proxy.count('DeleteObject', '000001/')).toBe(2);
    expect(proxy.count('DeleteObject', '000002/')).toBe(2);
    // Version 1 and its manifest went; version 2 went before its manifest could; version 3 was not touched.
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([3, 4]);
    expect(await layerKeys(f)).toEqual(['000002/uv.lock', '000003/uv.lock', '000004/uv.lock', 'layer.zip']);
    expect(proxy.count('DeleteLayerVersion')).toBe(2);
  });

  it('never deletes when the functions cannot be listed, and still reports the version it published', async () => {
    const f = await ready(lock(1));
    await publishVersions(f, 2);
    await f.writeManifest(lock(3));
    await f.uploadZip(lock(3));
    proxy.addRule({
      service: 'Lambda',
      operation: 'ListFunctions',
      action: {
        kind: 'respond',
        status: 403,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
        body: '{"Message":"no"}',
      },
    });
    const settings = { endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 1_500 };
    const error = await failure(
      publishLayerVersion(publishOptionsOf(f, { s3Client: testS3Client(settings), lambdaClient: testLambdaClient(settings), keepVersions: 1 })),
    );
    expect(error.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(error.message).toMatch(new RegExp(`layer version 3 of ${f.layerName} is published, but old versions were not all deleted$`));
    expect(error.hint).toMatch(/run `layer prune --keep-versions 1`$/);
    expect(error.result).toMatchObject({ status: 'published', layerVersion: 3 });
    expect(await versionsOf(f.lambda, f.layerName)).toEqual([1, 2, 3]);
    expect(proxy.count('DeleteLayerVersion')).toBe(0);
  });
});

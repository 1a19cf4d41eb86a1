import { LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, LayerError, md5Hex } from '@lambda-layer/core';
import { testLambdaClient, testS3Client } from '@lambda-layer/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type PublishLayerVersionOptions, validatePublishOptions } from './options.js';
import { PublishLayerVersionCommand } from './publish-layer-version-command.js';
import {
  createPublishFixture,
  injectHttpFaults,
  LAMBDA_SERVICE_ERROR,
  LAMBDA_THROTTLED,
  type PublishFixture,
  S3_ACCESS_DENIED,
  S3_SLOW_DOWN,
  publishOptionsOf,
} from './publish.fixture.js';
import { recordCalls } from '@lambda-layer/testing';

const fixtures: PublishFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.cleanup();
});

const LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';

async function ready(): Promise<PublishFixture> {
  const f = await createPublishFixture('uv');
  fixtures.push(f);
  await f.writeManifest(LOCK);
  await f.uploadZip(LOCK);
  return f;
}

function command(f: PublishFixture, extra: Partial<PublishLayerVersionOptions> = {}): PublishLayerVersionCommand {
  return new PublishLayerVersionCommand(
    validatePublishOptions(publishOptionsOf(f, extra)),
  );
}

/** Real clients against moto with the SDK's standard retry strategy and `maxAttempts` attempts. */
function retryingClients(maxAttempts = 3): { s3: S3Client; lambda: LambdaClient } {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const common = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, maxAttempts };
  return { s3: new S3Client({ ...common, forcePathStyle: true }), lambda: new LambdaClient(common) };
}

describe('PublishLayerVersionCommand steps, each alone', () => {
  it('1.1 isLayerZipExists / ensureLayerZipExists', async () => {
    const f = await ready();
    const cmd = command(f);
    expect(await cmd.isLayerZipExists()).toBe(true);
    const missing = command(f, { s3dir: `s3://${f.bucket}/elsewhere/` });
    expect(await missing.isLayerZipExists()).toBe(false);
    await expect(missing.ensureLayerZipExists()).rejects.toMatchObject({ code: ErrorCodes.LAYER_ZIP_NOT_FOUND });
  });

  it('1.2 isLayerZipConsistent compares the zip metadata with the local manifest MD5', async () => {
    const f = await ready();
    const cmd = command(f);
    await cmd.readLocalManifest();
    expect(cmd.isLayerZipConsistent()).toBe(false); // zip not read yet
    await cmd.ensureLayerZipExists();
    expect(cmd.isLayerZipConsistent()).toBe(true);
    await f.writeManifest(`${LOCK}# edited after upload\n`);
    const edited = command(f);
    await edited.readLocalManifest();
    await edited.ensureLayerZipExists();
    expect(edited.isLayerZipConsistent()).toBe(false);
    await expect(edited.ensureLayerZipConsistent()).rejects.toMatchObject({
      code: ErrorCodes.LAYER_ZIP_INCONSISTENT,
      details: { zipManifestMd5: md5Hex(LOCK), localManifestMd5: md5Hex(`${LOCK}# edited after upload\n`) },
    });
  });

  it('1.3 hasDependencyManifestChanged: no version, then equal after a publish', async () => {
    const f = await ready();
    const first = command(f);
    await first.readLocalManifest();
    expect(await first.hasDependencyManifestChanged()).toBe(true);
    expect(await first.ensureDependenciesChanged()).toBeUndefined();
    const published = await first.publish();
    expect(published.status).toBe('published');
    const second = command(f);
    await second.readLocalManifest();
    expect(await second.hasDependencyManifestChanged()).toBe(false);
    expect(await second.ensureDependenciesChanged()).toEqual({ ...published, status: 'unchanged' });
  });

  it('2.1 runPublishLayerVersionApi then 2.2 uploadDependencyManifest', async () => {
    const f = await ready();
    const cmd = command(f, { description: 'd' });
    const version = await cmd.runPublishLayerVersionApi();
    expect(version.version).toBe(1);
    await cmd.uploadDependencyManifest(version.version);
    const listing = await f.s3.send(new ListObjectsV2Command({ Bucket: f.bucket, Prefix: 'app/lambda/layer/000001/' }));
    expect(listing.Contents?.map((o) => [o.Key, o.ETag?.replace(/"/g, '')])).toEqual([['app/lambda/layer/000001/uv.lock', md5Hex(LOCK)]]);
  });
});

describe('faults moto cannot produce (injected below the SDK retry middleware)', () => {
  it('retries S3 SlowDown (503) and Lambda throttling (429) and then succeeds', async () => {
    const f = await ready();
    const { s3, lambda } = retryingClients();
    const s3Faults = injectHttpFaults(s3, [S3_SLOW_DOWN, S3_SLOW_DOWN]);
    const lambdaFaults = injectHttpFaults(lambda, [LAMBDA_THROTTLED, LAMBDA_SERVICE_ERROR]);
    const result = await command(f, { s3Client: s3, lambdaClient: lambda }).run();
    expect(result).toMatchObject({ status: 'published', layerVersion: 1 });
    expect(s3Faults.faulted).toBe(2);
    expect(lambdaFaults.faulted).toBe(2);
  });

  it('gives one clear line when throttling outlasts the retries, and leaves no lock behind', async () => {
    const f = await ready();
    const { s3, lambda } = retryingClients(2);
    const calls: string[] = [];
    recordCalls(lambda, calls);
    // ListLayers (1.3) succeeds; ListLayerVersions under the lock is throttled on both attempts.
    injectHttpFaults(lambda, [
      { ...LAMBDA_THROTTLED, pathIncludes: '/versions' },
      { ...LAMBDA_THROTTLED, pathIncludes: '/versions' },
    ]);
    const error = await command(f, { s3Client: s3, lambdaClient: lambda })
      .run()
      .then(
        () => undefined,
        (e: unknown) => e,
      ) as LayerError;
    expect(error).toBeInstanceOf(LayerError);
    expect(error.code).toBe(ErrorCodes.AWS_THROTTLED);
    expect(error.oneLine).toBe(`AWS kept throttling requests while trying to list the versions of layer ${f.layerName}; wait a minute and run again, or raise AWS_MAX_ATTEMPTS`);
    const listing = await f.s3.send(new ListObjectsV2Command({ Bucket: f.bucket, Prefix: 'app/lambda/layer/' }));
    expect(listing.Contents?.map((o) => o.Key)).toEqual(['app/lambda/layer/layer.zip']);
  });

  it('gives one clear line on AccessDenied', async () => {
    const f = await ready();
    const { s3 } = retryingClients();
    injectHttpFaults(s3, [S3_ACCESS_DENIED]);
    const error = await command(f, { s3Client: s3 })
      .run()
      .then(
        () => undefined,
        (e: unknown) => e,
      ) as LayerError;
    expect(error.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(error.oneLine).toMatch(/^access denied while trying to read s3:\/\/.*\/layer\/layer\.zip: .*; check that your AWS identity has the needed S3 and Lambda permissions/);
  });

  it('releases the lock when PublishLayerVersion fails for good, so the next run is not blocked', async () => {
    const f = await ready();
    const { s3, lambda } = retryingClients(1);
    const faults = injectHttpFaults(lambda, [{ ...LAMBDA_SERVICE_ERROR, pathIncludes: '/versions', method: 'POST' }]);
    const logger = createMemoryLogger();
    const error = await command(f, { s3Client: s3, lambdaClient: lambda, logger })
      .run()
      .then(
        () => undefined,
        (e: unknown) => e,
      ) as LayerError;
    expect(faults.faulted).toBe(1);
    expect(error.code).toBe(ErrorCodes.AWS_REQUEST_FAILED);
    expect(error.oneLine).toContain(`AWS request failed while trying to publish a version of layer ${f.layerName}: ServiceException`);
    expect(logger.lines).toContain('Step 2.1 - Publish a new layer version');
    const next = await command(f, { s3Client: testS3Client(), lambdaClient: testLambdaClient(), lock: { waitMs: 0, pollMs: 10 } }).run();
    expect(next).toMatchObject({ status: 'published', layerVersion: 1 });
  });
});

import { DeleteLayerVersionCommand, type LambdaClient, PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, recordCalls, testLambdaClient, testS3Client, uniqueName } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { findLatestLayerVersion, findLatestLayerVersionQuickly, getLayerVersionCodeSha256, layerShortName } from './latest-version.js';

/**
 * moto returns every version (or layer) in one response, newest first, and
 * ignores MaxItems/Marker. This middleware on a real client re-cuts moto's
 * real answer the way Lambda may: pages of `pageSize` with a NextMarker, in a
 * scrambled order, so the code cannot lean on moto's ordering.
 */
function pageAndScramble(client: LambdaClient, listKey: 'LayerVersions' | 'Layers', pageSize: number): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as unknown as Record<string, unknown>;
      const all = output[listKey];
      if (!Array.isArray(all)) return result;
      // Deterministic scramble: odd positions first, then even, each reversed.
      const scrambled = [...all.filter((_, i) => i % 2 === 1).reverse(), ...all.filter((_, i) => i % 2 === 0).reverse()];
      const marker = (args.input as { Marker?: string }).Marker;
      const start = marker ? Number(marker.replace('page-', '')) : 0;
      output[listKey] = scrambled.slice(start, start + pageSize);
      output.NextMarker = start + pageSize < scrambled.length ? `page-${start + pageSize}` : undefined;
      return result;
    },
    { step: 'initialize', name: `pageAndScramble-${listKey}` },
  );
}

let bucket: string;
const lambda = testLambdaClient();

async function publishVersions(layerName: string, count: number): Promise<void> {
  const s3 = testS3Client();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${layerName}.zip`, Body: `zip of ${layerName}` }));
  for (let i = 0; i < count; i += 1) {
    await lambda.send(new PublishLayerVersionCommand({ LayerName: layerName, Content: { S3Bucket: bucket, S3Key: `${layerName}.zip` } }));
  }
}

beforeAll(async () => {
  bucket = await createTestBucket(testS3Client(), 'latest');
});

describe('findLatestLayerVersion (every ListLayerVersions page)', () => {
  it('returns undefined for a layer with no version', async () => {
    expect(await findLatestLayerVersion(lambda, uniqueName('none'))).toBeUndefined();
  });

  it('takes the highest version across pages in any order (more than 50 versions)', async () => {
    const name = uniqueName('many');
    await publishVersions(name, 57);
    const client = testLambdaClient();
    pageAndScramble(client, 'LayerVersions', 50);
    const calls: string[] = [];
    recordCalls(client, calls);

    const latest = await findLatestLayerVersion(client, name);

    expect(latest?.version).toBe(57);
    expect(latest?.layerVersionArn).toMatch(new RegExp(`:layer:${name}:57$`));
    expect(calls).toEqual(['ListLayerVersionsCommand', 'ListLayerVersionsCommand']);
  });

  it('ignores deleted versions', async () => {
    const name = uniqueName('deleted');
    await publishVersions(name, 3);
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: 3 }));
    expect((await findLatestLayerVersion(lambda, name))?.version).toBe(2);
  });
});

describe('findLatestLayerVersionQuickly (ListLayers LatestMatchingVersion)', () => {
  it('finds the newest version in one call, whatever the number of versions', async () => {
    const name = uniqueName('quick');
    await publishVersions(name, 55);
    const client = testLambdaClient();
    const calls: string[] = [];
    recordCalls(client, calls);
    expect((await findLatestLayerVersionQuickly(client, name))?.version).toBe(55);
    expect(calls).toEqual(['ListLayersCommand']);
  });

  it('agrees with the full listing, and stops paging once the layer is found', async () => {
    const names = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    for (const [i, name] of names.entries()) await publishVersions(name, i + 1);
    const client = testLambdaClient();
    pageAndScramble(client, 'Layers', 1);
    const calls: string[] = [];
    recordCalls(client, calls);
    const perLookup: number[] = [];
    for (const name of names) {
      calls.length = 0;
      expect(await findLatestLayerVersionQuickly(client, name)).toEqual(await findLatestLayerVersion(lambda, name));
      perLookup.push(calls.length);
    }
    calls.length = 0;
    await findLatestLayerVersionQuickly(client, uniqueName('absent'));
    const fullScan = calls.length;
    // An absent layer reads every page; a present one stops at its own page.
    expect(fullScan).toBeGreaterThanOrEqual(3);
    for (const n of perLookup) expect(n).toBeLessThanOrEqual(fullScan);
    expect(Math.min(...perLookup)).toBeLessThan(fullScan);
  });

  it('returns undefined for a layer that has no version, and accepts a layer ARN', async () => {
    expect(await findLatestLayerVersionQuickly(lambda, uniqueName('absent'))).toBeUndefined();
    const name = uniqueName('arn');
    await publishVersions(name, 2);
    const latest = await findLatestLayerVersion(lambda, name);
    const layerArn = latest?.layerVersionArn.replace(/:\d+$/, '') ?? '';
    expect(layerShortName(layerArn)).toBe(name);
    expect((await findLatestLayerVersionQuickly(lambda, layerArn))?.version).toBe(2);
  });
});

describe('getLayerVersionCodeSha256', () => {
  it('returns the base64 SHA-256 of the zip a version was published from', async () => {
    const name = uniqueName('sha');
    await publishVersions(name, 1);
    const { createHash } = await import('node:crypto');
    expect(await getLayerVersionCodeSha256(lambda, name, 1)).toBe(createHash('sha256').update(`zip of ${name}`).digest('base64'));
  });
});

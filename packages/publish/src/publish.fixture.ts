/**
 * Test fixtures for the publish tests (not built into dist): a project folder
 * with a manifest, an uploaded layer.zip with the fingerprint metadata (as
 * `layer upload` writes it), and a call counter on real clients.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BuildTool, LayerError, layerZipMetadata, manifestFileName, md5Hex, s3Layout } from '@lambda-layer/core';
import { createTestBucket, testLambdaClient, testS3Client, uniqueName } from '@lambda-layer/testing';
import { afterEach, expect } from 'vitest';
import type { PublishLayerVersionOptions } from './options.js';

export interface PublishFixture {
  projectDir: string;
  s3dir: string;
  bucket: string;
  layerName: string;
  tool: BuildTool;
  s3: S3Client;
  lambda: LambdaClient;
  /** Writes the local manifest. */
  writeManifest(content: string): Promise<void>;
  /** Puts a layer.zip built "from" `manifestContent`, as `layer upload` would; returns its base64 SHA-256. */
  uploadZip(manifestContent: string, options?: { metadata?: Record<string, string> | null }): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createPublishFixture(tool: BuildTool = 'uv'): Promise<PublishFixture> {
  const s3 = testS3Client();
  const lambda = testLambdaClient();
  const bucket = await createTestBucket(s3, 'publish');
  const projectDir = await mkdtemp(join(tmpdir(), 'publish-'));
  await writeFile(join(projectDir, 'pyproject.toml'), '[project]\nname = "app"\nversion = "0.1.0"\n');
  const s3dir = `s3://${bucket}/app/lambda/`;
  const layout = s3Layout(s3dir, tool);
  return {
    projectDir,
    s3dir,
    bucket,
    layerName: uniqueName('deps'),
    tool,
    s3,
    lambda,
    writeManifest: (content) => writeFile(join(projectDir, manifestFileName(tool)), content),
    uploadZip: async (manifestContent, options = {}) => {
      // Any bytes do: Lambda (and moto) only hash the object; random bytes make each upload's CodeSha256 distinct.
      const body = Buffer.concat([Buffer.from('PK\x05\x06'), randomBytes(64)]);
      const sha256 = createHash('sha256').update(body).digest('base64');
      const metadata = options.metadata === null ? undefined : (options.metadata ?? layerZipMetadata(md5Hex(manifestContent), sha256));
      await s3.send(
        new PutObjectCommand({
          Bucket: layout.layerZip.bucket,
          Key: layout.layerZip.key,
          Body: body,
          ContentType: 'application/zip',
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      );
      return sha256;
    },
    cleanup: () => rm(projectDir, { recursive: true, force: true }),
  };
}

/** publishLayerVersion options for a fixture, with short lock polling so tests stay quick. */
export function publishOptionsOf(f: PublishFixture, extra: Partial<PublishLayerVersionOptions> = {}): PublishLayerVersionOptions {
  return {
    projectDir: f.projectDir,
    tool: f.tool,
    layerName: f.layerName,
    s3dir: f.s3dir,
    s3Client: f.s3,
    lambdaClient: f.lambda,
    lock: { pollMs: 50, waitMs: 30_000 },
    ...extra,
  };
}

/** Every version number of a layer, sorted (read straight from moto, all pages). */
export async function versionsOf(lambda: LambdaClient, layerName: string): Promise<number[]> {
  const versions: number[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListLayerVersionsCommand({ LayerName: layerName, ...(marker ? { Marker: marker } : {}) }));
    for (const v of page.LayerVersions ?? []) versions.push(v.Version ?? 0);
    marker = page.NextMarker;
  } while (marker);
  return versions.sort((a, b) => a - b);
}

/** The manifest stored for a version: body, bare ETag and content type, or undefined. */
export async function storedManifest(
  f: PublishFixture,
  version: number,
): Promise<{ body: string; etag: string; contentType: string | undefined } | undefined> {
  const path = s3Layout(f.s3dir, f.tool).manifestForVersion(version);
  try {
    const response = await f.s3.send(new GetObjectCommand({ Bucket: path.bucket, Key: path.key }));
    return {
      body: (await response.Body?.transformToString()) ?? '',
      etag: (response.ETag ?? '').replace(/"/g, ''),
      contentType: response.ContentType,
    };
  } catch {
    return undefined;
  }
}

/** The keys under the fixture's `{s3dir}layer/`, sorted: layer.zip, manifests, a lock left behind. */
export async function layerKeys(f: PublishFixture): Promise<string[]> {
  const prefix = s3Layout(f.s3dir, f.tool).layerDir.key;
  const listing = await f.s3.send(new ListObjectsV2Command({ Bucket: f.bucket, Prefix: prefix }));
  return (listing.Contents ?? []).map((o) => (o.Key ?? '').slice(prefix.length)).sort();
}

/**
 * Publish fixtures for the tests of one file, removed after each test:
 * `fixture()` is a project and bucket; `ready(manifest)` also writes the
 * manifest and uploads a layer.zip built "from" it.
 */
export function usePublishFixtures(): {
  fixture(tool?: BuildTool): Promise<PublishFixture>;
  ready(manifest: string, tool?: BuildTool): Promise<PublishFixture>;
} {
  const fixtures: PublishFixture[] = [];
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.cleanup();
  });
  const fixture = async (tool: BuildTool = 'uv') => {
    const f = await createPublishFixture(tool);
    fixtures.push(f);
    return f;
  };
  return {
    fixture,
    ready: async (manifest, tool = 'uv') => {
      const f = await fixture(tool);
      await f.writeManifest(manifest);
      await f.uploadZip(manifest);
      return f;
    },
  };
}

/** The LayerError a promise rejects with (fails the test when it resolves or rejects with something else). */
export async function failure(promise: Promise<unknown>): Promise<LayerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LayerError);
  return error as LayerError;
}

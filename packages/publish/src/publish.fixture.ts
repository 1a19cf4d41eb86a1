/**
 * Test fixtures for the publish tests (not built into dist): a project folder
 * with a manifest, an uploaded layer.zip with the fingerprint metadata (as
 * `layer upload` writes it), and a call counter on real clients.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PublishLayerVersionOptions } from './options.js';
import { type BuildTool, layerZipMetadata, manifestFileName, md5Hex, s3Layout } from '@lambda-layer/core';
import { createTestBucket, testLambdaClient, testS3Client, uniqueName } from '@lambda-layer/testing';


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

export interface HttpFault {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  /** Only requests whose path contains this string (default: any). */
  pathIncludes?: string;
  /** Only requests with this HTTP method (default: any). */
  method?: string;
}

/**
 * Answers the next requests of a real client with canned HTTP faults, then
 * lets requests through to moto. The fault sits below the SDK's retry
 * middleware, so this exercises the SDK's real retry strategy and error
 * parsing (aws-sdk-client-mock replaces `send` and would bypass both).
 */
export function injectHttpFaults(client: S3Client | LambdaClient, faults: HttpFault[]): { attempts: number; faulted: number } {
  const stats = { attempts: 0, faulted: 0 };
  const config = client.config as unknown as { requestHandler: { handle: (request: { path: string; method: string }, options?: unknown) => Promise<unknown> } };
  const real = config.requestHandler;
  const pending = [...faults];
  const handler = Object.create(real) as typeof real;
  handler.handle = async (request, options) => {
    stats.attempts += 1;
    const fault = pending[0];
    if (fault && (!fault.pathIncludes || request.path.includes(fault.pathIncludes)) && (!fault.method || request.method === fault.method)) {
      pending.shift();
      stats.faulted += 1;
      const { Readable } = await import('node:stream');
      return {
        response: {
          statusCode: fault.statusCode,
          reason: 'fault',
          headers: { 'content-type': 'application/xml', ...(fault.headers ?? {}) },
          body: Readable.from([Buffer.from(fault.body ?? '')]),
        },
      };
    }
    return real.handle(request, options);
  };
  config.requestHandler = handler;
  return stats;
}

export const S3_SLOW_DOWN: HttpFault = {
  statusCode: 503,
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
};
export const S3_ACCESS_DENIED: HttpFault = {
  statusCode: 403,
  body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
};
export const LAMBDA_THROTTLED: HttpFault = {
  statusCode: 429,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' },
  body: '{"message":"Rate exceeded","Type":"User","Reason":"CallerRateLimitExceeded"}',
};
export const LAMBDA_SERVICE_ERROR: HttpFault = {
  statusCode: 500,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' },
  body: '{"message":"internal error"}',
};

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

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, LayerError, layerZipMetadata, S3Path } from '@lambda-layer/core';
import { createTestBucket, testS3Client, uniqueName, countCommands } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMultipartUploadAborted, LAYER_ZIP_CONTENT_TYPE, putLayerZip } from './put-layer-zip.js';

const MiB = 1024 * 1024;
let dir: string;
let smallFile: string;
let largeFile: string;
let small: Buffer;
let large: Buffer;
let bucket: string;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upload-put-'));
  small = randomBytes(4096);
  // Random bytes do not compress: 20 MiB really is 3 parts of 8 MiB on the wire.
  large = randomBytes(20 * MiB);
  smallFile = join(dir, 'small.zip');
  largeFile = join(dir, 'large.zip');
  await writeFile(smallFile, small);
  await writeFile(largeFile, large);
  bucket = await createTestBucket(testS3Client(), 'upload-put');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readObject(s3: S3Client, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function openUploads(s3: S3Client, targetBucket = bucket): Promise<number> {
  const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: targetBucket }));
  return listed.Uploads?.length ?? 0;
}

function input(s3: S3Client, file: string, bytes: number, key: string, logger = createMemoryLogger()) {
  return {
    s3Client: s3,
    file,
    bytes,
    target: S3Path.of(bucket, key),
    metadata: layerZipMetadata('0123456789abcdef0123456789abcdef', sha256(file === smallFile ? small : large)),
    partSize: 8 * MiB,
    queueSize: 4,
    logger,
  };
}

describe('putLayerZip', () => {
  it('puts a small zip in one request with ContentType and the fingerprint metadata', async () => {
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const key = `${uniqueName('app')}/layer/layer.zip`;
    expect(await putLayerZip(input(s3, smallFile, small.length, key))).toBe(small.length);

    expect(counts.get('PutObjectCommand')).toBe(1);
    expect(counts.get('CreateMultipartUploadCommand')).toBeUndefined();
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe(LAYER_ZIP_CONTENT_TYPE);
    expect(head.ContentLength).toBe(small.length);
    expect(head.Metadata?.['manifest-md5']).toBe('0123456789abcdef0123456789abcdef');
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(small));
    expect((await readObject(s3, key)).equals(small)).toBe(true);
  });

  it('sends a zip over 16 MB as a multipart upload of parallel parts, byte for byte, with progress', async () => {
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const key = `${uniqueName('app')}/layer/layer.zip`;
    const logger = createMemoryLogger();
    expect(await putLayerZip(input(s3, largeFile, large.length, key, logger))).toBe(large.length);

    expect(counts.get('CreateMultipartUploadCommand')).toBe(1);
    expect(counts.get('UploadPartCommand')).toBe(3);
    expect(counts.get('CompleteMultipartUploadCommand')).toBe(1);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe(LAYER_ZIP_CONTENT_TYPE);
    expect(head.ContentLength).toBe(large.length);
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(large));
    expect(head.Metadata?.['manifest-md5']).toBe('0123456789abcdef0123456789abcdef');
    expect(sha256(await readObject(s3, key))).toBe(sha256(large));
    // Plain progress lines (no TTY): at least one quarter line while parts complete, then a done line.
    expect(logger.lines.some((line) => /layer\.zip: (25|50|75)% \(/.test(line))).toBe(true);
    expect(logger.lines.at(-1)).toMatch(/layer\.zip: done, 20\.0 MiB/);
    expect(await openUploads(s3)).toBe(0);
  });

  it('aborts the multipart upload when a part fails: no parts left, the previous object untouched', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    // The object a previous run left.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: small, ContentType: 'application/zip', Metadata: { 'layer-zip-sha256': sha256(small) } }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

    const counts = countCommands(s3);
    // A connection dropped while sending the 2nd part: a fault moto cannot produce on its own.
    let parts = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && ++parts === 2) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPart' },
    );

    const logger = createMemoryLogger({ verbose: true });
    const error = await putLayerZip(input(s3, largeFile, large.length, key, logger)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).oneLine).toMatch(/while trying to upload layer\.zip to s3:\/\/.*socket hang up/);
    expect((error as LayerError).oneLine).not.toContain('\n');

    // lib-storage itself sent the abort (the check after it found nothing open), and moto really dropped the upload.
    expect(counts.get('AbortMultipartUploadCommand')).toBe(1);
    expect(counts.get('ListMultipartUploadsCommand')).toBe(1);
    expect(logger.lines.filter((line) => line.includes('still open'))).toEqual([]);
    expect(counts.get('CompleteMultipartUploadCommand')).toBeUndefined();
    expect(await openUploads(s3)).toBe(0);
    const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
    expect(after.ContentLength).toBe(small.length);
    expect(after.Metadata).toEqual(before.Metadata);
    expect((await readObject(s3, key)).equals(small)).toBe(true);
  });

  it('stops sending parts after the first failure instead of uploading the rest of the file', async () => {
    const s3 = testS3Client();
    const counts = countCommands(s3);
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && (counts.get('UploadPartCommand') ?? 0) === 2) throw new Error('socket hang up');
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPart', priority: 'low' },
    );
    const key = `${uniqueName('app')}/layer/layer.zip`;
    // 4 parts of 5 MiB one at a time: part 2 fails, parts 3 and 4 are never sent.
    await expect(putLayerZip({ ...input(s3, largeFile, large.length, key), partSize: 5 * MiB, queueSize: 1 })).rejects.toThrow(/socket hang up/);
    expect(counts.get('UploadPartCommand')).toBe(2);
    expect(counts.get('AbortMultipartUploadCommand')).toBe(1);
    expect(await openUploads(s3)).toBe(0);
  });

  it('stops on an abort signal (Ctrl-C): the parts sent are aborted and the previous object stays', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: small }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const counts = countCommands(s3);
    const controller = new AbortController();
    // Interrupted right after the first part arrived.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        if (context.commandName === 'UploadPartCommand') controller.abort();
        return output;
      },
      { step: 'initialize', name: 'interruptAfterFirstPart' },
    );
    const error = await putLayerZip({ ...input(s3, largeFile, large.length, key), partSize: 5 * MiB, queueSize: 1, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).code).toBe(ErrorCodes.UPLOAD_FAILED);
    expect((error as LayerError).oneLine).toBe(`the upload of layer.zip to s3://${bucket}/${key} was interrupted; nothing changed in S3; run \`layer upload\` again`);
    expect(counts.get('UploadPartCommand')).toBe(1);
    expect(counts.get('AbortMultipartUploadCommand')).toBe(1);
    expect(await openUploads(s3)).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).toBe(before.ETag);
    expect((await readObject(s3, key)).equals(small)).toBe(true);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await expect(putLayerZip({ ...input(s3, largeFile, large.length, key), signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCodes.UPLOAD_FAILED });
    expect(counts.get('UploadPartCommand')).toBeUndefined();
    expect(counts.get('PutObjectCommand')).toBeUndefined();
    expect(await openUploads(s3)).toBe(0);
  });

  it('reports a missing bucket in one line, for a single put and a multipart upload alike', async () => {
    const s3 = testS3Client();
    const missing = uniqueName('no-such-bucket');
    for (const [file, bytes] of [
      [smallFile, small.length],
      [largeFile, large.length],
    ] as const) {
      const error = await putLayerZip({ ...input(s3, file, bytes, 'layer/layer.zip'), target: S3Path.of(missing, 'layer/layer.zip') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LayerError);
      expect((error as LayerError).code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
      expect((error as LayerError).oneLine).toMatch(/the S3 bucket does not exist .*; create the bucket or fix --s3dir/);
    }
  });

  it('reports access denied in one line', async () => {
    const s3 = testS3Client();
    // moto does not enforce IAM, so S3's own 403 reply is fed to the SDK's real error parser.
    s3.middlewareStack.add(
      () => async () => ({
        response: {
          statusCode: 403,
          headers: { 'content-type': 'application/xml' },
          body: Readable.from([
            Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'),
          ]),
        },
        output: undefined,
      }),
      // Innermost, where the HTTP handler would answer: the SDK's deserializer reads this reply.
      { step: 'deserialize', name: 'deny', priority: 'low' },
    );
    const error = await putLayerZip(input(s3, smallFile, small.length, 'layer/layer.zip')).catch((e: unknown) => e);
    expect((error as LayerError).code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect((error as LayerError).oneLine).toMatch(/^access denied while trying to upload layer\.zip to s3:\/\/.*: Access Denied; check that your AWS identity/);
  });
});

describe('ensureMultipartUploadAborted', () => {
  async function startUpload(s3: S3Client, key: string): Promise<string> {
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: large.subarray(0, 5 * MiB) }));
    return created.UploadId!;
  }

  it('aborts an upload that is still open', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    const uploadId = await startUpload(s3, key);
    const target = S3Path.of(bucket, key);
    const listed = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }))).Uploads ?? [];
    expect((await listed()).map((u) => u.UploadId)).toEqual([uploadId]);

    await ensureMultipartUploadAborted(s3, target, uploadId, createMemoryLogger());
    expect(await listed()).toEqual([]);
  });

  it('says how to remove the parts when the abort itself fails', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    const uploadId = await startUpload(s3, key);
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'AbortMultipartUploadCommand') throw new Error('connect ECONNREFUSED');
        return next(args);
      },
      { step: 'initialize', name: 'failAbort' },
    );
    const logger = createMemoryLogger();
    await ensureMultipartUploadAborted(s3, S3Path.of(bucket, key), uploadId, logger);
    expect(logger.lines).toEqual([
      `warning: could not abort the failed multipart upload (connect ECONNREFUSED); remove its parts with \`aws s3api abort-multipart-upload --bucket ${bucket} --key ${key} --upload-id ${uploadId}\``,
    ]);
    await testS3Client().send(new (await import('@aws-sdk/client-s3')).AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });
});

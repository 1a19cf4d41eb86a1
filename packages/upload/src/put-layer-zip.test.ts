import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, LayerError, layerZipMetadata, S3Path } from '@lambda-layer/core';
import { countCommands, createTestBucket, testS3Client, uniqueName, useFaultProxy } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartUploadRecords } from './multipart-records.js';
import { ensureMultipartUploadAborted, LAYER_ZIP_CONTENT_TYPE, putLayerZip } from './put-layer-zip.js';

const MiB = 1024 * 1024;
let dir: string;
let smallFile: string;
let largeFile: string;
let small: Buffer;
let large: Buffer;
let bucket: string;
const proxy = useFaultProxy();

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

/** A client whose requests go through the fault proxy. */
const viaProxy = (maxAttempts = 3) => testS3Client({ endpoint: proxy.endpoint, maxAttempts, timeoutMs: 30_000 });

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

  it('aborts the multipart upload when a part keeps failing: no parts left, the previous object untouched', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    // The object a previous run left.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: small,
        ContentType: 'application/zip',
        Metadata: { 'layer-zip-sha256': sha256(small) },
      }),
    );
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

    proxy.addRule({ operation: 'UploadPart', keyIncludes: key, action: { kind: 'server-error' } });
    const error = await putLayerZip(input(viaProxy(), largeFile, large.length, key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect((error as LayerError).oneLine).toMatch(
      /^S3 answered HTTP 500 InternalError \(request id [0-9A-F]{16}\) after 3 attempts while trying to upload layer\.zip to s3:\/\/.*layer\.zip;/,
    );

    // The multipart upload was aborted (and checked), never completed.
    expect(proxy.count('AbortMultipartUpload', key)).toBe(1);
    expect(proxy.count('ListMultipartUploads')).toBe(2);
    expect(proxy.count('CompleteMultipartUpload', key)).toBe(0);
    expect(await openUploads(s3)).toBe(0);
    const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
    expect(after.Metadata).toEqual(before.Metadata);
    expect((await readObject(s3, key)).equals(small)).toBe(true);
  });

  it('stops sending parts after the first failure instead of uploading the rest of the file', async () => {
    const key = `${uniqueName('app')}/layer/layer.zip`;
    proxy.addRule({ operation: 'UploadPart', keyIncludes: key, skip: 1, action: { kind: 'server-error' } });
    // 4 parts of 5 MiB one at a time: part 2 fails (no SDK retry here), parts 3 and 4 are never sent.
    await expect(putLayerZip({ ...input(viaProxy(1), largeFile, large.length, key), partSize: 5 * MiB, queueSize: 1 })).rejects.toMatchObject({
      code: ErrorCodes.AWS_SERVER_ERROR,
    });
    expect(proxy.count('UploadPart', key)).toBe(2);
    expect(proxy.count('AbortMultipartUpload', key)).toBe(1);
    expect(await openUploads(testS3Client())).toBe(0);
  });

  it.each([
    ['once: the SDK sends it again and S3 answers the retry', 1],
    ['on every attempt: S3 is asked whether it holds the new zip', undefined],
  ])('completes when the answer to CompleteMultipartUpload is lost %s', async (_, times) => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: small }));
    proxy.addRule({ operation: 'CompleteMultipartUpload', keyIncludes: key, ...(times ? { times } : {}), action: { kind: 'drop-response' } });
    const records = new MultipartUploadRecords(join(dir, uniqueName('records')));
    const logger = createMemoryLogger();
    expect(await putLayerZip({ ...input(viaProxy(), largeFile, large.length, key, logger), records })).toBe(large.length);

    const completes = proxy.requests.filter((r) => r.operation === 'CompleteMultipartUpload').map((r) => r.outcome);
    expect(completes).toEqual(times ? ['dropped', 200] : ['dropped', 'dropped', 'dropped']);
    if (!times) expect(logger.lines.join('\n')).toContain('the answer to the upload was lost, but S3 holds the new layer.zip (same SHA-256)');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(large));
    expect(sha256(await readObject(s3, key))).toBe(sha256(large));
    expect(await openUploads(s3)).toBe(0);
    expect(await records.list(bucket, key)).toEqual([]);
  });

  it('stops on an abort signal (Ctrl-C) with a part in flight: aborted at once, the previous object stays', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: small }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    // Parts crawl at 256 KiB/s: without a real abort the upload would take minutes.
    proxy.addRule({ operation: 'UploadPart', keyIncludes: key, action: { kind: 'slow-body', bytesPerSecond: 256 * 1024 } });
    const records = new MultipartUploadRecords(join(dir, uniqueName('records')));
    const controller = new AbortController();
    const running = putLayerZip({
      ...input(viaProxy(), largeFile, large.length, key),
      partSize: 5 * MiB,
      queueSize: 2,
      signal: controller.signal,
      records,
      hadPrevious: true,
    });
    await proxy.waitFor('UploadPart');
    // The upload id is on disk before the first part goes out.
    expect((await records.list(bucket, key)).map((r) => r.pid)).toEqual([process.pid]);
    const abortedAt = Date.now();
    controller.abort();
    const error = await running.catch((e: unknown) => e);
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).code).toBe(ErrorCodes.INTERRUPTED);
    expect((error as LayerError).oneLine).toBe(
      `interrupted: the upload of layer.zip to s3://${bucket}/${key} stopped; S3 still holds the previous layer.zip and no multipart upload is left open; run \`layer upload\` again`,
    );
    expect(proxy.count('CompleteMultipartUpload', key)).toBe(0);
    expect(proxy.count('AbortMultipartUpload', key)).toBe(1);
    expect(await openUploads(s3)).toBe(0);
    expect(await records.list(bucket, key)).toEqual([]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).toBe(before.ETag);
    expect((await readObject(s3, key)).equals(small)).toBe(true);
  });

  it('a single PUT whose answer is lost on every attempt: S3 is asked, holds the new zip, done; no multipart upload', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the previous zip' }));
    proxy.addRule({ operation: 'PutObject', keyIncludes: key, action: { kind: 'drop-response' } });
    const logger = createMemoryLogger();
    expect(await putLayerZip(input(viaProxy(), smallFile, small.length, key, logger))).toBe(small.length);

    expect(proxy.requests.filter((r) => r.operation === 'PutObject').map((r) => r.outcome)).toEqual(['dropped', 'dropped', 'dropped']);
    expect(logger.lines.join('\n')).toContain('the answer to the upload was lost, but S3 holds the new layer.zip (same SHA-256)');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(small));
    expect((await readObject(s3, key)).equals(small)).toBe(true);
    expect(proxy.count('CreateMultipartUpload', key)).toBe(0);
  });

  it('a single PUT refused with 5xx on every attempt: one line, the previous object untouched', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the previous zip' }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    proxy.addRule({ operation: 'PutObject', keyIncludes: key, action: { kind: 'server-error' } });
    const error = await putLayerZip(input(viaProxy(2), smallFile, small.length, key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect((error as LayerError).message).toMatch(
      new RegExp(
        `^S3 answered HTTP 500 InternalError .* after 2 attempts while trying to upload layer\\.zip to s3://${bucket}/${key.replaceAll('.', '\\.')}`,
      ),
    );
    expect(proxy.count('PutObject', key)).toBe(2);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).toBe(before.ETag);
    expect((await readObject(s3, key)).toString()).toBe('the previous zip');
  });

  it('stops on an abort signal (Ctrl-C) during a single PUT: S3 is asked, the previous object stays', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'the previous zip' }));
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    // 20 MiB in one PUT (the part size is larger) crawling at 256 KiB/s: the body is on its way when the signal comes.
    proxy.addRule({ operation: 'PutObject', keyIncludes: key, action: { kind: 'slow-body', bytesPerSecond: 256 * 1024 } });
    const controller = new AbortController();
    const running = putLayerZip({
      ...input(viaProxy(), largeFile, large.length, key),
      partSize: 32 * MiB,
      signal: controller.signal,
      hadPrevious: true,
    });
    await proxy.waitFor('PutObject');
    controller.abort();
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).oneLine).toBe(
      `interrupted: the upload of layer.zip to s3://${bucket}/${key} stopped; S3 still holds the previous layer.zip; run \`layer upload\` again`,
    );
    expect(proxy.count('PutObject', key)).toBe(1);
    expect(proxy.count('CreateMultipartUpload', key)).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag).toBe(before.ETag);
    expect((await readObject(s3, key)).toString()).toBe('the previous zip');
    expect(await openUploads(s3)).toBe(0);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const key = `${uniqueName('app')}/layer/layer.zip`;
    await expect(putLayerZip({ ...input(s3, largeFile, large.length, key), signal: AbortSignal.abort(), hadPrevious: false })).rejects.toMatchObject({
      code: ErrorCodes.INTERRUPTED,
      message: `interrupted: the upload of layer.zip to s3://${bucket}/${key} stopped; nothing was sent; nothing was stored in S3`,
    });
    expect(counts.size).toBe(0);
    expect(await openUploads(s3)).toBe(0);
  });

  it('reports a missing bucket in one line, for a single put and a multipart upload alike', async () => {
    const s3 = testS3Client();
    const missing = uniqueName('no-such-bucket');
    for (const [file, bytes] of [
      [smallFile, small.length],
      [largeFile, large.length],
    ] as const) {
      const error = await putLayerZip({ ...input(s3, file, bytes, 'layer/layer.zip'), target: S3Path.of(missing, 'layer/layer.zip') }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LayerError);
      expect((error as LayerError).code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
      expect((error as LayerError).oneLine).toMatch(/the S3 bucket does not exist .*; create the bucket or fix --s3dir/);
    }
  });

  it('reports access denied in one line', async () => {
    // moto does not enforce IAM: the proxy answers S3's own 403, which the SDK's real error parser reads.
    proxy.addRule({
      operation: 'PutObject',
      action: {
        kind: 'respond',
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      },
    });
    const error = await putLayerZip(input(viaProxy(), smallFile, small.length, 'layer/layer.zip')).catch((e: unknown) => e);
    expect((error as LayerError).code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect((error as LayerError).oneLine).toMatch(
      /^access denied while trying to upload layer\.zip to s3:\/\/.*: Access Denied; check that your AWS identity/,
    );
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

    expect(await ensureMultipartUploadAborted(s3, target, uploadId, createMemoryLogger())).toBe(true);
    expect(await listed()).toEqual([]);
  });

  it('says how to remove the parts when the abort itself fails', async () => {
    const s3 = testS3Client();
    const key = `${uniqueName('app')}/layer/layer.zip`;
    const uploadId = await startUpload(s3, key);
    proxy.addRule({ operation: 'AbortMultipartUpload', keyIncludes: key, action: { kind: 'server-error', status: 503, raw: true } });
    const logger = createMemoryLogger();
    expect(await ensureMultipartUploadAborted(viaProxy(1), S3Path.of(bucket, key), uploadId, logger)).toBe(false);
    expect(logger.lines).toEqual([
      `warning: could not abort the failed multipart upload: S3 answered HTTP 503 with no S3 error code or request id (an HTTP proxy or load balancer in between?) after 1 attempt while trying to abort it; the next \`layer upload\` aborts it, or remove its parts with \`aws s3api abort-multipart-upload --bucket ${bucket} --key ${key} --upload-id ${uploadId}\``,
    ]);
    await testS3Client().send(new (await import('@aws-sdk/client-s3')).AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  });
});

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createMemoryLogger, ErrorCodes, LayerError, localLayout, md5Hex, type UploadResult } from '@lambda-layer/core';
import { countCommands, createTestBucket, stampPackage, testS3Client, uniqueName, useFaultProxy } from '@lambda-layer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartUploadRecords } from './multipart-records.js';
import { validateUploadOptions } from './options.js';
import { uploadLayerZip, UploadLayerZipCommand } from './upload-layer-zip-command.js';

const MiB = 1024 * 1024;
const LOCK = 'version = 1\nrequires-python = ">=3.12"\n\n[[package]]\nname = "six"\nversion = "1.16.0"\n';
let root: string;
let bucket: string;

const proxy = useFaultProxy();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'upload-cmd-'));
  bucket = await createTestBucket(testS3Client(), 'upload-cmd');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const viaProxy = () => testS3Client({ endpoint: proxy.endpoint, maxAttempts: 3, timeoutMs: 30_000 });

/** The upload ids of the incomplete multipart uploads under a prefix. */
async function openUploads(prefix: string): Promise<string[]> {
  const listed = await testS3Client().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (listed.Uploads ?? []).map((u) => u.UploadId as string);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('base64');

/** A project after `layer package`: uv.lock, build/lambda/layer/layer.zip and the stamps saying it was packaged from that lock. */
async function project(options: { zip?: Buffer | null; lock?: string | null } = {}): Promise<{ dir: string; zip: Buffer }> {
  const dir = await mkdtemp(join(root, 'project-'));
  const zip = options.zip ?? randomBytes(2048);
  if (options.lock !== null) await writeFile(join(dir, 'uv.lock'), options.lock ?? LOCK);
  if (options.zip !== null) {
    await mkdir(localLayout(dir).buildDir, { recursive: true });
    await writeFile(localLayout(dir).layerZip, zip);
    await stampPackage(dir, 'uv');
  }
  return { dir, zip };
}

const s3dirOf = () => `s3://${bucket}/${uniqueName('app')}/lambda/`;

describe('uploadLayerZip', () => {
  it('uploads layer.zip to {s3dir}layer/layer.zip with the fingerprints, logging each step', async () => {
    const { dir, zip } = await project();
    const s3 = testS3Client();
    const s3dir = s3dirOf();
    const logger = createMemoryLogger();
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3, logger, region: 'eu-west-1' });

    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    expect(result).toEqual<UploadResult>({
      status: 'uploaded',
      s3uri: `s3://${bucket}/${key}`,
      consoleUrl: `https://console.aws.amazon.com/s3/object/${bucket}?region=eu-west-1&prefix=${encodeURIComponent(key)}`,
      bytes: zip.length,
      manifestMd5: md5Hex(LOCK),
      zipSha256: sha256(zip),
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe('application/zip');
    expect(head.ContentLength).toBe(zip.length);
    expect(head.Metadata?.['manifest-md5']).toBe(md5Hex(LOCK));
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(zip));

    const steps = logger.lines.filter((line) => line.startsWith('Step '));
    expect(steps).toEqual([
      'Step 1 - Preflight check',
      'Step 1.1 - Check that layer.zip exists',
      'Step 1.2 - Check that the manifest uv.lock exists',
      'Step 1.3 - Check --s3dir',
      'Step 1.4 - Compute the manifest MD5 and the layer.zip SHA-256',
      'Step 1.5 - Check that layer.zip is the package of this uv.lock',
      'Step 2 - Upload layer.zip',
      'Step 2.1 - Compare with the layer.zip in S3',
      'Step 2.2 - Abort incomplete uploads left by earlier runs',
      `Step 2.3 - Upload layer.zip to s3://${bucket}/${key}`,
    ]);
  });

  it('sends nothing when the object has the same fingerprints, and uploads again with force', async () => {
    const { dir, zip } = await project();
    const s3dir = s3dirOf();
    await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: testS3Client() });

    const s3 = testS3Client();
    const counts = countCommands(s3);
    const again = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    expect(again.status).toBe('unchanged');
    expect(again.bytes).toBe(0);
    expect(again.zipSha256).toBe(sha256(zip));
    expect([...counts.entries()]).toEqual([['HeadObjectCommand', 1]]);

    const forced = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3, force: true });
    expect(forced).toMatchObject({ status: 'uploaded', bytes: zip.length });
    expect(counts.get('PutObjectCommand')).toBe(1);
    // --force skips the comparison entirely.
    expect(counts.get('HeadObjectCommand')).toBe(1);
  });

  it('uploads again when the manifest or the zip changed and was packaged again; refuses either before that', async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const s3 = testS3Client();
    await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    const counts = countCommands(s3);

    await writeFile(join(dir, 'uv.lock'), `${LOCK}\n# changed\n`);
    await expect(uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 })).rejects.toMatchObject({
      code: ErrorCodes.LAYER_ZIP_UNVERIFIED,
      oneLine: 'uv.lock changed since layer.zip was packaged; run `layer build` and `layer package`',
    });
    await stampPackage(dir, 'uv');
    const manifestChanged = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    expect(manifestChanged.status).toBe('uploaded');
    expect(manifestChanged.manifestMd5).toBe(md5Hex(`${LOCK}\n# changed\n`));

    const zip = randomBytes(2048);
    await writeFile(localLayout(dir).layerZip, zip);
    await expect(uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 })).rejects.toMatchObject({
      oneLine: 'layer.zip changed since `layer package` wrote it; run `layer package`',
    });
    // The refusals cost no request.
    expect(counts.get('PutObjectCommand')).toBe(1);
    await stampPackage(dir, 'uv');
    const zipChanged = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    expect(zipChanged).toMatchObject({ status: 'uploaded', zipSha256: sha256(zip) });
    expect((await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 })).status).toBe('unchanged');
  });

  it("replaces an object that carries only the original tool's manifest_md5", async () => {
    const { dir, zip } = await project();
    const s3dir = s3dirOf();
    const s3 = testS3Client();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, Metadata: { 'manifest-md5': md5Hex(LOCK) } }));
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    expect(result.status).toBe('uploaded');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(zip));
  });

  it('uploads a zip over 16 MB in parts, then skips it when unchanged', async () => {
    const { dir, zip } = await project({ zip: randomBytes(17 * MiB + 123) });
    const s3dir = s3dirOf();
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
    expect(result).toMatchObject({ status: 'uploaded', bytes: zip.length, zipSha256: sha256(zip) });
    expect(counts.get('UploadPartCommand')).toBe(3);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: new URL(result.s3uri).pathname.slice(1) }));
    expect(head.ContentLength).toBe(zip.length);
    expect(head.Metadata?.['layer-zip-sha256']).toBe(sha256(zip));
    expect(head.Metadata?.['manifest-md5']).toBe(md5Hex(LOCK));
    expect((await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 })).status).toBe('unchanged');
  });
});

describe('UploadLayerZipCommand.preflightCheck', () => {
  async function failure(options: Parameters<typeof uploadLayerZip>[0]): Promise<LayerError> {
    const error = await uploadLayerZip(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    return error as LayerError;
  }

  it('asks to run `layer package` when layer.zip is missing, before touching S3', async () => {
    const { dir } = await project({ zip: null });
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const error = await failure({ projectDir: dir, tool: 'uv', s3dir: s3dirOf(), s3Client: s3 });
    expect(error.code).toBe(ErrorCodes.LAYER_ZIP_NOT_FOUND);
    expect(error.oneLine).toBe(`layer.zip not found at ${localLayout(dir).layerZip}; run \`layer package\` first`);
    expect(counts.size).toBe(0);
  });

  it('refuses a layer.zip that `layer package` did not finish (no package stamp), before touching S3', async () => {
    const { dir } = await project();
    await rm(localLayout(dir).packageStamp);
    const s3 = testS3Client();
    const counts = countCommands(s3);
    const error = await failure({ projectDir: dir, tool: 'uv', s3dir: s3dirOf(), s3Client: s3 });
    expect(error.code).toBe(ErrorCodes.LAYER_ZIP_UNVERIFIED);
    expect(error.oneLine).toBe('layer.zip has no package stamp: `layer package` did not write it, or did not finish; run `layer package`');
    expect(counts.size).toBe(0);
  });

  it('names the missing manifest of the tool', async () => {
    const { dir } = await project({ lock: null });
    const error = await failure({ projectDir: dir, tool: 'poetry', s3dir: s3dirOf(), s3Client: testS3Client() });
    expect(error.code).toBe(ErrorCodes.MANIFEST_NOT_FOUND);
    expect(error.oneLine).toBe(
      `manifest poetry.lock not found at ${join(dir, 'poetry.lock')}; run \`poetry lock\` in the project folder, or pass the right --tool`,
    );
  });

  it('rejects a bad --s3dir in one line and creates nothing', async () => {
    const { dir } = await project();
    const s3 = testS3Client();
    const counts = countCommands(s3);
    for (const s3dir of ['bucket/prefix/', 's3://Bad_Bucket/prefix/', 's3:///prefix/', 's3://ok-bucket//x/']) {
      const error = await failure({ projectDir: dir, tool: 'uv', s3dir, s3Client: s3 });
      expect(error.code, s3dir).toBe(ErrorCodes.INVALID_S3_URI);
      expect(error.oneLine).toMatch(/^invalid S3 URI .*; use the form s3:\/\/bucket\/prefix\//);
    }
    expect(counts.size).toBe(0);
  });

  it('rejects an unknown tool', async () => {
    const { dir } = await project();
    expect(
      () => new UploadLayerZipCommand(validateUploadOptions({ projectDir: dir, tool: 'npm' as never, s3dir: s3dirOf(), s3Client: testS3Client() })),
    ).toThrow(/unknown build tool "npm"/);
  });

  it('accepts an S3Path and an s3dir without the trailing slash', async () => {
    const { dir } = await project();
    const prefix = uniqueName('app');
    const command = new UploadLayerZipCommand(
      validateUploadOptions({ projectDir: dir, tool: 'uv', s3dir: `s3://${bucket}/${prefix}`, s3Client: testS3Client() }),
    );
    const { target } = await command.preflightCheck();
    expect(target.uri).toBe(`s3://${bucket}/${prefix}/layer/layer.zip`);
    expect(await command.isLayerZipExists()).toBe(true);
    expect(await command.isManifestExists()).toBe(true);
  });
});

describe('uploadLayerZip AWS failures', () => {
  it('reports a missing bucket in one line and leaves nothing behind', async () => {
    const { dir } = await project();
    const missing = uniqueName('no-such-bucket');
    const error = (await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir: `s3://${missing}/app/`, s3Client: testS3Client() }).catch(
      (e: unknown) => e,
    )) as LayerError;
    expect(error.code).toBe(ErrorCodes.AWS_BUCKET_NOT_FOUND);
    expect(error.oneLine).toBe(
      `the S3 bucket does not exist (while trying to list the incomplete multipart uploads of s3://${missing}/app/layer/layer.zip); create the bucket or fix --s3dir`,
    );
  });

  it('reports missing credentials in one line', async () => {
    const { dir } = await project();
    // The SDK's provider chain fails with this error when it finds nothing.
    const s3 = new S3Client({
      endpoint: process.env.AWS_ENDPOINT_URL,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    });
    const error = (await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir: s3dirOf(), s3Client: s3 }).catch((e: unknown) => e)) as LayerError;
    expect(error.code).toBe(ErrorCodes.AWS_CREDENTIALS_MISSING);
    expect(error.oneLine).toMatch(/^no AWS credentials found while trying to read s3:\/\/.*; set AWS_PROFILE/);
  });

  it('leaves no object and no open upload behind when the first upload fails for good', async () => {
    const { dir } = await project({ zip: randomBytes(17 * MiB) });
    const s3dir = s3dirOf();
    proxy.addRule({ operation: 'CompleteMultipartUpload', action: { kind: 'server-error' } });
    const error = (await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy() }).catch((e: unknown) => e)) as LayerError;
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toMatch(
      /^S3 answered HTTP 500 InternalError \(request id [0-9A-F]{16}\) after 3 attempts while trying to upload layer\.zip to s3:\/\//,
    );
    const prefix = s3dir.slice(`s3://${bucket}/`.length);
    const listed = await testS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    expect(listed.KeyCount ?? 0).toBe(0);
    expect(await openUploads(prefix)).toEqual([]);
    expect(await new MultipartUploadRecords(localLayout(dir).multipartUploads).list(bucket, `${prefix}layer/layer.zip`)).toEqual([]);
  });
});

describe('incomplete uploads left by earlier runs', () => {
  /** Starts a multipart upload with one part, as a run killed mid-upload leaves it. */
  async function leftOpen(key: string): Promise<string> {
    const s3 = testS3Client();
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
    return created.UploadId as string;
  }

  /** The PID of a process that ran on this machine and is gone (a run killed with -9). */
  function deadPid(): number {
    return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  }

  async function recordAs(dir: string, key: string, uploadId: string, pid: number): Promise<void> {
    const records = new MultipartUploadRecords(localLayout(dir).multipartUploads);
    await records.add({ bucket, key, uploadId });
    // The record as the killed run wrote it: its own PID.
    const [file] = await readdir(localLayout(dir).multipartUploads);
    const path = join(localLayout(dir).multipartUploads, file as string);
    const record = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...record, pid, startTime: undefined }));
  }

  it('aborts the upload a killed run recorded, says how many, also when nothing else is sent', async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: testS3Client() });
    const uploadId = await leftOpen(key);
    await recordAs(dir, key, uploadId, deadPid());

    const logger = createMemoryLogger();
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: testS3Client(), logger });
    expect(result).toMatchObject({ status: 'unchanged', abortedMultipartUploads: 1 });
    expect(logger.lines).toContain(`aborted 1 incomplete multipart upload of s3://${bucket}/${key} left by an earlier run`);
    expect(await openUploads(key)).toEqual([]);
    expect(await readdir(localLayout(dir).multipartUploads)).toEqual([]);
  });

  it("keeps the record when S3 refuses to abort a killed run's upload (5xx): one line, nothing sent; the next run aborts it", async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const uploadId = await leftOpen(key);
    await recordAs(dir, key, uploadId, deadPid());
    proxy.addRule({ operation: 'AbortMultipartUpload', keyIncludes: key, action: { kind: 'server-error' } });

    const error = (await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy() }).catch((e: unknown) => e)) as LayerError;
    expect(error).toBeInstanceOf(LayerError);
    expect(error.code).toBe(ErrorCodes.AWS_SERVER_ERROR);
    expect(error.oneLine).toContain(`while trying to abort the incomplete multipart upload ${uploadId} of s3://${bucket}/${key}`);
    // Left as it was: the open upload, its record for the next run, and no layer.zip sent.
    expect(await openUploads(key)).toEqual([uploadId]);
    expect(await readdir(localLayout(dir).multipartUploads)).toHaveLength(1);
    expect(proxy.count('PutObject', key)).toBe(0);

    proxy.clearRules();
    const next = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy() });
    expect(next).toMatchObject({ status: 'uploaded', abortedMultipartUploads: 1 });
    expect(await openUploads(key)).toEqual([]);
    expect(await readdir(localLayout(dir).multipartUploads)).toEqual([]);
  });

  it("counts a killed run's upload whose AbortMultipartUpload answer was lost: the retry meets NoSuchUpload, which this abort caused", async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const uploadId = await leftOpen(key);
    await recordAs(dir, key, uploadId, deadPid());
    proxy.addRule({ operation: 'AbortMultipartUpload', keyIncludes: key, times: 1, action: { kind: 'drop-response' } });

    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy() });
    expect(proxy.requests.filter((r) => r.operation === 'AbortMultipartUpload').map((r) => r.outcome)).toEqual(['dropped', 404]);
    expect(result).toMatchObject({ status: 'uploaded', abortedMultipartUploads: 1 });
    expect(await openUploads(key)).toEqual([]);
    expect(await readdir(localLayout(dir).multipartUploads)).toEqual([]);
  });

  it('leaves alone an upload whose recording process still runs', async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const live = await leftOpen(key);
    await recordAs(dir, key, live, process.ppid);

    const logger = createMemoryLogger();
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: testS3Client(), logger });
    expect(result.status).toBe('uploaded');
    expect(result.abortedMultipartUploads).toBeUndefined();
    expect(await openUploads(key)).toEqual([live]);
    expect(logger.lines.join('\n')).toContain(`multipart upload ${live} may still be running (pid ${process.ppid}`);
    await testS3Client().send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: live }));
  });

  /** Answers ListMultipartUploads as S3 would: the given upload, started `ageMs` before S3's clock (moto dates every upload 2010-11-10). */
  function listingAnswer(key: string, uploadId: string, ageMs: number) {
    const now = new Date();
    const initiated = new Date(now.getTime() - ageMs).toISOString();
    proxy.addRule({
      operation: 'ListMultipartUploads',
      action: {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/xml', date: now.toUTCString() },
        body: `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket><Upload><Key>${key}</Key><UploadId>${uploadId}</UploadId><Initiated>${initiated}</Initiated></Upload></ListMultipartUploadsResult>`,
      },
    });
  }

  it('aborts an unrecorded upload of the key that S3 says started more than a day ago', async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const old = await leftOpen(key);
    listingAnswer(key, old, 2 * 24 * 3600 * 1000);
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy() });
    expect(result).toMatchObject({ status: 'uploaded', abortedMultipartUploads: 1 });
    expect(proxy.count('AbortMultipartUpload', key)).toBe(1);
    expect(await openUploads(key)).toEqual([]);
  });

  it('leaves alone an unrecorded upload started in the last day (another machine may be uploading), saying so', async () => {
    const { dir } = await project();
    const s3dir = s3dirOf();
    const key = `${s3dir.slice(`s3://${bucket}/`.length)}layer/layer.zip`;
    const recent = await leftOpen(key);
    listingAnswer(key, recent, 3600 * 1000);
    const logger = createMemoryLogger();
    const result = await uploadLayerZip({ projectDir: dir, tool: 'uv', s3dir, s3Client: viaProxy(), logger });
    expect(result.status).toBe('uploaded');
    expect(result.abortedMultipartUploads).toBeUndefined();
    expect(proxy.count('AbortMultipartUpload', key)).toBe(0);
    expect(await openUploads(key)).toEqual([recent]);
    expect(logger.lines).toContain(
      `warning: 1 other incomplete multipart upload of s3://${bucket}/${key}, started in the last 24 hours, left alone (another machine may be uploading); a day after it started the next upload aborts it`,
    );
    await testS3Client().send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: recent }));
  });
});

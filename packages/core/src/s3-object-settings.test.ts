import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createTestBucket, emulateBucketOwner, testS3Client, uniqueName, useFaultProxy } from '@lambda-layer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { toLayerErrorFromAws } from './aws-errors.js';
import { parseAccountId } from './config-values.js';
import { ErrorCodes, LayerError } from './errors.js';
import { applyS3ObjectSettings, checkKmsKeyRegions, checkS3ObjectSettings, encryptionInput, parseKmsKeyId, parseSse } from './s3-object-settings.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const OWNER = '123456789012';

describe('S3 object settings', () => {
  it('parses the encryption, the KMS key and the account', () => {
    expect(parseSse('aws:kms')).toBe('aws:kms');
    expect(parseSse('AES256')).toBe('AES256');
    expect(parseSse('aes256')).toBe('AES256');
    expect(() => parseSse('aws:kms:dsse-x')).toThrow(/unknown server-side encryption "aws:kms:dsse-x"/);
    for (const key of [
      KEY_ID,
      'alias/layer-key',
      `arn:aws:kms:eu-west-1:${OWNER}:key/${KEY_ID}`,
      `arn:aws:kms:eu-west-1:${OWNER}:alias/layer`,
      'mrk-1234abcd12ab34cd56ef1234567890ab',
    ]) {
      expect(parseKmsKeyId(key)).toBe(key);
    }
    expect(() => parseKmsKeyId('my key')).toThrow(LayerError);
    expect(parseAccountId(OWNER)).toBe(OWNER);
    expect(() => parseAccountId('12345')).toThrow(/invalid AWS account id "12345"/);
  });

  it('checks them together: a key means aws:kms; a key or a Bucket Key with AES256 is refused', () => {
    expect(checkS3ObjectSettings({ kmsKeyId: KEY_ID })).toEqual({ sse: 'aws:kms', kmsKeyId: KEY_ID });
    expect(checkS3ObjectSettings({ sse: 'aws:kms', bucketKey: true })).toEqual({ sse: 'aws:kms', bucketKey: true });
    expect(() => checkS3ObjectSettings({ sse: 'AES256', kmsKeyId: KEY_ID })).toThrow(/needs sse = aws:kms, not AES256/);
    expect(() => checkS3ObjectSettings({ bucketKey: true })).toThrow(/bucket-key needs sse = aws:kms/);
    expect(encryptionInput({ sse: 'aws:kms', kmsKeyId: KEY_ID, bucketKey: true })).toEqual({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ID,
      BucketKeyEnabled: true,
    });
    expect(encryptionInput({})).toEqual({});
  });

  it("a KMS key must exist in every configured region: an ARN names one, a key id is one region's unless mrk-", () => {
    const two = ['us-east-1', 'eu-west-1'];
    for (const key of ['alias/layers', 'mrk-1234abcd12ab34cd56ef1234567890ab', undefined]) expect(() => checkKmsKeyRegions(key, two)).not.toThrow();
    expect(() => checkKmsKeyRegions(KEY_ID, ['eu-west-1'])).not.toThrow();
    expect(() => checkKmsKeyRegions(`arn:aws:kms:eu-west-1:${OWNER}:key/${KEY_ID}`, ['eu-west-1'])).not.toThrow();
    expect(() => checkKmsKeyRegions(`arn:aws:kms:eu-west-1:${OWNER}:key/${KEY_ID}`, two)).toThrow(
      `the KMS key arn:aws:kms:eu-west-1:${OWNER}:key/${KEY_ID} is in eu-west-1, but objects are written in us-east-1`,
    );
    // One region only, but not the key's: S3 would refuse every write.
    expect(() => checkKmsKeyRegions(`arn:aws:kms:eu-west-1:${OWNER}:alias/layers`, ['us-east-1'])).toThrow(
      /is in eu-west-1, but objects are written in us-east-1/,
    );
    expect(() => checkKmsKeyRegions(KEY_ID, two)).toThrow(/exists in one region, but 2 regions are configured \(us-east-1, eu-west-1\)/);
  });
});

describe('applyS3ObjectSettings on a real client (moto, through the fault proxy)', () => {
  const proxy = useFaultProxy();
  let bucket: string;
  beforeAll(async () => {
    bucket = await createTestBucket(testS3Client(), 'objsettings');
  });

  const client = () =>
    applyS3ObjectSettings(testS3Client({ endpoint: proxy.endpoint, maxAttempts: 1 }), {
      sse: 'aws:kms',
      kmsKeyId: KEY_ID,
      bucketKey: true,
      expectedBucketOwner: OWNER,
    });
  /** The one-line error of a request the client sends and S3 refuses. */
  const refusal = async (command: HeadObjectCommand | PutObjectCommand, doing: string) =>
    toLayerErrorFromAws(
      await (client().send(command) as Promise<unknown>).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
      doing,
    );

  it('puts the encryption on every object write and the owner on every request', async () => {
    const s3 = client();
    const prefix = uniqueName('enc');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/a`, Body: 'a' }));
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}/m` }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}/m`, UploadId: created.UploadId, PartNumber: 1, Body: 'm' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: `${prefix}/m`,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: `${prefix}/c`, CopySource: `${bucket}/${prefix}/a` }));
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/a` }));
    await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
    await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/c` }))).Body?.transformToString();

    const requests = proxy.requests.filter((r) => r.service === 'S3');
    expect(requests.map((r) => r.operation)).toEqual([
      'PutObject',
      'CreateMultipartUpload',
      'UploadPart',
      'CompleteMultipartUpload',
      'CopyObject',
      'HeadObject',
      'ListObjectsV2',
      'GetObject',
    ]);
    for (const request of requests) expect(request.headers['x-amz-expected-bucket-owner'], request.operation).toBe(OWNER);
    for (const request of requests.filter((r) => ['PutObject', 'CreateMultipartUpload', 'CopyObject'].includes(r.operation))) {
      expect(request.headers['x-amz-server-side-encryption'], request.operation).toBe('aws:kms');
      expect(request.headers['x-amz-server-side-encryption-aws-kms-key-id'], request.operation).toBe(KEY_ID);
      expect(request.headers['x-amz-server-side-encryption-bucket-key-enabled'], request.operation).toBe('true');
    }
    expect(requests.find((r) => r.operation === 'CopyObject')?.headers['x-amz-source-expected-bucket-owner']).toBe(OWNER);
    // What S3 stored: the objects are encrypted with the key.
    const head = await testS3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/m` }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', KEY_ID]);
  });

  it('keeps a value the command sets itself, and is replaced, not stacked, when applied again', async () => {
    const s3 = applyS3ObjectSettings(client(), { sse: 'AES256' });
    const key = `${uniqueName('own')}/a`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'a', ServerSideEncryption: 'aws:kms' }));
    const [put] = proxy.requests;
    expect(put?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
    expect(put?.headers['x-amz-expected-bucket-owner']).toBeUndefined();
  });

  it('says "bucket X is not owned by ACCOUNT" when S3 refuses the owner (and sends nothing else)', async () => {
    emulateBucketOwner(proxy, bucket, '999999999999');
    const key = `${uniqueName('owner')}/layer.zip`;
    const mapped = await refusal(new HeadObjectCommand({ Bucket: bucket, Key: key }), `read s3://${bucket}/${key}`);
    expect(mapped.code).toBe(ErrorCodes.AWS_BUCKET_OWNER_MISMATCH);
    expect(mapped.message).toBe(`bucket ${bucket} is not owned by ${OWNER}`);
    // The HEAD with the owner, then the same HEAD without it (which S3 answered: the owner is the reason).
    expect(proxy.requests.map((r) => [r.operation, r.headers['x-amz-expected-bucket-owner'], r.outcome])).toEqual([
      ['HeadObject', OWNER, 403],
      ['HeadObject', undefined, 404],
    ]);

    // A write is never sent again: its 403 only mentions the owner.
    proxy.clearLog();
    const refused = await refusal(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }), `upload s3://${bucket}/${key}`);
    expect(refused.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(refused.message).toContain(`S3 answers the same when bucket ${bucket} is not owned by ${OWNER}`);
    expect(proxy.count('PutObject')).toBe(1);
  });

  it('explains a 403 on a HEAD as the missing s3:ListBucket when the owner is not the reason', async () => {
    proxy.addRule({ service: 'S3', operation: 'HeadObject', action: { kind: 'error', status: 403, code: 'Forbidden', message: '' } });
    const key = `${uniqueName('head403')}/layer.zip`;
    const mapped = await refusal(new HeadObjectCommand({ Bucket: bucket, Key: key }), `read s3://${bucket}/${key}`);
    expect(mapped.code).toBe(ErrorCodes.AWS_ACCESS_DENIED);
    expect(mapped.oneLine).toBe(
      `S3 answered 403 Forbidden to a HEAD of s3://${bucket}/${key} while trying to read s3://${bucket}/${key}: S3 answers 403, not 404, when the object does not exist and the caller lacks s3:ListBucket; ` +
        `grant s3:ListBucket on arn:aws:s3:::${bucket} (limited to the prefix by an s3:prefix condition) and s3:GetObject on the objects; \`layer iam-policy\` prints the whole policy`,
    );
  });
});

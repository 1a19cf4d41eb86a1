/** AWS clients and unique names for tests against the moto server. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { randomBytes } from 'node:crypto';

export const TEST_REGION = 'us-east-1';

function endpoint(): string {
  const url = process.env.AWS_ENDPOINT_URL;
  if (!url) throw new Error('AWS_ENDPOINT_URL is not set: run the tests through vitest (tools/testing/global-setup.ts)');
  return url;
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function testS3Client(): S3Client {
  return new S3Client({ endpoint: endpoint(), region: TEST_REGION, forcePathStyle: true, credentials });
}

export function testLambdaClient(): LambdaClient {
  return new LambdaClient({ endpoint: endpoint(), region: TEST_REGION, credentials });
}

/** A name no other test uses: `prefix-<random>`; valid for buckets and layers. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Creates a bucket of its own for one test. */
export async function createTestBucket(s3: S3Client = testS3Client(), prefix = 'test'): Promise<string> {
  const bucket = uniqueName(prefix.toLowerCase());
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** AWS clients and unique names for tests against the moto server. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { randomBytes } from 'node:crypto';
import { annotateAwsErrors } from '@lambda-layer/core';

export const TEST_REGION = 'us-east-1';

function endpoint(): string {
  const url = process.env.AWS_ENDPOINT_URL;
  if (!url) throw new Error('AWS_ENDPOINT_URL is not set: run the tests through vitest (tools/testing/global-setup.ts)');
  return url;
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Where a test client sends its requests and how it retries (defaults: moto, the SDK's own defaults). */
export interface TestClientOptions {
  /** e.g. a fault proxy's endpoint. */
  endpoint?: string;
  maxAttempts?: number;
  /** Socket inactivity timeout (the SDK waits forever by default). */
  timeoutMs?: number;
}

function clientConfig(options: TestClientOptions) {
  return {
    endpoint: options.endpoint ?? endpoint(),
    region: TEST_REGION,
    credentials,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.timeoutMs ? { requestHandler: { socketTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs } } : {}),
  };
}

export function testS3Client(options: TestClientOptions = {}): S3Client {
  return annotateAwsErrors(new S3Client({ ...clientConfig(options), forcePathStyle: true }));
}

export function testLambdaClient(options: TestClientOptions = {}): LambdaClient {
  return annotateAwsErrors(new LambdaClient(clientConfig(options)));
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

type AnyClient = S3Client | LambdaClient;
let observers = 0;

/** Calls `observe` with the name of every command the client sends (once per send; SDK retries are not counted). */
function onCommand(client: AnyClient, observe: (commandName: string) => void): void {
  observers += 1;
  (client as S3Client).middlewareStack.add(
    (next, context) => async (args) => {
      observe(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: `observeCommands-${observers}` },
  );
}

/** Records, in order, the name of every command a client sends. */
export function recordCalls(client: AnyClient, calls: string[] = []): string[] {
  onCommand(client, (name) => calls.push(name));
  return calls;
}

/** Counts the commands a client sends, by name. */
export function countCommands(client: AnyClient): Map<string, number> {
  const counts = new Map<string, number>();
  onCommand(client, (name) => counts.set(name, (counts.get(name) ?? 0) + 1));
  return counts;
}

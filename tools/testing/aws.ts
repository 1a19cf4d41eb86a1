/** AWS clients and unique names for tests against the moto server. */
import { randomBytes } from 'node:crypto';
import { CreateFunctionCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { type BucketLocationConstraint, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
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
  /** The signing region (moto keeps regions apart by it); default us-east-1. */
  region?: string;
}

function clientConfig(options: TestClientOptions) {
  return {
    endpoint: options.endpoint ?? endpoint(),
    region: options.region ?? TEST_REGION,
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

/** Creates the bucket `name` in `region` (S3 wants its LocationConstraint outside us-east-1): one region's bucket of a multi-region test. */
export async function createBucketInRegion(name: string, region: string): Promise<string> {
  await testS3Client({ region }).send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
  return name;
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

/** The account moto answers for. */
export const TEST_ACCOUNT = '123456789012';
const FUNCTION_ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/layer-test-function-role`;
let roleCreated: Promise<void> | undefined;

/**
 * moto's CreateFunction wants its role to exist in IAM. No IAM client is a
 * dependency here, and moto reads the Query API from any request whose
 * credential scope names iam (it does not check signatures): one POST makes it.
 */
function ensureFunctionRole(): Promise<void> {
  roleCreated ??= (async () => {
    const body = new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: FUNCTION_ROLE.split('/').pop() as string,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    const response = await fetch(`${endpoint()}/`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${TEST_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    const text = await response.text();
    if (!response.ok && !text.includes('EntityAlreadyExists')) throw new Error(`moto CreateRole failed: ${response.status} ${text.slice(0, 300)}`);
  })();
  return roleCreated;
}

/** The smallest valid zip: an empty archive (an end-of-central-directory record). */
const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'binary'), Buffer.alloc(18)]);

/**
 * Creates a function that uses `layers` (layer version ARNs) in the client's
 * region; with `publish`, also publishes it as version 1, which keeps those
 * layers after $LATEST moves on. Returns the function's name.
 */
export async function createTestFunction(lambda: LambdaClient, options: { layers: string[]; name?: string; publish?: boolean }): Promise<string> {
  await ensureFunctionRole();
  const name = options.name ?? uniqueName('fn');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Role: FUNCTION_ROLE,
      Handler: 'app.handler',
      Code: { ZipFile: EMPTY_ZIP },
      Layers: options.layers,
    }),
  );
  if (options.publish) await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  return name;
}

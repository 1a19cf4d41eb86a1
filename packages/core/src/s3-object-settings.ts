/**
 * What every S3 request of a run carries in a locked-down account: the
 * server-side encryption a bucket policy demands on every object written
 * (SSE-S3 `AES256` or SSE-KMS `aws:kms` with a key and S3 Bucket Keys), and
 * the account that must own the bucket (`ExpectedBucketOwner`, S3's guard
 * against writing into someone else's bucket after a typo).
 *
 * They are applied by one middleware on the S3 client (`applyS3ObjectSettings`)
 * rather than at each call site: every write of every step (layer.zip and its
 * multipart upload, the manifest backups, the publish lock, any copy) gets
 * them, including writes a future step adds. Core does not depend on the SDK:
 * the middleware edits the command's input by its documented field names.
 */
import type { AwsClientWithMiddleware } from './aws-errors.js';
import { ErrorCodes, LayerError } from './errors.js';

export const SERVER_SIDE_ENCRYPTIONS = ['aws:kms', 'AES256'] as const;
export type ServerSideEncryption = (typeof SERVER_SIDE_ENCRYPTIONS)[number];

export interface S3ObjectSettings {
  /** Server-side encryption of every object the tool writes. */
  sse?: ServerSideEncryption | undefined;
  /** The KMS key of `aws:kms` (key id, key ARN, alias/NAME or alias ARN); without it S3 uses the AWS managed key aws/s3. */
  kmsKeyId?: string | undefined;
  /** Use an S3 Bucket Key for SSE-KMS (fewer KMS requests); only with `aws:kms`. */
  bucketKey?: boolean | undefined;
  /** The 12-digit account that must own the bucket: S3 refuses every request otherwise. */
  expectedBucketOwner?: string | undefined;
}

function invalid(message: string, hint: string): LayerError {
  return new LayerError(ErrorCodes.INVALID_OPTION, message, { hint });
}

/** `aws:kms` or `AES256` (any case; `kms` and `sse-s3` are accepted too). */
export function parseSse(value: string): ServerSideEncryption {
  const text = value.trim().toLowerCase();
  if (text === 'aws:kms' || text === 'kms' || text === 'sse-kms') return 'aws:kms';
  if (text === 'aes256' || text === 'sse-s3') return 'AES256';
  throw invalid(`unknown server-side encryption ${JSON.stringify(value)}`, 'use aws:kms (SSE-KMS) or AES256 (SSE-S3)');
}

const KMS_KEY =
  /^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)|alias\/[A-Za-z0-9/_-]+|(mrk-)?[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** A KMS key as S3 takes it: a key id, a key ARN, `alias/NAME` or an alias ARN. */
export function parseKmsKeyId(value: string): string {
  const text = value.trim();
  if (!KMS_KEY.test(text)) {
    throw invalid(
      `invalid KMS key ${JSON.stringify(value)}`,
      'use a key id (1234abcd-12ab-34cd-56ef-1234567890ab), a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or alias/NAME',
    );
  }
  return text;
}

/** The region a KMS key names: that of a key or alias ARN; undefined for a key id or alias/NAME. */
export function kmsKeyRegion(keyId: string): string | undefined {
  return /^arn:[^:]+:kms:([^:]+):/.exec(keyId)?.[1];
}

/**
 * SSE-KMS needs a key in the bucket's own region, and with several regions
 * each region's bucket is written with the same settings. A key or alias ARN
 * names one region; a plain key id exists in one region, except a
 * multi-Region key (`mrk-…`), whose replicas share its id; `alias/NAME` is
 * looked up in each bucket's region. A key that cannot serve every configured
 * region is a usage error before any request (S3 would refuse the writes of
 * the other regions after the first region's had gone through).
 */
export function checkKmsKeyRegions(kmsKeyId: string | undefined, regions: readonly string[]): void {
  if (!kmsKeyId || regions.length === 0) return;
  const hint = "SSE-KMS needs a key in each bucket's region: use alias/NAME (an alias of that name in every region) or a multi-Region key (mrk-…)";
  const keyRegion = kmsKeyRegion(kmsKeyId);
  const elsewhere = keyRegion === undefined ? [] : regions.filter((region) => region !== keyRegion);
  if (elsewhere.length) {
    throw new LayerError(ErrorCodes.USAGE, `the KMS key ${kmsKeyId} is in ${keyRegion}, but objects are written in ${elsewhere.join(', ')}`, {
      hint,
      details: { key: 'sse-kms-key-id', regions },
    });
  }
  if (keyRegion === undefined && regions.length > 1 && !kmsKeyId.startsWith('alias/') && !kmsKeyId.startsWith('mrk-')) {
    throw new LayerError(
      ErrorCodes.USAGE,
      `the KMS key ${kmsKeyId} exists in one region, but ${regions.length} regions are configured (${regions.join(', ')})`,
      {
        hint,
        details: { key: 'sse-kms-key-id', regions },
      },
    );
  }
}

/**
 * Checks the settings together: a KMS key or a Bucket Key only go with
 * SSE-KMS. A key without `sse` means `aws:kms` (the key says which).
 */
export function checkS3ObjectSettings(settings: S3ObjectSettings): S3ObjectSettings {
  const sse = settings.sse ?? (settings.kmsKeyId ? 'aws:kms' : undefined);
  if (settings.kmsKeyId && sse !== 'aws:kms') {
    throw invalid(`a KMS key (sse-kms-key-id) needs sse = aws:kms, not ${sse}`, 'use sse = aws:kms with the key, or drop the key for AES256');
  }
  if (settings.bucketKey && sse !== 'aws:kms') {
    throw invalid(
      `bucket-key needs sse = aws:kms${sse ? `, not ${sse}` : ''}`,
      'S3 Bucket Keys apply to SSE-KMS only: add --sse aws:kms or drop --bucket-key',
    );
  }
  return {
    ...(sse ? { sse } : {}),
    ...(settings.kmsKeyId ? { kmsKeyId: settings.kmsKeyId } : {}),
    ...(settings.bucketKey && sse === 'aws:kms' ? { bucketKey: true } : {}),
    ...(settings.expectedBucketOwner ? { expectedBucketOwner: settings.expectedBucketOwner } : {}),
  };
}

/** The S3 operations that create an object: the encryption goes on each (an UploadPart inherits it from its CreateMultipartUpload). */
export const S3_OBJECT_WRITES = ['PutObject', 'CreateMultipartUpload', 'CopyObject'] as const;

/** The input fields of an object write for these settings. */
export function encryptionInput(settings: S3ObjectSettings): Record<string, unknown> {
  if (!settings.sse) return {};
  return {
    ServerSideEncryption: settings.sse,
    ...(settings.kmsKeyId ? { SSEKMSKeyId: settings.kmsKeyId } : {}),
    ...(settings.bucketKey ? { BucketKeyEnabled: true } : {}),
  };
}

/** Operations that accept no ExpectedBucketOwner (they name no bucket of ours). */
const ACCOUNT_LEVEL = new Set(['ListBuckets', 'CreateBucket', 'ListDirectoryBuckets', 'WriteGetObjectResponse']);

/** Reads whose request can be sent once more without the owner header to learn whether the owner was the reason of a 403: they carry no body, and their answer is dropped. */
const OWNER_PROBES = new Set(['HeadObject', 'HeadBucket']);

/** What the middleware writes on a 403 of a request that carried ExpectedBucketOwner (read by toLayerErrorFromAws). */
export interface BucketOwnerFact {
  bucket: string;
  expected: string;
  /** true: S3 answers the same request without the header, so the owner is the reason; undefined: not known. */
  mismatch: boolean | undefined;
}

interface MiddlewareArgs {
  input: Record<string, unknown>;
}

const MIDDLEWARE_NAME = 'lambdaLayerS3ObjectSettings';

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Makes every request of an S3 client carry the settings: the encryption on
 * each object write (PutObject, CreateMultipartUpload, CopyObject), and
 * ExpectedBucketOwner (and ExpectedSourceBucketOwner on a copy) on every
 * request that names a bucket. A value a command sets itself is kept.
 *
 * S3 answers an owner mismatch with a bare 403 AccessDenied, the same as a
 * missing permission. When a HEAD carrying the owner is refused, it is sent
 * once more without it: if S3 then answers (200, or 404), the bucket is
 * reachable and the owner is the reason, and the error says so
 * (`$bucketOwner`). Only HEADs are asked twice: nothing is written or read
 * from a bucket of another account. Replaces an earlier call on the same client.
 */
export function applyS3ObjectSettings<C extends AwsClientWithMiddleware>(client: C, settings: S3ObjectSettings): C {
  const checked = checkS3ObjectSettings(settings);
  const encryption = encryptionInput(checked);
  const owner = checked.expectedBucketOwner;
  const middleware =
    (next: (args: MiddlewareArgs) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: MiddlewareArgs): Promise<unknown> => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const input: Record<string, unknown> = { ...args.input };
      if ((S3_OBJECT_WRITES as readonly string[]).includes(operation)) {
        for (const [field, value] of Object.entries(encryption)) if (input[field] === undefined) input[field] = value;
      }
      if (owner && !ACCOUNT_LEVEL.has(operation)) {
        input.ExpectedBucketOwner ??= owner;
        if (operation === 'CopyObject') input.ExpectedSourceBucketOwner ??= owner;
      }
      try {
        return await next({ ...args, input });
      } catch (error) {
        if (owner && input.ExpectedBucketOwner === owner && statusOf(error) === 403 && error !== null && typeof error === 'object') {
          const fact: BucketOwnerFact = { bucket: typeof input.Bucket === 'string' ? input.Bucket : '', expected: owner, mismatch: undefined };
          if (OWNER_PROBES.has(operation)) {
            try {
              await next({ ...args, input: { ...input, ExpectedBucketOwner: undefined } });
              fact.mismatch = true;
            } catch (probeError) {
              const status = statusOf(probeError);
              fact.mismatch = status === 403 ? false : status === 404 ? true : undefined;
            }
          }
          (error as { $bucketOwner?: BucketOwnerFact }).$bucketOwner = fact;
        }
        throw error;
      }
    };
  client.middlewareStack.remove?.(MIDDLEWARE_NAME);
  client.middlewareStack.add(middleware, { step: 'initialize', name: MIDDLEWARE_NAME });
  return client;
}

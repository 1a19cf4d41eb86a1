import { toLayerErrorFromAws } from '@lambda-layer/core';

/**
 * Runs one AWS request and turns any SDK failure into a one-line LayerError
 * saying what we were doing. Throttling and 5xx are retried by the SDK's own
 * retry strategy before anything reaches here.
 */
export async function awsCall<T>(doing: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toLayerErrorFromAws(error, doing);
  }
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function shape(error: unknown): SdkErrorShape {
  return (error ?? {}) as SdkErrorShape;
}

/** A missing object (HEAD answers a bare 404, GET names NoSuchKey). */
export function isNotFound(error: unknown): boolean {
  const e = shape(error);
  const name = e.name ?? e.Code;
  if (name === 'NoSuchBucket') return false;
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'ResourceNotFoundException' || e.$metadata?.httpStatusCode === 404;
}

/** A conditional write lost: If-None-Match / If-Match did not hold (412), or a concurrent conditional write (409). */
export function isConditionFailed(error: unknown): boolean {
  const e = shape(error);
  const name = e.name ?? e.Code;
  const status = e.$metadata?.httpStatusCode;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** S3 quotes ETags; compare them bare. */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
}

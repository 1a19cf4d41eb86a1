import { ErrorCodes, LayerError } from './errors.js';

/**
 * Turns an AWS SDK v3 error into a one-line `LayerError`. Core does not depend
 * on the SDK, so errors are recognised by their `name` and `$metadata`, the
 * fields every SDK v3 service exception carries.
 */
export function toLayerErrorFromAws(error: unknown, doing: string): LayerError {
  if (error instanceof LayerError) return error;
  const e = (error ?? {}) as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? String(error)).split('\n')[0];

  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(name) || /Could not load credentials/i.test(message ?? '')) {
    return new LayerError(ErrorCodes.AWS_CREDENTIALS_MISSING, `no AWS credentials found while trying to ${doing}`, {
      hint: 'set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`',
      cause: error,
    });
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden' || status === 403) {
    return new LayerError(ErrorCodes.AWS_ACCESS_DENIED, `access denied while trying to ${doing}: ${message}`, {
      hint: 'check that your AWS identity has the needed S3 and Lambda permissions for this bucket and layer',
      cause: error,
    });
  }
  if (name === 'NoSuchBucket') {
    return new LayerError(ErrorCodes.AWS_BUCKET_NOT_FOUND, `the S3 bucket does not exist (while trying to ${doing})`, {
      hint: 'create the bucket or fix --s3dir',
      cause: error,
    });
  }
  if (/Throttl|TooManyRequests|SlowDown|RequestLimitExceeded/i.test(name) || status === 429) {
    return new LayerError(ErrorCodes.AWS_THROTTLED, `AWS kept throttling requests while trying to ${doing}`, {
      hint: 'wait a minute and run again, or raise AWS_MAX_ATTEMPTS',
      cause: error,
    });
  }
  return new LayerError(ErrorCodes.AWS_REQUEST_FAILED, `AWS request failed while trying to ${doing}: ${name ? `${name}: ` : ''}${message}`, {
    hint: 'run again with --debug for details',
    cause: error,
  });
}

import { ErrorCodes, LayerError, type ErrorCode } from './errors.js';

/**
 * Turns an AWS SDK v3 error into a one-line `LayerError` that names the cause
 * in plain words: which service, what it answered (status, error code, request
 * id) or what the network did (refused, reset, DNS, TLS, timeout), after how
 * many attempts, while doing what — never "unexpected error" for anything AWS
 * or the network can do. Core does not depend on the SDK, so errors are
 * recognised by the fields every SDK v3 error carries (`name`, `$metadata`,
 * `$fault`, `$response`) and by Node's socket error codes.
 */

export type AwsServiceName = 'S3' | 'Lambda';

/** The fields of an SDK v3 error (service exception or network error) this module reads. */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  Region?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { headers?: Record<string, string | undefined> };
  /** Set by `annotateAwsErrors`: the service and endpoint the failed request went to. */
  $service?: string;
  $endpoint?: string;
  hostname?: string;
  address?: string;
  port?: number;
  cause?: unknown;
}

const THROTTLING = /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|SlowDown|RequestLimitExceeded|RequestThrottled|RequestThrottledException|ProvisionedThroughputExceededException|BandwidthLimitExceeded)$/;
const TLS_CODES = /^(EPROTO|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

function shape(error: unknown): SdkErrorShape {
  return (error !== null && typeof error === 'object' ? error : { message: String(error) }) as SdkErrorShape;
}

/** The Node socket error code of an error or of one of its causes. */
function socketCode(error: SdkErrorShape, depth = 0): string | undefined {
  if (typeof error.code === 'string' && /^[A-Z_0-9]+$/.test(error.code)) return error.code;
  if (depth < 5 && error.cause && typeof error.cause === 'object') return socketCode(shape(error.cause), depth + 1);
  return undefined;
}

/** "S3" or "Lambda": from `annotateAwsErrors`, else from the SDK's exception classes (`S3ServiceException`, `LambdaServiceException`). */
function serviceOf(error: SdkErrorShape, fallback: AwsServiceName | undefined): string {
  if (fallback) return fallback;
  if (error.$service) return error.$service;
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const match = /^(\w+)ServiceException$/.exec(String(proto.constructor?.name ?? ''));
    if (match?.[1]) return match[1];
  }
  return 'AWS';
}

/** host:port of the failed request, when known. */
function endpointOf(error: SdkErrorShape, depth = 0): string | undefined {
  if (error.$endpoint) return error.$endpoint;
  if (error.address) return error.port ? `${error.address}:${error.port}` : error.address;
  if (error.hostname) return error.hostname;
  if (depth < 5 && error.cause && typeof error.cause === 'object') return endpointOf(shape(error.cause), depth + 1);
  return undefined;
}

function attemptsText(error: SdkErrorShape): string {
  const attempts = error.$metadata?.attempts;
  return attempts ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}

/** True for the error an aborted request (AbortSignal) rejects with. */
export function isAbortError(error: unknown): boolean {
  const e = shape(error);
  return e.name === 'AbortError' || e.code === 'ABORT_ERR';
}

/** A 5xx, throttling, reset or timeout: an answer that may come out right when asked again. */
export function isTransientAwsError(error: unknown): boolean {
  const e = shape(error);
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (THROTTLING.test(e.name ?? '')) return true;
  const code = socketCode(e);
  return e.name === 'TimeoutError' || (code !== undefined && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ECONNABORTED)$/.test(code));
}

/**
 * True when the request may have reached the service and acted although no
 * answer came back: a 5xx, a connection reset or closed mid-request, a
 * timeout. (A refused connection, a DNS failure or a 4xx never reached or
 * was refused by the service.) Non-idempotent writes check the remote state
 * after such an error instead of sending again blindly.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  const e = shape(error);
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500 && !THROTTLING.test(e.name ?? '')) return true;
  if (status !== undefined) return false;
  const code = socketCode(e);
  if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return false;
  if (code && TLS_CODES.test(code)) return false;
  return !isAbortError(e);
}

function awsError(code: ErrorCode, message: string, hint: string, error: unknown, details: Record<string, unknown> = {}): LayerError {
  const defined = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
  return new LayerError(code, message, { hint, cause: error, details: defined });
}

export interface AwsErrorContext {
  /** The service called, when the caller knows it better than the error does. */
  service?: AwsServiceName;
}

export function toLayerErrorFromAws(error: unknown, doing: string, context: AwsErrorContext = {}): LayerError {
  if (error instanceof LayerError) return error;
  const e = shape(error);
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const message = firstLine(e.message ?? String(error));
  const service = serviceOf(e, context.service);
  const attempts = attemptsText(e);
  const facts = { service, status, errorCode: name || undefined, requestId, attempts: e.$metadata?.attempts };

  if (isAbortError(e)) {
    return awsError(ErrorCodes.INTERRUPTED, `interrupted while trying to ${doing}`, 'run the step again', error);
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name) || /Could not load credentials/i.test(message)) {
    return awsError(
      ErrorCodes.AWS_CREDENTIALS_MISSING,
      `no AWS credentials found while trying to ${doing}`,
      'set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`',
      error,
    );
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden' || status === 403) {
    return awsError(
      ErrorCodes.AWS_ACCESS_DENIED,
      `access denied while trying to ${doing}: ${message}`,
      'check that your AWS identity has the needed S3 and Lambda permissions for this bucket and layer',
      error,
      facts,
    );
  }
  if (name === 'NoSuchBucket') {
    return awsError(ErrorCodes.AWS_BUCKET_NOT_FOUND, `the S3 bucket does not exist (while trying to ${doing})`, 'create the bucket or fix --s3dir', error);
  }
  const bucketRegion = e.$response?.headers?.['x-amz-bucket-region'] ?? (name === 'AuthorizationHeaderMalformed' ? e.Region : undefined);
  if (bucketRegion && (status === 301 || status === 400 || name === 'PermanentRedirect')) {
    return awsError(
      ErrorCodes.AWS_WRONG_REGION,
      `the S3 bucket is in region ${bucketRegion}, not in the region this run uses (while trying to ${doing})`,
      `pass --region ${bucketRegion} (or set AWS_REGION), or use a bucket in your region`,
      error,
      { ...facts, bucketRegion },
    );
  }
  const answered = status !== undefined ? `HTTP ${status}${name && name !== 'Unknown' && name !== 'SyntaxError' ? ` ${name}` : ''}` : name;
  const requestIdText = requestId ? `request id ${requestId}` : undefined;
  if (THROTTLING.test(name) || status === 429) {
    return awsError(
      ErrorCodes.AWS_THROTTLED,
      `${service} kept throttling requests (${[answered, requestIdText].filter(Boolean).join(', ')})${attempts} while trying to ${doing}`,
      'wait a minute and run again, or raise AWS_MAX_ATTEMPTS',
      error,
      facts,
    );
  }
  if (status !== undefined && status >= 500) {
    // A body that is not the service's XML/JSON reads as "UnknownError" or a SyntaxError: a proxy or load balancer answered.
    const unparsed = name === 'Unknown' || name === 'SyntaxError' || name === '';
    const what = unparsed
      ? `HTTP ${status}${requestIdText ? ` (${requestIdText}, no error body)` : ` with no ${service} error code or request id (an HTTP proxy or load balancer in between?)`}`
      : `${answered}${requestIdText ? ` (${requestIdText})` : ''}`;
    return awsError(
      ErrorCodes.AWS_SERVER_ERROR,
      `${service} answered ${what}${attempts} while trying to ${doing}`,
      'this is a failure on the AWS side: run again in a few minutes (AWS_MAX_ATTEMPTS gives it more attempts)',
      error,
      facts,
    );
  }

  const code = socketCode(e);
  const where = endpointOf(e);
  const at = where ? ` at ${where}` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const host = e.hostname ?? where ?? 'the endpoint';
    return awsError(
      ErrorCodes.AWS_DNS_FAILED,
      `cannot resolve the host name ${host} (DNS${code === 'EAI_AGAIN' ? ', temporary failure' : ''})${attempts} while trying to ${doing}`,
      'check --endpoint-url / AWS_ENDPOINT_URL and --region, and the machine\'s DNS and network',
      error,
      { ...facts, code, host },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    const cause = code === 'ECONNREFUSED' ? 'connection refused' : code === 'EHOSTUNREACH' ? 'host unreachable' : 'network unreachable';
    return awsError(
      ErrorCodes.AWS_UNREACHABLE,
      `cannot connect to ${service}${at}: ${cause}${attempts} while trying to ${doing}`,
      code === 'ECONNREFUSED'
        ? 'check --endpoint-url / AWS_ENDPOINT_URL and that the service listens there'
        : 'check the network connection, VPN and HTTPS_PROXY settings',
      error,
      { ...facts, code, endpoint: where },
    );
  }
  if (code && TLS_CODES.test(code)) {
    return awsError(
      ErrorCodes.AWS_TLS_FAILED,
      `TLS with ${service}${at} failed (${code}: ${message})${attempts} while trying to ${doing}`,
      'if a proxy or a private CA signs the certificate, set AWS_CA_BUNDLE to its CA file; check that the endpoint URL uses the right scheme (http or https)',
      error,
      { ...facts, code, endpoint: where },
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') {
    return awsError(
      ErrorCodes.AWS_CONNECTION_RESET,
      `the connection to ${service}${at} was closed before an answer came (${code})${attempts} while trying to ${doing}`,
      'check the network (or an HTTP proxy in between) and run again',
      error,
      { ...facts, code, endpoint: where },
    );
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const ms = /(\d+) ?ms/.exec(message)?.[1];
    const within = ms ? ` within ${Number(ms) / 1000} s` : ' in time';
    return awsError(
      ErrorCodes.AWS_TIMEOUT,
      `${service}${at} did not answer${within}${attempts} while trying to ${doing}`,
      'check the network and run again; LAYER_AWS_TIMEOUT (seconds) sets how long to wait for an answer',
      error,
      { ...facts, code, endpoint: where },
    );
  }
  const prefix = status !== undefined ? `${service} answered ${answered}${requestIdText ? ` (${requestIdText})` : ''}` : `${service} request failed`;
  return awsError(
    ErrorCodes.AWS_REQUEST_FAILED,
    `${prefix}${attempts} while trying to ${doing}: ${name && status === undefined ? `${name}: ` : ''}${message}`,
    'run again with --debug for details',
    error,
    facts,
  );
}

/** The bit of an SDK client this module needs: its middleware stack. */
export interface AwsClientWithMiddleware {
  middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void };
}

const ANNOTATE_ERRORS = 'lambdaLayerAnnotateErrors';

/**
 * Adds to an SDK client a middleware that writes onto every failed request's
 * error the service (`$service`) and endpoint (`$endpoint`, host:port) it went
 * to, so a timeout or TLS failure can name the host. It sits outermost
 * (initialize step), so it sees the error the retries ended with. Idempotent.
 */
export function annotateAwsErrors<C extends AwsClientWithMiddleware>(client: C): C {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; endpointV2?: { url?: URL } }) =>
    async (args: unknown) => {
      try {
        return await next(args);
      } catch (error) {
        if (error !== null && typeof error === 'object') {
          const e = error as SdkErrorShape;
          const service = /^(\w+?)(Client)?$/.exec(context.clientName ?? '')?.[1];
          if (service && !e.$service) e.$service = service;
          const url = context.endpointV2?.url;
          if (url && !e.$endpoint) e.$endpoint = url.port ? `${url.hostname}:${url.port}` : url.hostname;
        }
        throw error;
      }
    };
  try {
    client.middlewareStack.add(middleware, { step: 'initialize', name: ANNOTATE_ERRORS, priority: 'high' });
  } catch {
    // Already added to this client.
  }
  return client;
}

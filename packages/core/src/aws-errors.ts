import { type ErrorCode, ErrorCodes, LayerError } from './errors.js';
import { interruptedError } from './interrupt.js';
import { type CaBundle, displayUrl, type NetworkSettings, proxyFor } from './network.js';
import type { BucketOwnerFact } from './s3-object-settings.js';

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
  /** Set by `annotateAwsErrors`: the service, endpoint, operation and S3 object of the failed request, and the proxy and CA bundle it used. */
  $service?: string;
  $endpoint?: string;
  $operation?: string;
  $bucket?: string;
  $key?: string;
  /** The proxy the request went through (without credentials), and where that proxy was set. */
  $proxy?: { url: string; source: string };
  $caBundle?: Pick<CaBundle, 'path' | 'source'>;
  /** Set by `applyS3ObjectSettings` on a 403 of a request that carried ExpectedBucketOwner. */
  $bucketOwner?: BucketOwnerFact;
  hostname?: string;
  address?: string;
  port?: number;
  cause?: unknown;
}

const THROTTLING =
  /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|SlowDown|RequestLimitExceeded|RequestThrottled|RequestThrottledException|ProvisionedThroughputExceededException|BandwidthLimitExceeded)$/;
const TLS_CODES = /^(EPROTO|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/;

function shape(error: unknown): SdkErrorShape {
  return error !== null && typeof error === 'object' ? error : { message: String(error) };
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
  for (let proto: unknown = Object.getPrototypeOf(error); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const match = /^(\w+)ServiceException$/.exec((proto as { constructor?: { name?: string } }).constructor?.name ?? '');
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

/** The error name S3 or Lambda answered with (`name` for SDK v3 exceptions, `Code` for a parsed body). */
function errorNameOf(error: unknown): string | undefined {
  const e = shape(error);
  return e.name ?? e.Code;
}

/**
 * The object, multipart upload or Lambda resource asked for does not exist:
 * a HEAD answers a bare 404 (`NotFound`), a GET names `NoSuchKey`, an upload
 * part call `NoSuchUpload`, Lambda `ResourceNotFoundException`. A missing
 * bucket is not "not found" here (a GET names `NoSuchBucket`): that is a
 * setting to fix, reported as E_AWS_BUCKET_NOT_FOUND. (A HEAD cannot tell the
 * two apart: see publish's bucketExists.)
 */
export function isNotFound(error: unknown): boolean {
  const name = errorNameOf(error);
  if (name === 'NoSuchBucket') return false;
  return (
    name === 'NotFound' ||
    name === 'NoSuchKey' ||
    name === 'NoSuchUpload' ||
    name === 'ResourceNotFoundException' ||
    shape(error).$metadata?.httpStatusCode === 404
  );
}

/** The bucket named does not exist (a listing or GET names `NoSuchBucket`). */
export function isNoSuchBucket(error: unknown): boolean {
  return errorNameOf(error) === 'NoSuchBucket';
}

/** A conditional write lost: If-None-Match / If-Match did not hold (412), or a concurrent conditional write (409). */
export function isConditionFailed(error: unknown): boolean {
  const name = errorNameOf(error);
  const status = shape(error).$metadata?.httpStatusCode;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** S3 quotes ETags; compare them bare. */
export function bareEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/"/g, '');
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

/** A body that is not the service's XML/JSON reads as "UnknownError" (or a SyntaxError): something else answered. */
function isUnparsed(name: string): boolean {
  return name === 'Unknown' || name === 'UnknownError' || name === 'SyntaxError' || name === '' || /^\d{3}$/.test(name);
}

/** Whether a socket error happened on the way to the proxy (its host and port), not behind it. */
function isProxyAddress(error: SdkErrorShape, proxyUrl: string, depth = 0): boolean {
  const proxy = new URL(proxyUrl.replace('****@', ''));
  const port = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  const host = proxy.hostname.replace(/^\[|\]$/g, '');
  if (error.port === port && (error.address === host || error.hostname === host)) return true;
  if (error.hostname === host && error.code !== undefined && /^(ENOTFOUND|EAI_AGAIN)$/.test(error.code)) return true;
  if (depth < 5 && error.cause && typeof error.cause === 'object') return isProxyAddress(shape(error.cause), proxyUrl, depth + 1);
  return false;
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
    return interruptedError(undefined, `stopped while trying to ${doing}`, 'run the step again', {}, { cause: error });
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name) || /Could not load credentials/i.test(message)) {
    return awsError(
      ErrorCodes.AWS_CREDENTIALS_MISSING,
      `no AWS credentials found while trying to ${doing}`,
      'set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`',
      error,
    );
  }
  if (status === 407 || (e.$proxy && status !== undefined && status >= 400 && !requestId && isUnparsed(name))) {
    const proxy = e.$proxy ? `the proxy ${e.$proxy.url} (from ${e.$proxy.source})` : 'an HTTP proxy';
    return awsError(
      ErrorCodes.AWS_PROXY_FAILED,
      `${proxy} answered HTTP ${status}${status === 407 ? ' Proxy Authentication Required' : ''} instead of ${service} while trying to ${doing}`,
      status === 407
        ? "give the proxy's user and password in the environment: HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT (or LAYER_PROXY)"
        : `check that the proxy lets ${e.$endpoint ?? `${service}'s endpoint`} through, or list the host in NO_PROXY`,
      error,
      { ...facts, proxy: e.$proxy?.url },
    );
  }
  const owner = e.$bucketOwner;
  if (owner?.mismatch === true) {
    return awsError(
      ErrorCodes.AWS_BUCKET_OWNER_MISMATCH,
      `bucket ${owner.bucket} is not owned by ${owner.expected}`,
      `check the bucket name in s3dir and the expected-bucket-owner setting (S3 refused to ${doing})`,
      error,
      { ...facts, bucket: owner.bucket, expectedBucketOwner: owner.expected },
    );
  }
  if (status === 403 && e.$operation === 'HeadObject') {
    const object = e.$bucket ? ` of s3://${e.$bucket}/${e.$key ?? ''}` : '';
    const bucketArn = e.$bucket ? `arn:aws:s3:::${e.$bucket}` : 'the bucket';
    return awsError(
      ErrorCodes.AWS_ACCESS_DENIED,
      `S3 answered 403 Forbidden to a HEAD${object} while trying to ${doing}: S3 answers 403, not 404, when the object does not exist and the caller lacks s3:ListBucket`,
      `grant s3:ListBucket on ${bucketArn} (limited to the prefix by an s3:prefix condition) and s3:GetObject on the objects; \`layer iam-policy\` prints the whole policy`,
      error,
      { ...facts, bucket: e.$bucket, key: e.$key },
    );
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden' || status === 403) {
    const ownerNote =
      owner && owner.mismatch === undefined
        ? ` (S3 answers the same when bucket ${owner.bucket} is not owned by ${owner.expected}, the expected-bucket-owner)`
        : '';
    return awsError(
      ErrorCodes.AWS_ACCESS_DENIED,
      `access denied while trying to ${doing}: ${message}${ownerNote}`,
      'check that your AWS identity has the S3 and Lambda permissions this run needs (`layer iam-policy` prints them)',
      error,
      facts,
    );
  }
  if (name === 'NoSuchBucket') {
    return awsError(
      ErrorCodes.AWS_BUCKET_NOT_FOUND,
      `the S3 bucket does not exist (while trying to ${doing})`,
      'create the bucket or fix --s3dir',
      error,
    );
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
    const unparsed = isUnparsed(name);
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
      "check --endpoint-url / AWS_ENDPOINT_URL and --region, and the machine's DNS and network",
      error,
      { ...facts, code, host },
    );
  }
  if (e.$proxy && code && /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code) && isProxyAddress(e, e.$proxy.url)) {
    return awsError(
      ErrorCodes.AWS_PROXY_FAILED,
      `cannot reach the proxy ${e.$proxy.url} (from ${e.$proxy.source}): ${code === 'ECONNREFUSED' ? 'connection refused' : code}${attempts} while trying to ${doing}`,
      `check the proxy address in ${e.$proxy.source}, or list ${e.$endpoint ?? "the endpoint's host"} in NO_PROXY to reach it directly`,
      error,
      { ...facts, code, proxy: e.$proxy.url },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    const cause = code === 'ECONNREFUSED' ? 'connection refused' : code === 'EHOSTUNREACH' ? 'host unreachable' : 'network unreachable';
    return awsError(
      ErrorCodes.AWS_UNREACHABLE,
      `cannot connect to ${service}${at}: ${cause}${attempts} while trying to ${doing}`,
      code === 'ECONNREFUSED'
        ? 'check --endpoint-url / AWS_ENDPOINT_URL and that the service listens there'
        : 'check the network connection and VPN; behind a proxy set HTTPS_PROXY (or --proxy)',
      error,
      { ...facts, code, endpoint: where },
    );
  }
  if (code && TLS_CODES.test(code)) {
    const host = e.$endpoint ?? where ?? 'the endpoint';
    const bundle = e.$caBundle;
    return awsError(
      ErrorCodes.AWS_TLS_FAILED,
      `TLS with ${service}${at}${e.$proxy ? ` through the proxy ${e.$proxy.url}` : ''} failed (${code}: ${message})${attempts} while trying to ${doing}`,
      bundle
        ? `the CA bundle ${bundle.path} (from ${bundle.source}) does not hold the CA that signed ${host}'s certificate: add that CA to it, or name the right file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile`
        : `if a proxy or a private CA signs ${host}'s certificate, give its CA file with --ca-bundle, AWS_CA_BUNDLE or ca_bundle in the AWS profile; check that the endpoint URL uses the right scheme (http or https)`,
      error,
      { ...facts, code, endpoint: where, ...(bundle ? { caBundle: bundle.path } : {}) },
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

/**
 * The bit of an SDK client (or of one command) that core's middlewares need:
 * its middleware stack, typed structurally because core does not depend on the SDK.
 */
export interface AwsClientWithMiddleware {
  middlewareStack: { add(middleware: unknown, options: Record<string, unknown>): void; remove?(name: string): boolean };
}

const ANNOTATE_ERRORS = 'lambdaLayerAnnotateErrors';

/**
 * Adds to an SDK client a middleware that writes onto every failed request's
 * error the service (`$service`), endpoint (`$endpoint`, host:port),
 * operation and S3 object it went to, and the proxy and CA bundle of
 * `network` it used, so a timeout, a TLS failure or a 403 can name the host,
 * the setting and the permission. It sits outermost (initialize step), so it
 * sees the error the retries ended with. Idempotent.
 */
export function annotateAwsErrors<C extends AwsClientWithMiddleware>(client: C, network?: NetworkSettings): C {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string; endpointV2?: { url?: URL } }) =>
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
          if (context.commandName && !e.$operation) e.$operation = context.commandName.replace(/Command$/, '');
          const input = (args as { input?: { Bucket?: unknown; Key?: unknown } }).input;
          if (typeof input?.Bucket === 'string' && !e.$bucket) e.$bucket = input.Bucket;
          if (typeof input?.Key === 'string' && !e.$key) e.$key = input.Key;
          const proxy = url ? proxyFor(url, network) : undefined;
          if (proxy && network?.proxy && !e.$proxy) e.$proxy = { url: displayUrl(proxy), source: network.proxy.source };
          if (network?.caBundle && url?.protocol === 'https:' && !e.$caBundle)
            e.$caBundle = { path: network.caBundle.path, source: network.caBundle.source };
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

import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { annotateAwsErrors, ErrorCodes, LayerError } from '@lambda-layer/core';

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  /** Environment to read LAYER_AWS_TIMEOUT from (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** Lazily created AWS clients: the SDK is imported only by a command that talks to AWS, so `layer --help` stays fast. */
export interface AwsClients {
  s3(): Promise<S3Client>;
  lambda(): Promise<LambdaClient>;
}

/**
 * How long a request may stay silent (no byte sent or received) before it is
 * abandoned and retried: the SDK waits forever by default, so a hung endpoint
 * would hang the run. 60 s, the AWS CLI's read timeout; LAYER_AWS_TIMEOUT
 * (seconds) changes it. Connecting gets at most 10 s of it.
 */
export const DEFAULT_AWS_TIMEOUT_SECONDS = 60;
export const AWS_TIMEOUT_ENV = 'LAYER_AWS_TIMEOUT';

export function awsTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env[AWS_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_AWS_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new LayerError(ErrorCodes.CONFIG_INVALID_VALUE, `${AWS_TIMEOUT_ENV} must be a number of seconds above 0, got ${JSON.stringify(raw)}`, {
      hint: `set ${AWS_TIMEOUT_ENV}=60 or unset it`,
      details: { key: AWS_TIMEOUT_ENV },
    });
  }
  return Math.round(seconds * 1000);
}

/** Checks an endpoint URL before the SDK sees it (the SDK's own message is "TypeError: Invalid URL"). */
export function validateEndpointUrl(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new LayerError(ErrorCodes.INVALID_OPTION, `invalid endpoint URL ${JSON.stringify(value)} in ${source}`, {
      hint: 'use a full URL such as http://127.0.0.1:5000 or https://s3.eu-west-1.amazonaws.com',
      details: { option: 'endpoint-url', source },
    });
  }
  return value;
}

/**
 * Clients built from the SDK's own credential and region chain (AWS_PROFILE,
 * AWS_REGION, SSO, …) plus the --profile, --region and --endpoint-url flags.
 * A custom endpoint (moto, LocalStack, MinIO) gets path-style S3 addressing.
 * Retries are the SDK's standard strategy (AWS_MAX_ATTEMPTS, default 3);
 * failed requests carry their service and host for the error line.
 */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const env = settings.env ?? process.env;
  const endpoint = settings.endpointUrl;
  // The flag is checked now, so a bad value fails before any step starts; the
  // environment only when a command creates a client (`layer build` ignores it).
  if (endpoint !== undefined) validateEndpointUrl(endpoint, '--endpoint-url');
  const common = (service: 'S3' | 'LAMBDA') => {
    const variable = [`AWS_ENDPOINT_URL_${service}`, 'AWS_ENDPOINT_URL'].find((name) => env[name]);
    if (endpoint === undefined && variable) validateEndpointUrl(env[variable] as string, variable);
    const timeoutMs = awsTimeoutMs(env);
    // `profile` is SDK v3 client config: it selects the profile for credentials and region alike.
    const config: { region?: string; endpoint?: string; profile?: string; requestHandler: { connectionTimeout: number; socketTimeout: number } } = {
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 10_000), socketTimeout: timeoutMs },
    };
    if (settings.region) config.region = settings.region;
    if (endpoint) config.endpoint = endpoint;
    if (settings.profile) config.profile = settings.profile;
    return config;
  };
  let s3: Promise<S3Client> | undefined;
  let lambda: Promise<LambdaClient> | undefined;
  const pathStyle = Boolean(endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  return {
    s3: () =>
      (s3 ??= (async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return annotateAwsErrors(new S3Client({ ...common('S3'), forcePathStyle: pathStyle } satisfies S3ClientConfig));
      })()),
    lambda: () =>
      (lambda ??= (async () => {
        const { LambdaClient } = await import('@aws-sdk/client-lambda');
        return annotateAwsErrors(new LambdaClient(common('LAMBDA') satisfies LambdaClientConfig));
      })()),
  };
}

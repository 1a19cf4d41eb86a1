import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  annotateAwsErrors,
  applyS3ObjectSettings,
  ErrorCodes,
  LayerError,
  type NetworkSettings,
  parseEndpointUrl,
  type S3ObjectSettings,
} from '@lambda-layer/core';
import type { createNetworkAgents } from './network-agents.js';

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
  /** Environment to read LAYER_AWS_TIMEOUT from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** The proxy and CA bundle (network-settings.ts), resolved when the first client is made. */
  network?: () => Promise<NetworkSettings>;
  /** Encryption and bucket owner for every S3 request. */
  s3Objects?: S3ObjectSettings;
}

/** Lazily created AWS clients: the SDK is imported only by a command that talks to AWS, so `layer --help` stays fast. */
export interface AwsClients {
  s3(): Promise<S3Client>;
  lambda(): Promise<LambdaClient>;
}

/** An endpoint URL from `where` (the --endpoint-url flag or an SDK variable) or a usage error naming it, not "TypeError: Invalid URL" from deep inside a request. */
export function checkEndpointUrl(value: string, where: string): void {
  try {
    parseEndpointUrl(value);
  } catch (error) {
    throw new LayerError(ErrorCodes.USAGE, `invalid ${where}: ${(error as LayerError).message}`, {
      hint: (error as LayerError).hint,
      details: { where },
    });
  }
}

/** The SDK's own endpoint variables. */
const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_LAMBDA'] as const;

/**
 * A named profile must exist in the shared config or credentials file, read
 * the way the SDK reads them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * `[profile NAME]` / `[NAME]`); otherwise the SDK's answer is a vague
 * "could not load credentials" after its whole provider chain.
 */
async function checkProfileExists(profile: string, from: string): Promise<void> {
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  if (files.configFile[profile] || files.credentialsFile[profile]) return;
  const configFile = process.env.AWS_CONFIG_FILE ?? '~/.aws/config';
  const credentialsFile = process.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials';
  throw new LayerError(ErrorCodes.AWS_PROFILE_NOT_FOUND, `AWS profile "${profile}" (from ${from}) is not in ${configFile} or ${credentialsFile}`, {
    hint: `create it (\`aws configure --profile ${profile}\` or \`aws configure sso\`) or pass an existing --profile`,
    details: { profile },
  });
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

/**
 * Clients built from the SDK's own credential and region chain (AWS_PROFILE,
 * AWS_REGION, SSO, …) plus the --profile, --region and --endpoint-url flags.
 * A custom endpoint (moto, LocalStack, MinIO) gets path-style S3 addressing.
 * Behind a proxy or a private CA their connections go through the agents of
 * network-agents.ts; every S3 request carries the encryption and bucket owner.
 * The settings are checked when the first client is made, so a command that
 * never talks to AWS never trips over them. Retries are the SDK's standard
 * strategy (AWS_MAX_ATTEMPTS, default 3); failed requests carry their service
 * and host for the error line.
 */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const env = settings.env ?? process.env;
  const endpoint = settings.endpointUrl;
  let checked: Promise<NetworkSettings | undefined> | undefined;
  // One set of agents for both clients: they share the proxy's kept-alive connections.
  let agents: ReturnType<typeof createNetworkAgents>;
  const check = () =>
    (checked ??= (async () => {
      for (const name of ENDPOINT_VARIABLES) if (env[name]) checkEndpointUrl(env[name], name);
      const profile = settings.profile ?? env.AWS_PROFILE;
      if (profile) await checkProfileExists(profile, settings.profile ? '--profile' : 'AWS_PROFILE');
      const network = await settings.network?.();
      // The proxy agents are loaded only when a proxy or CA bundle is in force: `layer --help` stays fast.
      if (network?.proxy || network?.caBundle) agents = (await import('./network-agents.js')).createNetworkAgents(network);
      return network;
    })());
  const common = () => {
    const timeoutMs = awsTimeoutMs(env);
    // `profile` is SDK v3 client config: it selects the profile for credentials and region alike.
    const config: {
      region?: string;
      endpoint?: string;
      profile?: string;
      requestHandler: { connectionTimeout: number; socketTimeout: number } & Partial<NonNullable<typeof agents>>;
    } = {
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 10_000), socketTimeout: timeoutMs, ...agents },
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
        const network = await check();
        const { S3Client } = await import('@aws-sdk/client-s3');
        const client = annotateAwsErrors(new S3Client({ ...common(), forcePathStyle: pathStyle } satisfies S3ClientConfig), network);
        return settings.s3Objects ? applyS3ObjectSettings(client, settings.s3Objects) : client;
      })()),
    lambda: () =>
      (lambda ??= (async () => {
        const network = await check();
        const { LambdaClient } = await import('@aws-sdk/client-lambda');
        return annotateAwsErrors(new LambdaClient(common() satisfies LambdaClientConfig), network);
      })()),
  };
}

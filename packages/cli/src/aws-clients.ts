import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

export interface AwsSettings {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** Lazily created AWS clients: the SDK is imported only by a command that talks to AWS, so `layer --help` stays fast. */
export interface AwsClients {
  s3(): Promise<S3Client>;
  lambda(): Promise<LambdaClient>;
}

/**
 * Clients built from the SDK's own credential and region chain (AWS_PROFILE,
 * AWS_REGION, SSO, …) plus the --profile, --region and --endpoint-url flags.
 * A custom endpoint (moto, LocalStack, MinIO) gets path-style S3 addressing.
 */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const endpoint = settings.endpointUrl;
  const common = () => {
    // `profile` is SDK v3 client config: it selects the profile for credentials and region alike.
    const config: { region?: string; endpoint?: string; profile?: string } = {};
    if (settings.region) config.region = settings.region;
    if (endpoint) config.endpoint = endpoint;
    if (settings.profile) config.profile = settings.profile;
    return config;
  };
  let s3: Promise<S3Client> | undefined;
  let lambda: Promise<LambdaClient> | undefined;
  const pathStyle = Boolean(endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL);
  return {
    s3: () =>
      (s3 ??= (async () => {
        const { S3Client } = await import('@aws-sdk/client-s3');
        return new S3Client({ ...common(), forcePathStyle: pathStyle } satisfies S3ClientConfig);
      })()),
    lambda: () =>
      (lambda ??= (async () => {
        const { LambdaClient } = await import('@aws-sdk/client-lambda');
        return new LambdaClient(common() satisfies LambdaClientConfig);
      })()),
  };
}

import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import {
  type CaBundle,
  checkS3ObjectSettings,
  configEnvName,
  type ConfigKey,
  ErrorCodes,
  hasProxyCredentials,
  isLayerError,
  LayerError,
  type NetworkSettings,
  readCaBundle,
  type ResolvedConfig,
  resolveProxySettings,
  type S3ObjectSettings,
} from '@lambda-layer/core';

type Env = Record<string, string | undefined>;

/** Where a config key's value came from, in the words of an error line: "--proxy", "LAYER_PROXY", "proxy in pyproject.toml". */
function originOf(config: ResolvedConfig, key: ConfigKey): string {
  switch (config.sources[key]) {
    case 'flag':
      return `--${key}`;
    case 'env':
      return configEnvName(key);
    default:
      return `${key} in ${config.pyproject.path}`;
  }
}

/** A value from the command line or the environment is a usage error (exit 2); one from a file a config error (exit 1). */
function fromCommandLine(source: string): boolean {
  return source.startsWith('--') || /^[A-Z_]+$/.test(source);
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path;
}

/**
 * The CA bundle in force, by precedence: --ca-bundle / LAYER_CA_BUNDLE,
 * AWS_CA_BUNDLE, `ca-bundle` in pyproject.toml (relative to the project),
 * then `ca_bundle` of the AWS profile (read the SDK's way: AWS_CONFIG_FILE,
 * `[profile NAME]`), as the AWS CLI reads them.
 */
async function findCaBundle(
  config: ResolvedConfig,
  options: { projectDir: string; env: Env; profile: string | undefined },
): Promise<{ path: string; source: string; ownSetting?: boolean } | undefined> {
  const configured = config.values['ca-bundle'];
  const source = config.sources['ca-bundle'];
  if (configured && (source === 'flag' || source === 'env'))
    return { path: resolve(expandHome(configured)), source: originOf(config, 'ca-bundle'), ownSetting: true };
  const fromEnv = options.env.AWS_CA_BUNDLE?.trim();
  if (fromEnv) return { path: resolve(expandHome(fromEnv)), source: 'AWS_CA_BUNDLE' };
  if (configured) return { path: resolve(options.projectDir, expandHome(configured)), source: originOf(config, 'ca-bundle'), ownSetting: true };
  const profile = options.profile ?? options.env.AWS_PROFILE ?? 'default';
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({
    ignoreCache: true,
    ...(options.env.AWS_CONFIG_FILE ? { configFilepath: options.env.AWS_CONFIG_FILE } : {}),
  });
  const fromProfile = files.configFile[profile]?.ca_bundle?.trim();
  if (fromProfile) {
    const path = expandHome(fromProfile);
    return { path: isAbsolute(path) ? path : resolve(path), source: `ca_bundle of the AWS profile ${profile}` };
  }
  return undefined;
}

/**
 * The proxy of this run (no file is read: the runner checks it before any
 * step): --proxy / LAYER_PROXY / pyproject's `proxy`, else HTTPS_PROXY /
 * HTTP_PROXY, and NO_PROXY.
 */
export function resolveProxyConfig(config: ResolvedConfig, env: Env = process.env): Pick<NetworkSettings, 'proxy' | 'noProxy'> {
  const configured = config.values.proxy;
  const proxySource = configured ? originOf(config, 'proxy') : undefined;
  if (configured && proxySource && config.sources.proxy !== 'env' && hasProxyCredentials(configured)) {
    throw new LayerError(
      config.sources.proxy === 'flag' ? ErrorCodes.USAGE : ErrorCodes.CONFIG_INVALID_VALUE,
      `${proxySource} must not contain a user name or password`,
      {
        hint: 'put the proxy with its credentials in the environment instead: LAYER_PROXY or HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT',
        details: { key: 'proxy' },
      },
    );
  }
  return resolveProxySettings(configured && proxySource ? { url: configured, source: proxySource } : undefined, env);
}

/**
 * The proxy and CA bundle of this run (see core's network.ts): the proxy from
 * --proxy / LAYER_PROXY / pyproject, else HTTPS_PROXY / HTTP_PROXY; NO_PROXY
 * from the environment; the CA bundle read and checked. Proxy credentials are
 * taken only from the environment: on a command line every process on the
 * machine can read them, in pyproject.toml they would be committed.
 */
export async function resolveNetworkSettings(
  config: ResolvedConfig,
  options: { projectDir: string; env?: Env; profile?: string | undefined },
): Promise<NetworkSettings> {
  const env = options.env ?? process.env;
  const proxy = resolveProxyConfig(config, env);
  const found = await findCaBundle(config, { projectDir: options.projectDir, env, profile: options.profile });
  let caBundle: CaBundle | undefined;
  if (found) {
    try {
      caBundle = await readCaBundle(found.path, found.source, { ownSetting: found.ownSetting === true });
    } catch (error) {
      if (!isLayerError(error) || !fromCommandLine(found.source)) throw error;
      throw new LayerError(ErrorCodes.USAGE, `invalid ${found.source}: ${error.message}`, {
        hint: error.hint ?? `fix ${found.source}`,
        details: error.details,
      });
    }
  }
  return { ...proxy, ...(caBundle ? { caBundle } : {}) };
}

const S3_OBJECT_KEYS = ['sse', 'sse-kms-key-id', 'bucket-key', 'expected-bucket-owner'] as const satisfies readonly ConfigKey[];

/**
 * The encryption and bucket owner every S3 request carries, checked together
 * (a KMS key or a Bucket Key only with aws:kms). A wrong combination is a
 * usage error when any part of it came from the command line or environment.
 */
export function resolveS3ObjectSettings(config: ResolvedConfig): S3ObjectSettings {
  const values = config.values;
  try {
    return checkS3ObjectSettings({
      sse: values.sse as S3ObjectSettings['sse'],
      kmsKeyId: values['sse-kms-key-id'],
      bucketKey: values['bucket-key'],
      expectedBucketOwner: values['expected-bucket-owner'],
    });
  } catch (error) {
    if (!isLayerError(error)) throw error;
    const onCommandLine = S3_OBJECT_KEYS.some((key) => config.sources[key] === 'flag' || config.sources[key] === 'env');
    throw new LayerError(
      onCommandLine ? ErrorCodes.USAGE : ErrorCodes.CONFIG_INVALID_VALUE,
      onCommandLine ? error.message : `${error.message} (in ${config.pyproject.path})`,
      {
        ...(error.hint ? { hint: error.hint } : {}),
      },
    );
  }
}
